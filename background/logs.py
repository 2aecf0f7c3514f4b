"""Quiet background logs: the worker library's per-job lines (a job started, a job finished: two lines
per job per minute) are dropped below WARNING, and one line is written when a job did something — its
name and what it returned (``job claims_expire: 3``). ``HOMESLOT_LOG_JOBS=1`` keeps every line."""

import logging
import os

from django.dispatch import receiver
from django_tasks.signals import task_finished

logger = logging.getLogger("homeslot.jobs")
_LIBRARY = ("django_tasks", "django_tasks_db", "rq.worker")


class QuietJobs(logging.Filter):
    """Drops the job library's own INFO and DEBUG lines (warnings and errors pass)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if os.environ.get("HOMESLOT_LOG_JOBS") == "1" or record.levelno >= logging.WARNING:
            return True
        return not record.name.startswith(_LIBRARY)


@receiver(task_finished)
def _job_done(sender, task_result, **kwargs) -> None:
    """One INFO line for a job that did something (a count above 0, a result that is not empty)."""
    value = getattr(task_result, "return_value", None) if task_result.status == "SUCCESSFUL" else None
    if value:
        logger.info("job %s: %s", task_result.task.name, value)
