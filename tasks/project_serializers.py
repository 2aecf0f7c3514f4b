"""The API's shapes of a supervisor's project: the project, its terms in and out, a split and a
background split job, time slots in (the shapes of the work on it: tasks/serializers.py)."""

from django.utils.translation import gettext as _
from rest_framework import serializers

from core.fields import IdField, StrictIntegerField
from core.schema import ClockTimeField
from core.serializers import ExportJobOut, ModelSerializer
from fairwork.selectors import floor_for
from ledger.money import format_fen, format_rate
from tasks import results_export
from tasks.models import Kind, Project, ResultsExport, SplitJob


def hourly_display(project: Project) -> str:
    return _("about %(amount)s per hour") % {"amount": format_fen(int(project.implied_hourly_pay * 100))}


class ProjectOut(ModelSerializer):
    company_name = serializers.CharField(source="company.name", read_only=True)
    piece_rate_display = serializers.SerializerMethodField()
    implied_hourly_pay = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True)
    implied_hourly_pay_display = serializers.SerializerMethodField()
    measured_hourly_pay = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True, allow_null=True)
    pay_floor = serializers.SerializerMethodField()
    skill_name = serializers.CharField(source="skill.name", read_only=True, allow_null=True)
    piece_rate_by_level = serializers.DictField(
        child=serializers.CharField(), read_only=True, help_text='Rates by level, e.g. {"2": "0.6000"}.'
    )

    class Meta:
        model = Project
        fields = [
            "id",
            "company",
            "company_name",
            "kind",
            "title",
            "instructions",
            "status",
            "piece_rate",
            "piece_rate_display",
            "unit",
            "minutes_per_unit",
            "implied_hourly_pay",
            "implied_hourly_pay_display",
            "measured_minutes_per_unit",
            "measured_hourly_pay",
            "pay_floor",
            "region",
            "pickup_point",
            "dropoff_point",
            "label_set",
            "grace_minutes",
            "review_window_hours",
            "claim_limit",
            "overlap",
            "gold_rate",
            "gold_min_accuracy",
            "item_retries",
            "skill",
            "skill_name",
            "min_level",
            "training",
            "training_pass_score",
            "training_attempts",
            "piece_rate_by_level",
            "created_at",
            "updated_at",
        ]

    def get_piece_rate_display(self, project) -> str:
        return f"{format_rate(project.piece_rate)}/{project.unit}"

    def get_pay_floor(self, project) -> dict | None:
        """The region's part-time minimum hourly wage, shown while editing; publishing below it is refused."""
        floor = floor_for(project.region)
        if floor is None:
            return None
        return {
            "region": floor.region,
            "yuan_per_hour": f"{floor.yuan_per_hour:.2f}",
            "effective_from": floor.effective_from.isoformat(),
            "confirmed": floor.confirmed,
            "source": floor.source,
            "meets_floor": project.implied_hourly_pay >= floor.yuan_per_hour,
            "measured_meets_floor": None
            if project.measured_hourly_pay is None
            else project.measured_hourly_pay >= floor.yuan_per_hour,
        }

    def get_implied_hourly_pay_display(self, project) -> str:
        return hourly_display(project)


class ProjectCreateIn(serializers.Serializer):
    company = IdField(required=False, help_text="Needed only if you work for several companies.")
    kind = serializers.ChoiceField(choices=Kind.choices)
    title = serializers.CharField(max_length=200)
    instructions = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    piece_rate = serializers.DecimalField(max_digits=10, decimal_places=4, min_value=0)
    unit = serializers.CharField(max_length=8, required=False)
    minutes_per_unit = serializers.DecimalField(max_digits=7, decimal_places=2, min_value=0)
    region = serializers.CharField(max_length=64, required=False, allow_blank=True)
    pickup_point = serializers.CharField(max_length=200, required=False, allow_blank=True)
    dropoff_point = serializers.CharField(max_length=200, required=False, allow_blank=True)
    label_set = serializers.ListField(child=serializers.CharField(max_length=64), required=False)
    grace_minutes = StrictIntegerField(forms=True, required=False)
    review_window_hours = StrictIntegerField(forms=True, required=False)
    claim_limit = StrictIntegerField(forms=True, required=False)
    gold_min_accuracy = StrictIntegerField(
        forms=True, required=False, help_text="labelling: a hand-in below this % of gold items right is flagged (0–100)"
    )
    item_retries = StrictIntegerField(
        forms=True, required=False, help_text="labelling: times an item not accepted goes back to the pool (0–5)"
    )
    # The career terms (tasks.services._career_terms checks them together, with the skill's levels).
    skill = IdField(required=False, allow_null=True, help_text="A skill of the project's company; null: none.")
    min_level = StrictIntegerField(forms=True, required=False, help_text="0 (anyone) up to the skill's levels.")
    training = serializers.BooleanField(required=False, help_text="A paid training of the skill (min_level 0).")
    training_pass_score = StrictIntegerField(forms=True, required=False, help_text="Pass mark, 1 to 100 (%).")
    training_attempts = StrictIntegerField(forms=True, required=False, help_text="Attempts allowed, 1 to 10.")
    piece_rate_by_level = serializers.DictField(
        child=serializers.CharField(),
        required=False,
        help_text='Rates for levels 2 and up, at least the piece rate: {"2": "0.60", "3": "0.80"}.',
    )


class ProjectPatchIn(ProjectCreateIn):
    kind = None
    company = None

    def __init__(self, *args, **kwargs):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


class SplitIn(serializers.Serializer):
    total_units = StrictIntegerField(forms=True, required=False)
    units_per_task = StrictIntegerField(forms=True, required=False)
    briefs = serializers.ListField(child=serializers.CharField(allow_blank=True, trim_whitespace=False), required=False)
    min_chars = StrictIntegerField(
        forms=True, required=False, help_text="copywriting: the fewest characters (字数, without spaces)"
    )
    max_chars = StrictIntegerField(forms=True, required=False, help_text="copywriting: the most characters")
    keywords = serializers.ListField(
        child=serializers.CharField(max_length=20), required=False, max_length=10, help_text="copywriting"
    )
    file = serializers.FileField(required=False)
    items_per_task = StrictIntegerField(forms=True, required=False)
    text_field = serializers.CharField(required=False, max_length=64)
    gold_field = serializers.CharField(
        required=False, max_length=64, help_text="labelling: the column holding each gold item's known answer"
    )
    gold_rate = StrictIntegerField(
        forms=True,
        required=False,
        min_value=0,
        max_value=50,
        help_text="labelling: % of each task's items that are gold items, drawn from the gold rows "
        "(default with gold_field: the project's, 10)",
    )
    overlap = StrictIntegerField(
        forms=True,
        required=False,
        min_value=1,
        max_value=5,
        help_text="labelling: how many different mothers label each item (default: the project's, 1)",
    )


class SlotPatternIn(serializers.Serializer):
    weekdays = serializers.ListField(
        child=StrictIntegerField(forms=True, min_value=0, max_value=6), min_length=1, max_length=7
    )
    start = ClockTimeField(help_text="09:00")
    end = ClockTimeField(help_text="11:30")
    weeks = StrictIntegerField(forms=True, min_value=1, max_value=12)
    capacity = StrictIntegerField(forms=True, min_value=1, max_value=100000)
    first_day = serializers.DateField(required=False, help_text="default: today")


class SlotIn(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    capacity = StrictIntegerField(forms=True, min_value=1, max_value=100000)


class SplitJobOut(ModelSerializer):
    progress_percent = serializers.SerializerMethodField()

    class Meta:
        model = SplitJob
        fields = [
            "id",
            "project",
            "filename",
            "items_per_task",
            "status",
            "progress_percent",
            "tasks_created",
            "units_created",
            "error",
            "error_line",
            "created_at",
            "finished_at",
        ]

    def get_progress_percent(self, job) -> int:
        """Coarse, by phase: the split itself is one transaction, all or nothing."""
        return {"queued": 0, "running": 50}.get(job.status, 100)


class ResultsExportOut(ExportJobOut):
    class Meta:
        model = ResultsExport
        fields = ["id", "project", "state", *ExportJobOut.JOB_FIELDS]

    def download_path(self, export) -> str:
        return results_export.download_path(export)


class ResultsExportIn(serializers.Serializer):
    """What file to build: checked by the service, so a wrong value answers its own code."""

    format = serializers.CharField(max_length=16, help_text="csv, jsonl or xlsx")
    state = serializers.CharField(max_length=16, required=False, default="accepted", help_text="accepted or all")
