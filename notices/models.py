"""The in-app inbox: one row per message a person is sent (delivery by Web Push and SMS comes later)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeKind(models.TextChoices):
    """What a notice is about; the apps that send them build the text."""

    SLOT_STARTING = "slot_starting", _("slot starting soon")
    DEADLINE_NEAR = "deadline_near", _("deadline near")
    CLAIM_EXPIRED = "claim_expired", _("claim expired")
    AUTO_ACCEPT_SOON = "auto_accept_soon", _("auto-accept soon")
    AUTO_ACCEPTED = "auto_accepted", _("accepted automatically")
    HOURS_NEAR_LIMIT = "hours_near_limit", _("hours near the limit")
    PAY_BELOW_FLOOR = "pay_below_floor", _("measured pay below the floor")
    SETTLEMENT_OVERDUE = "settlement_overdue", _("settlement overdue")
    COMPANY_REVIEWED = "company_reviewed", _("company approved or refused")


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
