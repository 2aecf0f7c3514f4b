"""Web Push through ``pywebpush``, signed with the platform's VAPID keys from the environment
(``HOMESLOT_VAPID_PUBLIC_KEY``, ``HOMESLOT_VAPID_PRIVATE_KEY``, ``HOMESLOT_VAPID_SUBJECT``). Without
them push is off: nothing is sent, and the log says so once per process."""

import json
import logging
from dataclasses import dataclass

from django.conf import settings
from pywebpush import WebPushException, webpush

from notices.models import PushSubscription

logger = logging.getLogger(__name__)
TTL_SECONDS = 24 * 3600  # how long a push service keeps a message for a phone that is off
TIMEOUT_SECONDS = 10
_warned = False


def public_key() -> str:
    """The key a page subscribes with (the application server key); empty when push is off."""
    return settings.HOMESLOT_VAPID_PUBLIC_KEY if enabled() else ""


def enabled() -> bool:
    global _warned
    on = bool(
        settings.HOMESLOT_VAPID_PUBLIC_KEY and settings.HOMESLOT_VAPID_PRIVATE_KEY and settings.HOMESLOT_VAPID_SUBJECT
    )
    if not on and not _warned:
        _warned = True
        logger.warning(
            "Web Push is off: set HOMESLOT_VAPID_PUBLIC_KEY, HOMESLOT_VAPID_PRIVATE_KEY and HOMESLOT_VAPID_SUBJECT "
            "(see the README, Notifications) to send notices to phones."
        )
    return on


@dataclass(frozen=True)
class Outcome:
    """What the push service answered for one subscription."""

    ok: bool
    gone: bool = False  # 404/410: the subscription is over; forget it
    status: int | None = None


def push(subscription: PushSubscription, message: dict) -> Outcome:
    """Send one encrypted message (aes128gcm) to one browser's push service."""
    try:
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=json.dumps(message, ensure_ascii=False),
            vapid_private_key=settings.HOMESLOT_VAPID_PRIVATE_KEY,
            vapid_claims={"sub": settings.HOMESLOT_VAPID_SUBJECT},
            content_encoding="aes128gcm",
            ttl=TTL_SECONDS,
            timeout=TIMEOUT_SECONDS,
        )
    except WebPushException as error:
        status = error.status_code
        logger.info("push to subscription %s failed: %s", subscription.pk, status)
        return Outcome(ok=False, gone=status in (404, 410), status=status)
    except (OSError, ValueError) as error:  # the network, or a key the library cannot use
        logger.info("push to subscription %s failed: %s", subscription.pk, type(error).__name__)
        return Outcome(ok=False)
    return Outcome(ok=True, status=201)
