"""Sealing a secret field (a mother's full account number) with the installation's field keys.

``settings.HOMESLOT_FIELD_KEYS`` is a list of Fernet keys (urlsafe base64, 32 bytes each): the first
seals, every one opens — that is key rotation (README, "Payout accounts"): put a new key first, run
``manage.py rotate_field_keys`` (every row resealed with it), then drop the old key. A sealed value is
text (a Fernet token); nothing is sealed or opened anywhere but through this module, so a reader of the
code can find every place a secret is read in the clear: ``grep -rn 'unseal('``.
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class KeyMissing(ImproperlyConfigured):
    """A sealed value that none of the configured keys opens: a key was dropped too early."""


def _keys() -> MultiFernet:
    keys = getattr(settings, "HOMESLOT_FIELD_KEYS", None) or []
    if not keys:
        raise ImproperlyConfigured("HOMESLOT_FIELD_KEYS is empty: no key to seal or open fields with")
    return MultiFernet([Fernet(key) for key in keys])


def seal(text: str) -> str:
    """``text`` sealed with the first key."""
    return _keys().encrypt(text.encode()).decode()


def unseal(token: str) -> str:
    """The text in ``token``, opened with whichever configured key sealed it."""
    try:
        return _keys().decrypt(token.encode()).decode()
    except InvalidToken:
        raise KeyMissing("a sealed field opens with none of HOMESLOT_FIELD_KEYS (was its key dropped?)") from None


def reseal(token: str) -> str:
    """``token`` sealed again with the first key (the same text; unchanged if it already is)."""
    try:
        return _keys().rotate(token.encode()).decode()
    except InvalidToken:
        raise KeyMissing("a sealed field opens with none of HOMESLOT_FIELD_KEYS (was its key dropped?)") from None


def key_valid(key: str) -> bool:
    try:
        Fernet(key)
    except (ValueError, TypeError):
        return False
    return True


def key_new() -> str:
    return Fernet.generate_key().decode()
