"""Fair work: the pay floor by region, and the notices the platform sends people."""

from django.conf import settings
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


class NoticeKind(models.TextChoices):
    SLOT_STARTING = "slot_starting", _("slot starting soon")
    DEADLINE_NEAR = "deadline_near", _("deadline near")
    CLAIM_EXPIRED = "claim_expired", _("claim expired")
    AUTO_ACCEPT_SOON = "auto_accept_soon", _("auto-accept soon")
    AUTO_ACCEPTED = "auto_accepted", _("accepted automatically")
    HOURS_NEAR_LIMIT = "hours_near_limit", _("hours near the limit")
    PAY_BELOW_FLOOR = "pay_below_floor", _("measured pay below the floor")
    SETTLEMENT_OVERDUE = "settlement_overdue", _("settlement overdue")


class Notice(models.Model):
    """A message in someone's in-app inbox; ``key`` makes sending it twice a no-op."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("kind"), max_length=20, choices=NoticeKind.choices)
    key = models.CharField(_("key"), max_length=120)
    text = models.CharField(_("text"), max_length=400)
    data = models.JSONField(_("data"), default=dict)
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notice_once_per_key")]

    def __str__(self):
        return self.text[:60]
