"""The API's shapes of the work: tasks, slots, claims, hand-ins and reviews (a project's own
shapes: tasks/project_serializers.py), and the claim hot path's answer built by hand."""

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.fields import IdField, StrictIntegerField
from core.serializers import ModelSerializer
from ledger.money import fen_for_units, format_fen, format_rate
from tasks import career, gold, handovers, writing
from tasks.models import (
    Claim,
    ClaimStatus,
    Decision,
    Kind,
    LabelItem,
    Project,
    Submission,
    SubmissionPhoto,
    Task,
    TimeSlot,
)
from tasks.project_serializers import ProjectOut, hourly_display


class SlotOut(ModelSerializer):
    fits_my_time = serializers.SerializerMethodField()
    places_left = serializers.SerializerMethodField()

    class Meta:
        model = TimeSlot
        fields = ["id", "project", "starts_at", "ends_at", "capacity", "claimed_count", "places_left", "fits_my_time"]

    def get_fits_my_time(self, slot) -> bool | None:
        """For a mother: whether the slot lies inside her weekly hours (None for staff)."""
        fits = self.context.get("fits")
        return None if fits is None else fits.get(slot.pk)

    def get_places_left(self, slot) -> int:
        return max(slot.capacity - slot.claimed_count, 0)


class ProjectBrief(ModelSerializer):
    piece_rate_display = serializers.SerializerMethodField()
    implied_hourly_pay = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True)
    implied_hourly_pay_display = serializers.SerializerMethodField()
    company_name = serializers.CharField(source="company.name", read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "title",
            "kind",
            "company",
            "company_name",
            "unit",
            "piece_rate",
            "piece_rate_display",
            "minutes_per_unit",
            "implied_hourly_pay",
            "implied_hourly_pay_display",
            "region",
            "pickup_point",
            "dropoff_point",
            "label_set",
        ]

    get_piece_rate_display = ProjectOut.get_piece_rate_display
    get_implied_hourly_pay_display = ProjectOut.get_implied_hourly_pay_display


class LabelItemOut(ModelSerializer):
    class Meta:
        model = LabelItem
        fields = ["id", "position", "text"]


class TaskOut(ModelSerializer):
    project = ProjectBrief()
    pay_fen = serializers.SerializerMethodField()
    pay_display = serializers.SerializerMethodField()
    estimated_minutes = serializers.SerializerMethodField()
    measured_hourly_pay = serializers.DecimalField(
        source="project.measured_hourly_pay", max_digits=10, decimal_places=2, read_only=True, allow_null=True
    )
    # The career terms, and where she stands (tasks.career.Standing: her levels read once a page).
    skill = serializers.IntegerField(source="project.skill_id", read_only=True, allow_null=True)
    skill_name = serializers.CharField(source="project.skill.name", read_only=True, allow_null=True)
    min_level = serializers.IntegerField(source="project.min_level", read_only=True)
    training = serializers.BooleanField(source="project.training", read_only=True)
    locked = serializers.SerializerMethodField()
    your_level = serializers.SerializerMethodField()
    how_to_qualify = serializers.SerializerMethodField()
    rate_for_you = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = [
            "id",
            "number",
            "project",
            "brief",
            "min_chars",
            "max_chars",
            "keywords",
            "units",
            "pay_fen",
            "pay_display",
            "estimated_minutes",
            "measured_hourly_pay",
            "skill",
            "skill_name",
            "min_level",
            "training",
            "locked",
            "your_level",
            "how_to_qualify",
            "rate_for_you",
        ]

    def _standing(self) -> career.Standing:
        if "standing" not in self.context:  # shared by every row of the page
            user = getattr(self.context.get("request"), "user", None)
            self.context["standing"] = career.Standing(getattr(user, "pk", None))
        return self.context["standing"]

    def get_locked(self, task) -> bool:
        """The work needs a level of the skill she does not hold (or a training she has passed)."""
        return self._standing().locked(task.project)

    def get_your_level(self, task) -> int:
        return self._standing().level(task.project)

    def get_how_to_qualify(self, task) -> str:
        """What unlocks locked work, in her words ("" when it is not locked)."""
        return self._standing().how_to_qualify(task.project)

    def get_rate_for_you(self, task) -> str:
        """The piece rate her level earns (``piece_rate_by_level``), as a decimal string."""
        return f"{self._standing().rate(task.project):.4f}"

    def get_pay_fen(self, task) -> int:
        return fen_for_units(units=task.units, piece_rate=task.project.piece_rate)

    def get_pay_display(self, task) -> str:
        return format_fen(self.get_pay_fen(task))

    def get_estimated_minutes(self, task) -> int:
        return int(-(-(task.units * task.project.minutes_per_unit) // 1))


class ReviewOut(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    accepted_units = serializers.IntegerField()
    reason = serializers.CharField()
    score = serializers.IntegerField(allow_null=True)
    training_score = serializers.IntegerField(allow_null=True, help_text="a training hand-in's mark, 0–100")
    rejected_items = serializers.ListField(child=serializers.IntegerField(), help_text="labelling: items not accepted")
    decided_at = serializers.DateTimeField()


class SubmissionBrief(ModelSerializer):
    review = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        fields = ["id", "status", "submitted_units", "text", "labels", "submitted_at", "review_due_at", "review"]

    def get_review(self, submission) -> dict | None:
        review = getattr(submission, "review", None)
        return ReviewOut(review).data if review else None


class ClaimOut(ModelSerializer):
    task = serializers.SerializerMethodField()
    project = ProjectBrief()
    slot = SlotOut()
    live = serializers.SerializerMethodField()
    submissions = SubmissionBrief(many=True, read_only=True)
    materials = serializers.SerializerMethodField(help_text="Assembly: what she holds and owes (tasks.handovers).")

    class Meta:
        model = Claim
        fields = [
            "id",
            "status",
            "live",
            "task",
            "project",
            "slot",
            "claimed_at",
            "expires_at",
            "ended_at",
            "release_reason",
            "submissions",
            "materials",
        ]

    def get_task(self, claim) -> dict:
        task = claim.task
        body = {"id": task.pk, "number": task.number, "brief": task.brief, "units": task.units}
        if claim.project.kind == Kind.LABELLING:
            body["items"] = LabelItemOut(task.items.all(), many=True).data
        return body

    def get_live(self, claim) -> bool:
        if claim.status == ClaimStatus.SUBMITTED:
            return True
        live = claim.expires_at > timezone.now() or handovers.holds_materials(claim.task)
        return claim.status == ClaimStatus.ACTIVE and live

    def get_materials(self, claim) -> dict | None:
        return handovers.claim_materials(claim).as_dict() if claim.project.kind == Kind.ASSEMBLY else None


class ClaimIn(serializers.Serializer):
    slot = IdField()
    confirm_outside_availability = serializers.BooleanField(
        default=False, help_text="She confirmed a slot outside her weekly hours (after a 409 outside_availability)."
    )

    def claim_args(self) -> dict:
        data = self.validated_data
        return {"slot_id": data["slot"], "confirm_outside_availability": data["confirm_outside_availability"]}


class ReleaseIn(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)
    family_emergency = serializers.BooleanField(
        default=False, help_text="During the slot: a family emergency (3 a month carry no mark)."
    )


class SubmitIn(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, max_length=20000)
    completed_units = StrictIntegerField(forms=True, required=False)
    labels = serializers.DictField(child=serializers.CharField(max_length=64), required=False)
    # multipart/form-data: repeat the field for each photo (assembly, at most 3, ≤ 10 MB each).
    photos = serializers.ListField(child=serializers.FileField(allow_empty_file=True), required=False)


class ReviewIn(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    accepted_units = StrictIntegerField(forms=True, required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    score = StrictIntegerField(forms=True, required=False, allow_null=True, min_value=1, max_value=5)
    rejected_items = serializers.ListField(
        child=StrictIntegerField(),
        required=False,
        max_length=1000,
        help_text="labelling, partial: the item ids not accepted (they go back to the pool); the rest are accepted",
    )


class SubmissionPhotoOut(ModelSerializer):
    """A handed-in photo; ``url`` serves it to the mother who sent it and the company's staff only."""

    url = serializers.SerializerMethodField()

    class Meta:
        model = SubmissionPhoto
        fields = ["id", "url", "width", "height", "bytes", "created_at"]

    def get_url(self, photo) -> str:
        return reverse("submission-photo", args=[photo.pk])


class WritingOut(serializers.Serializer):
    """A copywriting hand-in against its brief (tasks.writing): 字数 and the keywords it does not use."""

    chars = serializers.IntegerField()
    min_chars = serializers.IntegerField(allow_null=True)
    max_chars = serializers.IntegerField(allow_null=True)
    keywords = serializers.ListField(child=serializers.CharField())
    missing_keywords = serializers.ListField(child=serializers.CharField())


class GoldOut(serializers.Serializer):
    """Her labels against the task's gold items (known answers); ``flagged``: below the project's
    lowest gold accuracy (``tasks.gold``), listed first in the review queue."""

    correct = serializers.IntegerField()
    total = serializers.IntegerField()
    accuracy = serializers.FloatField(allow_null=True, help_text="percent, one decimal; null without gold items")
    flagged = serializers.BooleanField()


class SubmissionOut(ModelSerializer):
    project = ProjectBrief()
    task = serializers.SerializerMethodField()
    worker = serializers.SerializerMethodField()
    review = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()
    writing = serializers.SerializerMethodField()
    gold = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        fields = [
            "id",
            "status",
            "project",
            "task",
            "claim",
            "worker",
            "submitted_units",
            "text",
            "labels",
            "photos",
            "writing",
            "gold",
            "submitted_at",
            "review_due_at",
            "review",
        ]

    def get_task(self, submission) -> dict:
        return ClaimOut.get_task(self, submission)

    @extend_schema_field(WritingOut(allow_null=True))
    def get_writing(self, submission) -> dict | None:
        if submission.project.kind != Kind.COPYWRITING:
            return None
        return writing.writing_of(submission)

    @extend_schema_field(GoldOut(allow_null=True))
    def get_gold(self, submission) -> dict | None:
        if submission.project.kind != Kind.LABELLING:
            return None
        return gold.gold_of(submission)

    def get_worker(self, submission) -> dict:
        profile = getattr(submission.worker, "worker_profile", None)
        return {"id": submission.worker_id, "display_name": profile.display_name if profile else ""}

    get_review = SubmissionBrief.get_review

    @extend_schema_field(SubmissionPhotoOut(many=True))
    def get_photos(self, submission) -> list:
        if submission.project.kind != Kind.ASSEMBLY:  # only assembly is handed in with photos (claim_submit)
            return []
        return SubmissionPhotoOut(submission.photos.all(), many=True).data


def _drf_datetime(value) -> str | None:
    """A datetime as DRF's DateTimeField renders it (current time zone, ISO 8601)."""
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def claim_created_representation(claim: Claim) -> dict:
    """``ClaimOut(claim).data`` for a claim just made, without DRF's per-call field building: the claim hot
    path's answer, equal to ClaimOut's (tests/tasks/test_fastpath.py checks). Labelling claims (their items
    are read from the database) use ClaimOut itself."""
    project, slot, task = claim.project, claim.slot, claim.task
    return {
        "id": claim.pk,
        "status": claim.status,
        "live": True,
        "task": {"id": task.pk, "number": task.number, "brief": task.brief, "units": task.units},
        "project": {
            "id": project.pk,
            "title": project.title,
            "kind": project.kind,
            "company": project.company_id,
            "company_name": project.company.name,
            "unit": project.unit,
            "piece_rate": f"{project.piece_rate:.4f}",
            "piece_rate_display": f"{format_rate(project.piece_rate)}/{project.unit}",
            "minutes_per_unit": f"{project.minutes_per_unit:.2f}",
            "implied_hourly_pay": f"{project.implied_hourly_pay:.2f}",
            "implied_hourly_pay_display": hourly_display(project),
            "region": project.region,
            "pickup_point": project.pickup_point,
            "dropoff_point": project.dropoff_point,
            "label_set": project.label_set,
        },
        "slot": {
            "id": slot.pk,
            "project": project.pk,
            "starts_at": _drf_datetime(slot.starts_at),
            "ends_at": _drf_datetime(slot.ends_at),
            "capacity": slot.capacity,
            "claimed_count": slot.claimed_count,
            "places_left": max(slot.capacity - slot.claimed_count, 0),
            "fits_my_time": None,
        },
        "claimed_at": _drf_datetime(claim.claimed_at),
        "expires_at": _drf_datetime(claim.expires_at),
        "ended_at": None,
        "release_reason": claim.release_reason,
        "submissions": [],
        "materials": handovers.Materials().as_dict() if project.kind == Kind.ASSEMBLY else None,  # none yet
    }
