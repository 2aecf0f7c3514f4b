from rest_framework import serializers

from accounts.phones import phone_masked
from ledger.models import Posting
from ledger.money import format_fen


class PostingOut(serializers.ModelSerializer):
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
        if worker is None:
            return None
        profile = getattr(worker, "worker_profile", None)
        return profile.display_name if profile else worker.display_name

    def get_worker_phone(self, posting) -> str | None:
        worker = posting.account.worker
        return phone_masked(worker.phone) if worker else None
