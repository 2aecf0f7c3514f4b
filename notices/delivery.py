"""Delivering a notice beyond the inbox: Web Push to each of her browsers, SMS for what must not be
missed. One ``Delivery`` row per notice and channel decides, so a run twice never sends twice:
a run takes the row (pending → sending, a conditional update) before it sends. Her quiet hours
move ``due_at`` to their end; her choices, a push service's "gone", the daily SMS cap and a
moment already past end a delivery; other failures are tried again a few times."""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import sms
from core import locks
from notices import quiet, selectors, webpush
from notices.models import (
    Category,
    Channel,
    Delivery,
    DeliveryStatus,
    NoticeKind,
    NoticeSettings,
    PushSubscription,
    category_of,
)

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 4
RETRY_AFTER = [datetime.timedelta(minutes=m) for m in (1, 5, 30)]
STUCK_AFTER = datetime.timedelta(minutes=15)  # a run that died while sending
SMS_TEMPLATES = {NoticeKind.PAYOUT_PAID: "payout_paid", NoticeKind.DEADLINE_NEAR: "claim_expiring"}
# A notice about a moment (a slot's start, a deadline) is not worth a buzz once that moment has passed.
TIMED_KINDS = (NoticeKind.SLOT_STARTING, NoticeKind.DEADLINE_NEAR)


def delivery_run(*, delivery_id: int, now: datetime.datetime | None = None) -> str:
    """Deliver one delivery if it is due; its status afterwards ('' when it was not due or not there)."""
    now = now or timezone.now()
    delivery = (
        Delivery.objects.select_related("notice__user")
        .filter(pk=delivery_id, status=DeliveryStatus.PENDING, due_at__lte=now)
        .first()
    )
    if delivery is None:
        return ""
    choices = selectors.settings_for(delivery.notice.user_id)
    why_not = _why_not(delivery, choices, now)
    if why_not:
        _close(delivery, DeliveryStatus.SKIPPED, why_not, now)
        return DeliveryStatus.SKIPPED
    if quiet.in_quiet_hours(choices.quiet_start, choices.quiet_end, now):
        ends = quiet.quiet_ends(choices.quiet_start, choices.quiet_end, now)
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING).update(
            due_at=ends, detail="quiet_hours", updated_at=now
        )
        return DeliveryStatus.PENDING
    if delivery.channel == Channel.SMS:
        return _send_sms(delivery, now)
    return _send_push(delivery, now)


def deliveries_due(*, now: datetime.datetime | None = None, limit: int = 500) -> list[int]:
    """The deliveries to run now: those due, and any a run left half-done (it died while sending:
    tried again, counting an attempt — at most once more than a clean failure would be)."""
    now = now or timezone.now()
    Delivery.objects.filter(status=DeliveryStatus.SENDING, updated_at__lt=now - STUCK_AFTER).update(
        status=DeliveryStatus.PENDING, updated_at=now, detail="stuck"
    )
    due = Delivery.objects.filter(status=DeliveryStatus.PENDING, due_at__lte=now).order_by("due_at", "pk")
    return list(due.values_list("pk", flat=True)[:limit])


# --- what decides -------------------------------------------------------------------------------


def _why_not(delivery: Delivery, choices: NoticeSettings, now: datetime.datetime) -> str:
    notice = delivery.notice
    if not notice.user.is_active:
        return "inactive"
    if not choices.wants(delivery.channel, notice.kind):
        return "switched_off"
    if notice.kind in TIMED_KINDS and _moment(notice.data) is not None and _moment(notice.data) <= now:
        return "too_late"
    if delivery.channel == Channel.PUSH:
        if not webpush.enabled():
            return "push_off"
        if not _push_targets(delivery):
            return "no_subscription"
        return ""
    if not notice.user.phone:
        return "no_phone"
    if notice.kind == NoticeKind.DEADLINE_NEAR and _seen_lately(delivery, choices, now):
        return "seen_app"
    return ""


def _moment(data: dict) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromisoformat(data["at"])
    except (KeyError, TypeError, ValueError):
        return None


def _seen_lately(delivery: Delivery, choices: NoticeSettings, now: datetime.datetime) -> bool:
    """She opened the app since she claimed the task and within the last few hours: the push and
    the inbox will reach her, no SMS needed."""
    since = now - datetime.timedelta(hours=settings.HOMESLOT_SMS_UNSEEN_HOURS)
    if delivery.unless_seen_since is not None:
        since = max(since, delivery.unless_seen_since)
    return choices.app_seen_at is not None and choices.app_seen_at >= since


def _push_targets(delivery: Delivery) -> list[PushSubscription]:
    reached = set(delivery.reached)
    subscriptions = PushSubscription.objects.filter(user_id=delivery.notice.user_id).order_by("pk")
    return [s for s in subscriptions if s.pk not in reached]


# --- sending --------------------------------------------------------------------------------------


def _take(delivery: Delivery, now: datetime.datetime, **also) -> bool:
    """pending → sending, once: a second run (or a second worker) finds nothing to take."""
    return bool(
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, updated_at=now, **also
        )
    )


def _send_push(delivery: Delivery, now: datetime.datetime) -> str:
    targets = _push_targets(delivery)
    if not _take(delivery, now):
        return ""
    message = _message(delivery.notice)
    reached, failed = list(delivery.reached), 0
    for subscription in targets:
        outcome = webpush.push(subscription, message)
        if outcome.ok:
            reached.append(subscription.pk)
            PushSubscription.objects.filter(pk=subscription.pk).update(last_success_at=now, failure_count=0)
        elif outcome.gone:
            PushSubscription.objects.filter(pk=subscription.pk).delete()
        else:
            failed += 1
            PushSubscription.objects.filter(pk=subscription.pk).update(failure_count=F("failure_count") + 1)
    Delivery.objects.filter(pk=delivery.pk).update(reached=reached)
    if failed:
        return _failed(delivery, now, "push_failed")
    if reached:
        return _close(delivery, DeliveryStatus.SENT, "", now, sent=True)
    return _close(delivery, DeliveryStatus.SKIPPED, "subscriptions_gone", now)


def _send_sms(delivery: Delivery, now: datetime.datetime) -> str:
    user_id = delivery.notice.user_id
    with transaction.atomic():
        NoticeSettings.objects.get_or_create(user_id=user_id)
        # Her row is the lock that counts: two runs at once never both send the cap's last SMS.
        locks.lock_one(NoticeSettings.objects.filter(user_id=user_id))
        day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        today = Delivery.objects.filter(
            notice__user_id=user_id,
            channel=Channel.SMS,
            status__in=[DeliveryStatus.SENT, DeliveryStatus.SENDING],
            sent_at__gte=day_start,
        ).count()
        if today >= settings.HOMESLOT_SMS_DAILY_CAP:
            _close(delivery, DeliveryStatus.SKIPPED, "daily_cap", now)
            return DeliveryStatus.SKIPPED
        if not _take(delivery, now, sent_at=now):
            return ""
    notice = delivery.notice
    try:
        sms.send(notice.user.phone, notice.text, template=SMS_TEMPLATES[notice.kind], params=delivery.params)
    except Exception:  # the provider's failure, whatever its SDK raises: tried again later
        logger.exception("SMS for notice %s failed", notice.pk)
        return _failed(delivery, now, "sms_failed")
    return _close(delivery, DeliveryStatus.SENT, "", now)


def _failed(delivery: Delivery, now: datetime.datetime, why: str) -> str:
    attempts = Delivery.objects.values_list("attempts", flat=True).get(pk=delivery.pk)
    if attempts >= MAX_ATTEMPTS:
        return _close(delivery, DeliveryStatus.FAILED, why, now)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING, due_at=now + RETRY_AFTER[attempts - 1], detail=why, updated_at=now
    )
    return DeliveryStatus.PENDING


def _close(delivery: Delivery, status: str, why: str, now: datetime.datetime, *, sent: bool = False) -> str:
    changes = {"status": status, "detail": why, "updated_at": now}
    if sent:
        changes["sent_at"] = now
    Delivery.objects.filter(pk=delivery.pk).update(**changes)
    return status


# --- what the phone shows -------------------------------------------------------------------------


def _message(notice) -> dict:
    """The push message the service worker shows: a title, the notice's text, the page it opens."""
    return {
        "title": _title(notice.kind),
        "body": notice.text,
        "url": _page(notice),
        "tag": f"notice-{notice.pk}",
        "notice": notice.pk,
    }


def _title(kind: str) -> str:
    titles = {
        Category.REVIEWS: _("Review result"),
        Category.REMINDERS: _("Reminder"),
        Category.PAYOUTS: _("Payout"),
    }
    return f"妈妈岗 · {titles.get(category_of(kind), _('Notice'))}"


def _page(notice) -> str:
    """The page of the app that shows what the notice is about (names of the pages' routes only:
    notices imports nothing of the app's pages)."""
    try:
        if notice.kind == NoticeKind.PAYOUT_PAID:
            return reverse("m-earnings")
        if isinstance(notice.data.get("claim"), int):
            return reverse("m-claim", kwargs={"pk": notice.data["claim"]})
        return reverse("m-notifications") if category_of(notice.kind) == Category.OTHER else reverse("m-claims")
    except NoReverseMatch:
        return "/m/"
