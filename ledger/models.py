import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Company
from core.export_jobs import ExportJob


class AccountKind(models.TextChoices):
    EXPENSE = "expense", _("piece-rate expense")
    CASH = "cash", _("cash")
    PAYABLE = "payable", _("worker payable")


class Account(models.Model):
    """A ledger account: a company's expense or cash, or what a company owes one mother."""

    kind = models.CharField(_("kind"), max_length=16, choices=AccountKind.choices)
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="ledger_accounts")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_accounts"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "company"], condition=Q(worker__isnull=True), name="account_unique_company_kind"
            ),
            models.UniqueConstraint(
                fields=["kind", "company", "worker"],
                condition=Q(worker__isnull=False),
                name="account_unique_worker_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind="payable", worker__isnull=False) | (~Q(kind="payable") & Q(worker__isnull=True)),
                name="account_worker_iff_payable",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.company_id} · {self.worker_id or '-'}"


class TransactionKind(models.TextChoices):
    EARNING = "earning", _("accepted work")
    ADJUSTMENT = "adjustment", _("adjustment")
    REVERSAL = "reversal", _("reversal")
    PAYOUT = "payout", _("payout")
    PEER_REVIEW = "peer_review", _("peer review pay")


class Transaction(models.Model):
    """One business event, posted once as balanced postings; never edited.

    The header row is written *after* its postings: the database refuses a header whose
    postings do not balance, and refuses postings added to a header that exists.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    key = models.CharField(_("idempotency key"), max_length=128, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=TransactionKind.choices)
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="ledger_transactions")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey("tasks.Project", null=True, on_delete=models.PROTECT, related_name="+")
    task = models.ForeignKey("tasks.Task", null=True, on_delete=models.PROTECT, related_name="+")
    units = models.PositiveIntegerField(_("units"), null=True)
    reverses = models.ForeignKey("self", null=True, on_delete=models.PROTECT, related_name="reversed_by")
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("posted at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        ordering = ["created_at"]

    def __str__(self):
        return self.key


class Direction(models.TextChoices):
    DEBIT = "D", _("debit")
    CREDIT = "C", _("credit")


class Posting(models.Model):
    """One line of a transaction: a positive amount in fen, debited or credited to an account."""

    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings")
    direction = models.CharField(_("direction"), max_length=1, choices=Direction.choices)
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    created_at = models.DateTimeField(_("posted at"), default=timezone.now)

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="posting_amount_positive"),
            models.CheckConstraint(condition=Q(direction__in=["D", "C"]), name="posting_direction_valid"),
        ]
        indexes = [models.Index(fields=["account", "created_at"], name="posting_account_time_idx")]

    def __str__(self):
        return f"{self.direction} {self.amount_fen} → {self.account_id}"


class PayoutStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    APPROVED = "approved", _("approved")
    EXPORTED = "exported", _("exported to the bank")
    PAID = "paid", _("paid")
    CANCELLED = "cancelled", _("cancelled")


OPEN_PAYOUT_STATUSES = (PayoutStatus.DRAFT, PayoutStatus.APPROVED, PayoutStatus.EXPORTED)


class PayoutBatch(models.Model):
    """One settlement of a company's mothers for a period: draft → approved (by a second finance
    user) → exported → paid (the bank's reference; this posts the payouts)."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="payout_batches")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    status = models.CharField(_("status"), max_length=12, choices=PayoutStatus.choices, default=PayoutStatus.DRAFT)
    total_fen = models.BigIntegerField(_("total (fen)"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    exported_at = models.DateTimeField(_("exported at"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("payout batch")
        verbose_name_plural = _("payout batches")
        ordering = ["-period_end", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="payout_period_order"),
            models.CheckConstraint(condition=Q(total_fen__gte=0), name="payout_total_not_negative"),
            models.CheckConstraint(
                condition=~Q(status="paid") | ~Q(bank_reference=""), name="payout_paid_has_reference"
            ),
        ]

    def __str__(self):
        return f"{self.company_id} {self.period_start}–{self.period_end} ({self.status})"


class PayoutLine(models.Model):
    """What one mother is paid in a batch: her payable balance as of the period's end, never
    more than her balance when the batch was drafted. While its batch is open, she is in no
    other open batch of the company (a partial unique index), so no money is in two batches."""

    batch = models.ForeignKey(PayoutBatch, on_delete=models.PROTECT, related_name="lines")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payout_lines")
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    units = models.PositiveIntegerField(_("units"), default=0)
    open = models.BooleanField(_("batch still open"), default=True)
    payout = models.OneToOneField(
        Transaction, null=True, blank=True, on_delete=models.PROTECT, related_name="payout_line"
    )

    class Meta:
        verbose_name = _("payout line")
        verbose_name_plural = _("payout lines")
        ordering = ["batch_id", "worker_id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payout_line_positive"),
            models.UniqueConstraint(fields=["batch", "worker"], name="payout_line_once_per_batch"),
            models.UniqueConstraint(
                fields=["company", "worker"], condition=Q(open=True), name="payout_line_one_open_batch"
            ),
        ]

    def __str__(self):
        return f"{self.worker_id}: {self.amount_fen}"


class AdjustmentStatus(models.TextChoices):
    PENDING = "pending", _("waiting for approval")
    APPROVED = "approved", _("approved and posted")
    REJECTED = "rejected", _("turned down")
    POSTED = "posted", _("posted")  # within the approval threshold: posted at once


class AdjustmentRequest(models.Model):
    """A bonus or a deduction finance asked for. Within the approval threshold it is posted at once;
    above it, it waits until a second finance user (neither the requester nor the mother) approves
    it, which posts it once under ``adjustment:<id>``. The caller's ``key`` makes a retry answer the
    first result."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="adjustment_requests")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="adjustment_requests")
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    reason = models.CharField(_("reason"), max_length=200)
    key = models.CharField(_("idempotency key"), max_length=80, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=AdjustmentStatus.choices, default=AdjustmentStatus.PENDING
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.CharField(_("reason for the decision"), max_length=200, blank=True)
    transaction = models.OneToOneField(
        Transaction, null=True, blank=True, on_delete=models.PROTECT, related_name="adjustment_request"
    )

    class Meta:
        verbose_name = _("adjustment")
        verbose_name_plural = _("adjustments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["requested_by", "key"], condition=~Q(key=""), name="adjustment_key_once_per_caller"
            ),
            models.CheckConstraint(condition=~Q(amount_fen=0), name="adjustment_not_zero"),
            models.CheckConstraint(
                condition=Q(status__in=["approved", "posted"], transaction__isnull=False)
                | Q(status__in=["pending", "rejected"], transaction__isnull=True),
                name="adjustment_posted_iff_transaction",
            ),
            models.CheckConstraint(condition=~Q(requested_by=models.F("worker")), name="adjustment_not_own"),
            # The second person is a second person: not the requester, never the mother.
            models.CheckConstraint(
                condition=~Q(status="approved")
                | (~Q(decided_by=models.F("requested_by")) & ~Q(decided_by=models.F("worker"))),
                name="adjustment_approved_by_another",
            ),
        ]
        indexes = [models.Index(fields=["company", "status"], name="adjustment_company_status_idx")]

    def __str__(self):
        return f"{self.company_id} → {self.worker_id}: {self.amount_fen} ({self.status})"


class LedgerExport(ExportJob):
    """A ledger file built by a background job (large XLSX): progress while it runs, then a download."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))

    class Meta(ExportJob.Meta):
        verbose_name = _("ledger export")
        verbose_name_plural = _("ledger exports")

    def __str__(self):
        return f"{self.company_id} {self.period_start}–{self.period_end} {self.status}"
