from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from fairwork.models import PayFloor


@admin.register(PayFloor)
class PayFloorAdmin(admin.ModelAdmin):
    list_display = ("region", "yuan_per_hour", "effective_from", "status", "source", "source_date")
    list_filter = ("confirmed",)
    search_fields = ("region", "source")

    @admin.display(description=_("status"))
    def status(self, floor):
        return _("confirmed") if floor.confirmed else _("UNCONFIRMED — check the official notice")
