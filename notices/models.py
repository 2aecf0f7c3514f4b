"""The in-app inbox (one row per message a person is sent), her choices about how notices reach her,
her browsers' Web Push subscriptions, and the record of each delivery by push or SMS."""

import datetime

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
    REVIEW_ACCEPTED = "review_accepted", _("work accepted")
    REVIEW_PARTIAL = "review_partial", _("work partly accepted")
    REVIEW_REJECTED = "review_rejected", _("work not accepted")
    REVIEW_REVISE = "review_revise", _("work sent back for changes")
    PAYOUT_PAID = "payout_paid", _("payout paid")
    LEVEL_UP = "level_up", _("level reached")
    LEVEL_WARNING = "level_warning", _("level at risk")
    LEVEL_DOWN = "level_down", _("level lowered")
    APPEAL_OPENED = "appeal_opened", _("appeal to decide")
    APPEAL_DECIDED = "appeal_decided", _("appeal decided")
    PEER_REVIEW_OPEN = "peer_review_open", _("peer review open to you")
    PEER_OVERTURNED = "peer_overturned", _("your peer review overturned")
    HANDOVER = "handover", _("materials or pieces recorded")
    RETURN_OVERDUE = "return_overdue", _("materials due back")
    SLOT_CANCELLED = "slot_cancelled", _("time slot cancelled")
    WEBHOOK_DISABLED = "webhook_disabled", _("webhook turned off")


class Category(models.TextChoices):
    """The groups of kinds she switches on and off, per channel."""

    REVIEWS = "reviews", _("review results")
    REMINDERS = "reminders", _("reminders")
    PAYOUTS = "payouts", _("payouts")
    OTHER = "other", _("other notices")


CATEGORY_OF = {
    NoticeKind.REVIEW_ACCEPTED: Category.REVIEWS,
    NoticeKind.REVIEW_PARTIAL: Category.REVIEWS,
    NoticeKind.REVIEW_REJECTED: Category.REVIEWS,
    NoticeKind.REVIEW_REVISE: Category.REVIEWS,
    NoticeKind.AUTO_ACCEPTED: Category.REVIEWS,
    NoticeKind.APPEAL_DECIDED: Category.REVIEWS,
    NoticeKind.PEER_OVERTURNED: Category.REVIEWS,
    NoticeKind.SLOT_STARTING: Category.REMINDERS,
    NoticeKind.DEADLINE_NEAR: Category.REMINDERS,
    NoticeKind.CLAIM_EXPIRED: Category.REMINDERS,
    NoticeKind.HOURS_NEAR_LIMIT: Category.REMINDERS,
    NoticeKind.RETURN_OVERDUE: Category.REMINDERS,
    NoticeKind.SLOT_CANCELLED: Category.REMINDERS,
    NoticeKind.PAYOUT_PAID: Category.PAYOUTS,
}
# What must not be missed goes by SMS too (within the daily cap): a payout paid, and a claim about to
# expire when she has not opened the app lately. These categories are the only ones with an SMS switch.
SMS_KINDS = (NoticeKind.PAYOUT_PAID, NoticeKind.DEADLINE_NEAR)
SMS_CATEGORIES = (Category.REMINDERS, Category.PAYOUTS)


def category_of(kind: str) -> str:
    return CATEGORY_OF.get(kind, Category.OTHER)


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


class NoticeSettings(models.Model):
    """One person's choices about how notices reach her (the inbox always has them all), her quiet
    hours, and when she last opened the app. A person without a row has the defaults."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="notice_settings"
    )
    push_reviews = models.BooleanField(_("push: review results"), default=True)
    push_reminders = models.BooleanField(_("push: reminders"), default=True)
    push_payouts = models.BooleanField(_("push: payouts"), default=True)
    push_other = models.BooleanField(_("push: other notices"), default=True)
    sms_reminders = models.BooleanField(_("SMS: reminders"), default=True)
    sms_payouts = models.BooleanField(_("SMS: payouts"), default=True)
    # No push, no SMS and no reminders in these hours (the window may run past midnight); what falls in
    # them waits for their end. Equal times: none quiet.
    quiet_start = models.TimeField(_("quiet hours from"), default=datetime.time(22, 0))
    quiet_end = models.TimeField(_("quiet hours until"), default=datetime.time(7, 0))
    app_seen_at = models.DateTimeField(_("app last opened"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self):
        return str(self.user_id)

    def wants(self, channel: str, kind: str) -> bool:
        """Whether she lets a notice of this kind reach her by this channel."""
        return bool(getattr(self, f"{channel}_{category_of(kind)}", False))


class PushSubscription(models.Model):
    """One browser's Web Push subscription (what ``PushManager.subscribe()`` gave the page)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(_("endpoint"), max_length=1000, unique=True)
    p256dh = models.CharField(_("browser public key"), max_length=200)
    auth = models.CharField(_("auth secret"), max_length=100)
    label = models.CharField(_("browser"), max_length=80, blank=True)
    created_at = models.DateTimeField(_("created at"))
    last_success_at = models.DateTimeField(_("last delivered"), null=True, blank=True)
    failure_count = models.PositiveIntegerField(_("failures in a row"), default=0)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.label or self.endpoint[:60]


class Channel(models.TextChoices):
    PUSH = "push", _("Web Push")
    SMS = "sms", _("SMS")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    SKIPPED = "skipped", _("not sent")
    FAILED = "failed", _("failed")


class Delivery(models.Model):
    """One notice on one channel: written once with the notice, so a job that runs twice never sends
    twice. ``due_at`` moves to the end of her quiet hours, or to the next try after a failure."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    due_at = models.DateTimeField(_("due at"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # SMS of a claim about to expire: not when she has opened the app since this moment (the claim).
    unless_seen_since = models.DateTimeField(_("unless seen since"), null=True, blank=True)
    # SMS: the template's parameters (``payout_paid``: amount; ``claim_expiring``: task, time).
    params = models.JSONField(_("parameters"), default=dict)
    # Push: the subscriptions it reached already, so a retry goes only to the others.
    reached = models.JSONField(_("reached"), default=list)
    detail = models.CharField(_("detail"), max_length=40, blank=True)
    updated_at = models.DateTimeField(_("updated at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [models.UniqueConstraint(fields=["notice", "channel"], name="delivery_once_per_channel")]
        indexes = [models.Index(fields=["status", "due_at"], name="delivery_due")]

    def __str__(self):
        return f"{self.notice_id} {self.channel} {self.status}"
