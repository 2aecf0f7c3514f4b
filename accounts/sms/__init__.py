"""Text messages. Sending them is outside this machine, so where they go is a setting, like Django's
e-mail backends: ``HOMESLOT_SMS_BACKEND`` is ``console`` (the default: the log, number masked),
``file`` (one JSON file per message, ``HOMESLOT_SMS_FILE_PATH``), ``memory`` (this process's
``outbox``, for tests), ``aliyun`` or ``tencent`` (the providers' SDKs), or a backend's dotted path.

    from accounts import sms
    sms.send("+8613900000001", "您的验证码是123456，5分钟内有效。", template="code",
             params={"code": "123456", "minutes": "5"})

``text`` is the whole message as she reads it; ``template`` and ``params`` the same message as a
provider sends it (``accounts.sms.templates``). A provider that refuses raises ``SmsSendFailed``.
"""

import functools
import logging
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.utils.module_loading import import_string

from accounts.errors import SmsSendFailed
from accounts.phones import phone_masked
from accounts.sms import checks  # noqa: F401  (registers the system check)
from accounts.sms.backends.memory import messages, outbox
from accounts.sms.message import SmsMessage
from accounts.sms.templates import SmsTemplate, template_params

__all__ = [
    "SmsMessage",
    "SmsSendFailed",
    "SmsTemplate",
    "backend_path",
    "memory_clear",
    "messages",
    "outbox",
    "send",
    "send_later",
    "send_robust",
]

logger = logging.getLogger(__name__)

BACKENDS = {
    "console": "accounts.sms.backends.console.ConsoleBackend",
    "file": "accounts.sms.backends.file.FileBackend",
    "memory": "accounts.sms.backends.memory.MemoryBackend",
    "aliyun": "accounts.sms.backends.aliyun.AliyunBackend",
    "tencent": "accounts.sms.backends.tencent.TencentBackend",
    # The names of the single-module days, kept working:
    "accounts.sms.LogBackend": "accounts.sms.backends.console.ConsoleBackend",
    "accounts.sms.MemoryBackend": "accounts.sms.backends.memory.MemoryBackend",
}


def backend_path(name: str | None = None) -> str:
    """The dotted path of the backend ``name`` (a short name, an old name or a dotted path)."""
    name = (name if name is not None else getattr(settings, "HOMESLOT_SMS_BACKEND", "") or "console").strip()
    return BACKENDS.get(name) or BACKENDS.get(name.lower()) or name


def send(phone: str, text: str, *, template: str = SmsTemplate.NOTICE, params: dict[str, str] | None = None) -> None:
    """Send ``text`` to ``phone`` (E.164) now, through the configured backend. Call it after the
    commit that decided to send (``transaction.on_commit``): a message cannot be taken back."""
    message = SmsMessage(
        phone=phone, text=text, template=str(template), params=template_params(template, params, text=text)
    )
    import_string(backend_path())().send(message)


def send_later(
    phone: str, text: str, *, template: str = SmsTemplate.NOTICE, params: dict[str, str] | None = None
) -> None:
    """Send after this request has answered, on a small pool of threads; a failure is logged (the
    number masked), never the caller's. For messages whose request must answer the same, and as fast,
    whether or not anything is sent (a code asked for a number that may have no account: a provider
    that is slow or refuses would otherwise tell who has one). Call it after commit, like ``send``.
    ``HOMESLOT_SMS_IN_BACKGROUND = False`` sends at once (still never raising): the tests read the
    memory backend right after the request."""
    if getattr(settings, "HOMESLOT_SMS_IN_BACKGROUND", True):
        _pool().submit(_send_logged, phone, text, template, params)
    else:
        _send_logged(phone, text, template, params)


def send_robust(
    phone: str, text: str, *, template: str = SmsTemplate.NOTICE, params: dict[str, str] | None = None
) -> None:
    """``send``, logging a failure instead of raising it: for a message after a change that has
    committed (an invitation, "your payout account changed"), whose request must not fail for it."""
    _send_logged(phone, text, template, params)


def _send_logged(phone: str, text: str, template: str, params: dict[str, str] | None) -> None:
    try:
        send(phone, text, template=template, params=params)
    except Exception:
        logger.exception("SMS (%s) to %s not sent", template, phone_masked(phone))


@functools.cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="sms")


def memory_clear() -> None:
    """Empty the memory backend's ``outbox`` and ``messages`` (a test's fixture calls it)."""
    outbox.clear()
    messages.clear()
