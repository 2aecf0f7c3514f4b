"""Constructed histories for the standard's tests: real services, the clock set at each step, so
each figure has a known answer (a copywriting brief pays ¥15; in 30 minutes that is ¥30 an hour)."""

import datetime

import time_machine

from ledger import adjustments, payouts
from tasks import services
from tests import factories

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def at(day: datetime.date, hour: int = 9, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


class History:
    """One company's record, written piece by piece."""

    def __init__(self, company, supervisor, *, tasks: int = 40):
        self.company, self.supervisor = company, supervisor
        self.project = None
        self._tasks = tasks

    def _project(self, when):
        if self.project is None:
            with time_machine.travel(when - datetime.timedelta(hours=3), tick=False):
                self.project = factories.project(
                    self.supervisor, self.company, kind="copywriting", tasks=self._tasks, review_window_hours=48
                )
        return self.project

    def slot(self, starts_at: datetime.datetime, hours: float = 2):
        project = self._project(starts_at)
        with time_machine.travel(starts_at - datetime.timedelta(hours=1), tick=False):
            return services.slot_create(
                actor=self.supervisor,
                project_id=project.pk,
                starts_at=starts_at,
                ends_at=starts_at + datetime.timedelta(hours=hours),
                capacity=5,
            )

    def hand_in(self, starts_at: datetime.datetime, *, minutes: int = 30, worker=None):
        """A mother claims a brief at ``starts_at`` and hands it in ``minutes`` later: the submission."""
        slot = self.slot(starts_at, hours=max(2, minutes / 60 + 1))
        worker = worker or factories.mother()
        with time_machine.travel(starts_at, tick=False):
            claim = services.task_claim_next(
                worker=worker, project_id=self.project.pk, slot_id=slot.pk, confirm_outside_availability=True
            )
        with time_machine.travel(starts_at + datetime.timedelta(minutes=minutes), tick=False):
            return services.claim_submit(worker=worker, claim_id=claim.pk, text="一段文案")

    def piece(self, starts_at, *, minutes=30, decision="accept", review_hours=2, worker=None, reason="不合要求"):
        """A hand-in decided ``review_hours`` after it came in (None: left to auto-accept)."""
        submission = self.hand_in(starts_at, minutes=minutes, worker=worker)
        if review_hours is None:
            with time_machine.travel(submission.review_due_at + datetime.timedelta(minutes=1), tick=False):
                services.submission_auto_accept(submission_id=submission.pk)
            return submission
        with time_machine.travel(submission.submitted_at + datetime.timedelta(hours=review_hours), tick=False):
            services.submission_review(
                actor=self.supervisor,
                submission_id=submission.pk,
                decision=decision,
                reason="" if decision == "accept" else reason,
            )
        return submission

    def credit(self, finance, worker, when, fen=1000):
        factories.worked_for(self.company, worker)
        with time_machine.travel(when, tick=False):
            adjustments.adjustment_post(
                actor=finance, company_id=self.company.pk, worker_id=worker.pk, amount_fen=fen, reason="计件"
            )

    def pay(self, finance, approver, when, period: tuple[datetime.date, datetime.date]):
        """A payout of the half-month ``period``, drafted, approved and paid at ``when``."""
        with time_machine.travel(when, tick=False):
            batch = payouts.payout_draft(
                actor=finance, company_id=self.company.pk, period_start=period[0], period_end=period[1]
            )
            payouts.payout_approve(actor=approver, batch_id=batch.pk)
            payouts.payout_mark_paid(actor=finance, batch_id=batch.pk, reference=f"BANK-{batch.pk}")
        return batch
