"""Writes of notifications: send a notice (once per key, live on her own feed, then delivered by
push and SMS after commit), mark one read, note that she opened the app, her choices, her browsers."""

import base64
import binascii
import datetime
import logging
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import User
from core.errors import Invalid
from core.insert_sql import insert_sql
from notices import events, jobs, selectors
from notices.errors import InvalidPushSubscription, PushSubscriptionNotFound
from notices.models import SMS_KINDS, Channel, Delivery, Notice, NoticeSettings, PushSubscription

SETTINGS_FIELDS = (
    "push_reviews",
    "push_reminders",
    "push_payouts",
    "push_other",
    "sms_reminders",
    "sms_payouts",
    "quiet_start",
    "quiet_end",
)
SEEN_EVERY_SECONDS = 60
logger = logging.getLogger(__name__)


def notice_send(
    *,
    user_id: int,
    kind: str,
    key: str,
    text: str,
    data: dict | None = None,
    sms_params: dict | None = None,
    sms_unless_seen_since: datetime.datetime | None = None,
) -> Notice | None:
    """Put a notice in the user's inbox once per ``key``; None when it was already sent.
    Call inside the transaction of the change it reports (jobs run each item in one). After commit
    a job delivers it by Web Push (to each of her browsers) and, for the kinds that must not be
    missed, by SMS (``sms_params``: the template's parameters; ``sms_unless_seen_since``: no SMS
    when she has opened the app since then)."""
    now = timezone.now()
    notice = Notice(user_id=user_id, key=key[:120], kind=kind, text=text[:400], data=data or {}, created_at=now)
    has_browsers = _insert_once(notice)
    if has_browsers is None:
        return None
    events.notice_created(notice)
    deliveries = []
    if has_browsers:
        deliveries.append(Delivery(notice=notice, channel=Channel.PUSH, due_at=now, updated_at=now))
    if kind in SMS_KINDS:
        deliveries.append(
            Delivery(
                notice=notice,
                channel=Channel.SMS,
                due_at=now,
                updated_at=now,
                params=sms_params or {},
                unless_seen_since=sms_unless_seen_since,
            )
        )
    if deliveries:
        Delivery.objects.bulk_create(deliveries)
        transaction.on_commit(lambda: jobs.notice_deliver.enqueue(notice.pk))
    return notice


def _insert_once(notice: Notice) -> bool | None:
    """Insert ``notice`` unless her notice with its key exists (one statement, no savepoint: a
    concurrent send of the same key waits for the first and then inserts nothing). None when it
    existed; else whether she has a browser to push it to (asked in the same statement)."""
    connection = transaction.get_connection(router.db_for_write(Notice))
    quote = connection.ops.quote_name
    notices, subscriptions = Notice._meta, PushSubscription._meta
    insert, params = insert_sql(connection, Notice, [notice])
    unique = ", ".join(quote(notices.get_field(name).column) for name in ("user", "key"))  # notice_once_per_key
    sql = (
        f"{insert} ON CONFLICT ({unique}) DO NOTHING RETURNING {quote(notices.pk.column)}, "
        f"EXISTS (SELECT 1 FROM {quote(subscriptions.db_table)} WHERE {quote(subscriptions.get_field('user').column)} = %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, notice.user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    notice.pk = row[0]
    notice._state.adding, notice._state.db = False, connection.alias
    return bool(row[1])


def notice_read(*, user: User, notice_id: int) -> Notice | None:
    """Mark one of the user's own notices read (the first time only); None when she has no such notice."""
    notice = selectors.notices_for(user).filter(pk=notice_id).first()
    if notice is not None and notice.read_at is None:
        Notice.objects.filter(pk=notice.pk).update(read_at=timezone.now())
        notice.refresh_from_db()
    return notice


def notice_app_seen(*, user_id: int) -> bool:
    """She has the app open: remember when (at most once a minute, so a page view costs a cache
    look-up, not a write). True when it was written."""
    try:
        if not cache.add(f"notices:seen:{user_id}", 1, SEEN_EVERY_SECONDS):
            return False
    except Exception:  # the cache is down (Redis): her page matters more than this note
        logger.warning("app_seen_at not written: the cache is down", exc_info=True)
        return False
    now = timezone.now()
    if not NoticeSettings.objects.filter(user_id=user_id).update(app_seen_at=now):
        NoticeSettings.objects.get_or_create(user_id=user_id, defaults={"app_seen_at": now})
    return True


@transaction.atomic
def notice_settings_save(*, user: User, **choices: Any) -> NoticeSettings:
    """Change her choices (any of ``SETTINGS_FIELDS``); what she leaves out stays as it was."""
    unknown = set(choices) - set(SETTINGS_FIELDS)
    if unknown:
        raise Invalid(_("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    row, _created = NoticeSettings.objects.get_or_create(user=user)
    for name, value in choices.items():
        setattr(row, name, value)
    row.save()
    audit_record(actor=user, action="notices.settings_update", target=row, fields=sorted(choices))
    return row


@transaction.atomic
def push_subscription_save(*, user: User, endpoint: str, p256dh: str, auth: str, label: str = "") -> PushSubscription:
    """Remember a browser's subscription. The same endpoint again is the same row (a retry, a page
    that subscribes on every visit); an endpoint another account had moves to her, since the phone
    is signed in as her now."""
    _check_subscription(endpoint, p256dh, auth)
    subscription, created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={"user": user, "p256dh": p256dh, "auth": auth, "label": label[:80], "failure_count": 0},
        create_defaults={
            "user": user,
            "p256dh": p256dh,
            "auth": auth,
            "label": label[:80],
            "created_at": timezone.now(),
        },
    )
    if created:
        audit_record(actor=user, action="notices.push_subscribe", target=subscription)
    return subscription


@transaction.atomic
def push_subscription_delete(*, user: User, subscription_id: int) -> None:
    """Forget one of her browsers (she turned notifications off there)."""
    deleted, _rows = selectors.push_subscriptions_for(user).filter(pk=subscription_id).delete()
    if not deleted:
        raise PushSubscriptionNotFound()
    audit_record(actor=user, action="notices.push_unsubscribe", target=user, subscription=subscription_id)


def _check_subscription(endpoint: str, p256dh: str, auth: str) -> None:
    if not _push_service(endpoint):
        raise InvalidPushSubscription(details={"field": "endpoint"})
    key, secret = _b64(p256dh), _b64(auth)
    if key is None or len(key) != 65 or key[0] != 4:  # an uncompressed P-256 point
        raise InvalidPushSubscription(details={"field": "keys.p256dh"})
    if secret is None or len(secret) != 16:
        raise InvalidPushSubscription(details={"field": "keys.auth"})


def _push_service(endpoint: str) -> bool:
    """An endpoint of a browser vendor's push service (``HOMESLOT_PUSH_SERVICES``, by host suffix), over
    https on its usual port: the worker POSTs to every endpoint it keeps, so one that names this
    network's own machines (an address, ``localhost``, a port of our choosing) would let a user probe
    them. Only the tests' push service on this machine is plain http (``HOMESLOT_PUSH_ALLOW_HTTP``)."""
    if len(endpoint) > 1000:
        return False
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError:  # "https://[::1", a port that is no number
        return False
    host = (parts.hostname or "").lower().rstrip(".")
    if settings.HOMESLOT_PUSH_ALLOW_HTTP:
        return parts.scheme in ("http", "https") and bool(host)
    if parts.scheme != "https" or port not in (None, 443) or not host:
        return False
    return any(host == suffix or host.endswith("." + suffix) for suffix in settings.HOMESLOT_PUSH_SERVICES)


def _b64(text: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
