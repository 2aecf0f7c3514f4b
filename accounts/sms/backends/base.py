"""What the provider backends share: their variables, read at first use and refused loudly when unset.

Each is read from Django's settings when set there (the tests set them), else from the environment
variable of the same name, so config/settings.py carries only the backend's name and the file path.
"""

import json
import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from accounts.sms.message import SmsMessage


def sms_setting(name: str, default: str = ""):
    value = getattr(settings, name, None)
    return os.environ.get(name, default) if value is None else value


def required_setting(name: str, backend: str) -> str:
    """The variable's value, or ImproperlyConfigured naming it."""
    value = sms_setting(name)
    if not isinstance(value, str) or not value.strip():
        raise ImproperlyConfigured(f"{name} is not set: the {backend} SMS backend needs it.")
    return value.strip()


def sms_timeout_seconds() -> float:
    try:
        return float(sms_setting("HOMESLOT_SMS_TIMEOUT_SECONDS", "10"))
    except ValueError:
        raise ImproperlyConfigured("HOMESLOT_SMS_TIMEOUT_SECONDS is not a number of seconds.") from None


def sms_templates() -> dict:
    """``HOMESLOT_SMS_TEMPLATES``: logical template name → the provider's template id (JSON in the
    environment, a dict or JSON in settings)."""
    value = sms_setting("HOMESLOT_SMS_TEMPLATES") or {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise ImproperlyConfigured(f"HOMESLOT_SMS_TEMPLATES is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ImproperlyConfigured('HOMESLOT_SMS_TEMPLATES must be a JSON object, e.g. {"code": "SMS_123456789"}.')
    return value


def template_id(message: SmsMessage, backend: str) -> str:
    """The provider's id of the message's approved template, or ImproperlyConfigured."""
    value = sms_templates().get(message.template, "")
    if not isinstance(value, str | int) or not str(value).strip():
        raise ImproperlyConfigured(
            f"HOMESLOT_SMS_TEMPLATES has no template id for {message.template!r}: the {backend} SMS backend needs it."
        )
    return str(value).strip()


def split_endpoint(endpoint: str) -> tuple[str, str]:
    """``host[:port]`` → ``("https", host)``; ``http://127.0.0.1:8080`` → ``("http", "127.0.0.1:8080")``.
    Plain HTTP is for the tests' fake providers only: a real endpoint is HTTPS."""
    scheme, sep, host = endpoint.strip().partition("://")
    if not sep:
        return "https", endpoint.strip().rstrip("/")
    return scheme.lower(), host.rstrip("/")
