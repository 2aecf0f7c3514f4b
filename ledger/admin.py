"""Ledger rows are shown, never changed: the admin is read-only, like the database."""

from django.contrib import admin

from core.admin_read_only import ReadOnlyAdmin, ReadOnlyInline
from ledger.models import Account, AdjustmentRequest, Posting, Transaction


class PostingInline(ReadOnlyInline):
    model = Posting
    readonly_fields = ["account", "direction", "amount_fen", "created_at"]


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "company", "worker", "created_at"]
    list_filter = ["kind", "company"]


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ["key", "kind", "company", "worker", "units", "created_at"]
    list_filter = ["kind", "company"]
    search_fields = ["key"]
    inlines = [PostingInline]


@admin.register(Posting)
class PostingAdmin(ReadOnlyAdmin):
    list_display = ["id", "transaction", "account", "direction", "amount_fen", "created_at"]
    list_filter = ["direction"]


@admin.register(AdjustmentRequest)
class AdjustmentRequestAdmin(ReadOnlyAdmin):
    """Decided by finance on their pages, by two people; the admin only shows them."""

    list_display = ["id", "company", "worker", "amount_fen", "status", "requested_by", "decided_by", "created_at"]
    list_filter = ["status", "company"]
