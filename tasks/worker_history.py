"""The supervisor's view of one mother: her history with one company (claims, hand-ins, acceptance,
gold accuracy, releases, appeals, levels), read for staff of a company she has worked for.

Scoped at the source: ``history_company`` answers None (→ 404) unless the acting user supervises a
company whose work she has claimed; every figure below is of that one company's projects."""

import datetime

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from accounts.errors import CompanyRequired
from accounts.models import User
from accounts.phones import phone_masked
from accounts.selectors import SUPERVISING_ROLES, company_ids_for, display_name_of
from skills import rules as level_rules
from skills.models import WorkerSkill
from skills.selectors import level_history
from tasks import career
from tasks.models import Appeal, Claim, Submission, SubmissionStatus

WEEKS_SHOWN = 8
RECENT_SHOWN = 20
APPEALS_SHOWN = 20
_DECIDED = (SubmissionStatus.ACCEPTED, SubmissionStatus.PARTIALLY_ACCEPTED, SubmissionStatus.REJECTED)


def history_companies(user, worker_id: int) -> list[int]:
    """The companies the user supervises whose work the mother has claimed, lowest id first."""
    mine = company_ids_for(user, SUPERVISING_ROLES)
    if not mine:
        return []
    worked = Claim.objects.filter(worker_id=worker_id, project__company_id__in=list(mine))
    return sorted(set(worked.values_list("project__company_id", flat=True)))


def history_company(user, worker_id: int, company_id: int | None = None) -> int | None:
    """The one company whose history the user may read (None: none, a 404). Staff of several of her
    companies name one (``CompanyRequired`` otherwise)."""
    shared = history_companies(user, worker_id)
    if company_id is not None:
        return company_id if company_id in shared else None
    if len(shared) > 1:
        raise CompanyRequired(details={"companies": shared})
    return shared[0] if shared else None


def worker_history(*, worker_id: int, company_id: int, now: datetime.datetime | None = None) -> dict:
    """Her history with the company. Call with a company from ``history_company`` only."""
    now = now or timezone.now()
    worker = User.objects.select_related("worker_profile").get(pk=worker_id)
    claims = Claim.objects.filter(worker_id=worker_id, project__company_id=company_id)
    submissions = Submission.objects.filter(worker_id=worker_id, project__company_id=company_id)
    by_status = dict(claims.order_by().values_list("status").annotate(n=Count("pk")))
    releases = dict(claims.exclude(release_kind="").order_by().values_list("release_kind").annotate(n=Count("pk")))
    totals = submissions.aggregate(
        count=Count("pk"),
        submitted=Sum("submitted_units"),
        decided_units=Sum("submitted_units", filter=Q(status__in=_DECIDED)),
        accepted=Sum(career.FINAL_UNITS, filter=Q(status__in=_DECIDED)),
        gold_correct=Sum("gold_correct"),
        gold_total=Sum("gold_total"),
    )
    window = level_rules.Window(
        accepted_units=totals["accepted"] or 0,
        submitted_units=totals["decided_units"] or 0,
        gold_correct=totals["gold_correct"] or 0,
        gold_total=totals["gold_total"] or 0,
    )
    appeals = Appeal.objects.filter(worker_id=worker_id, company_id=company_id)
    profile = getattr(worker, "worker_profile", None)
    return {
        "worker": {
            "id": worker.pk,
            "display_name": display_name_of(worker),
            "phone": phone_masked(worker.phone),
            "city": profile.city if profile else "",
        },
        "company": company_id,
        "claims": {
            "total": sum(by_status.values()),
            "by_status": by_status,
            "releases": releases,
        },
        "submissions": {
            "count": totals["count"],
            "units_submitted": totals["submitted"] or 0,
            "units_decided": window.submitted_units,
            "units_accepted": window.accepted_units,
            "acceptance_rate": _number(window.acceptance_rate),
            "by_status": dict(submissions.order_by().values_list("status").annotate(n=Count("pk"))),
        },
        "gold": {
            "correct": window.gold_correct,
            "total": window.gold_total,
            "accuracy": _number(window.gold_accuracy),
        },
        "appeals": {
            "by_status": dict(appeals.order_by().values_list("status").annotate(n=Count("pk"))),
            "list": [
                {
                    "id": appeal.pk,
                    "submission": appeal.submission_id,
                    "status": appeal.status,
                    "reason": appeal.reason,
                    "units_before": appeal.units_before,
                    "units_after": appeal.units_after,
                    "created_at": appeal.created_at,
                    "decided_at": appeal.decided_at,
                }
                for appeal in appeals.order_by("-created_at", "-pk")[:APPEALS_SHOWN]
            ],
        },
        "levels": [
            {
                "skill": held.skill_id,
                "skill_name": held.skill.name,
                "level": held.level,
                "level_name": level_rules.level_name(held.level),
                "below_since": held.below_since,
            }
            for held in WorkerSkill.objects.filter(worker_id=worker_id, skill__company_id=company_id)
            .select_related("skill")
            .order_by("skill__name")
        ],
        "level_changes": [
            {
                "skill": change.skill_id,
                "skill_name": change.skill.name,
                "from_level": change.from_level,
                "to_level": change.to_level,
                "cause": change.cause,
                "at": change.at,
            }
            for change in level_history(worker_id, [company_id])[:RECENT_SHOWN]
        ],
        "weeks": accepted_by_week(submissions, now=now),
        "recent": recent_activity(claims, submissions),
    }


def accepted_by_week(submissions, *, now: datetime.datetime) -> list[dict]:
    """Accepted units per week (weeks start on Monday, local time), the last ``WEEKS_SHOWN`` weeks, oldest first."""
    today = timezone.localtime(now).date()
    this_monday = today - datetime.timedelta(days=today.weekday())
    weeks = [this_monday - datetime.timedelta(weeks=n) for n in range(WEEKS_SHOWN - 1, -1, -1)]
    start = timezone.make_aware(datetime.datetime.combine(weeks[0], datetime.time()))
    rows = (
        submissions.filter(status__in=_DECIDED, review__decided_at__gte=start)
        .annotate(week=TruncWeek("review__decided_at"))
        .order_by()
        .values_list("week")
        .annotate(units=Sum(career.FINAL_UNITS))
    )
    units = {}
    for week, total in rows:
        day = week.date() if isinstance(week, datetime.datetime) else week
        units[day] = units.get(day, 0) + (total or 0)
    return [{"week": week, "accepted_units": units.get(week, 0)} for week in weeks]


def recent_activity(claims, submissions) -> list[dict]:
    """Her newest claims and hand-ins with the company, newest first."""
    items = [
        {
            "at": claim.claimed_at,
            "what": "claim",
            "status": claim.status,
            "release_kind": claim.release_kind,
            "project": claim.project.title,
            "task": claim.task_id,
        }
        for claim in claims.select_related("project").order_by("-claimed_at", "-pk")[:RECENT_SHOWN]
    ]
    items += [
        {
            "at": handed.submitted_at,
            "what": "submission",
            "status": handed.status,
            "release_kind": "",
            "project": handed.project.title,
            "task": handed.task_id,
        }
        for handed in submissions.select_related("project").order_by("-submitted_at", "-pk")[:RECENT_SHOWN]
    ]
    items.sort(key=lambda item: item["at"], reverse=True)
    return items[:RECENT_SHOWN]


def _number(value):
    return float(value) if value is not None else None
