import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Company


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
