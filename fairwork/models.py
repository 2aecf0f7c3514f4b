"""Fair work: the pay floor by region (the notices it sends live in ``notices``)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PayFloor(models.Model):
    """A region's minimum hourly wage for part-time work (非全日制用工小时最低工资标准)."""

    region = models.CharField(_("region"), max_length=64, help_text=_("As projects name it, e.g. 广州市 or 山东省"))
    yuan_per_hour = models.DecimalField(_("yuan per hour"), max_digits=6, decimal_places=2)
    effective_from = models.DateField(_("effective from"))
    source = models.CharField(_("source (the official notice)"), max_length=300)
    source_date = models.DateField(_("date of the notice"), null=True, blank=True)
    confirmed = models.BooleanField(
        _("confirmed against the notice"),
        default=False,
        help_text=_("Leave unticked until someone has read the figure in the official notice."),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("pay floor")
        verbose_name_plural = _("pay floors")
        ordering = ["region", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["region", "effective_from"], name="pay_floor_one_per_region_and_date"),
            models.CheckConstraint(condition=Q(yuan_per_hour__gt=0), name="pay_floor_positive"),
        ]

    def __str__(self):
        return f"{self.region} ¥{self.yuan_per_hour}/h ({self.effective_from})"
