"""A second look that raises a decided hand-in's result: an appeal decided in her favour, a supervisor's
audit overturning a peer's review. One way for both, so that each unit is paid once whatever the
order of the looks:

- the result before is what her task holds now (``Task.accepted_units``, moved by every look), not
  what the first review said;
- what is owed is the pay of the new result less the pay of the old, each rounded to the fen as a
  credit is, at the rate her first review was credited at (``Review.piece_rate``: her level then);
- a training hand-in is paid for what she handed in whatever its mark (``career.units_paid``), so a
  look that raises it pays nothing more, but marks it again and may pass her;
- other work holds her level against her window again (the raised units count in it).

Call holding the submission's lock (an appeal after the appeal's, an audit with the review's): every
look locks it first, so two looks run one after the other."""

import datetime

from accounts.models import User
from core import locks
from ledger.extra_credits import units_added_credit
from ledger.money import fen_for_units
from tasks.models import Decision, Review, Submission, SubmissionStatus, Task, TaskStatus
from tasks.services import career, item_retries

_DECISION_OF = {
    SubmissionStatus.ACCEPTED: Decision.ACCEPT,
    SubmissionStatus.PARTIALLY_ACCEPTED: Decision.PARTIAL,
    SubmissionStatus.REJECTED: Decision.REJECT,
}


def units_now(*, submission: Submission) -> int:
    """Her task's accepted units as the looks before left them (read afresh, not from the lock's join)."""
    return Task.objects.filter(pk=submission.task_id).values_list("accepted_units", flat=True).get()


def result_raise(
    *,
    submission: Submission,
    review: Review,
    units: int,
    actor: User,
    key: str,
    now: datetime.datetime,
    after_appeal: bool = False,
) -> int:
    """Raise the hand-in to ``units`` accepted (nothing when it holds that many already): its status and
    its task's, the pay it adds credited once under ``key``, her training mark or level. The units
    it held before."""
    before = units_now(submission=submission)
    if units <= before:
        return before
    decision_before = _DECISION_OF.get(SubmissionStatus(submission.status), Decision.REJECT)
    decision_after = Decision.ACCEPT if units >= submission.submitted_units else Decision.PARTIAL
    submission_status = (
        SubmissionStatus.ACCEPTED if decision_after == Decision.ACCEPT else SubmissionStatus.PARTIALLY_ACCEPTED
    )
    task_status = TaskStatus.ACCEPTED if decision_after == Decision.ACCEPT else TaskStatus.PARTIALLY_ACCEPTED
    Submission.objects.filter(pk=submission.pk).update(status=submission_status)
    submission.status = submission_status
    locks.lock_update(
        Task.objects.filter(pk=submission.task_id), status=task_status, accepted_units=units, updated_at=now
    )
    rate = review.piece_rate or submission.project.piece_rate
    paid_before = career.units_paid(submission=submission, decision=decision_before, units=before)
    paid_after = career.units_paid(submission=submission, decision=decision_after, units=units)
    owed = fen_for_units(units=paid_after, piece_rate=rate) - fen_for_units(units=paid_before, piece_rate=rate)
    if owed > 0:
        units_added_credit(key=key, submission=submission, units=paid_after - paid_before, amount_fen=owed, actor=actor)
    item_retries.items_withdraw(review=review, actor=actor)  # accepted now: not to be done again (tasks, before levels)
    _career_after(submission, review, decision=decision_after, units=units, now=now, after_appeal=after_appeal)
    return before


def _career_after(submission: Submission, review: Review, *, decision: str, units: int, now, after_appeal: bool):
    mark = None
    if submission.project.training:
        # Marked again as the new result would have been marked (the first review's score stands).
        raised = Review(decision=decision, accepted_units=units, score=review.score)
        mark = career.training_mark(submission=submission, review=raised)
    career.level_effects(submission=submission, mark=mark, now=now, after_appeal=after_appeal)
