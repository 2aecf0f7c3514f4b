"""One JSON file per message in a folder (like Django's file-based e-mail backend): for browser tests
and demos, which read the code a number was sent back with ``messages_for``.

The files hold the full number and the whole text (a code too): the folder is as private as the
database. Names sort by time (``<nanoseconds>-<random>.json``) and each is written whole, a temporary
file renamed into place, so a reader never sees half a message.
"""

import json
import os
import secrets
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

from accounts.errors import InvalidPhone
from accounts.phones import phone_normalize
from accounts.sms.message import SmsMessage


def sms_directory(directory: str | Path | None = None) -> Path:
    return Path(directory if directory is not None else settings.HOMESLOT_SMS_FILE_PATH)


class FileBackend:
    def send(self, message: SmsMessage) -> None:
        folder = sms_directory()
        folder.mkdir(parents=True, exist_ok=True)
        record = {
            "phone": message.phone,
            "template": message.template,
            "params": message.params,
            "text": message.text,
            "sent_at": datetime.now(UTC).isoformat(),
        }
        name = f"{time.time_ns():020d}-{secrets.token_hex(4)}.json"
        # mkstemp: a name no other writer has, mode 0600; the rename makes the whole file appear at once.
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(record, out, ensure_ascii=False, indent=2)
            os.replace(temporary, folder / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def messages_for(phone: str, directory: str | Path | None = None) -> list[dict]:
    """The messages sent to ``phone`` (E.164, or as people type it), oldest first, newest last: each
    ``{"phone", "template", "params", "text", "sent_at"}``. An absent folder has none."""
    try:
        number = phone_normalize(phone)
    except InvalidPhone:
        number = phone  # a number from abroad: as it was sent
    folder = sms_directory(directory)
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        if record.get("phone") == number:
            found.append(record)
    return found
