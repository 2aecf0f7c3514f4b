"""Helpers several service modules share: who may supervise, a bounded whole number, the
locked project and claim, the project's next task numbers, and the project's progress event."""

from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils.translation import gettext as _

from accounts.selectors import SUPERVISING_ROLES, role_in
from core import locks
from core.errors import Forbidden, Invalid, NotFound
from realtime import events
from realtime.groups import company_staff_group
from realtime.publish import publish
from tasks.errors import ClaimExpired, ClaimNotActive
from tasks.handovers import holds_materials
from tasks.models import Claim, ClaimStatus, Project, Submission, Task
from tasks.selectors import project_progress


def _require_supervising(actor, company_id: int) -> None:
    role = role_in(actor, company_id)
    if role is None:
        raise NotFound()
    if role not in SUPERVISING_ROLES:
        raise Forbidden(_("Only a supervisor or a company admin can do this."))


def _bounded_int(value, name: str, *, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        value = None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = low - 1
    if not low <= number <= high:
        raise Invalid(
            _("%(field)s must be a whole number from %(low)s to %(high)s.") % {"field": name, "low": low, "high": high},
            details={"field": name},
        )
    return number


def _locked_project(actor, project_id: int) -> Project:
    project = locks.lock_one(Project.objects.filter(pk=project_id))
    if project is None:
        raise NotFound()
    _require_supervising(actor, project.company_id)
    return project


def _locked_claim(*, worker, claim_id, related=("task", "project", "slot"), newest_submission: bool = False) -> Claim:
    """Her claim, locked, with the ``related`` rows its caller reads; with ``newest_submission``, the id
    of her newest hand-in of it as ``newest_submission_id`` (None: none yet)."""
    claims = Claim.objects.select_related(*related).filter(pk=claim_id, worker=worker)
    if newest_submission:
        newest = Submission.objects.filter(claim=OuterRef("pk")).order_by("-pk").values("pk")[:1]
        claims = claims.annotate(newest_submission_id=Subquery(newest))
    claim = locks.lock_one(claims)
    if claim is None:
        raise NotFound()
    return claim


def _require_live(claim: Claim, now) -> None:
    """An active claim before its deadline, or after it while she holds the batch's materials (an
    assembly batch stays hers until they are back: tasks.handovers)."""
    if claim.status != ClaimStatus.ACTIVE:
        raise ClaimNotActive(details={"status": claim.status})
    if claim.expires_at <= now and not holds_materials(claim.task):
        raise ClaimExpired()


def _publish_progress(project: Project) -> None:
    progress = project_progress(project)
    publish(
        events.project_progress(project=project.pk, status=project.status, **progress),
        groups=[company_staff_group(project.company_id)],
    )


_NUMBER_TRIES = 5


def _next_numbered(project_id: int, create):
    """``create(first)`` writes tasks numbered from the project's next number on, and its answer is
    returned. A split holds the project's lock, but items sent back after a review (``item_retries``)
    take a number without it (that lock comes before the submission's): when another transaction
    took the number meanwhile, the unique number refuses it and it is tried again after that one (a
    savepoint each time), never a 500."""
    for attempt in range(_NUMBER_TRIES):
        first = (Task.objects.filter(project_id=project_id).aggregate(n=Max("number"))["n"] or 0) + 1
        try:
            with transaction.atomic():
                return create(first)
        except IntegrityError:
            if attempt == _NUMBER_TRIES - 1:
                raise
    raise AssertionError("not reached: the last try returns or raises")
