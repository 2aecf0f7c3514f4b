from django.contrib import admin

from realtime.models import OutboxEvent


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ["id", "type", "group", "at"]
    list_filter = ["type"]
