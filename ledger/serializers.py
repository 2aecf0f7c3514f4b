from rest_framework import serializers

from accounts.phones import phone_masked
from accounts.selectors import display_name_of
from core.fields import IdField, StrictIntegerField
from core.serializers import ExportJobOut, ModelSerializer
from ledger.models import (
    AdjustmentRequest,
    LedgerExport,
    PayoutBatch,
    PayoutLine,
    Posting,
    Transaction,
)
from ledger.money import format_fen


class PostingOut(ModelSerializer):
    transaction = serializers.UUIDField(source="transaction_id")
    kind = serializers.CharField(source="transaction.kind")
    memo = serializers.CharField(source="transaction.memo")
    company = serializers.IntegerField(source="account.company_id")
    account_kind = serializers.CharField(source="account.kind")
    worker = serializers.IntegerField(source="account.worker_id", allow_null=True)
    project = serializers.IntegerField(source="transaction.project_id", allow_null=True)
    project_title = serializers.SerializerMethodField()
    task = serializers.IntegerField(source="transaction.task_id", allow_null=True)
    task_number = serializers.SerializerMethodField()
    units = serializers.IntegerField(source="transaction.units", allow_null=True)
    amount_display = serializers.SerializerMethodField()

    class Meta:
        model = Posting
        fields = [
            "id",
            "transaction",
            "kind",
            "memo",
            "company",
            "account_kind",
            "worker",
            "project",
            "project_title",
            "task",
            "task_number",
            "units",
            "direction",
            "amount_fen",
            "amount_display",
            "created_at",
        ]

    def get_project_title(self, posting) -> str | None:
        project = posting.transaction.project
        return project.title if project else None

    def get_task_number(self, posting) -> int | None:
        task = posting.transaction.task
        return task.number if task else None

    def get_amount_display(self, posting) -> str:
        return format_fen(posting.amount_fen)


class FinancePostingOut(PostingOut):
    worker_name = serializers.SerializerMethodField()
    worker_phone = serializers.SerializerMethodField()

    class Meta(PostingOut.Meta):
        fields = [*PostingOut.Meta.fields, "worker_name", "worker_phone"]

    def get_worker_name(self, posting) -> str | None:
        worker = posting.account.worker
        return display_name_of(worker) if worker else None

    def get_worker_phone(self, posting) -> str | None:
        worker = posting.account.worker
        return phone_masked(worker.phone) if worker else None


class PayoutLineOut(ModelSerializer):
    worker_name = serializers.SerializerMethodField()
    worker_phone = serializers.SerializerMethodField()
    payout_account_masked = serializers.SerializerMethodField()
    amount_display = serializers.SerializerMethodField()
    payout = serializers.UUIDField(source="payout_id", allow_null=True)

    class Meta:
        model = PayoutLine
        fields = [
            "worker",
            "worker_name",
            "worker_phone",
            "payout_account_masked",
            "units",
            "amount_fen",
            "amount_display",
            "payout",
        ]

    def get_worker_name(self, line) -> str:
        return display_name_of(line.worker)

    def get_worker_phone(self, line) -> str:
        return phone_masked(line.worker.phone)

    def get_payout_account_masked(self, line) -> str | None:
        """Where her pay goes, masked (``****1234``); null: she has set no account, and the bank file
        lists her apart."""
        account = getattr(line.worker, "payout_account", None)
        return account.number_masked if account else None

    def get_amount_display(self, line) -> str:
        return format_fen(line.amount_fen)


class PayoutBatchOut(ModelSerializer):
    total_display = serializers.SerializerMethodField()
    line_count = serializers.SerializerMethodField()

    class Meta:
        model = PayoutBatch
        fields = [
            "id",
            "company",
            "period_start",
            "period_end",
            "status",
            "total_fen",
            "total_display",
            "line_count",
            "created_by",
            "created_at",
            "approved_by",
            "approved_at",
            "exported_at",
            "paid_by",
            "paid_at",
            "bank_reference",
        ]

    def get_total_display(self, batch) -> str:
        return format_fen(batch.total_fen)

    def get_line_count(self, batch) -> int:
        return batch.lines.count()


class PayoutBatchDetail(PayoutBatchOut):
    lines = serializers.SerializerMethodField()

    class Meta(PayoutBatchOut.Meta):
        fields = [*PayoutBatchOut.Meta.fields, "lines"]

    def get_lines(self, batch) -> list:
        lines = batch.lines.select_related("worker__worker_profile", "worker__payout_account").order_by("worker_id")
        return PayoutLineOut(lines, many=True).data


class PayoutDraftIn(serializers.Serializer):
    company = IdField(required=False, help_text="Needed only if you work for several companies.")
    period_start = serializers.DateField(required=False, help_text="default: the last half-month that has ended")
    period_end = serializers.DateField(required=False)


class MarkPaidIn(serializers.Serializer):
    reference = serializers.CharField(max_length=64, help_text="The bank's reference for the transfer")


class AdjustmentIn(serializers.Serializer):
    company = IdField(required=False)
    worker = IdField()
    amount_fen = StrictIntegerField(help_text="Positive: a bonus; negative: a deduction")  # money: never text
    reason = serializers.CharField(max_length=200)
    key = serializers.CharField(max_length=80, required=False, help_text="Idempotency key: a retry posts once")


class ReverseIn(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class AdjustmentRequestOut(ModelSerializer):
    """An adjustment as finance sees it: waiting for approval, approved, rejected, or posted at once."""

    worker_name = serializers.SerializerMethodField()
    worker_phone = serializers.SerializerMethodField()
    amount_display = serializers.SerializerMethodField()
    requested_by_name = serializers.SerializerMethodField()
    decided_by_name = serializers.SerializerMethodField()
    transaction = serializers.UUIDField(source="transaction_id", allow_null=True)

    class Meta:
        model = AdjustmentRequest
        fields = [
            "id",
            "company",
            "worker",
            "worker_name",
            "worker_phone",
            "amount_fen",
            "amount_display",
            "reason",
            "key",
            "status",
            "requested_by",
            "requested_by_name",
            "created_at",
            "decided_by",
            "decided_by_name",
            "decided_at",
            "decision_reason",
            "transaction",
        ]

    def get_worker_name(self, request) -> str:
        return display_name_of(request.worker)

    def get_worker_phone(self, request) -> str:
        return phone_masked(request.worker.phone)

    def get_amount_display(self, request) -> str:
        return format_fen(request.amount_fen)

    def get_requested_by_name(self, request) -> str:
        return request.requested_by.display_name

    def get_decided_by_name(self, request) -> str | None:
        return request.decided_by.display_name if request.decided_by else None


class AdjustmentRejectIn(serializers.Serializer):
    reason = serializers.CharField(max_length=200, help_text="Why it is turned down (the requester reads it)")


class TransactionOut(ModelSerializer):
    class Meta:
        model = Transaction
        fields = [
            "id",
            "key",
            "kind",
            "company",
            "worker",
            "project",
            "task",
            "units",
            "reverses",
            "memo",
            "created_at",
        ]


class LedgerExportOut(ExportJobOut):
    class Meta:
        model = LedgerExport
        fields = ["id", "company", "period_start", "period_end", *ExportJobOut.JOB_FIELDS]

    def download_path(self, export) -> str:
        return f"/api/v1/ledger/exports/{export.pk}/download"


class ExportRequestIn(serializers.Serializer):
    company = IdField(required=False)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
