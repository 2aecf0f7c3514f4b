"""Assembly hand-overs: what passes between the company's counter and a mother's hands. Staff record
each one (the page ``/work/tasks/<id>/handovers/``, ``POST /api/v1/tasks/{id}/handovers``):

- ``issue``: the kit of a batch handed to her (pieces' worth, its parts), where, by whom, when. While
  she holds materials her claim stays hers (``Task.claim_expires_at`` is null: see tasks.handovers);
- ``return``: the finished pieces she brought back, the kit she brought back unused, and what she held
  and did not bring (``missing``: recorded, not charged). It is her hand-in when she made none on her
  phone, and it always ends what she holds;
- ``qc``: the returned pieces counted, accepted and defective by reason: the review of her hand-in
  (``review``), so her pay follows the accepted pieces through the one credit path.

Rows are never changed: a mistake is corrected by the next hand-over (a QC is a review, which her
appeal can change)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tasks.models.reviews import Review
from tasks.models.work import Claim, Project, Submission, Task


class HandoverKind(models.TextChoices):
    ISSUE = "issue", _("materials issued")
    RETURN = "return", _("pieces returned")
    QC = "qc", _("quality check")


class Handover(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="handovers")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="handovers")
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="handovers")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="handovers")
    kind = models.CharField(_("kind"), max_length=8, choices=HandoverKind.choices)
    # issue: the pieces the kit makes; return: finished pieces brought back; qc: pieces accepted.
    units = models.PositiveIntegerField(_("pieces"))
    unused = models.PositiveIntegerField(_("kit returned unused (pieces' worth)"), default=0)
    missing = models.PositiveIntegerField(_("held and not returned (pieces' worth)"), default=0)
    # issue: [{"name": "布料", "count": 50}, …]; qc: [{"reason": "线头没剪", "count": 2}, …]
    parts = models.JSONField(_("parts of the kit"), default=list, blank=True)
    defects = models.JSONField(_("defects by reason"), default=list, blank=True)
    point = models.CharField(_("pick-up or drop-off point"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    submission = models.ForeignKey(
        Submission, null=True, blank=True, on_delete=models.PROTECT, related_name="handovers"
    )
    review = models.OneToOneField(Review, null=True, blank=True, on_delete=models.PROTECT, related_name="handover")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("hand-over")
        verbose_name_plural = _("hand-overs")
        ordering = ["task_id", "recorded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(kind="issue") | Q(units__gte=1), name="handover_issue_units"),
            models.CheckConstraint(
                condition=Q(kind="return") | Q(unused=0, missing=0), name="handover_unused_only_on_return"
            ),
            # One QC per hand-in: it is its review.
            models.UniqueConstraint(
                fields=["submission"], condition=Q(kind="qc"), name="handover_one_qc_per_submission"
            ),
        ]
        indexes = [models.Index(fields=["claim", "kind"], name="handover_claim_kind_idx")]

    def __str__(self):
        return f"{self.kind} of {self.units} on task {self.task_id}"
