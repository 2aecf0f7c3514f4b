"""The tests' backend: messages are kept in this process's lists, nothing leaves."""

from accounts.sms.message import SmsMessage

# ``(phone, text)`` for each message (``accounts.sms.outbox``, what the older tests read), and the
# whole message beside it (``accounts.sms.messages``). ``accounts.sms.memory_clear()`` empties both.
outbox: list[tuple[str, str]] = []
messages: list[SmsMessage] = []


class MemoryBackend:
    def send(self, message: SmsMessage) -> None:
        outbox.append((message.phone, message.text))
        messages.append(message)
