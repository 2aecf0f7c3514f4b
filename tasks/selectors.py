"""Reads of the work flow, scoped to the acting user at the source."""

import datetime

from django.db.models import Case, CharField, Count, Exists, F, Max, Min, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from accounts.selectors import SUPERVISING_ROLES, company_ids_for
from ledger.models import Direction, Posting, Transaction, TransactionKind
from ledger.money import fen_for_units
from tasks.gold import GOLD_FLAGGED
from tasks.models import (
    Appeal,
    Claim,
    Project,
    ProjectStatus,
    Review,
    SplitJob,
    Submission,
    SubmissionPhoto,
    SubmissionStatus,
    Task,
    TaskStatus,
    TimeSlot,
)


def projects_for_staff(user):
    return Project.objects.filter(company_id__in=company_ids_for(user)).select_related("company", "skill")


def projects_for_worker(user):
    """Projects a mother may see: published or paused ones."""
    return Project.objects.filter(status__in=(ProjectStatus.PUBLISHED, ProjectStatus.PAUSED)).select_related("company")


def slots_for_project(project):
    return TimeSlot.objects.filter(project=project).order_by("starts_at", "id")


def open_slots_for_worker(user):
    """Slots of published projects that have not ended and still have room; not of a company
    she works for as staff (she may not claim its work)."""
    return (
        TimeSlot.objects.filter(
            project__status=ProjectStatus.PUBLISHED,
            ends_at__gt=timezone.now(),
            claimed_count__lt=F("capacity"),
            cancelled_at__isnull=True,
        )
        .exclude(project__company_id__in=company_ids_for(user))
        .order_by("starts_at", "id")
    )


def claimable_tasks_for_worker(user):
    """Open tasks of published projects, including ones whose claim ran out (time is data); not
    of a company she works for as staff."""
    now = timezone.now()
    claimable = Q(status=TaskStatus.OPEN) | Q(status=TaskStatus.CLAIMED, claim_expires_at__lte=now)
    return (
        Task.objects.filter(claimable, project__status=ProjectStatus.PUBLISHED)
        .exclude(project__company_id__in=company_ids_for(user))
        .select_related("project", "project__company", "project__skill")
        .order_by("project_id", "id")
    )


def claims_for_worker(user):
    return Claim.objects.filter(worker=user).select_related("task", "project", "slot", "project__company")


def review_queue_for(user):
    """Submissions waiting for the user's review in the companies she supervises: those flagged by
    their gold items first (``tasks.gold``), then oldest first; never her own (nobody reviews her own
    work). Each carries ``gold_flagged``."""
    return (
        Submission.objects.filter(
            status=SubmissionStatus.PENDING, project__company_id__in=company_ids_for(user, SUPERVISING_ROLES)
        )
        .exclude(worker_id=user.pk)
        .annotate(gold_flagged=GOLD_FLAGGED)
        .select_related("project", "task", "worker", "worker__worker_profile")
        .order_by("-gold_flagged", "submitted_at", "id")
    )


def submissions_for_staff(user):
    return Submission.objects.filter(project__company_id__in=company_ids_for(user)).select_related(
        "project", "task", "worker"
    )


def project_progress(project) -> dict:
    """Counts by task state, units accepted, money accrued (fen), and the queue, in one statement:
    the ledger's and the queue's figures are subqueries that do not depend on the task row, which
    PostgreSQL and SQLite run once; ``Max`` only lifts each into the task aggregate (with no tasks
    they are None, and so are the figures they stand for)."""
    now = timezone.now()
    accrued = (
        Posting.objects.filter(
            transaction__project=project, transaction__kind=TransactionKind.EARNING, direction=Direction.CREDIT
        )
        .order_by()
        .values("transaction__project")
        .annotate(fen=Sum("amount_fen"))
        .values("fen")
    )
    pending = Submission.objects.filter(project=project, status=SubmissionStatus.PENDING).order_by().values("project")
    rows = Task.objects.filter(project=project).aggregate(
        total=Count("id"),
        open=Count("id", filter=Q(status=TaskStatus.OPEN) | Q(status=TaskStatus.CLAIMED, claim_expires_at__lte=now)),
        # Claimed: within the claim's deadline, or held by her materials (tasks.handovers: no deadline).
        claimed=Count(
            "id",
            filter=Q(status=TaskStatus.CLAIMED, claim_expires_at__gt=now)
            | Q(status=TaskStatus.CLAIMED, claim_expires_at__isnull=True),
        ),
        submitted=Count("id", filter=Q(status=TaskStatus.SUBMITTED)),
        accepted=Count("id", filter=Q(status=TaskStatus.ACCEPTED)),
        partially_accepted=Count("id", filter=Q(status=TaskStatus.PARTIALLY_ACCEPTED)),
        rejected=Count("id", filter=Q(status=TaskStatus.REJECTED)),
        units_total=Sum("units"),
        units_accepted=Sum("accepted_units"),
        accrued_fen=Max(Subquery(accrued)),
        waiting=Max(Subquery(pending.annotate(n=Count("id")).values("n"))),
        oldest=Max(Subquery(pending.annotate(at=Min("submitted_at")).values("at"))),
    )
    return {
        "tasks": {
            "total": rows["total"],
            "open": rows["open"],
            "claimed": rows["claimed"],
            "submitted": rows["submitted"],
            "accepted": rows["accepted"],
            "partially_accepted": rows["partially_accepted"],
            "rejected": rows["rejected"],
        },
        "units_total": rows["units_total"] or 0,
        "units_accepted": rows["units_accepted"] or 0,
        "accrued_fen": rows["accrued_fen"] or 0,
        "budget_fen": fen_for_units(units=rows["units_total"] or 0, piece_rate=project.piece_rate),
        "submissions_waiting": rows["waiting"] or 0,
        "oldest_waiting_since": rows["oldest"].isoformat() if rows["oldest"] else None,
    }


def split_state(project) -> list[int]:
    """What a split changes: the project's highest task number and its number of background
    splits. A split's preview records it; its confirm makes nothing if it changed since."""
    last = Task.objects.filter(project=project).aggregate(n=Max("number"))["n"] or 0
    return [last, SplitJob.objects.filter(project=project).count()]


def projects_for_supervisor(user):
    """Projects of the companies where the user supervises (supervisor or company admin)."""
    return Project.objects.filter(company_id__in=company_ids_for(user, SUPERVISING_ROLES)).select_related("company")


def next_in_review_queue(user, *, project_id=None, after=None):
    """The oldest submission waiting for the user's review (of one project if given), or the one
    after ``after`` (a submission) in queue order when the supervisor skips one."""
    queue = review_queue_for(user)
    if project_id is not None:
        queue = queue.filter(project_id=project_id)
    if after is not None:
        later = Q(submitted_at__gt=after.submitted_at) | Q(submitted_at=after.submitted_at, id__gt=after.pk)
        flagged = Q(gold_flagged=True)
        # Queue order: the flagged ones, then the rest, each oldest first.
        queue = queue.filter((flagged & later) | ~flagged if after.gold_flagged else ~flagged & later)
    return queue.first()


def photos_visible_to(user):
    """Handed-in photos the user may see: her own, or, for company staff, their companies'."""
    if not user.is_authenticated:
        return SubmissionPhoto.objects.none()
    return SubmissionPhoto.objects.filter(
        Q(submission__worker=user) | Q(submission__project__company_id__in=company_ids_for(user))
    )


def submissions_for_worker(user):
    """Her own submissions, with their reviews and photos at hand."""
    return (
        Submission.objects.filter(worker=user)
        .select_related("project", "project__company", "task", "review")
        .prefetch_related("photos")
    )


# --- answers to the lower layers' questions (supplied in tasks.apps; core.providers) ------------------


def may_follow_project(user, project_id: int) -> bool:
    """Staff may follow their companies' projects; a mother, the projects she may claim from."""
    if projects_for_staff(user).filter(pk=project_id).exists():
        return True
    return hasattr(user, "worker_profile") and projects_for_worker(user).filter(pk=project_id).exists()


def has_claimed(*, company_id: int, worker_id: int) -> bool:
    return Claim.objects.filter(worker_id=worker_id, project__company_id=company_id).exists()


def reviews_without_credit(*, company_id: int) -> list[int]:
    """The company's reviews that accepted work and have no ``review:<id>`` credit, oldest first."""
    uncredited = (
        Review.objects.filter(submission__project__company_id=company_id, accepted_units__gt=0)
        .filter(
            ~Exists(
                Transaction.objects.filter(key=Concat(Value("review:"), Cast(OuterRef("pk"), output_field=CharField())))
            )
        )
        .select_related("submission__project")
    )
    # Work worth less than half a fen is credited nothing and has no transaction (rounded with the
    # project's rate now: once a project is out its rate may only go up).
    return [
        review.pk
        for review in uncredited.order_by("pk").iterator()
        if fen_for_units(units=review.accepted_units, piece_rate=review.submission.project.piece_rate) > 0
    ]


def appeals_for(user, *, status: str | None = None):
    """Appeals the user may see: her own, and the appeals of the companies where she supervises (an
    appeal holds the mother's name and reason: not for finance); the ones asked of her first, then the
    open ones, the newest first."""
    if not user.is_authenticated:
        return Appeal.objects.none()
    appeals = Appeal.objects.filter(Q(worker=user) | Q(company_id__in=company_ids_for(user, SUPERVISING_ROLES)))
    if status:
        appeals = appeals.filter(status=status)
    mine = Q(assigned_to=user, status="open")
    return (
        appeals.select_related("submission__project", "review", "assigned_to__worker_profile", "worker__worker_profile")
        .annotate(
            asked_of_me=Case(When(mine, then=Value(1)), default=Value(0)),
            still_open=Case(When(status="open", then=Value(1)), default=Value(0)),
        )
        .order_by("-asked_of_me", "-still_open", "-created_at", "-pk")
    )


APPEAL_FIGURES_DAYS = 90


def appeal_figures(company_ids, *, now=None) -> dict:
    """The companies' appeals of the last ``APPEAL_FIGURES_DAYS`` days, for their staff: how many of the
    decisions that could be appealed (rejects, partial acceptances) were, and how the appeals ended."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=APPEAL_FIGURES_DAYS)
    company_ids = list(company_ids)
    counts = dict(
        Appeal.objects.filter(company_id__in=company_ids, created_at__gte=since)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    appealable = Review.objects.filter(
        submission__project__company_id__in=company_ids, decided_at__gte=since, decision__in=["reject", "partial"]
    ).count()
    appealed = sum(counts.values())
    decided = appealed - counts.get("open", 0)
    changed = counts.get("overturned", 0) + counts.get("adjusted", 0)
    return {
        "days": APPEAL_FIGURES_DAYS,
        "appealable": appealable,
        "appealed": appealed,
        "open": counts.get("open", 0),
        "upheld": counts.get("upheld", 0),
        "overturned": counts.get("overturned", 0),
        "adjusted": counts.get("adjusted", 0),
        "appealed_percent": round(appealed * 100 / appealable) if appealable else 0,
        "changed_percent": round(changed * 100 / decided) if decided else 0,
    }
