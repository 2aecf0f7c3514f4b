"""The demo's closed half-month (``seed_demo``): accepted work in the last half-month that has ended,
so finance can draft, approve, export and pay a batch on the day Homeslot is installed.

Made through the real services with the clock set inside that period (time-machine, a runtime
requirement for this reason), never by writing ledger rows: the project is created, split, given a
slot and published on the period's third day; the mothers claim and hand in that morning; the
supervisor accepts (one partly) in the afternoon; the project closes. Each step is its own
transaction and checks whether it was done already, so a second run (or a run after one that
stopped halfway) changes nothing that exists.
"""

import datetime
from decimal import Decimal

import time_machine
from django.db import transaction
from django.utils import timezone

from accounts.models import Company, User
from ledger.periods import last_ended_half_month
from tasks import services
from tasks.models import Claim, Kind, Project, ProjectStatus, Submission, SubmissionStatus, TimeSlot

TITLE = "帆布袋穿绳（上个半月）"
WORKERS = 8  # 13900000001 … 13900000008 did the work; the last of them is partly accepted
UNITS = 20
PARTIAL_UNITS = 18
PARTIAL_REASON = "有两件穿绳松了，只计合格的 18 件。"


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def period_seed(*, company: Company, supervisor: User, mothers: list[User]) -> Project:
    """The closed half-month's work of ``company``, once. Returns its project."""
    period_start, _period_end = last_ended_half_month(timezone.localdate())
    day = period_start + datetime.timedelta(days=2)
    project = _project(company=company, supervisor=supervisor, day=day)
    slot = TimeSlot.objects.filter(project=project).order_by("pk").first()
    for number, mother in enumerate(mothers[:WORKERS], start=1):
        claim = Claim.objects.filter(project=project, worker=mother).first()
        if claim is None:
            with time_machine.travel(_at(day, 8, 30), tick=False):
                claim = services.task_claim_next(
                    worker=mother, project_id=project.pk, slot_id=slot.pk, confirm_outside_availability=True
                )
        submission = Submission.objects.filter(claim=claim).first()
        if submission is None:
            with time_machine.travel(_at(day, 10, 0) + datetime.timedelta(minutes=number), tick=False):
                submission = services.claim_submit(worker=mother, claim_id=claim.pk, completed_units=UNITS)
        if submission.status == SubmissionStatus.PENDING:
            partial = number == WORKERS
            with time_machine.travel(_at(day, 14, 0) + datetime.timedelta(minutes=number), tick=False):
                services.submission_review(
                    actor=supervisor,
                    submission_id=submission.pk,
                    decision="partial" if partial else "accept",
                    accepted_units=PARTIAL_UNITS if partial else None,
                    reason=PARTIAL_REASON if partial else "",
                    score=5 if not partial else 4,
                )
    project.refresh_from_db()
    if project.status != ProjectStatus.CLOSED:
        with time_machine.travel(_at(day, 18, 0), tick=False):
            services.project_transition(actor=supervisor, project_id=project.pk, action="close")
    return project


def _project(*, company: Company, supervisor: User, day: datetime.date) -> Project:
    project = Project.objects.filter(company=company, title=TITLE).first()
    if project is not None:
        return project
    # One transaction: a run that stopped here left no project without its tasks or slot.
    with time_machine.travel(_at(day, 7, 0), tick=False), transaction.atomic():
        project = services.project_create(
            actor=supervisor,
            company_id=company.pk,
            kind=Kind.ASSEMBLY,
            title=TITLE,
            instructions="按样品穿绳、打结，每 20 件一包。",
            piece_rate=Decimal("0.5000"),
            minutes_per_unit=Decimal("1.10"),
            region="广东省佛山市",
            pickup_point="佛山市南海区桂城街道示例制衣厂东门",
            dropoff_point="佛山市南海区桂城街道示例制衣厂东门",
        )
        services.project_split(actor=supervisor, project_id=project.pk, total_units=UNITS * 10, units_per_task=UNITS)
        services.slot_create(
            actor=supervisor,
            project_id=project.pk,
            starts_at=_at(day, 9, 0),
            ends_at=_at(day, 11, 30),
            capacity=20,
        )
        services.project_transition(actor=supervisor, project_id=project.pk, action="publish")
    return project
