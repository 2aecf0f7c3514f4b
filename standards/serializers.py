"""What the standard's API answers (read-only: the standard is measured, never written through the API)."""

from rest_framework import serializers


class IndicatorOut(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    threshold = serializers.CharField(help_text="the plain rule the figure is held to")
    value = serializers.JSONField(help_text="a number (shares 0–1, yuan as text, days, hours); null: too few events")
    display = serializers.CharField(help_text="the figure as people read it; empty with too few events")
    met = serializers.BooleanField(allow_null=True, help_text="null: too few events to judge")
    enough = serializers.BooleanField()
    events = serializers.IntegerField()
    minimum = serializers.IntegerField(help_text="events needed before the figure means anything")
    detail = serializers.DictField()


class CompanyQualityOut(serializers.Serializer):
    company = serializers.IntegerField()
    name = serializers.CharField()
    badge = serializers.BooleanField(help_text="妈妈岗规范企业: every indicator met over the whole window")
    badge_since = serializers.DateTimeField(allow_null=True)
    window_days = serializers.IntegerField()
    window_start = serializers.DateTimeField()
    measured_at = serializers.DateTimeField()
    indicators = IndicatorOut(many=True)


class FiguresRowOut(serializers.Serializer):
    month = serializers.CharField()
    region = serializers.CharField()
    suppressed = serializers.BooleanField(help_text="fewer than 5 mothers, or hidden so a total cannot reveal one")
    mothers = serializers.IntegerField(allow_null=True)
    hours = serializers.FloatField(allow_null=True)
    earnings_total = serializers.CharField(allow_null=True)
    earnings_median = serializers.CharField(allow_null=True, help_text="per mother, yuan")
    earnings_q1 = serializers.CharField(allow_null=True)
    earnings_q3 = serializers.CharField(allow_null=True)
    companies = serializers.IntegerField(allow_null=True)
    hand_ins = serializers.IntegerField(allow_null=True)
    at_floor_share = serializers.FloatField(allow_null=True)
    settled_on_time_share = serializers.FloatField(allow_null=True)
    appeals_opened = serializers.IntegerField(allow_null=True)
    appeals_for_her = serializers.IntegerField(allow_null=True)
    appeals_upheld = serializers.IntegerField(allow_null=True)


class FiguresCompanyOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    badge = serializers.BooleanField()
    indicators = serializers.DictField(help_text="by key: {value, met, enough}")


class FiguresOut(serializers.Serializer):
    region = serializers.CharField()
    regions = serializers.ListField(child=serializers.CharField(), help_text="the regions this account sees")
    min_mothers = serializers.IntegerField()
    rows = FiguresRowOut(many=True, help_text="one city in one month")
    totals = FiguresRowOut(many=True, help_text="the whole region, one row per month")
    companies = FiguresCompanyOut(many=True)
    from_month = serializers.CharField()
    to_month = serializers.CharField()
