"""Reviews, and the second look at a decision: her appeal of a reject or a partial acceptance, and a
supervisor's audit of a peer review. Each is decided by someone other than the first reviewer, with a
reason, and a change in her favour is credited once (``appeal:<id>``, ``audit:<id>``)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tasks.models.work import Submission


class Decision(models.TextChoices):
    ACCEPT = "accept", _("accept")
    PARTIAL = "partial", _("partly accept")
    REJECT = "reject", _("reject")
    REVISE = "revise", _("send back for changes")


# Reasons a supervisor picks with one tap (the text stays editable); per decision, per kind of work.
REASON_TEMPLATES = {
    "partial": [
        _("Some pieces do not match the sample; only the good ones are counted."),
        _("Some items are labelled wrongly; the correct ones are counted."),
    ],
    "reject": [
        _("The work does not follow the instructions."),
        _("The photos do not show the finished pieces."),
        _("The text is copied from elsewhere."),
    ],
    "revise": [
        _("Please take clearer photos of the finished pieces."),
        _("Please follow the length and tone in the brief and send it again."),
        _("Please check the items marked and label them again."),
    ],
}
_EVERY = ("copywriting", "assembly", "labelling")
# The kinds of work each ready reason fits, index by index (a copywriter is not told about photos).
REASON_TEMPLATE_KINDS = {
    "partial": [("assembly",), ("labelling",)],
    "reject": [_EVERY, ("assembly",), ("copywriting",)],
    "revise": [("assembly",), ("copywriting",), ("labelling",)],
}


def reason_templates_for(kind: str | None) -> dict[str, list[tuple[int, str]]]:
    """The ready reasons of each decision that fit ``kind`` (None: all), with their index in
    ``REASON_TEMPLATES`` (the page's key), in the caller's language."""
    return {
        decision: [
            (index, str(text))
            for index, text in enumerate(texts)
            if kind is None or kind in REASON_TEMPLATE_KINDS[decision][index]
        ]
        for decision, texts in REASON_TEMPLATES.items()
    }


class ReadyReason(models.Model):
    """A company's own ready reason for one kind of work and one decision, in its own words. A
    company with any for a kind offers those for that kind instead of ``REASON_TEMPLATES``
    (``tasks.reasons``); it sets them on /work/reasons/ (``tasks.services.ready_reasons_set``)."""

    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind of work"), max_length=16)
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices)
    text = models.CharField(_("reason"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        verbose_name = _("ready reason")
        verbose_name_plural = _("ready reasons")
        ordering = ["company", "kind", "decision", "position"]
        indexes = [models.Index(fields=["company", "kind"], name="ready_reason_company_kind_idx")]

    def __str__(self):
        return f"{self.company_id} {self.kind} {self.decision}: {self.text}"


class Review(models.Model):
    """A supervisor's one decision on one submission."""

    submission = models.OneToOneField(Submission, on_delete=models.PROTECT, related_name="review")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices)
    accepted_units = models.PositiveIntegerField(_("accepted units"), default=0)
    reason = models.TextField(_("reason"), blank=True)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    # A training hand-in's mark (0–100): gold accuracy, pieces that passed, or the score × 20.
    training_score = models.PositiveSmallIntegerField(_("training mark (%)"), null=True, blank=True)
    # The piece rate her credit was posted at (her level's, ``piece_rate_by_level``): a second look
    # (an appeal, an audit) pays what it adds at the same rate. Null for reviews before it was kept.
    piece_rate = models.DecimalField(_("piece rate credited"), max_digits=10, decimal_places=4, null=True, blank=True)
    # Decided by a mother at the skill's top level (peer review), paid per review.
    by_peer = models.BooleanField(_("peer review"), default=False)
    # Labelling, a partial acceptance: the items (LabelItem ids) not accepted; the rest were.
    rejected_items = models.JSONField(_("items not accepted"), default=list, blank=True)
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5), name="review_score_range"
            ),
            models.CheckConstraint(
                condition=Q(training_score__isnull=True) | Q(training_score__lte=100), name="review_training_score"
            ),
        ]

    def __str__(self):
        return f"{self.decision} on submission {self.submission_id}"


APPEAL_DAYS = 7  # she may appeal within this many days of the decision
MAX_APPEAL_REASON = 500


class AppealStatus(models.TextChoices):
    OPEN = "open", _("waiting for a decision")
    UPHELD = "upheld", _("decision upheld")
    OVERTURNED = "overturned", _("overturned: accepted")
    ADJUSTED = "adjusted", _("accepted units adjusted")


class Appeal(models.Model):
    """Her one appeal of one decided submission."""

    submission = models.OneToOneField(Submission, on_delete=models.PROTECT, related_name="appeal")
    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="appeals")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appeals")
    company = models.ForeignKey("accounts.Company", on_delete=models.PROTECT, related_name="appeals")
    reason = models.TextField(_("her reason"))
    # Who is asked to decide: a staff member other than the first reviewer (the admin when none).
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="appeals_to_decide"
    )
    status = models.CharField(_("status"), max_length=12, choices=AppealStatus.choices, default=AppealStatus.OPEN)
    units_before = models.PositiveIntegerField(_("accepted units before"))
    units_after = models.PositiveIntegerField(_("accepted units after"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    created_at = models.DateTimeField(_("appealed at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", decided_at__isnull=True) | (~Q(status="open") & Q(decided_at__isnull=False)),
                name="appeal_decided_has_time",
            ),
        ]
        indexes = [models.Index(fields=["company", "status"], name="appeal_company_status_idx")]

    def __str__(self):
        return f"appeal {self.pk} of submission {self.submission_id}"


class AuditOutcome(models.TextChoices):
    UPHELD = "upheld", _("upheld")
    OVERTURNED = "overturned", _("overturned")


class PeerAudit(models.Model):
    """A supervisor's check of one peer review; an overturn counts against the peer reviewer."""

    review = models.OneToOneField(Review, on_delete=models.PROTECT, related_name="audit")
    auditor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=12, choices=AuditOutcome.choices)
    units_before = models.PositiveIntegerField(_("accepted units before"))
    units_after = models.PositiveIntegerField(_("accepted units after"))
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("audited at"))

    class Meta:
        verbose_name = _("peer review audit")
        verbose_name_plural = _("peer review audits")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"audit of review {self.review_id}: {self.outcome}"
