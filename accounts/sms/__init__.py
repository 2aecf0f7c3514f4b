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

from django.conf import settings
from django.utils.module_loading import import_string

from accounts.errors import SmsSendFailed
from accounts.sms import checks  # noqa: F401  (registers the system check)
from accounts.sms.backends.memory import messages, outbox
from accounts.sms.message import SmsMessage
from accounts.sms.templates import SmsTemplate, template_params

__all__ = ["SmsMessage", "SmsSendFailed", "SmsTemplate", "backend_path", "memory_clear", "messages", "outbox", "send"]

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


def memory_clear() -> None:
    """Empty the memory backend's ``outbox`` and ``messages`` (a test's fixture calls it)."""
    outbox.clear()
    messages.clear()
