"""Background jobs of the career path. Each is idempotent and safe to run late."""

from django_tasks import task

from skills import services


@task()
def demotions_apply() -> int:
    """Levels whose grace period ran out with her work still below the rule: lowered, she is told why."""
    return services.demotions_apply()
