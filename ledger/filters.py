import django_filters

from ledger.models import Posting


class EntryFilter(django_filters.FilterSet):
    # ``from``/``to`` are dates in Asia/Shanghai, inclusive.
    date_from = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    date_to = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte")
    worker = django_filters.NumberFilter(field_name="account__worker_id")
    project = django_filters.NumberFilter(field_name="transaction__project_id")
    company = django_filters.NumberFilter(field_name="account__company_id")
    kind = django_filters.CharFilter(field_name="transaction__kind")

    class Meta:
        model = Posting
        fields = ["worker", "project", "company", "kind"]

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            data = data.copy()
            for public, internal in (("from", "date_from"), ("to", "date_to")):
                if public in data:
                    data[internal] = data.pop(public)[-1] if hasattr(data, "getlist") else data.pop(public)
        super().__init__(data, *args, **kwargs)
