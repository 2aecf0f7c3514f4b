"""Background jobs of the standard."""

from django_tasks import task

from standards.services import standings_update


@task()
def standings_measure() -> int:
    """Every company's 妈妈岗 standard measured again from its records (hourly)."""
    return standings_update()
