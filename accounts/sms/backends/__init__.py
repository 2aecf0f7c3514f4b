"""Where text messages go. Each backend is a class with ``send(message: SmsMessage) -> None``, made
anew for every message; ``HOMESLOT_SMS_BACKEND`` names one (``accounts.sms.backend_path``)."""
