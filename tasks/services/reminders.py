"""The periodic checks of fair work over the work: reminders before a slot and a deadline, warnings
before auto-accept and near the hour limits, measured pay against the floor (each idempotent; sent
through ``notices``). Run by ``tasks.jobs``."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from accounts.selectors import SUPERVISING_ROLES
from fairwork import selectors
from notices.models import NoticeKind
from notices.services import notice_send
from tasks import measures
from tasks.models import Claim, ClaimStatus, Project, ProjectStatus, Submission, SubmissionStatus

REMIND_SLOT_BEFORE = datetime.timedelta(minutes=15)
REMIND_DEADLINE_BEFORE = datetime.timedelta(minutes=30)
WARN_AUTO_ACCEPT_BEFORE = datetime.timedelta(hours=2)
WARN_AT_SHARE = Decimal("0.75")  # of the daily or weekly limit


def _supervising_user_ids(company_id: int) -> list[int]:
    return list(
        Membership.objects.filter(company_id=company_id, role__in=SUPERVISING_ROLES).values_list("user_id", flat=True)
    )


def reminders_send(*, now: datetime.datetime | None = None) -> int:
    """A slot starting within 15 minutes, a deadline within 30: one reminder each, none in her
    quiet hours (a reminder that falls in them is dropped, not sent late)."""
    now = now or timezone.now()
    sent = 0
    due = {
        "start_reminded_at": Q(slot__starts_at__gt=now, slot__starts_at__lte=now + REMIND_SLOT_BEFORE),
        "deadline_reminded_at": Q(expires_at__gt=now, expires_at__lte=now + REMIND_DEADLINE_BEFORE),
    }
    for field, window in due.items():
        claims = (
            Claim.objects.filter(window, status=ClaimStatus.ACTIVE, **{f"{field}__isnull": True})
            .select_related("slot", "project")
            .order_by("id")[:1000]
        )
        for claim in claims:
            with transaction.atomic():
                if not Claim.objects.filter(pk=claim.pk, **{f"{field}__isnull": True}).update(**{field: now}):
                    continue  # another run took it
                if selectors.in_quiet_hours(claim.worker_id, now):
                    continue
                sent += bool(_remind(claim, field))
    return sent


def _remind(claim, field: str):
    at = timezone.localtime(claim.slot.starts_at if field == "start_reminded_at" else claim.expires_at)
    if field == "start_reminded_at":
        kind, text = NoticeKind.SLOT_STARTING, _("“%(title)s” starts at %(time)s.")
    else:
        kind, text = NoticeKind.DEADLINE_NEAR, _("Please hand in “%(title)s” by %(time)s, or give it back.")
    return notice_send(
        user_id=claim.worker_id,
        kind=kind,
        key=f"{kind}:{claim.pk}:{claim.expires_at:%Y%m%d%H%M}",
        text=text % {"title": claim.project.title, "time": at.strftime("%H:%M")},
        data={"claim": claim.pk, "task": claim.task_id, "project": claim.project_id, "at": at.isoformat()},
        # A deadline she may miss goes by SMS too, unless she has opened the app since she claimed it.
        sms_params={"task": claim.project.title, "time": at.strftime("%H:%M")},
        sms_unless_seen_since=claim.claimed_at,
    )


def auto_accept_warn(*, now: datetime.datetime | None = None) -> int:
    """Tell a company's supervisors, two hours ahead, which submissions will be accepted by silence."""
    now = now or timezone.now()
    soon = Submission.objects.filter(
        status=SubmissionStatus.PENDING,
        auto_accept_warned_at__isnull=True,
        review_due_at__lte=now + WARN_AUTO_ACCEPT_BEFORE,
    ).select_related("project")
    by_project: dict = {}
    for submission in soon.order_by("review_due_at")[:5000]:
        by_project.setdefault(submission.project, []).append(submission)
    warned = 0
    for project, submissions in by_project.items():
        with transaction.atomic():
            ids = [s.pk for s in submissions]
            if not Submission.objects.filter(pk__in=ids, auto_accept_warned_at__isnull=True).update(
                auto_accept_warned_at=now
            ):
                continue
            first_due = timezone.localtime(min(s.review_due_at for s in submissions))
            text = _(
                "%(count)s submissions of “%(title)s” will be accepted automatically from %(time)s "
                "unless they are reviewed."
            ) % {"count": len(ids), "title": project.title, "time": first_due.strftime("%m-%d %H:%M")}
            for user_id in _supervising_user_ids(project.company_id):
                notice_send(
                    user_id=user_id,
                    kind=NoticeKind.AUTO_ACCEPT_SOON,
                    key=f"auto-accept-soon:{project.pk}:{min(ids)}:{len(ids)}",
                    text=text,
                    data={"project": project.pk, "submissions": ids[:100], "due": first_due.isoformat()},
                )
            warned += len(ids)
    return warned


def hours_warn(*, now: datetime.datetime | None = None) -> int:
    """A mother nearing the part-time limit with a company (3 of 4 hours a day, 18 of 24 a week):
    tell her and the company, once per day or week."""
    now = now or timezone.now()
    recent = (
        Claim.objects.filter(claimed_at__gte=now - datetime.timedelta(minutes=30))
        .values_list("worker_id", "project__company_id", "project__company__name", "slot__starts_at")
        .distinct()
    )
    sent = 0
    day_limit, week_limit = settings.HOMESLOT_HOURS_PER_DAY * 60, settings.HOMESLOT_HOURS_PER_WEEK * 60
    for worker_id, company_id, company_name, starts_at in recent:
        day, week = measures.planned_minutes(worker_id=worker_id, company_id=company_id, at=starts_at)
        day_start, week_start = selectors.local_bounds(starts_at)
        for planned, limit, period, label in (
            (day, day_limit, f"d{day_start:%Y%m%d}", day_start.strftime("%m-%d")),
            (week, week_limit, f"w{week_start:%Y%m%d}", _("the week of %(date)s") % {"date": f"{week_start:%m-%d}"}),
        ):
            if planned < limit * WARN_AT_SHARE:
                continue
            hours = f"{planned / 60:.1f}"
            with transaction.atomic():
                mine = notice_send(
                    user_id=worker_id,
                    kind=NoticeKind.HOURS_NEAR_LIMIT,
                    key=f"hours:{company_id}:{period}",
                    text=_("You have %(hours)s hours of work with %(company)s for %(when)s; the limit is %(limit)s.")
                    % {"hours": hours, "company": company_name, "when": label, "limit": limit // 60},
                    data={"company": company_id, "minutes": int(planned), "limit_minutes": limit},
                )
                if mine is not None:
                    sent += 1
                    for user_id in _supervising_user_ids(company_id):
                        notice_send(
                            user_id=user_id,
                            kind=NoticeKind.HOURS_NEAR_LIMIT,
                            key=f"hours:{worker_id}:{company_id}:{period}",
                            text=_(
                                "A mother has %(hours)s hours of work with you for %(when)s; the limit is %(limit)s."
                            )
                            % {"hours": hours, "when": label, "limit": limit // 60},
                            data={"worker": worker_id, "minutes": int(planned), "limit_minutes": limit},
                        )
    return sent


def measured_pay_update(*, now: datetime.datetime | None = None) -> int:
    """Measure each open project's real minutes per unit; flag to its company and to the
    operators a project whose measured hourly pay is below the floor (once a day)."""
    now = now or timezone.now()
    flagged = 0
    for project in Project.objects.filter(status__in=[ProjectStatus.PUBLISHED, ProjectStatus.PAUSED]):
        measured = measures.measured_minutes_per_unit(project)
        with transaction.atomic():
            Project.objects.filter(pk=project.pk).update(measured_minutes_per_unit=measured, measured_at=now)
            project.measured_minutes_per_unit = measured
            floor = selectors.floor_for(project.region)
            hourly = project.measured_hourly_pay
            if hourly is None or floor is None or hourly >= floor.yuan_per_hour:
                continue
            text = _(
                "Measured pay on “%(title)s” is about ¥%(hourly)s an hour, below the ¥%(floor)s floor of %(region)s: "
                "raise the piece rate or make the work smaller."
            ) % {"title": project.title, "hourly": hourly, "floor": floor.yuan_per_hour, "region": floor.region}
            operators = User.objects.filter(is_staff=True, is_active=True).values_list("pk", flat=True)
            data = {"project": project.pk, "measured_hourly_pay": str(hourly), "pay_floor": str(floor.yuan_per_hour)}
            for user_id in {*_supervising_user_ids(project.company_id), *operators}:
                notice_send(
                    user_id=user_id,
                    kind=NoticeKind.PAY_BELOW_FLOOR,
                    key=f"below-floor:{project.pk}:{timezone.localdate(now):%Y%m%d}",
                    text=text,
                    data=data,
                )
            flagged += 1
    return flagged
