"""Peer review: a mother at a skill's top level decides others' hand-ins of the skill, paid per review,
and a supervisor's audit of a sample of those decisions.

A peer's decision follows the rules of any review (``reviews._checked_decision``: a reason for anything
but an accept, units within what was handed in, not her own work) and credits the author as any review
does; besides, she is paid ``skill.peer_review_rate`` once per review (``peer_review:<review>``). She
decides only what her queue (``tasks.peer_queue``) shows her: a hand-in of a relative's account or of a
company where she is staff is not there (a 404, which tells her nothing about whose it is).

An audit upholds or overturns a peer review, once (``PeerAudit`` is one to one). An overturn that raises
the author's accepted units credits her the difference once (``audit:<audit>``) and moves her hand-in and
task to the new result. An overturn that lowers them takes nothing back: she was paid on a decision the
company's reviewer made, and the company bears its reviewer's mistake; the lower count is kept in the
audit row and counts against the peer's standing like any overturn."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import User
from core import locks
from core.batched_inserts import batched_inserts
from core.errors import Invalid, NotFound, ReasonRequired
from ledger.extra_credits import peer_review_pay
from notices.models import NoticeKind
from notices.services import notice_send
from realtime import events
from realtime.groups import company_staff_group, worker_group
from realtime.publish import publish
from tasks import peer_queue
from tasks.errors import (
    AlreadyAudited,
    AuditorInvolved,
    NotPeerReview,
    OwnSubmission,
    PeerReviewNotOpen,
    PeerReviewSuspended,
    ReviewWindowPassed,
)
from tasks.models import Decision, PeerAudit, Review, Submission, SubmissionStatus
from tasks.models.reviews import AuditOutcome
from tasks.services import second_look
from tasks.services._common import _bounded_int, _require_supervising
from tasks.services.reviews import _LOCKED, _checked_and_decided, _tell_her

MAX_AUDIT_REASON = 2000


def _peer_rights_check(actor: User, skill) -> None:
    """Refuse unless peer review of ``skill`` is open to her level and her standing is good."""
    if skill is None or not peer_queue.may_peer_review(actor, skill):
        raise PeerReviewNotOpen()
    standing = peer_queue.standing_of(actor)
    if standing.suspended:
        raise PeerReviewSuspended(details={"audited": standing.audited, "overturned": standing.overturned})


@transaction.atomic
@batched_inserts()
def peer_review_decide(
    *,
    actor: User,
    submission_id: int,
    decision: str,
    accepted_units: int | None = None,
    reason: str = "",
    score: int | None = None,
    rejected_items: list[int] | None = None,
) -> Review:
    """Her decision as a peer reviewer on a hand-in of her queue; she is paid for it once. Items not
    accepted are named as in a supervisor's review (``rejected_items``) and go back the same way."""
    now = timezone.now()
    submission = locks.lock_one(_LOCKED.select_related("project__skill").filter(pk=submission_id))
    if submission is None or submission.project.training or submission.project.skill_id is None:
        raise NotFound()
    skill = submission.project.skill
    _peer_rights_check(actor, skill)
    if submission.worker_id == actor.pk:
        raise OwnSubmission()
    if Submission.objects.filter(pk=submission.pk).filter(peer_queue.never_paired(actor)).exists():
        raise NotFound()  # a relative's work, or her own company's: not hers to see, whoever it is
    if submission.status == SubmissionStatus.PENDING and submission.review_due_at <= now:
        # Past the window the work is accepted by the auto-accept, with no peer to pay.
        raise ReviewWindowPassed(
            details={"review_due_at": timezone.localtime(submission.review_due_at).isoformat()},
        )
    review = _checked_and_decided(
        submission,
        actor=actor,
        decision=decision,
        accepted_units=accepted_units,
        reason=reason,
        score=score,
        rejected_items=rejected_items,
        now=now,
        by_peer=True,
    )
    _tell_her(submission, review)
    peer_review_pay(review_id=review.pk, reviewer=actor, project=submission.project, rate=skill.peer_review_rate)
    return review


@transaction.atomic
@batched_inserts()
def peer_review_audit(
    *,
    actor: User,
    review_id: int,
    outcome: str,
    decision: str | None = None,
    accepted_units: int | None = None,
    reason: str = "",
) -> PeerAudit:
    """A supervisor's audit of one peer review: ``uphold`` or ``overturn`` (with the ``decision`` it
    should have been, ``accepted_units`` for a partial, and a reason). Once per review."""
    found = Review.objects.filter(pk=review_id).values_list("submission_id", flat=True).first()
    if found is None:
        raise NotFound()
    # Its submission, then the review itself (core.locks): one audit at a time, and none during a decision.
    submission = locks.lock_one(_LOCKED.filter(pk=found))
    review = locks.lock_one(Review.objects.select_related("reviewer").filter(pk=review_id))
    review.submission = submission
    _require_supervising(actor, submission.project.company_id)
    if not review.by_peer:
        raise NotPeerReview()
    if actor.pk in (review.reviewer_id, submission.worker_id):
        raise AuditorInvolved()
    if PeerAudit.objects.filter(review_id=review.pk).exists():
        raise AlreadyAudited()
    if outcome not in ("uphold", "overturn"):
        raise Invalid(_("outcome is uphold or overturn."), details={"field": "outcome"})
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if len(reason) > MAX_AUDIT_REASON:
        raise Invalid(_("Please keep the reason under 2000 characters."), details={"field": "reason"})
    units_after = review.accepted_units
    if outcome == "overturn":
        if not reason:
            raise ReasonRequired()
        units_after = _overturned_units(review, submission, decision, accepted_units)
    now = timezone.now()
    audit = PeerAudit.objects.create(
        review=review,
        auditor=actor,
        outcome=AuditOutcome.UPHELD if outcome == "uphold" else AuditOutcome.OVERTURNED,
        units_before=second_look.units_now(submission=submission),
        units_after=units_after,
        reason=reason,
        at=now,
    )
    audit_record(
        actor=actor,
        action=f"review.audit.{outcome}",
        target=audit,
        company_id=submission.project.company_id,
        review=review.pk,
        units_before=review.accepted_units,
        units_after=units_after,
    )
    if outcome == "overturn":
        _tell_the_peer(review, submission, reason)
        if units_after > review.accepted_units:
            _raise_units(audit, review, submission, decision=decision, units=units_after, reason=reason, now=now)
    return audit


def _overturned_units(review: Review, submission: Submission, decision, accepted_units) -> int:
    """What the work should have had. A peer's "send back for changes" is overturned for her standing
    only: the mother has her work back already, and her next hand-in is reviewed on its own."""
    if review.decision == Decision.REVISE:
        return review.accepted_units
    if decision not in (Decision.ACCEPT, Decision.PARTIAL, Decision.REJECT):
        raise Invalid(_("An overturn says the decision it should have been."), details={"field": "decision"})
    if decision == Decision.ACCEPT:
        units = submission.submitted_units
    elif decision == Decision.PARTIAL:
        units = _bounded_int(accepted_units, "accepted_units", low=1, high=submission.submitted_units)
    else:
        units = 0
    if decision == review.decision and units == review.accepted_units:
        raise Invalid(_("An overturn changes the decision."), details={"field": "decision"})
    return units


def _raise_units(audit: PeerAudit, review: Review, submission, *, decision: str, units: int, reason: str, now):
    """The overturn is in her favour: her hand-in and task move to the new result, the difference is credited."""
    before = second_look.result_raise(
        submission=submission, review=review, units=units, actor=audit.auditor, key=f"audit:{audit.pk}", now=now
    )
    if before >= units:
        return  # raised as far already (her appeal was decided first): nothing more to tell her
    notice_send(
        user_id=submission.worker_id,
        kind=NoticeKind.REVIEW_ACCEPTED if decision == Decision.ACCEPT else NoticeKind.REVIEW_PARTIAL,
        key=f"audit:{audit.pk}",
        text=_("A supervisor checked the review of your work on “%(title)s”: %(units)s accepted now. %(reason)s")
        % {"title": submission.project.title, "units": units, "reason": reason},
        data={"submission": submission.pk, "project": submission.project_id, "claim": submission.claim_id},
    )
    publish(
        events.review_decided(
            project=submission.project_id,
            task=submission.task_id,
            claim=submission.claim_id,
            submission=submission.pk,
            decision=decision,
            accepted_units=units,
            reason=reason,
            automatic=False,
        ),
        groups=[worker_group(submission.worker_id), company_staff_group(submission.project.company_id)],
    )


def _tell_the_peer(review: Review, submission, reason: str) -> None:
    notice_send(
        user_id=review.reviewer_id,
        kind=NoticeKind.PEER_OVERTURNED,
        key=f"peer-overturned:{review.pk}",
        text=_("A supervisor changed your peer review of “%(title)s”. The reason: %(reason)s")
        % {"title": submission.project.title, "reason": reason},
        data={"review": review.pk, "submission": submission.pk, "project": submission.project_id},
    )
