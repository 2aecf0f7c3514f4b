"""The one API-token rule, for every caller: a token is known by the SHA-256 digest of its key,
has not lapsed (``expires_at``), and its user is active.

``user_for_token`` / ``token_for_key`` serve the DRF authentication class, the sync claim path
and the sockets; ``TOKEN_USER_SQL`` is the same rule in SQL, for the async claim fast path
(which joins it to the claim call, so a claim costs one round trip; the caller computes the
digest with :func:`token_digest` and passes ``token_digest`` and ``now``).

Lifetimes slide: a use moves ``expires_at`` to ``now + HOMESLOT_TOKEN_DAYS``, written at most
once per ``TOUCH_EVERY`` per token, so a request does not write every time (a token's expiry is
therefore exact to within that hour). The fast path touches with ``TOKEN_TOUCH_SQL``, also at
most once per ``TOUCH_EVERY`` per token and server process (:func:`touch_due`).
"""

import datetime
import hashlib
import threading
import time

from django.conf import settings
from django.utils import timezone

from accounts.models import ApiToken

MAX_KEY_LENGTH = 64
TOUCH_EVERY = datetime.timedelta(hours=1)

TOKEN_USER_SQL = (
    "SELECT t.user_id AS id FROM accounts_apitoken t JOIN accounts_user u ON u.id = t.user_id "
    "WHERE t.digest = %(token_digest)s AND t.expires_at > %(now)s AND u.is_active"
)
TOKEN_TOUCH_SQL = (
    "UPDATE accounts_apitoken SET last_used_at = %(now)s, expires_at = %(expires_at)s "
    "WHERE digest = %(token_digest)s AND expires_at > %(now)s AND last_used_at <= %(stale_before)s"
)


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_lifetime() -> datetime.timedelta:
    return datetime.timedelta(days=settings.HOMESLOT_TOKEN_DAYS)


def touch_params(key: str, now: datetime.datetime) -> dict:
    """Parameters of ``TOKEN_TOUCH_SQL`` for a use of ``key`` at ``now``."""
    return {
        "token_digest": token_digest(key),
        "now": now,
        "expires_at": now + token_lifetime(),
        "stale_before": now - TOUCH_EVERY,
    }


def token_for_key(key: str, *, related: tuple[str, ...] = ()):
    """The live ``ApiToken`` of ``key`` (its user loaded and active, and ``related`` relations of
    the token joined in the same statement), or None. Moves its expiry on."""
    if not key or len(key) > MAX_KEY_LENGTH or "\x00" in key:  # no key holds a NUL
        return None
    now = timezone.now()
    found = ApiToken.objects.select_related("user", *related).filter(
        digest=token_digest(key), expires_at__gt=now, user__is_active=True
    )
    token = next(iter(found[:1]), None)  # the digest is unique: no ORDER BY to build and send
    if token is not None and token.last_used_at <= now - TOUCH_EVERY:
        params = touch_params(key, now)
        ApiToken.objects.filter(pk=token.pk, last_used_at__lte=params["stale_before"]).update(
            last_used_at=now, expires_at=params["expires_at"]
        )
        token.last_used_at, token.expires_at = now, params["expires_at"]
    return token


def user_for_token(key: str):
    """The active user holding ``key``, or None."""
    token = token_for_key(key)
    return token.user if token is not None else None


_touched: dict[str, float] = {}
_touched_lock = threading.Lock()


def touch_due(digest: str) -> bool:
    """Whether this process should send ``TOKEN_TOUCH_SQL`` for a use of this token now (it did not
    in the last ``TOUCH_EVERY``). The statement itself decides whether anything is written."""
    now = time.monotonic()
    every = TOUCH_EVERY.total_seconds()
    with _touched_lock:
        if now - _touched.get(digest, -every) < every:
            return False
        if len(_touched) > 100_000:  # forget what is past due anyway
            for old in [d for d, at in _touched.items() if now - at >= every]:
                del _touched[old]
        _touched[digest] = now
        return True
