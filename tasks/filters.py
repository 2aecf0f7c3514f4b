import django_filters

from tasks.models import Claim, ClaimStatus, Submission, Task


class TaskFilter(django_filters.FilterSet):
    project = django_filters.NumberFilter(field_name="project_id")
    slot = django_filters.NumberFilter(method="filter_slot")
    kind = django_filters.CharFilter(field_name="project__kind")

    class Meta:
        model = Task
        fields = ["project", "slot", "kind"]

    def filter_slot(self, queryset, name, value):
        return queryset.filter(project__slots__id=value)


class ClaimFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ClaimStatus.choices)
    project = django_filters.NumberFilter(field_name="project_id")

    class Meta:
        model = Claim
        fields = ["status", "project"]


class SubmissionFilter(django_filters.FilterSet):
    project = django_filters.NumberFilter(field_name="project_id")

    class Meta:
        model = Submission
        fields = ["project"]
