from django.contrib import admin

from workers.models import AvailabilityWindow, PayoutAccount, WorkerProfile


class AvailabilityInline(admin.TabularInline):
    model = AvailabilityWindow
    extra = 0


@admin.register(WorkerProfile)
class WorkerProfileAdmin(admin.ModelAdmin):
    list_display = ["id", "display_name", "user", "region", "city", "children_under_12"]
    search_fields = ["display_name", "user__phone"]
    inlines = [AvailabilityInline]


@admin.register(AvailabilityWindow)
class AvailabilityWindowAdmin(admin.ModelAdmin):
    list_display = ["worker", "weekday", "start", "end"]


@admin.register(PayoutAccount)
class PayoutAccountAdmin(admin.ModelAdmin):
    """Operators see where pay goes masked, like everyone else; the sealed number is not shown or edited
    here (she changes it herself, with an SMS code)."""

    list_display = ["worker", "method", "account_name", "number_masked", "bank_name", "updated_at"]
    search_fields = ["worker__phone", "account_name"]
    fields = ["worker", "method", "account_name", "number_masked", "bank_name", "created_at", "updated_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
