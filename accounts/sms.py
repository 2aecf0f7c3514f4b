"""Text messages. Sending them is outside this machine: the backend is a setting
(``HOMESLOT_SMS_BACKEND``); the default logs the message, the tests keep it in ``outbox``."""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from accounts.phones import phone_masked

logger = logging.getLogger(__name__)
outbox: list[tuple[str, str]] = []  # MemoryBackend's messages (tests)


class LogBackend:
    def send(self, phone: str, text: str, **_template) -> None:
        logger.info("SMS to %s: %s", phone_masked(phone), text)


class MemoryBackend:
    def send(self, phone: str, text: str, **_template) -> None:
        outbox.append((phone, text))


def send(phone: str, text: str, *, template: str = "notice", params: dict[str, str] | None = None) -> None:
    backend = import_string(getattr(settings, "HOMESLOT_SMS_BACKEND", "accounts.sms.LogBackend"))()
    backend.send(phone, text, template=template, params=params or {})
