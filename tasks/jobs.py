"""Background jobs of the work flow. Correctness never waits for them (a claim is live while
now < expires_at); they tidy up and tell people. Each is idempotent and safe to run late."""

from django.utils import timezone
from django_tasks import task

from tasks import services
from tasks.handovers import HELD_CLAIM
from tasks.models import Claim, ClaimStatus, Submission, SubmissionStatus
from tasks.services import handovers, reminders

BATCH = 1000


@task()
def claims_expire() -> int:
    """Claims past slot end + grace: marked expired, tasks back in the hall, mothers told kindly."""
    due = (
        Claim.objects.filter(status=ClaimStatus.ACTIVE, expires_at__lte=timezone.now())
        .exclude(HELD_CLAIM)  # an assembly batch whose materials she holds stays hers (tasks.handovers)
        .order_by("expires_at")
        .values_list("task_id", flat=True)[:BATCH]
    )
    return sum(services.claim_expire(task_id=task_id) for task_id in list(due))


@task()
def submissions_auto_accept() -> int:
    """Submissions not reviewed within their project's review window: accepted and credited."""
    due = (
        Submission.objects.filter(status=SubmissionStatus.PENDING, review_due_at__lte=timezone.now())
        .order_by("review_due_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    return sum(services.submission_auto_accept(submission_id=pk) is not None for pk in list(due))


@task()
def split_run(job_id: str) -> int:
    """Split a large labelling file kept by ``tasks.split_requests.split_request``."""
    job = services.split_job_run(job_id=job_id)
    return job.tasks_created if job is not None else 0


# --- fair work over the work (tasks.services.reminders) --------------------------------------------


@task()
def reminders_send() -> int:
    return reminders.reminders_send()


@task()
def returns_overdue_remind() -> int:
    """Mothers past their deadline with materials of an assembly batch: told once, never penalised."""
    return handovers.returns_overdue_remind()


@task()
def auto_accept_warn() -> int:
    return reminders.auto_accept_warn()


@task()
def hours_warn() -> int:
    return reminders.hours_warn()


@task()
def measured_pay_update() -> int:
    return reminders.measured_pay_update()


@task()
def deleted_payout_details_erase() -> int:
    """Deleted accounts whose payout details were kept while money was owed: erased once it is paid."""
    return services.account_payout_details_tidy()


@task()
def results_export_build(export_id: str) -> int:
    """Build a requested results file (``tasks.results_export_requests``); tell the staff when it is ready."""
    export = services.results_export_run(export_id=export_id)
    return export.rows_done if export is not None else 0
