"""Reviews: a supervisor's decision (a second person), the auto-accept after the review window,
and the credit that follows."""

import datetime

from django.db import transaction
from django.db.models import OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import User
from core import locks
from core.batched_inserts import batched_inserts
from core.errors import NotFound, ReasonRequired
from fairwork import selectors as fairwork
from ledger.services import earning_accounts, earning_credit
from notices.models import NoticeKind
from notices.services import notice_send
from realtime import events
from realtime.groups import company_staff_group, worker_group
from realtime.publish import publish
from tasks import handovers
from tasks.errors import AlreadyReviewed, InvalidDecision, InvalidRejectedItems, OwnSubmission, ReviewWindowPassed
from tasks.models import (
    Claim,
    ClaimStatus,
    Decision,
    Kind,
    LabelItem,
    Review,
    Submission,
    SubmissionStatus,
    Task,
    TaskStatus,
)
from tasks.services import career, item_retries
from tasks.services._common import _bounded_int, _publish_progress, _require_supervising

# The submission as a review locks it, with what its answer shows and the accounts its credit posts to.
_LOCKED = Submission.objects.select_related("project__company", "claim", "task", "worker__worker_profile").annotate(
    **earning_accounts(company=OuterRef("project__company_id"), worker=OuterRef("worker_id"))
)
_FINAL = {
    Decision.ACCEPT: (SubmissionStatus.ACCEPTED, TaskStatus.ACCEPTED),
    Decision.PARTIAL: (SubmissionStatus.PARTIALLY_ACCEPTED, TaskStatus.PARTIALLY_ACCEPTED),
    Decision.REJECT: (SubmissionStatus.REJECTED, TaskStatus.REJECTED),
}


@transaction.atomic
@batched_inserts()
def submission_review(
    *,
    actor: User,
    submission_id: int,
    decision: str,
    accepted_units: int | None = None,
    reason: str = "",
    score: int | None = None,
    rejected_items: list[int] | None = None,
) -> Review:
    """Decide a submission. A partial acceptance of labelling may name the items not accepted
    (``rejected_items``, LabelItem ids of the task): the rest are the accepted units, and those not
    accepted go back to the pool (``item_retries``), as do a rejected hand-in's. The review's
    ``submission`` is as the decision left it, with what an answer shows (project and company, task,
    claim, worker and her profile): nothing needs reading again. Its audit rows and events are written
    together at the end (``core.batched_inserts``)."""
    now = timezone.now()
    submission = locks.lock_one(_LOCKED.filter(pk=submission_id))
    if submission is None:
        raise NotFound()
    _require_supervising(actor, submission.project.company_id)
    review = _checked_and_decided(
        submission,
        actor=actor,
        decision=decision,
        accepted_units=accepted_units,
        reason=reason,
        score=score,
        rejected_items=rejected_items,
        now=now,
    )
    _tell_her(submission, review)
    return review


def _checked_and_decided(
    submission: Submission,
    *,
    actor: User,
    decision: str,
    accepted_units,
    reason: str,
    score,
    rejected_items,
    now,
    by_peer: bool = False,
) -> Review:
    """A person's decision (a supervisor's or a peer's) checked by the rules every one follows, then
    written: the items not accepted named (``rejected_items``) or a count, ``_checked_decision``, ``_decide``."""
    units, reason, score = _checked_decision(
        submission,
        actor=actor,
        decision=decision,
        accepted_units=accepted_units,
        reason=reason,
        score=score,
        now=now,
        rejected_items=rejected_items,
    )
    return _decide(
        submission,
        actor=actor,
        decision=decision,
        units=units,
        reason=reason,
        score=score,
        now=now,
        by_peer=by_peer,
        rejected_items=sorted(set(rejected_items or ())),
    )


def _checked_items(submission: Submission, decision: str, rejected_items, accepted_units) -> int:
    """The accepted units of a partial acceptance that names the items not accepted: every one an
    item of the task handed in, none twice, some accepted and some not, as ``accepted_units`` says
    (when it is given too)."""
    if submission.project.kind != Kind.LABELLING or decision != Decision.PARTIAL:
        raise InvalidRejectedItems(_("Items not accepted are named only in a partial acceptance of labelling."))
    if not isinstance(rejected_items, list | tuple):
        raise InvalidRejectedItems(_("rejected_items is a list of item ids."))
    items = set(LabelItem.objects.filter(task_id=submission.task_id).values_list("pk", flat=True))
    seen = set()
    for item in rejected_items:
        if isinstance(item, bool) or not isinstance(item, int) or item not in items:
            raise InvalidRejectedItems(
                _("Item %(item)s is not one of this task's items.") % {"item": str(item)[:20]},
                details={"item": item if isinstance(item, int) else None},
            )
        if item in seen:
            raise InvalidRejectedItems(_("Item %(item)s is named twice.") % {"item": item}, details={"item": item})
        seen.add(item)
    units = submission.submitted_units - len(seen)
    if not seen or units < 1:
        raise InvalidRejectedItems(
            _("A partial acceptance leaves some items accepted and some not: accept or reject the whole hand-in.")
        )
    if accepted_units is not None and accepted_units != units:
        raise InvalidRejectedItems(
            _("%(given)s units accepted, but %(units)s items are left accepted.")
            % {"given": accepted_units, "units": units}
        )
    return units


def _checked_decision(
    submission: Submission, *, actor: User, decision: str, accepted_units, reason, score, now, rejected_items=None
) -> tuple[int, str, int | None]:
    """The rules every decision of a person follows, a supervisor's or a peer's: not her own work, not
    decided yet, a known decision, past the review window only an accept, a reason for anything but an
    accept, units within what she handed in (or the items not accepted named: ``_checked_items``).
    ``(units, reason, score)`` as they are to be written."""
    if submission.worker_id == actor.pk:
        # A second person is the point of a review: her own work is decided by a colleague or,
        # in silence, by the review window's auto-accept (which has no reviewer).
        raise OwnSubmission()
    if submission.status != SubmissionStatus.PENDING:
        raise AlreadyReviewed(details={"status": submission.status})
    if decision not in Decision.values:
        raise InvalidDecision()
    if decision != Decision.ACCEPT and submission.review_due_at <= now:
        # The review window is a promise: after it the work counts as accepted, whether or not
        # the auto-accept job has run yet.
        raise ReviewWindowPassed(
            details={"review_due_at": timezone.localtime(submission.review_due_at).isoformat()},
        )
    reason = (reason or "").strip()
    if decision != Decision.ACCEPT and not reason:
        raise ReasonRequired()
    if score is not None:
        score = _bounded_int(score, "score", low=1, high=5)
    if rejected_items is not None:
        units = _checked_items(submission, decision, rejected_items, accepted_units)
    elif decision == Decision.ACCEPT:
        units = submission.submitted_units
    elif decision == Decision.PARTIAL:
        units = _bounded_int(accepted_units, "accepted_units", low=1, high=submission.submitted_units)
    else:
        units = 0
    career.training_score_check(submission=submission, actor=actor, decision=decision, score=score)
    return units, reason, score


def submission_auto_accept(*, submission_id: int) -> Review | None:
    """Accept a submission nobody reviewed within the project's review window, and credit her:
    a mother is never left unpaid by silence. None when it was reviewed meanwhile or is not due."""
    with transaction.atomic(), batched_inserts():
        now = timezone.now()
        submission = locks.lock_one(
            _LOCKED.filter(pk=submission_id, status=SubmissionStatus.PENDING, review_due_at__lte=now)
        )
        if submission is None:
            return None
        reason = _("Accepted automatically: not reviewed within the review window.")
        review = _decide(
            submission,
            actor=None,
            decision=Decision.ACCEPT,
            units=submission.submitted_units,
            reason=reason,
            score=None,
            now=now,
        )
        notice_send(
            user_id=submission.worker_id,
            kind=NoticeKind.AUTO_ACCEPTED,
            key=f"auto-accepted:{submission.pk}",
            text=_("“%(title)s” was accepted automatically and credited to you.") % {"title": submission.project.title},
            data={"submission": submission.pk, "project": submission.project_id},
        )
        return review


def _tell_her(submission: Submission, review: Review) -> None:
    """The review's result in her inbox (and on her phone), in the review's transaction."""
    words = {"title": submission.project.title, "reason": review.reason, "units": review.accepted_units}
    if review.decision == Decision.ACCEPT:
        kind, text = (
            NoticeKind.REVIEW_ACCEPTED,
            _("Your work on “%(title)s” was accepted and credited to you. Thank you!"),
        )
    elif review.decision == Decision.PARTIAL:
        kind = NoticeKind.REVIEW_PARTIAL
        text = _("Part of your work on “%(title)s” was accepted (%(units)s of %(submitted)s). The reason: %(reason)s")
        words["submitted"] = submission.submitted_units
        if review.rejected_items:
            # Named items: she can see which on her task's page.
            text = _(
                "Part of your work on “%(title)s” was accepted (%(units)s of %(submitted)s): %(rejected)s items "
                "were not accepted, marked on the task's page. The reason: %(reason)s"
            )
            words["rejected"] = len(review.rejected_items)
    elif review.decision == Decision.REJECT:
        kind, text = NoticeKind.REVIEW_REJECTED, _("Your work on “%(title)s” was not accepted. The reason: %(reason)s")
    else:
        kind = NoticeKind.REVIEW_REVISE
        text = _("Your work on “%(title)s” needs a few changes: %(reason)s. Please hand it in again by %(time)s.")
        words["time"] = timezone.localtime(submission.claim.expires_at).strftime("%m-%d %H:%M")
    notice_send(
        user_id=submission.worker_id,
        kind=kind,
        key=f"review:{review.pk}",
        text=text % words,
        data={
            "submission": submission.pk,
            "project": submission.project_id,
            "claim": submission.claim_id,
            **({"rejected_items": review.rejected_items} if review.rejected_items else {}),
        },
    )


def _decide(
    submission: Submission,
    *,
    actor,
    decision: str,
    units: int,
    reason: str,
    score,
    now,
    by_peer: bool = False,
    rejected_items: list[int] = (),
) -> Review:
    """Write the decision (call inside the submission's lock, its rules checked): the review, the
    submission, claim and task it moves, the audit row, her credit and the events, and the items not
    accepted back in the pool (``item_retries``). ``by_peer``: decided by a peer reviewer
    (``Review.by_peer``)."""
    project = submission.project
    review = Review.objects.create(
        submission=submission,
        reviewer=actor,
        decision=decision,
        accepted_units=units,
        reason=reason,
        score=score,
        piece_rate=career.rate_at_review(submission=submission),
        by_peer=by_peer,
        rejected_items=list(rejected_items),
        decided_at=now,
    )
    claim = submission.claim
    if decision == Decision.REVISE:
        expires_at = max(claim.expires_at, now) + datetime.timedelta(minutes=project.grace_minutes)
        # Sent back at 21:50 is not due at 23:00 in her quiet hours: the grace period after them instead.
        expires_at = fairwork.outside_quiet_hours(claim.worker_id, expires_at, minutes=project.grace_minutes)
        submission.status = SubmissionStatus.REVISION_REQUESTED
        Submission.objects.filter(pk=submission.pk).update(status=submission.status)
        locks.lock_update(
            Claim.objects.filter(pk=claim.pk),
            status=ClaimStatus.ACTIVE,
            expires_at=expires_at,
            deadline_reminded_at=None,
        )
        claim.status, claim.expires_at, claim.deadline_reminded_at = ClaimStatus.ACTIVE, expires_at, None
        # An assembly batch whose materials she holds stays hers while she changes it (tasks.handovers).
        held = project.kind == Kind.ASSEMBLY and handovers.claim_materials(claim).holding > 0
        changes = {"status": TaskStatus.CLAIMED, "claim_expires_at": None if held else expires_at, "updated_at": now}
        locks.lock_update(Task.objects.filter(pk=submission.task_id), **changes)
    else:
        submission.status, task_status = _FINAL[Decision(decision)]
        Submission.objects.filter(pk=submission.pk).update(status=submission.status)
        locks.lock_update(Claim.objects.filter(pk=claim.pk), status=ClaimStatus.DONE, ended_at=now)
        claim.status, claim.ended_at = ClaimStatus.DONE, now
        changes = {"status": task_status, "accepted_units": units, "updated_at": now}
        locks.lock_update(Task.objects.filter(pk=submission.task_id), **changes)
    for name, value in changes.items():
        setattr(submission.task, name, value)
    audit_record(
        actor=actor,
        action=f"review.{decision}" if actor is not None else "review.auto_accept",
        target=review,
        company_id=project.company_id,
        submission=submission.pk,
        accepted_units=units,
    )
    earning_credit(
        review=review,
        actor=actor,
        account_ids=(submission.expense_account_id, submission.payable_account_id),
        piece_rate=review.piece_rate,
        units=career.units_paid(submission=submission, decision=decision, units=units),
    )
    if decision != Decision.REVISE:
        career._after_review(submission, review, now)
        if not by_peer:
            # A peer reviewer could claim what she sent back (she never held the group): only a
            # supervisor's decision sends items back.
            item_retries.items_send_back(submission=submission, review=review)
    publish(
        events.review_decided(
            project=project.pk,
            task=submission.task_id,
            claim=claim.pk,
            submission=submission.pk,
            decision=decision,
            accepted_units=units,
            reason=reason,
            automatic=actor is None,
        ),
        groups=[worker_group(submission.worker_id), company_staff_group(project.company_id)],
    )
    _publish_progress(project)
    return review
