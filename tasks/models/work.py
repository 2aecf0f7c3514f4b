import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Company
from skills.models import MAX_LEVELS, Skill
from tasks.photos import photo_storage


class Kind(models.TextChoices):
    COPYWRITING = "copywriting", _("copywriting")
    ASSEMBLY = "assembly", _("assembly")
    LABELLING = "labelling", _("labelling")


DEFAULT_UNITS = {Kind.COPYWRITING: "篇", Kind.ASSEMBLY: "件", Kind.LABELLING: "条"}


class ProjectStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")
    PAUSED = "paused", _("paused")
    CLOSED = "closed", _("closed")


class Project(models.Model):
    """One order of work from a company, with one kind, one piece rate and one set of rules."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="projects")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    instructions = models.TextField(_("instructions"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.DRAFT)
    piece_rate = models.DecimalField(_("piece rate (yuan per unit)"), max_digits=10, decimal_places=4)
    unit = models.CharField(_("unit"), max_length=8)
    minutes_per_unit = models.DecimalField(_("estimated minutes per unit"), max_digits=7, decimal_places=2)
    region = models.CharField(_("region"), max_length=64, blank=True)
    pickup_point = models.CharField(_("material pick-up point"), max_length=200, blank=True)
    dropoff_point = models.CharField(_("drop-off point"), max_length=200, blank=True)
    label_set = models.JSONField(_("label set"), default=list, blank=True)
    grace_minutes = models.PositiveIntegerField(_("grace period (minutes)"), default=30)
    review_window_hours = models.PositiveIntegerField(_("review window (hours)"), default=48)
    claim_limit = models.PositiveSmallIntegerField(_("claims one mother may hold at once"), default=2)
    # From accepted work (tasks.jobs.measured_pay_update): the median minutes a unit really took.
    measured_minutes_per_unit = models.DecimalField(
        _("measured minutes per unit"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    measured_at = models.DateTimeField(_("measured at"), null=True, blank=True)
    # A career (skills/): the skill the work needs and the lowest level that may claim it (0: anyone),
    # or, for a training project, the skill it teaches (passing it grants level 1). A higher level may
    # earn a higher rate: {"2": "0.60", "3": "0.80"} (yuan per unit, never below ``piece_rate``).
    skill = models.ForeignKey(Skill, null=True, blank=True, on_delete=models.PROTECT, related_name="projects")
    min_level = models.PositiveSmallIntegerField(_("lowest level that may claim"), default=0)
    training = models.BooleanField(_("training project"), default=False)
    training_pass_score = models.PositiveSmallIntegerField(_("pass mark (%)"), default=80)
    training_attempts = models.PositiveSmallIntegerField(_("attempts allowed"), default=2)
    piece_rate_by_level = models.JSONField(_("piece rate by level"), default=dict, blank=True)
    # Labelling quality (tasks.quality): each item labelled by ``overlap`` different mothers (1–5), the
    # final label their majority; gold items (known answers) mixed into each task at ``gold_rate`` %
    # of its items; a hand-in below ``gold_min_accuracy`` % on them is flagged first in the queue;
    # items rejected in a partial acceptance go back to the pool at most ``item_retries`` times.
    overlap = models.PositiveSmallIntegerField(_("labels per item"), default=1)
    gold_rate = models.PositiveSmallIntegerField(_("gold items per task (%)"), default=10)
    gold_min_accuracy = models.PositiveSmallIntegerField(_("lowest gold accuracy (%)"), default=70)
    item_retries = models.PositiveSmallIntegerField(_("times a rejected item goes back"), default=2)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(piece_rate__gt=0), name="project_piece_rate_positive"),
            models.CheckConstraint(condition=Q(minutes_per_unit__gt=0), name="project_minutes_positive"),
            models.CheckConstraint(condition=Q(claim_limit__gte=1), name="project_claim_limit_positive"),
            models.CheckConstraint(condition=Q(min_level__lte=MAX_LEVELS), name="project_min_level_range"),
            models.CheckConstraint(
                condition=Q(skill__isnull=False) | Q(min_level=0, training=False), name="project_level_needs_skill"
            ),
            models.CheckConstraint(condition=Q(training=False) | Q(min_level=0), name="project_training_open"),
            models.CheckConstraint(
                condition=Q(training_pass_score__gte=1, training_pass_score__lte=100), name="project_pass_score_range"
            ),
            models.CheckConstraint(condition=Q(training_attempts__gte=1), name="project_attempts_positive"),
            models.CheckConstraint(condition=Q(overlap__gte=1, overlap__lte=5), name="project_overlap_range"),
            models.CheckConstraint(condition=Q(gold_rate__lte=50), name="project_gold_rate_range"),
            models.CheckConstraint(condition=Q(gold_min_accuracy__lte=100), name="project_gold_min_range"),
            models.CheckConstraint(condition=Q(item_retries__lte=5), name="project_item_retries_range"),
        ]

    def __str__(self):
        return self.title

    @property
    def implied_hourly_pay(self) -> Decimal:
        """Piece rate × 60 ÷ minutes per unit, in yuan, to the fen."""
        return (self.piece_rate * 60 / self.minutes_per_unit).quantize(Decimal("0.01"))

    @property
    def measured_hourly_pay(self) -> Decimal | None:
        if not self.measured_minutes_per_unit:
            return None
        return (self.piece_rate * 60 / self.measured_minutes_per_unit).quantize(Decimal("0.01"))


class TimeSlot(models.Model):
    """A window on a date in which claims of a project are worked, with a capacity."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"))
    # Claims that hold a place (not released, not expired). Moved only by conditional
    # UPDATEs in the claim services, so concurrent claims cannot overfill the slot.
    claimed_count = models.PositiveIntegerField(_("places taken"), default=0)
    # Cancelled by the company (``tasks.services.slot_cancel``): closed to claims in both claim paths,
    # the mothers who held it told and their tasks back in the hall, with no mark on them.
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("why it was cancelled"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("time slot")
        verbose_name_plural = _("time slots")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="slot_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="slot_capacity_positive"),
            models.CheckConstraint(condition=Q(claimed_count__lte=F("capacity")), name="slot_not_overfilled"),
        ]

    def __str__(self):
        return f"{self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"


class TaskStatus(models.TextChoices):
    OPEN = "open", _("open")
    CLAIMED = "claimed", _("claimed")
    SUBMITTED = "submitted", _("submitted")
    ACCEPTED = "accepted", _("accepted")
    PARTIALLY_ACCEPTED = "partially_accepted", _("partly accepted")
    REJECTED = "rejected", _("rejected")


class Task(models.Model):
    """One claimable unit of a project: a brief, a batch of pieces, or N items to label."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks")
    number = models.PositiveIntegerField(_("number in project"))
    brief = models.TextField(_("brief"), blank=True)
    units = models.PositiveIntegerField(_("units"))
    status = models.CharField(_("status"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    # The live claim's deadline while status is "claimed" (copied from the claim so the
    # hot "any open task" query needs no join).
    claim_expires_at = models.DateTimeField(_("claim deadline"), null=True, blank=True)
    accepted_units = models.PositiveIntegerField(_("accepted units"), default=0)
    # Copywriting: the length the brief asks for (字数, characters without spaces) and words it must use.
    min_chars = models.PositiveIntegerField(_("fewest characters"), null=True, blank=True)
    max_chars = models.PositiveIntegerField(_("most characters"), null=True, blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    # Labelling: the chunk of source items this task holds. The ``overlap`` copies of a chunk, and the
    # tasks its rejected items go back in, share it: a mother never claims two tasks of one group.
    item_group = models.PositiveIntegerField(_("item group"), null=True, blank=True)
    # Labelling: the review whose items not accepted this task holds (tasks.services.item_retries);
    # a second look that accepts them after all withdraws it while nobody has claimed it.
    sent_back_by = models.ForeignKey(
        "tasks.Review",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sent_back",
        verbose_name=_("sent back by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["project_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="task_number_unique_in_project"),
            models.CheckConstraint(condition=Q(units__gte=1), name="task_units_positive"),
            models.CheckConstraint(condition=Q(accepted_units__lte=F("units")), name="task_accepted_le_units"),
            models.CheckConstraint(
                condition=Q(min_chars__isnull=True) | Q(max_chars__isnull=True) | Q(min_chars__lte=F("max_chars")),
                name="task_chars_range",
            ),
        ]
        indexes = [
            # The claim hot path: "any open task of project P, lowest id first". Only open
            # rows, so a draining batch does not walk past the tasks already claimed.
            models.Index(fields=["project", "id"], name="task_open_idx", condition=Q(status="open")),
            # Claimed tasks whose claim ran out are claimable again (found by deadline).
            models.Index(
                fields=["project", "claim_expires_at"], name="task_claimed_deadline_idx", condition=Q(status="claimed")
            ),
            models.Index(fields=["project", "item_group"], name="task_item_group_idx"),
        ]

    def __str__(self):
        return f"{self.project_id}#{self.number}"


class LabelItem(models.Model):
    """One item to label, from the uploaded file; a labelling task holds N of them."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(_("position"))
    source_line = models.PositiveIntegerField(_("line in the uploaded file"))
    text = models.TextField(_("text"))
    payload = models.JSONField(_("original record"), default=dict)
    # A gold item: the known answer (training, quality control); "" for an ordinary item.
    expected_label = models.CharField(_("expected label"), max_length=100, blank=True, default="")
    # The same source item in another task (an overlap copy, a second try after a reject, a gold item
    # mixed in again) points at its first copy; null: this row is the first.
    origin = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="copies", verbose_name=_("first copy")
    )
    round = models.PositiveSmallIntegerField(_("times sent back to the pool"), default=0)

    class Meta:
        verbose_name = _("label item")
        verbose_name_plural = _("label items")
        ordering = ["task_id", "position"]
        constraints = [models.UniqueConstraint(fields=["task", "position"], name="label_item_position_unique")]

    def __str__(self):
        return self.text[:40]


class ClaimStatus(models.TextChoices):
    ACTIVE = "active", _("in progress")
    SUBMITTED = "submitted", _("submitted")
    RELEASED = "released", _("given back")
    EXPIRED = "expired", _("expired")
    DONE = "done", _("reviewed")


LIVE_CLAIM_STATUSES = (ClaimStatus.ACTIVE, ClaimStatus.SUBMITTED)


class ReleaseKind(models.TextChoices):
    FREE = "free", _("before the slot (no mark)")
    EMERGENCY = "emergency", _("family emergency (no mark)")
    MARKED = "marked", _("during the slot (counts in reliability)")


class Claim(models.Model):
    """A mother's hold on one task for one time slot, live until ``expires_at``."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="claims")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="claims")
    slot = models.ForeignKey(TimeSlot, on_delete=models.PROTECT, related_name="claims")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="claims")
    status = models.CharField(_("status"), max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.ACTIVE)
    claimed_at = models.DateTimeField(_("claimed at"))
    expires_at = models.DateTimeField(_("deadline"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    release_reason = models.CharField(_("reason for giving back"), max_length=200, blank=True)
    # db_default: the plpgsql claim (tasks/claim_sql.py) inserts claims without naming it.
    release_kind = models.CharField(
        _("kind of release"), max_length=12, choices=ReleaseKind.choices, blank=True, default="", db_default=""
    )
    # Reminders sent (or skipped in her quiet hours): each goes once.
    start_reminded_at = models.DateTimeField(_("slot reminder sent"), null=True, blank=True)
    deadline_reminded_at = models.DateTimeField(_("deadline reminder sent"), null=True, blank=True)
    # Assembly: when materials were first issued to her (null: no hand-over, nothing to read: tasks.handovers).
    materials_issued_at = models.DateTimeField(_("materials first issued"), null=True, blank=True)
    # Assembly: she was told her materials are due back (tasks.handovers; a notice, never a penalty).
    return_reminded_at = models.DateTimeField(_("return reminder sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["-id"]
        constraints = [
            # The guard against double assignment, whatever the code above it does.
            models.UniqueConstraint(
                fields=["task"], condition=Q(status__in=LIVE_CLAIM_STATUSES), name="claim_one_live_per_task"
            ),
            models.CheckConstraint(condition=Q(expires_at__gt=F("claimed_at")), name="claim_expires_after_claim"),
        ]
        indexes = [models.Index(fields=["worker", "status"], name="claim_worker_status_idx")]

    def __str__(self):
        return f"claim {self.pk} on task {self.task_id}"


class SubmissionStatus(models.TextChoices):
    PENDING = "pending", _("waiting for review")
    ACCEPTED = "accepted", _("accepted")
    PARTIALLY_ACCEPTED = "partially_accepted", _("partly accepted")
    REJECTED = "rejected", _("rejected")
    REVISION_REQUESTED = "revision_requested", _("sent back for changes")


class Submission(models.Model):
    """What a mother handed in for a claim; a revised task has several, one per round."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="submissions")
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="submissions")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="submissions")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submissions")
    status = models.CharField(
        _("status"), max_length=20, choices=SubmissionStatus.choices, default=SubmissionStatus.PENDING
    )
    submitted_units = models.PositiveIntegerField(_("units submitted"))
    text = models.TextField(_("text"), blank=True)
    labels = models.JSONField(_("labels"), default=dict, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"))
    review_due_at = models.DateTimeField(_("review due by"))
    auto_accept_warned_at = models.DateTimeField(_("supervisors warned of auto-accept"), null=True, blank=True)
    # Her labels checked against the gold items of the task when she handed in (0 of 0: none).
    gold_correct = models.PositiveIntegerField(_("gold items right"), default=0)
    gold_total = models.PositiveIntegerField(_("gold items"), default=0)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["submitted_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(submitted_units__gte=1), name="submission_units_positive"),
            models.CheckConstraint(condition=Q(gold_correct__lte=F("gold_total")), name="submission_gold_le_total"),
        ]
        indexes = [
            models.Index(
                fields=["project", "submitted_at"],
                name="submission_pending_idx",
                condition=Q(status="pending"),
            )
        ]

    def __str__(self):
        return f"submission {self.pk} of task {self.task_id}"


class SubmissionPhoto(models.Model):
    """A photo handed in with a submission: re-encoded without metadata, kept outside MEDIA_ROOT."""

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="photos")
    image = models.FileField(_("image"), storage=photo_storage, max_length=200)
    width = models.PositiveIntegerField(_("width (pixels)"))
    height = models.PositiveIntegerField(_("height (pixels)"))
    bytes = models.PositiveIntegerField(_("size (bytes)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("submission photo")
        verbose_name_plural = _("submission photos")
        ordering = ["submission_id", "id"]

    def __str__(self):
        return f"photo {self.pk} of submission {self.submission_id}"


class SplitStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("being split")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class SplitJob(models.Model):
    """A large labelling file split by a background job: all of it or, with the line at fault, none."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="split_jobs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    file = models.CharField(_("stored file"), max_length=300)
    filename = models.CharField(_("file name"), max_length=200)
    items_per_task = models.PositiveIntegerField(_("items per task"))
    text_field = models.CharField(_("text column"), max_length=64, default="text")
    gold_field = models.CharField(_("known-answer column"), max_length=64, blank=True, default="")
    # As asked (null: the project's, as a direct split takes them); checked when the job splits.
    gold_rate = models.PositiveSmallIntegerField(_("gold items per task (%)"), null=True, blank=True)
    overlap = models.PositiveSmallIntegerField(_("labels per item"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=SplitStatus.choices, default=SplitStatus.QUEUED)
    tasks_created = models.PositiveIntegerField(_("tasks created"), default=0)
    units_created = models.PositiveIntegerField(_("units created"), default=0)
    error = models.CharField(_("error"), max_length=400, blank=True)
    error_line = models.PositiveIntegerField(_("line at fault"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("split job")
        verbose_name_plural = _("split jobs")
        ordering = ["-created_at"]

    def __str__(self):
        return f"split {self.filename} → project {self.project_id} ({self.status})"
