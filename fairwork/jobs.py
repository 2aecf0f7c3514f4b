"""Fair-work jobs: reminders, warnings and measured pay (see fairwork.services)."""

from django_tasks import task

from fairwork import services


@task()
def reminders_send() -> int:
    return services.reminders_send()


@task()
def auto_accept_warn() -> int:
    return services.auto_accept_warn()


@task()
def hours_warn() -> int:
    return services.hours_warn()


@task()
def measured_pay_update() -> int:
    return services.measured_pay_update()
