"""Background jobs of the accounts app: tidying only (each idempotent)."""

import datetime

from django_tasks import task

from accounts import services

# Every server process reads new access changes within seconds; a day is far more than enough.
KEEP_ACCESS_CHANGES = datetime.timedelta(days=1)


@task()
def accounts_tidy() -> int:
    """Forget access changes older than a day, and delete API tokens that have lapsed."""
    return services.access_changes_prune(older_than=KEEP_ACCESS_CHANGES) + services.api_tokens_prune()
