"""Appeals: her one appeal of a reject or a partial acceptance, within ``APPEAL_DAYS`` of the decision,
decided by a staff member other than the first reviewer (the company admin when there is no other).
An overturn or an adjustment credits the difference once (``appeal:<id>``) at the rate of her level."""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import Membership, Role, User
from accounts.selectors import SUPERVISING_ROLES, role_in
from core import locks
from core.errors import Forbidden, Invalid, NotFound, ReasonRequired
from notices.models import NoticeKind
from notices.services import notice_send
from realtime import events
from realtime.groups import company_staff_group, worker_group
from realtime.publish import publish
from tasks.errors import (
    AppealDecided,
    AppealExists,
    AppealFirstReviewer,
    AppealTooLate,
    InvalidAppealDecision,
    NotAppealable,
    OwnSubmission,
)
from tasks.models import (
    APPEAL_DAYS,
    MAX_APPEAL_REASON,
    Appeal,
    AppealStatus,
    Submission,
    SubmissionStatus,
)
from tasks.services import second_look
from tasks.services._common import _publish_progress

APPEAL_DECISIONS = ("uphold", "overturn", "adjust")
_APPEALABLE = (SubmissionStatus.REJECTED, SubmissionStatus.PARTIALLY_ACCEPTED)


def _reason(reason, *, limit: int) -> str:
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        raise ReasonRequired(_("Please give a reason."))
    if len(reason) > limit:
        raise Invalid(
            _("The reason can be at most %(limit)s characters.") % {"limit": limit}, details={"field": "reason"}
        )
    return reason


def _assignee(company_id: int, *, first_reviewer_id: int | None, worker_id: int) -> int | None:
    """The supervising staff member other than the first reviewer with the fewest open appeals of the
    company (then the longest-standing); with no such person, the company's first admin."""
    staff = (
        Membership.objects.filter(company_id=company_id, role__in=SUPERVISING_ROLES)
        .exclude(user_id=worker_id)
        .filter(user__is_active=True)
        .annotate(
            open_appeals=Count(
                "user__appeals_to_decide",
                filter=Q(user__appeals_to_decide__status="open", user__appeals_to_decide__company_id=company_id),
            )
        )
        .order_by("open_appeals", "pk")
    )
    other = staff.exclude(user_id=first_reviewer_id).values_list("user_id", flat=True).first()
    if other is not None:
        return other
    return staff.filter(role=Role.ADMIN).order_by("pk").values_list("user_id", flat=True).first()


@transaction.atomic
def submission_appeal(*, worker: User, submission_id: int, reason: str) -> Appeal:
    """Her appeal of her submission's reject or partial acceptance: once, within ``APPEAL_DAYS``."""
    now = timezone.now()
    submission = locks.lock_one(
        Submission.objects.select_related("project", "review").filter(pk=submission_id, worker=worker)
    )
    if submission is None:
        raise NotFound()
    review = getattr(submission, "review", None)
    # Its result as it stands (an audit of a peer's review may have raised it since the review).
    if review is None or submission.status not in _APPEALABLE:
        raise NotAppealable(details={"status": submission.status})
    if Appeal.objects.filter(submission=submission).exists():
        raise AppealExists()
    if review.decided_at + datetime.timedelta(days=APPEAL_DAYS) <= now:
        raise AppealTooLate()
    reason = _reason(reason, limit=MAX_APPEAL_REASON)
    project = submission.project
    assigned = _assignee(project.company_id, first_reviewer_id=review.reviewer_id, worker_id=worker.pk)
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(
                submission=submission,
                review=review,
                worker=worker,
                company_id=project.company_id,
                reason=reason,
                assigned_to_id=assigned,
                units_before=second_look.units_now(submission=submission),
                created_at=now,
            )
    except IntegrityError:  # the same appeal sent twice at once: the one-to-one refuses the second
        raise AppealExists() from None
    audit_record(
        actor=worker,
        action="appeal.open",
        target=appeal,
        company_id=project.company_id,
        submission=submission.pk,
        assigned_to=assigned,
    )
    if assigned is not None:
        notice_send(
            user_id=assigned,
            kind=NoticeKind.APPEAL_OPENED,
            key=f"appeal-opened:{appeal.pk}",
            text=_("A mother appealed the decision on her work for “%(title)s”. Please take a second look.")
            % {"title": project.title},
            data={"appeal": appeal.pk, "submission": submission.pk, "project": project.pk},
        )
    publish(
        events.appeal_opened(
            appeal=appeal.pk, submission=submission.pk, project=project.pk, company=project.company_id
        ),
        groups=[worker_group(worker.pk), company_staff_group(project.company_id)],
    )
    return appeal


@transaction.atomic
def appeal_decide(
    *, actor: User, appeal_id: int, decision: str, accepted_units: int | None = None, reason: str = ""
) -> Appeal:
    """Decide an appeal: ``uphold`` (nothing changes), ``overturn`` (every unit she handed in is
    accepted) or ``adjust`` (``accepted_units``, more than before and at most what she handed in).
    The difference is credited once (``appeal:<id>``); her level in the project's skill is recomputed."""
    now = timezone.now()
    appeal = locks.lock_one(Appeal.objects.select_related("review").filter(pk=appeal_id))
    if appeal is None:
        raise NotFound()
    role = role_in(actor, appeal.company_id)
    if role is None:
        raise NotFound()
    if role not in SUPERVISING_ROLES:
        raise Forbidden(_("Only a supervisor or a company admin can do this."))
    if actor.pk == appeal.worker_id:
        raise OwnSubmission()
    if actor.pk == appeal.review.reviewer_id and actor.pk != appeal.assigned_to_id:
        raise AppealFirstReviewer()
    if appeal.status != AppealStatus.OPEN:
        raise AppealDecided(details={"status": appeal.status})
    if decision not in APPEAL_DECISIONS:
        raise InvalidAppealDecision(_("The decision must be uphold, overturn or adjust."))
    reason = _reason(reason, limit=MAX_APPEAL_REASON)
    # The appeal first, then its submission and task (core.locks).
    submission = locks.lock_one(Submission.objects.select_related("project", "task").filter(pk=appeal.submission_id))
    before = second_look.units_now(submission=submission)  # an audit may have raised it since she appealed
    if decision == "uphold":
        after, status = before, AppealStatus.UPHELD
    elif decision == "overturn":
        after, status = submission.submitted_units, AppealStatus.OVERTURNED
    else:
        after, status = (
            _adjusted(accepted_units, low=before + 1, high=submission.submitted_units),
            AppealStatus.ADJUSTED,
        )
    after = max(after, before)
    Appeal.objects.filter(pk=appeal.pk).update(
        status=status, units_before=before, units_after=after, decided_by=actor, decision_reason=reason, decided_at=now
    )
    appeal.status, appeal.units_before, appeal.units_after, appeal.decided_by = status, before, after, actor
    appeal.decision_reason, appeal.decided_at = reason, now
    audit_record(
        actor=actor,
        action=f"appeal.{decision}",
        target=appeal,
        company_id=appeal.company_id,
        submission=submission.pk,
        units_before=before,
        units_after=after,
    )
    if after > before:
        second_look.result_raise(
            submission=submission,
            review=appeal.review,
            units=after,
            actor=actor,
            key=f"appeal:{appeal.pk}",
            now=now,
            after_appeal=True,
        )
        _publish_progress(submission.project)
    _tell(appeal, submission)
    return appeal


def _adjusted(value, *, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidAppealDecision(
            _("accepted_units must be a whole number from %(low)s to %(high)s.") % {"low": low, "high": high},
            details={"field": "accepted_units"},
        )
    return value


def _tell(appeal: Appeal, submission: Submission) -> None:
    project = submission.project
    words = {"title": project.title, "reason": appeal.decision_reason, "units": appeal.units_after}
    if appeal.status == AppealStatus.UPHELD:
        text = _("Your appeal on “%(title)s” was reviewed: the decision stands. The reason: %(reason)s")
    elif appeal.status == AppealStatus.OVERTURNED:
        text = _("Your appeal on “%(title)s” was accepted: all your work is accepted and credited. %(reason)s")
    else:
        text = _("Your appeal on “%(title)s” was accepted in part: %(units)s units now count. %(reason)s")
    notice_send(
        user_id=appeal.worker_id,
        kind=NoticeKind.APPEAL_DECIDED,
        key=f"appeal-decided:{appeal.pk}",
        text=text % words,
        data={"appeal": appeal.pk, "submission": submission.pk, "project": project.pk},
    )
    publish(
        events.appeal_decided(
            appeal=appeal.pk,
            submission=submission.pk,
            project=project.pk,
            company=appeal.company_id,
            status=appeal.status,
            units_before=appeal.units_before,
            units_after=appeal.units_after,
        ),
        groups=[worker_group(appeal.worker_id), company_staff_group(appeal.company_id)],
    )
