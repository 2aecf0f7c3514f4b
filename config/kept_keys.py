"""Keys an installation keeps: made once on first start in ``var/`` (mode 0600) when the environment
sets none, and read by every later start and every process (config/settings.py)."""

import os
import secrets
import time
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from core.sealing import key_new, key_valid


def _kept_once(path: Path, make, hint: str) -> str:
    """The text in ``path``, made by ``make()`` on first start (mode 0600): every process of one
    installation reads the same file, and it survives restarts."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process is writing it this very moment
            text = path.read_text().strip()
            if text:
                return text
            time.sleep(0.02)
        raise ImproperlyConfigured(f"{path} is empty: delete it (a new one is made) or set {hint}") from None

    text = make()
    with os.fdopen(descriptor, "w") as kept:
        kept.write(text + "\n")
    return text


def secret_key_from(var_dir: Path) -> str:
    """The key in ``var/secret_key``, made on first start (mode 0600) when none is set (sessions stay
    valid across restarts)."""
    return _kept_once(var_dir / "secret_key", lambda: secrets.token_urlsafe(50), "DJANGO_SECRET_KEY")


def field_keys_from(raw: str | None, *, var_dir: Path, production: bool) -> list[str]:
    keys = [key.strip() for key in (raw or "").split(",") if key.strip()]
    if not keys:
        if production:
            raise ImproperlyConfigured(
                "Set HOMESLOT_FIELD_KEYS (python -c 'from cryptography.fernet import Fernet;"
                " print(Fernet.generate_key().decode())'): with HOMESLOT_HTTPS=1 no key is made on disk."
            )
        keys = [_kept_once(var_dir / "field_keys", key_new, "HOMESLOT_FIELD_KEYS")]
    bad = [number for number, key in enumerate(keys, 1) if not key_valid(key)]
    if bad:
        raise ImproperlyConfigured(f"HOMESLOT_FIELD_KEYS: key {bad[0]} is not a Fernet key (32 bytes, urlsafe base64)")
    return keys
