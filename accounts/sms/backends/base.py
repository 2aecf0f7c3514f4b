"""What the provider backends share: their settings, read at first use and refused loudly when unset."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from accounts.sms.message import SmsMessage


def required_setting(name: str, backend: str) -> str:
    """The setting's value (from the environment variable of the same name), or ImproperlyConfigured."""
    value = getattr(settings, name, "")
    if not isinstance(value, str) or not value.strip():
        raise ImproperlyConfigured(f"{name} is not set: the {backend} SMS backend needs it.")
    return value.strip()


def template_id(message: SmsMessage, backend: str) -> str:
    """The provider's id of the message's approved template, from ``HOMESLOT_SMS_TEMPLATES``."""
    templates = getattr(settings, "HOMESLOT_SMS_TEMPLATES", {}) or {}
    value = templates.get(message.template, "") if isinstance(templates, dict) else ""
    if not isinstance(value, str) or not value.strip():
        raise ImproperlyConfigured(
            f"HOMESLOT_SMS_TEMPLATES has no template id for {message.template!r}: the {backend} SMS backend needs it."
        )
    return value.strip()


def split_endpoint(endpoint: str) -> tuple[str, str]:
    """``host[:port]`` → ``("https", host)``; ``http://127.0.0.1:8080`` → ``("http", "127.0.0.1:8080")``.
    Plain HTTP is for the tests' fake providers only: a real endpoint is HTTPS."""
    scheme, sep, host = endpoint.partition("://")
    if not sep:
        return "https", endpoint.rstrip("/")
    return scheme.lower(), host.rstrip("/")
