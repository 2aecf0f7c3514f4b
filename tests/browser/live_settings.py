"""Settings of the daphne process that the realtime browser tests talk to: the platform's own,
pointed at the test database and using the test suite's password hasher."""

import os

from config.settings import *  # noqa: F403

DATABASES["default"]["NAME"] = os.environ["HOMESLOT_LIVE_DB_NAME"]  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
