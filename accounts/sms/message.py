"""One text message on its way out: what every backend is handed."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SmsMessage:
    """``phone`` is E.164 (``+8613900000001``); ``text`` the whole message as a person reads it (the
    console, file and memory backends keep it); ``template`` and ``params`` the same message as a
    provider sends it (an approved template and its variables, checked by ``templates.template_params``)."""

    phone: str
    text: str
    template: str = "notice"
    params: dict[str, str] = field(default_factory=dict)
