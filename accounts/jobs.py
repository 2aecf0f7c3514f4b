"""Background jobs of the accounts app: tidying only (each idempotent)."""

import datetime

from django_tasks import task

from accounts import codes, services

# Every server process reads new access changes within seconds; a day is far more than enough.
KEEP_ACCESS_CHANGES = datetime.timedelta(days=1)
# A lapsed code opens nothing; kept a day after it lapses, for an operator looking into a complaint.
KEEP_SMS_CODES = datetime.timedelta(days=1)


@task()
def accounts_tidy() -> int:
    """Forget access changes older than a day, API tokens that have lapsed, SMS codes lapsed a day ago."""
    return (
        services.access_changes_prune(older_than=KEEP_ACCESS_CHANGES)
        + services.api_tokens_prune()
        + codes.sms_codes_prune(older_than=KEEP_SMS_CODES)
    )
