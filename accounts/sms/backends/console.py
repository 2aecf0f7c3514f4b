"""The development backend (the default): the message goes to the log, not to a phone."""

import logging

from accounts.phones import phone_masked
from accounts.sms.message import SmsMessage

logger = logging.getLogger("accounts.sms")


class ConsoleBackend:
    """Logs the message at INFO with the number masked (``139****0001``), never the full number.
    The text is logged whole, a sign-in or invitation code in it too: this backend is for development
    and demos, where reading the code in the log is the point. Production sets a provider backend."""

    def send(self, message: SmsMessage) -> None:
        logger.info("SMS to %s (%s): %s", phone_masked(message.phone), message.template, message.text)
