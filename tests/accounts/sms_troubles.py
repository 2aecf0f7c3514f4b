"""SMS backends that misbehave the way a provider does (outside this machine): one refuses every
message, one hangs until the test lets it go."""

import threading

from accounts.errors import SmsSendFailed

released = threading.Event()
sent: list[str] = []


class RefusingBackend:
    def send(self, message) -> None:
        raise SmsSendFailed(details={"provider": "fake", "provider_code": "isv.BUSINESS_LIMIT_CONTROL"})


class HangingBackend:
    def send(self, message) -> None:
        released.wait(timeout=10)
        sent.append(message.phone)
