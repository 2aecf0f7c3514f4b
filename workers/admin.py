from django.contrib import admin

from workers.models import AvailabilityWindow, WorkerProfile


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
