from django.contrib import admin

from core.admin_read_only import ReadOnlyAdmin
from tasks.models import Appeal, Claim, LabelItem, PeerAudit, Project, Review, Submission, Task, TimeSlot


class SlotInline(admin.TabularInline):
    model = TimeSlot
    extra = 0
    readonly_fields = ["claimed_count"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "company", "kind", "status", "piece_rate", "unit", "minutes_per_unit"]
    list_filter = ["kind", "status", "company"]
    search_fields = ["title"]
    inlines = [SlotInline]


@admin.register(TimeSlot)
class TimeSlotAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "starts_at", "ends_at", "capacity", "claimed_count"]
    list_filter = ["project"]
    readonly_fields = ["claimed_count"]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "number", "units", "status", "claim_expires_at", "accepted_units"]
    list_filter = ["status", "project"]
    list_select_related = ["project"]


@admin.register(LabelItem)
class LabelItemAdmin(admin.ModelAdmin):
    list_display = ["id", "task", "position", "source_line", "text"]


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ["id", "task", "worker", "slot", "status", "claimed_at", "expires_at"]
    list_filter = ["status"]
    list_select_related = ["task", "worker", "slot"]


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["id", "task", "worker", "status", "submitted_units", "submitted_at", "review_due_at"]
    list_filter = ["status", "project"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["id", "submission", "reviewer", "decision", "accepted_units", "decided_at"]
    list_filter = ["decision"]


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    """Decided by a second staff member on the workspace's appeals page; the admin only shows them."""

    list_display = ["id", "company", "submission", "status", "units_before", "units_after", "created_at"]
    list_filter = ["status", "company"]


@admin.register(PeerAudit)
class PeerAuditAdmin(ReadOnlyAdmin):
    list_display = ["id", "review", "outcome", "units_before", "units_after", "at"]
    list_filter = ["outcome"]
