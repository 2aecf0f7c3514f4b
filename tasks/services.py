"""Every write of the work flow: projects, splitting, slots, claims, submissions, reviews.

Each service checks what the caller can get wrong first (raising a domain error with a
stable code), then does the trusted write inside one transaction, records an audit row
and publishes its events on commit. The database constraints are the last guard.
"""

import dataclasses
import datetime
import logging
import math
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, Max, Min, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import audit_record
from accounts.selectors import SUPERVISING_ROLES, company_ids_for, role_in
from config.errors import (
    ClaimExpired,
    ClaimLimitReached,
    Forbidden,
    Invalid,
    NoTaskAvailable,
    NotFound,
    ReasonRequired,
    SlotFull,
    TaskAlreadyClaimed,
    WrongState,
)
from core import locks
from fairwork import schedule
from fairwork import selectors as fairwork
from fairwork import services as fairwork_services
from fairwork.errors import BelowPayFloor, ClaimsOverlap, HoursLimitReached, OutsideAvailability, RegionUnknown
from fairwork.models import NoticeKind
from ledger.money import fen_for_units, format_fen
from ledger.services import earning_credit
from realtime import events
from realtime.groups import company_staff_group, project_group, worker_group
from realtime.publish import publish, publish_written
from tasks import claim_sql, splitting
from tasks import photos as photos_module
from tasks.errors import (
    AlreadyReviewed,
    ClaimNotActive,
    InvalidSlot,
    OwnCompanyWork,
    OwnSubmission,
    ProjectNotOpen,
    SlotClosed,
    TaskTooLongForSlot,
)
from tasks.models import (
    DEFAULT_UNITS,
    Claim,
    ClaimStatus,
    Decision,
    Kind,
    LabelItem,
    Project,
    ProjectStatus,
    ReleaseKind,
    Review,
    SplitJob,
    SplitStatus,
    Submission,
    SubmissionPhoto,
    SubmissionStatus,
    Task,
    TaskStatus,
    TimeSlot,
)

logger = logging.getLogger(__name__)

EDITABLE_FIELDS = (
    "title",
    "instructions",
    "piece_rate",
    "unit",
    "minutes_per_unit",
    "region",
    "pickup_point",
    "dropoff_point",
    "label_set",
    "grace_minutes",
    "review_window_hours",
    "claim_limit",
)
# Mothers claimed at the terms they saw: once a project is out, its pay may only go up.
TERMS_FIXED_AFTER_DRAFT = ("piece_rate", "minutes_per_unit")
MAX_SLOT_HOURS = 12
MAX_RELEASE_REASON = 200
MAX_TEXT_CHARS = 20000


# --- projects ---------------------------------------------------------------


def _require_supervising(actor, company_id: int) -> None:
    role = role_in(actor, company_id)
    if role is None:
        raise NotFound()
    if role not in SUPERVISING_ROLES:
        raise Forbidden(_("Only a supervisor or a company admin can do this."))


@transaction.atomic
def project_create(*, actor, company_id: int, kind: str, title: str, piece_rate, minutes_per_unit, **fields) -> Project:
    _require_supervising(actor, company_id)
    if kind not in Kind.values:
        raise Invalid(_("Unknown kind of work."), code="invalid_kind", details={"kind": kind})
    fields.setdefault("unit", DEFAULT_UNITS[Kind(kind)])
    project = Project(company_id=company_id, kind=kind, title=title, created_by=actor)
    _apply_terms(project, {"piece_rate": piece_rate, "minutes_per_unit": minutes_per_unit, **fields})
    project.save()
    audit_record(actor=actor, action="project.create", target=project, company_id=company_id)
    return project


@transaction.atomic
def project_update(*, actor, project_id: int, changes: dict) -> Project:
    project = _locked_project(actor, project_id)
    if project.status == ProjectStatus.CLOSED:
        raise WrongState(_("A closed project cannot be changed."))
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise Invalid(_("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    before = {name: getattr(project, name) for name in changes}
    _apply_terms(project, changes)
    pay_went_down = project.piece_rate < before.get("piece_rate", project.piece_rate) or (
        project.minutes_per_unit > before.get("minutes_per_unit", project.minutes_per_unit)
    )
    if project.status != ProjectStatus.DRAFT and pay_went_down:
        raise WrongState(_("Once a project is published its pay can only go up."), code="terms_fixed")
    if project.status == ProjectStatus.PUBLISHED and "region" in changes:
        _require_pay_floor(project)  # a new region may have a higher minimum, or none on file
    project.save(update_fields=[*changes, "updated_at"])
    audit_record(
        actor=actor,
        action="project.update",
        target=project,
        company_id=project.company_id,
        changed={k: str(v) for k, v in changes.items()},
    )
    return project


def _apply_terms(project: Project, values: dict) -> None:
    for name, value in values.items():
        if name in ("piece_rate", "minutes_per_unit"):
            value = _positive_decimal(value, name, places=4 if name == "piece_rate" else 2)
        elif name in ("grace_minutes", "review_window_hours", "claim_limit"):
            value = _bounded_int(
                value,
                name,
                low=0 if name == "grace_minutes" else 1,
                high=24 * 60 if name == "grace_minutes" else 24 * 30,
            )
        elif name == "label_set":
            value = _label_set(value)
        elif name in ("title",) and not str(value or "").strip():
            raise Invalid(_("Please give the project a title."), details={"field": "title"})
        setattr(project, name, value)
    if project.kind == Kind.LABELLING and not project.label_set:
        raise Invalid(_("A labelling project needs a label set."), code="label_set_required")


def _positive_decimal(value, name: str, *, places: int) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        number = Decimal(0)
    if not number.is_finite() or number <= 0 or number.as_tuple().exponent < -places or number >= 10**6:
        raise Invalid(
            _("%(field)s must be a positive number with at most %(places)s decimal places.")
            % {"field": name, "places": places},
            details={"field": name},
        )
    return number


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


def _label_set(value) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise Invalid(_("The label set must be a list of labels."), details={"field": "label_set"})
    labels = [v.strip() for v in value]
    if len(set(labels)) != len(labels) or not 2 <= len(labels) <= 50:
        raise Invalid(_("The label set needs 2 to 50 different labels."), details={"field": "label_set"})
    return labels


def _locked_project(actor, project_id: int) -> Project:
    project = locks.lock_one(Project.objects.filter(pk=project_id))
    if project is None:
        raise NotFound()
    _require_supervising(actor, project.company_id)
    return project


_TRANSITIONS = {
    "publish": ({ProjectStatus.DRAFT, ProjectStatus.PAUSED}, ProjectStatus.PUBLISHED),
    "pause": ({ProjectStatus.PUBLISHED}, ProjectStatus.PAUSED),
    "close": ({ProjectStatus.DRAFT, ProjectStatus.PUBLISHED, ProjectStatus.PAUSED}, ProjectStatus.CLOSED),
}


@transaction.atomic
def project_transition(*, actor, project_id: int, action: str) -> Project:
    """publish / pause / close."""
    allowed_from, target = _TRANSITIONS[action]
    project = _locked_project(actor, project_id)
    if project.status not in allowed_from:
        raise WrongState(
            _("A %(status)s project cannot be %(action)s.")
            % {"status": project.get_status_display(), "action": _TRANSITION_WORDS[action]},
            details={"status": project.status},
        )
    if action == "publish":
        if not project.tasks.exists():
            raise WrongState(_("Split the work into tasks before publishing."), code="no_tasks")
        _require_pay_floor(project)
    before = project.status
    project.status = target
    project.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action=f"project.{action}", target=project, company_id=project.company_id, before=before)
    _publish_progress(project)
    return project


def _require_pay_floor(project: Project) -> None:
    """Published work must pay at least the region's part-time minimum hourly wage."""
    floor = fairwork.floor_for(project.region)
    if floor is None:
        raise RegionUnknown(details={"region": project.region, "known_regions": fairwork.known_regions()})
    if project.implied_hourly_pay < floor.yuan_per_hour:
        raise BelowPayFloor(
            details={
                "implied_hourly_pay": f"{project.implied_hourly_pay:.2f}",
                "pay_floor": f"{floor.yuan_per_hour:.2f}",
                "region": floor.region,
                "floor_confirmed": floor.confirmed,
                "minimum_piece_rate": f"{(floor.yuan_per_hour * project.minutes_per_unit / 60):.4f}",
            }
        )


# Lazy: read in the caller's language when a refusal is worded, not in the language of import time.
_TRANSITION_WORDS = {
    "publish": gettext_lazy("published"),
    "pause": gettext_lazy("paused"),
    "close": gettext_lazy("closed"),
}


@transaction.atomic
def project_split(*, actor, project_id: int, max_tasks: int | None = None, **request) -> list[Task]:
    """Make tasks from an order; all or nothing."""
    project = _locked_project(actor, project_id)
    specs = _split_specs(project, max_tasks=max_tasks or settings.HOMESLOT_SPLIT_MAX_TASKS, request=request)
    return _split_write(actor, project, specs)


def split_preview(*, actor, project_id: int, **request) -> dict:
    """What a split would create and cost, checking everything a split checks; writes nothing."""
    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        raise NotFound()
    _require_supervising(actor, project.company_id)
    specs = _split_specs(project, max_tasks=_split_limit(project), request=request)
    units = sum(spec.units for spec in specs)
    cost = fen_for_units(units=units, piece_rate=project.piece_rate)
    return {
        "tasks": len(specs),
        "units": units,
        "units_per_task": sorted({spec.units for spec in specs}),
        "cost_fen": cost,
        "cost_display": format_fen(cost),
        "estimated_hours": float(round(units * project.minutes_per_unit / 60, 1)),
        "samples": [
            {"units": spec.units, "brief": spec.brief[:200], "items": [i["text"][:200] for i in spec.items[:3]]}
            for spec in specs[:3]
        ],
    }


def _split_limit(project: Project) -> int:
    """Most tasks one split may make: a labelling file that makes more than a direct split may is
    split by a background job (``split_request``); the other kinds are split at once."""
    if project.kind == Kind.LABELLING:
        return settings.HOMESLOT_SPLIT_JOB_MAX_TASKS
    return settings.HOMESLOT_SPLIT_MAX_TASKS


def _split_specs(project: Project, *, max_tasks: int, request: dict) -> list:
    if project.status == ProjectStatus.CLOSED:
        raise WrongState(_("A closed project cannot get new tasks."))
    if project.kind == Kind.ASSEMBLY:
        specs = splitting.split_assembly(
            total_units=request.get("total_units"), units_per_task=request.get("units_per_task"), max_tasks=max_tasks
        )
    elif project.kind == Kind.COPYWRITING:
        specs = splitting.split_copywriting(briefs=request.get("briefs"), max_tasks=max_tasks)
    else:
        upload = request.get("file")
        if upload is None:
            raise Invalid(_("Please upload a CSV or JSONL file."), code="file_required")
        if upload.size > splitting.MAX_FILE_BYTES:
            raise splitting.TooLarge(_("The file is larger than 10 MB. Please split it into smaller files."))
        specs = splitting.split_labelling(
            raw=upload.read(),
            filename=upload.name,
            items_per_task=request.get("items_per_task"),
            text_field=request.get("text_field") or "text",
            max_tasks=max_tasks,
        )
    return specs


def _split_write(actor, project: Project, specs: list) -> list[Task]:
    first = (project.tasks.aggregate(n=Max("number"))["n"] or 0) + 1
    tasks = Task.objects.bulk_create(
        [Task(project=project, number=first + i, brief=spec.brief, units=spec.units) for i, spec in enumerate(specs)]
    )
    items = [
        LabelItem(task=task, position=pos, source_line=item["line"], text=item["text"], payload=item["payload"])
        for task, spec in zip(tasks, specs, strict=True)
        for pos, item in enumerate(spec.items, start=1)
    ]
    if items:
        LabelItem.objects.bulk_create(items, batch_size=2000)
    audit_record(
        actor=actor,
        action="project.split",
        target=project,
        company_id=project.company_id,
        tasks=len(tasks),
        units=sum(s.units for s in specs),
        first_number=first,
    )
    if project.status == ProjectStatus.PUBLISHED:
        publish(
            events.TASK_OPENED,
            groups=[project_group(project.pk)],
            data={"project": project.pk, "tasks": [t.pk for t in tasks[:500]], "count": len(tasks)},
        )
    _publish_progress(project)
    return tasks


@transaction.atomic
def split_request(*, actor, project_id: int, upload, items_per_task, text_field: str = "text") -> SplitJob:
    """Keep a large labelling file and split it in the background (``tasks.jobs.split_run``)."""
    from pathlib import Path

    from tasks.jobs import split_run

    project = _locked_project(actor, project_id)
    if project.status == ProjectStatus.CLOSED:
        raise WrongState(_("A closed project cannot get new tasks."))
    if project.kind != Kind.LABELLING:
        raise Invalid(_("Only a labelling project is split from a file."), code="invalid_split")
    if upload.size > splitting.MAX_FILE_BYTES:
        raise splitting.TooLarge(_("The file is larger than 10 MB. Please split it into smaller files."))
    per = _bounded_int(items_per_task, "items_per_task", low=1, high=10_000)
    job = SplitJob(project=project, requested_by=actor, filename=(upload.name or "")[:200], items_per_task=per)
    job.text_field = (text_field or "text")[:64]
    folder = Path(settings.MEDIA_ROOT) / "splits"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{job.pk}{Path(job.filename).suffix[:10]}"
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    job.file = str(path)
    job.save()
    audit_record(
        actor=actor, action="project.split_request", target=project, company_id=project.company_id, job=str(job.pk)
    )
    transaction.on_commit(lambda: split_run.enqueue(str(job.pk)))
    return job


def split_job_run(*, job_id) -> SplitJob | None:
    """The job's work: split the kept file into tasks and mark the job done in one transaction,
    or record the error (with its line) and create nothing. A finished job is left alone."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from config.errors import DomainError

    job = SplitJob.objects.filter(pk=job_id, status__in=[SplitStatus.QUEUED, SplitStatus.RUNNING]).first()
    if job is None:
        return None
    SplitJob.objects.filter(pk=job.pk).update(status=SplitStatus.RUNNING)
    try:
        with open(job.file, "rb") as kept:
            upload = SimpleUploadedFile(job.filename, kept.read())
        with transaction.atomic():
            tasks = project_split(
                actor=job.requested_by,
                project_id=job.project_id,
                max_tasks=settings.HOMESLOT_SPLIT_JOB_MAX_TASKS,
                file=upload,
                items_per_task=job.items_per_task,
                text_field=job.text_field,
            )
            SplitJob.objects.filter(pk=job.pk).update(
                status=SplitStatus.DONE,
                tasks_created=len(tasks),
                units_created=sum(t.units for t in tasks),
                finished_at=timezone.now(),
            )
    except DomainError as error:
        line = error.details.get("line") if isinstance(error.details, dict) else None
        SplitJob.objects.filter(pk=job.pk).update(
            status=SplitStatus.FAILED,
            error=str(error.message)[:400],
            error_line=line if isinstance(line, int) else None,
            finished_at=timezone.now(),
        )
    except OSError:
        SplitJob.objects.filter(pk=job.pk).update(
            status=SplitStatus.FAILED,
            error=_("The uploaded file was lost; please upload it again."),
            finished_at=timezone.now(),
        )
    except DatabaseError:
        # Whatever the file held that the database refused, the job ends: failed, nothing made.
        logger.exception("split job %s: the database refused the tasks", job.pk)
        SplitJob.objects.filter(pk=job.pk).update(
            status=SplitStatus.FAILED,
            error=_("The file could not be stored as tasks. Please check it and upload it again."),
            finished_at=timezone.now(),
        )
    job.refresh_from_db()
    return job


@transaction.atomic
def slot_create(
    *, actor, project_id: int, starts_at: datetime.datetime, ends_at: datetime.datetime, capacity
) -> TimeSlot:
    project = _locked_project(actor, project_id)
    if project.status == ProjectStatus.CLOSED:
        raise WrongState(_("A closed project cannot get new time slots."))
    capacity = _bounded_int(capacity, "capacity", low=1, high=100000)
    if ends_at <= starts_at:
        raise Invalid(_("A time slot must end after it starts."), code="invalid_slot_times")
    if ends_at - starts_at > datetime.timedelta(hours=MAX_SLOT_HOURS):
        raise Invalid(_("A time slot can last at most %(h)s hours.") % {"h": MAX_SLOT_HOURS}, code="invalid_slot_times")
    if ends_at <= timezone.now():
        raise Invalid(_("This time slot is already over."), code="invalid_slot_times")
    slot = TimeSlot.objects.create(project=project, starts_at=starts_at, ends_at=ends_at, capacity=capacity)
    audit_record(actor=actor, action="slot.create", target=slot, company_id=project.company_id, capacity=capacity)
    return slot


MAX_PATTERN_SLOTS = 200
MAX_PATTERN_DAYS_AHEAD = 366


@transaction.atomic
def slot_pattern_create(
    *, actor, project_id: int, weekdays, start: datetime.time, end: datetime.time, weeks, capacity, first_day=None
) -> list[TimeSlot]:
    """A weekly pattern ("weekdays 09:00–11:30 for 4 weeks"): one slot per matching day, from
    ``first_day`` (default today); days whose slot is already over are skipped. All or nothing."""
    project = _locked_project(actor, project_id)
    if project.status == ProjectStatus.CLOSED:
        raise WrongState(_("A closed project cannot get new time slots."))
    if (
        not isinstance(weekdays, list | tuple)
        or not weekdays
        or any(isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 6 for d in weekdays)
    ):
        raise Invalid(_("Choose the weekdays (0 = Monday … 6 = Sunday)."), code="invalid_pattern")
    weeks = _bounded_int(weeks, "weeks", low=1, high=12)
    capacity = _bounded_int(capacity, "capacity", low=1, high=100000)
    if end <= start:
        raise Invalid(_("A time slot must end after it starts."), code="invalid_slot_times")
    length = datetime.datetime.combine(datetime.date.min, end) - datetime.datetime.combine(datetime.date.min, start)
    if length > datetime.timedelta(hours=MAX_SLOT_HOURS):
        raise Invalid(_("A time slot can last at most %(h)s hours.") % {"h": MAX_SLOT_HOURS}, code="invalid_slot_times")
    today = timezone.localdate()
    first_day = first_day or today
    if not isinstance(first_day, datetime.date) or first_day > today + datetime.timedelta(days=MAX_PATTERN_DAYS_AHEAD):
        raise Invalid(
            _("Choose a first day within the next %(days)s days.") % {"days": MAX_PATTERN_DAYS_AHEAD},
            code="invalid_pattern",
            details={"field": "first_day"},
        )
    now = timezone.now()
    slots = []
    for offset in range(weeks * 7):
        day = first_day + datetime.timedelta(days=offset)
        if day.weekday() not in weekdays:
            continue
        starts_at = timezone.make_aware(datetime.datetime.combine(day, start))
        ends_at = timezone.make_aware(datetime.datetime.combine(day, end))
        if ends_at <= now or TimeSlot.objects.filter(project=project, starts_at=starts_at, ends_at=ends_at).exists():
            continue  # over already, or made by an earlier run of the same pattern
        slots.append(TimeSlot(project=project, starts_at=starts_at, ends_at=ends_at, capacity=capacity))
    if len(slots) > MAX_PATTERN_SLOTS:
        raise Invalid(_("At most %(n)s slots at once.") % {"n": MAX_PATTERN_SLOTS}, code="invalid_pattern")
    created = TimeSlot.objects.bulk_create(slots)
    audit_record(actor=actor, action="slot.pattern", target=project, company_id=project.company_id, slots=len(created))
    return created


# --- claims -----------------------------------------------------------------


def task_claim(*, worker, task_id: int, slot_id: int, confirm_outside_availability: bool = False) -> Claim:
    """Claim this task for a slot (a conditional update: no waiting on other claims)."""
    return _claim(worker=worker, slot_id=slot_id, task_id=task_id, confirmed=confirm_outside_availability)


def task_claim_next(*, worker, project_id: int, slot_id: int, confirm_outside_availability: bool = False) -> Claim:
    """Claim any open task of the project for a slot (``FOR UPDATE SKIP LOCKED``)."""
    if connection.vendor == "postgresql":
        claim = _claim_next_in_one_statement(worker=worker, project_id=project_id, slot_id=slot_id)
        if claim is not None:
            return claim
    return _claim(worker=worker, slot_id=slot_id, project_id=project_id, confirmed=confirm_outside_availability)


@transaction.atomic
def _claim_next_in_one_statement(*, worker, project_id: int, slot_id) -> Claim | None:
    """The common case in one round trip (see ``tasks.claim_sql``); None: nothing written, use ``_claim``."""
    try:
        slot_id = int(slot_id)
    except (TypeError, ValueError):
        return None
    now = timezone.now()
    params = claim_sql.call_params(worker_id=worker.pk, project_id=int(project_id), slot_id=slot_id, now=now)
    try:
        with connection.cursor() as cursor:
            cursor.execute(claim_sql.CLAIM_NEXT, params)
            row = cursor.fetchone()
    except DatabaseError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == claim_sql.SLOT_FULL_SQLSTATE:
            raise SlotFull() from exc  # filled by a concurrent claim; the atomic block undoes it all
        raise
    if row is None:
        return None
    claim, event_rows = claim_sql.claim_from_row(
        row, worker=worker, project_id=int(project_id), slot_id=slot_id, now=now
    )
    publish_written(event_rows)
    return claim


@transaction.atomic
def _claim(*, worker, slot_id, task_id=None, project_id=None, confirmed: bool = False) -> Claim:
    now = timezone.now()
    # One mother's claims run one at a time, so her limits hold under concurrency;
    # different mothers never wait on each other here.
    profile = _lock_worker(worker)
    if profile is None:
        raise Forbidden(_("Only a registered mother can claim tasks."))
    if task_id is not None:
        task_row = Task.objects.filter(pk=task_id, project__status__in=_VISIBLE).values("project_id").first()
        if task_row is None:
            raise NotFound()
        project_id = task_row["project_id"]
    slot = _open_slot(slot_id=slot_id, project_id=project_id, now=now)
    project = slot.project
    if project.company_id in company_ids_for(worker):
        # Staff of a company do not take its work (she may be a mother for other companies).
        raise OwnCompanyWork(details={"company": project.company_id})
    if not confirmed and not fairwork.fits_availability(profile, slot.starts_at, slot.ends_at):
        raise OutsideAvailability(details={"slot": slot.pk})
    live = Claim.objects.filter(worker=worker, project_id=project_id, status=ClaimStatus.ACTIVE, expires_at__gt=now)
    if live.count() >= project.claim_limit:
        raise ClaimLimitReached(details={"limit": project.claim_limit})
    if slot.claimed_count >= slot.capacity:
        raise SlotFull()

    claimable = Q(status=TaskStatus.OPEN) | Q(status=TaskStatus.CLAIMED, claim_expires_at__lte=now)
    candidates = Task.objects.filter(claimable, project_id=project_id)
    if task_id is not None:
        candidates = candidates.filter(pk=task_id)
    fit = _fit(worker=worker, project=project, slot=slot, now=now)
    task = _take_task(candidates.filter(units__lte=fit.units), by_choice=task_id is not None, now=now)
    if task is None:
        raise _why_no_task(candidates, fit, project=project, by_choice=task_id is not None)
    expires_at = slot.ends_at + datetime.timedelta(minutes=project.grace_minutes)
    Task.objects.filter(pk=task.pk).update(status=TaskStatus.CLAIMED, claim_expires_at=expires_at, updated_at=now)
    freed: list[int] = []  # the slots of the claims that ran out: their places are given back below
    if task.status == TaskStatus.CLAIMED:
        _expire_claims_of(task=task, project=project, now=now, freed_slots=freed)
    try:
        claim = Claim.objects.create(
            task_id=task.pk, worker=worker, slot=slot, project_id=project_id, claimed_at=now, expires_at=expires_at
        )
    except IntegrityError as exc:
        # The partial unique index (one live claim per task) is the last guard; the
        # raise rolls the whole claim back, so no savepoint is needed on the hot path.
        raise TaskAlreadyClaimed() from exc
    audit_record(actor=worker, action=claim_sql.AUDIT_ACTION, target=claim, company_id=project.company_id, task=task.pk)
    publish(
        events.TASK_CLAIMED,
        groups=[project_group(project_id), company_staff_group(project.company_id), worker_group(worker.pk)],
        data={"project": project_id, "task": task.pk, "slot": slot.pk, "claim": claim.pk},
    )
    # Last, so the slot rows are locked only for the end of the transaction; by key when a stale
    # claim's slot is given its place back too (core.locks), and in one slot the place given back first.
    for slot_id in sorted({*freed, slot.pk}):
        for _freed in range(freed.count(slot_id)):
            _give_back_place(slot_id)
        if slot_id == slot.pk and not locks.lock_update(
            TimeSlot.objects.filter(pk=slot.pk, claimed_count__lt=F("capacity")), claimed_count=F("claimed_count") + 1
        ):
            raise SlotFull()
    slot.claimed_count += 1 - freed.count(slot.pk)
    task.status, task.claim_expires_at = TaskStatus.CLAIMED, expires_at
    claim.task = task
    claim.slot = slot
    claim.project = project
    return claim


_VISIBLE = (ProjectStatus.PUBLISHED, ProjectStatus.PAUSED)
# A stale claim's task is tried this many times before claim-next says nothing is left: each
# try waits only for the rows of one task that another claim (or the expiry job) is taking.
STALE_TRIES = 3


@dataclasses.dataclass(frozen=True)
class _Fit:
    """The most units of this project's work she may take in this slot, and why."""

    slot_units: int  # the slot's length
    room_units: int  # beside the work she already holds at that time (fairwork.schedule)
    hours_units: int  # in what is left of her part-time hours with the company
    slot_seconds: Decimal
    room: schedule.Room
    minutes_left: Decimal

    @property
    def units(self) -> int:
        return max(0, min(self.slot_units, self.room_units, self.hours_units))


def _fit(*, worker, project: Project, slot: TimeSlot, now) -> _Fit:
    """Call holding her profile row: her live claims cannot change meanwhile."""
    unit_seconds = project.minutes_per_unit * 60
    slot_seconds = schedule.seconds_between(slot.starts_at, slot.ends_at)
    held = [
        schedule.Job(claim_id=pk, starts_at=starts_at, ends_at=ends_at, minutes=units * minutes_per_unit)
        for pk, starts_at, ends_at, units, minutes_per_unit in Claim.objects.filter(
            worker=worker, status=ClaimStatus.ACTIVE, expires_at__gt=now
        ).values_list("pk", "slot__starts_at", "slot__ends_at", "task__units", "project__minutes_per_unit")
    ]
    room = schedule.room_beside(held, starts_at=slot.starts_at, ends_at=slot.ends_at)
    minutes_left = fairwork.minutes_left(worker_id=worker.pk, company_id=project.company_id, at=slot.starts_at)
    return _Fit(
        slot_units=int(slot_seconds // unit_seconds),
        room_units=int(room.seconds // unit_seconds) if room.seconds >= 0 else -1,
        hours_units=int(minutes_left // project.minutes_per_unit) if minutes_left >= 0 else -1,
        slot_seconds=slot_seconds,
        room=room,
        minutes_left=minutes_left,
    )


def _take_task(fitting, *, by_choice: bool, now) -> Task | None:
    """The lowest task in ``fitting`` she may take, locked in the project's order (core.locks):
    an open task has no claim rows to lock (claim-next passes over those others are locking);
    for a task whose claim ran out, the stale claim rows are locked before the task, the order
    the expiry job and a hand-in take them in. None when none is free."""
    open_tasks = fitting.filter(status=TaskStatus.OPEN)
    if by_choice:
        chosen = fitting.values_list("status", flat=True).first()
        if chosen is None:
            return None
        if chosen == TaskStatus.OPEN:
            task = locks.lock_one(open_tasks)
            if task is not None:
                return task
    else:
        task = locks.lock_one(open_tasks, skip_locked=True)  # passes over rows others are taking
        if task is not None:
            return task
    stale = fitting.filter(status=TaskStatus.CLAIMED, claim_expires_at__lte=now)
    for stale_id in list(stale.order_by("pk").values_list("pk", flat=True)[:STALE_TRIES]):
        stale_claims = Claim.objects.filter(task_id=stale_id, status=ClaimStatus.ACTIVE)
        held = locks.lock(stale_claims, skip_locked=not by_choice)
        if not by_choice and len(held) < stale_claims.count():
            continue  # someone holds its claim (the expiry job, a hand-in): never wait, take another
        # Still claimable once its claims are ours (the expiry job may have reopened it meanwhile).
        task = locks.lock_one(fitting.filter(pk=stale_id), skip_locked=not by_choice)
        if task is not None:
            return task
    return None


def _why_no_task(candidates, fit: _Fit, *, project: Project, by_choice: bool):
    """The refusal when nothing was taken: the shortest task she could have had says which rule
    stood in the way; if it fitted, someone faster is taking it at this very moment."""
    shortest = candidates.aggregate(units=Min("units"))["units"]
    faster = TaskAlreadyClaimed() if by_choice else NoTaskAvailable()
    if shortest is None:
        return faster
    task_minutes = math.ceil(shortest * project.minutes_per_unit)
    if shortest > fit.slot_units:
        slot_minutes = int(fit.slot_seconds // 60)
        return TaskTooLongForSlot(
            _(
                "This task takes about %(task)s minutes, but the time slot is only %(slot)s minutes long. "
                "Please choose a longer time slot."
            )
            % {"task": task_minutes, "slot": slot_minutes},
            details={"task_minutes": task_minutes, "slot_minutes": slot_minutes},
        )
    if shortest > fit.room_units:
        return _overlap(fit.room, task_minutes=task_minutes)
    if shortest > fit.hours_units:
        return HoursLimitReached(details={"minutes_left": int(max(fit.minutes_left, 0))})
    return faster


def _overlap(room: schedule.Room, *, task_minutes: int) -> ClaimsOverlap:
    """Her claims at that time leave too little room: named by the first of them."""
    details = {
        "claim": room.clashing[0] if room.clashing else None,
        "claims": list(room.clashing),
        "minutes_free": max(0, int(room.seconds // 60)),
        "task_minutes": task_minutes,
    }
    first = Claim.objects.select_related("project", "slot").filter(pk=details["claim"]).first()
    if first is None:
        return ClaimsOverlap(details=details)
    start, end = timezone.localtime(first.slot.starts_at), timezone.localtime(first.slot.ends_at)
    return ClaimsOverlap(
        _(
            "You already have “%(title)s” to do in %(time)s, and this task would not fit beside it. "
            "Please hand that one in or give it back first, or choose another time."
        )
        % {"title": first.project.title, "time": f"{start:%m-%d %H:%M}–{end:%H:%M}"},
        details=details,
    )


def _lock_worker(worker):
    """Her profile, locked (with her weekly windows), or None if she is not a worker."""
    from workers.models import WorkerProfile

    return locks.lock_one(WorkerProfile.objects.prefetch_related("availability").filter(user_id=worker.pk))


def _open_slot(*, slot_id, project_id: int, now) -> TimeSlot:
    try:
        slot_id = int(slot_id)
    except (TypeError, ValueError):
        raise InvalidSlot() from None
    slot = (
        TimeSlot.objects.select_related("project", "project__company").filter(pk=slot_id, project_id=project_id).first()
    )
    if slot is None:
        if not Project.objects.filter(pk=project_id, status__in=_VISIBLE).exists():
            raise NotFound()
        raise InvalidSlot()
    if slot.project.status not in _VISIBLE:
        raise NotFound()
    if slot.project.status != ProjectStatus.PUBLISHED:
        raise ProjectNotOpen()
    if slot.ends_at <= now:
        raise SlotClosed()
    return slot


def claim_expire(*, task_id: int) -> bool:
    """The expiry job's step for one task: mark its claim that ran out expired, put the task back
    in the hall (live for everyone), and tell her kindly. Idempotent; False when nothing was due."""
    with transaction.atomic():
        now = timezone.now()
        # Claim rows before the task row (core.locks): a hand-in at the last second finishes
        # first (and its claim is then not expired), and a claim of the same task waits here.
        locks.lock(Claim.objects.filter(task_id=task_id, status=ClaimStatus.ACTIVE))
        task = locks.lock_one(Task.objects.select_related("project").filter(pk=task_id))
        if task is None:
            return False
        expired = _expire_claims_of(task=task, project=task.project, now=now)
        if task.status == TaskStatus.CLAIMED and task.claim_expires_at is not None and task.claim_expires_at <= now:
            Task.objects.filter(pk=task.pk).update(status=TaskStatus.OPEN, claim_expires_at=None, updated_at=now)
            if task.project.status == ProjectStatus.PUBLISHED:
                publish(
                    events.TASK_OPENED,
                    groups=[project_group(task.project_id)],
                    data={"project": task.project_id, "tasks": [task.pk], "count": 1},
                )
            _publish_progress(task.project)
        return bool(expired)


def _give_back_place(slot_id: int) -> None:
    locks.lock_update(TimeSlot.objects.filter(pk=slot_id, claimed_count__gt=0), claimed_count=F("claimed_count") - 1)


def _expire_claims_of(*, task: Task, project: Project, now, freed_slots: list | None = None) -> list[int]:
    """Mark as expired the claim on ``task`` whose deadline passed, and tell her, once (the
    notice's key), whoever noticed first: the expiry job or another mother's claim of the task.
    Call holding the task's claim rows and the task row (core.locks order). Each claim's place
    in its slot is given back here, or, with ``freed_slots``, left to the caller (who locks
    slots in key order with its own)."""
    stale = list(
        Claim.objects.filter(task_id=task.pk, status=ClaimStatus.ACTIVE, expires_at__lte=now).values_list(
            "pk", "slot_id", "worker_id"
        )
    )
    for claim_id, slot_id, worker_id in stale:
        Claim.objects.filter(pk=claim_id).update(status=ClaimStatus.EXPIRED, ended_at=now)
        if freed_slots is None:
            _give_back_place(slot_id)
        else:
            freed_slots.append(slot_id)
        audit_record(actor=None, action="claim.expire", target=Claim(pk=claim_id), task=task.pk)
        publish(events.CLAIM_EXPIRED, groups=[worker_group(worker_id)], data={"claim": claim_id, "task": task.pk})
        # In the platform's language: she is not the one whose request noticed it.
        with translation.override(settings.LANGUAGE_CODE):
            fairwork_services.notice_send(
                user_id=worker_id,
                kind=NoticeKind.CLAIM_EXPIRED,
                key=f"claim-expired:{claim_id}",
                text=_(
                    "The time for “%(title)s” ran out, so the task went back to the task hall. "
                    "No harm done: claim another one when your day allows."
                )
                % {"title": project.title},
                data={"claim": claim_id, "task": task.pk, "project": project.pk},
            )
    return [claim_id for claim_id, _slot_id, _worker_id in stale]


def _locked_claim(*, worker, claim_id) -> Claim:
    claim = locks.lock_one(Claim.objects.select_related("task", "project", "slot").filter(pk=claim_id, worker=worker))
    if claim is None:
        raise NotFound()
    return claim


def _require_live(claim: Claim, now) -> None:
    if claim.status != ClaimStatus.ACTIVE:
        raise ClaimNotActive(details={"status": claim.status})
    if claim.expires_at <= now:
        raise ClaimExpired()


@transaction.atomic
def claim_release(*, worker, claim_id: int, reason: str = "", family_emergency: bool = False) -> Claim:
    """Give a task back: free before the slot starts; during it with a reason. A family
    emergency carries no mark, 3 times a month; other releases during a slot count in her
    reliability figure, which she can see."""
    now = timezone.now()
    _lock_worker(worker)  # her monthly allowance is counted one release at a time
    claim = _locked_claim(worker=worker, claim_id=claim_id)
    _require_live(claim, now)
    reason = (reason or "").strip()
    if len(reason) > MAX_RELEASE_REASON:
        raise Invalid(_("The reason is too long."), details={"field": "reason"})
    during_slot = now >= claim.slot.starts_at
    if during_slot and not reason and not family_emergency:
        raise ReasonRequired(_("The time slot has started: please tell us briefly why you are giving the task back."))
    if not during_slot:
        kind = ReleaseKind.FREE
    elif family_emergency and fairwork.reliability(worker.pk, now=now)["family_emergencies_left"] > 0:
        kind = ReleaseKind.EMERGENCY
    else:
        kind = ReleaseKind.MARKED
    reason = reason or (_("family emergency") if family_emergency else "")
    Claim.objects.filter(pk=claim.pk).update(
        status=ClaimStatus.RELEASED, ended_at=now, release_reason=reason, release_kind=kind
    )
    locks.lock_update(
        Task.objects.filter(pk=claim.task_id, status=TaskStatus.CLAIMED),
        status=TaskStatus.OPEN,
        claim_expires_at=None,
        updated_at=now,
    )
    locks.lock_update(
        TimeSlot.objects.filter(pk=claim.slot_id, claimed_count__gt=0), claimed_count=F("claimed_count") - 1
    )
    audit_record(
        actor=worker,
        action="claim.release",
        target=claim,
        company_id=claim.project.company_id,
        during_slot=during_slot,
        kind=kind,
        reason=reason,
    )
    publish(
        events.TASK_RELEASED,
        groups=[
            project_group(claim.project_id),
            company_staff_group(claim.project.company_id),
            worker_group(worker.pk),
        ],
        data={"project": claim.project_id, "task": claim.task_id, "claim": claim.pk},
    )
    claim.refresh_from_db()
    return claim


def claim_submit(*, worker, claim_id: int, text=None, completed_units=None, labels=None, photos=None) -> Submission:
    """Hand in the work of a live claim; assembly may carry up to 3 photos. All or nothing:
    a refused photo refuses the submission, and a rolled-back submission leaves no file.
    Photos are decoded and re-encoded before the claim is locked: that is the slow part."""
    prepared = photos_module.photos_prepare(photos)
    written: list[str] = []
    try:
        return _claim_submit(
            worker=worker,
            claim_id=claim_id,
            text=text,
            completed_units=completed_units,
            labels=labels,
            prepared=prepared,
            written=written,
        )
    except BaseException:
        storage = photos_module.photo_storage()
        for name in written:
            storage.delete(name)
        raise


@transaction.atomic
def _claim_submit(*, worker, claim_id: int, text, completed_units, labels, prepared, written: list) -> Submission:
    now = timezone.now()
    claim = _locked_claim(worker=worker, claim_id=claim_id)
    _require_live(claim, now)
    task, project = claim.task, claim.project
    fields = _submission_content(project=project, task=task, text=text, completed_units=completed_units, labels=labels)
    if prepared and project.kind != Kind.ASSEMBLY:
        raise photos_module.PhotosNotExpected()
    submission = Submission.objects.create(
        claim=claim,
        task=task,
        project=project,
        worker=worker,
        submitted_at=now,
        review_due_at=now + datetime.timedelta(hours=project.review_window_hours),
        **fields,
    )
    storage = photos_module.photo_storage()
    for photo in prepared:
        name = storage.save(photos_module.stored_name(), ContentFile(photo.content))
        written.append(name)
        SubmissionPhoto.objects.create(
            submission=submission, image=name, width=photo.width, height=photo.height, bytes=len(photo.content)
        )
    Claim.objects.filter(pk=claim.pk).update(status=ClaimStatus.SUBMITTED)
    locks.lock_update(Task.objects.filter(pk=task.pk), status=TaskStatus.SUBMITTED, updated_at=now)
    audit_record(
        actor=worker,
        action="submission.create",
        target=submission,
        company_id=project.company_id,
        claim=claim.pk,
        photos=len(prepared),
    )
    publish(
        events.SUBMISSION_CREATED,
        groups=[company_staff_group(project.company_id), worker_group(worker.pk)],
        data={
            "project": project.pk,
            "task": task.pk,
            "claim": claim.pk,
            "submission": submission.pk,
            "units": submission.submitted_units,
        },
    )
    return submission


def _submission_content(*, project: Project, task: Task, text, completed_units, labels) -> dict:
    if project.kind == Kind.COPYWRITING:
        if not isinstance(text, str) or not text.strip():
            raise Invalid(_("Please write the text before submitting."), code="text_required")
        if len(text) > MAX_TEXT_CHARS:
            raise Invalid(_("The text is longer than %(max)s characters.") % {"max": MAX_TEXT_CHARS})
        return {"text": text.strip(), "submitted_units": task.units}
    if project.kind == Kind.ASSEMBLY:
        units = _bounded_int(completed_units, "completed_units", low=1, high=task.units)
        return {"submitted_units": units}
    if not isinstance(labels, dict) or not labels:
        raise Invalid(_("Please label every item before submitting."), code="labels_required")
    item_ids = {str(i) for i in task.items.values_list("pk", flat=True)}
    given = {str(k): v for k, v in labels.items()}
    missing = sorted(item_ids - set(given), key=int)
    unknown = sorted(set(given) - item_ids)
    bad = sorted((k for k, v in given.items() if k in item_ids and v not in project.label_set), key=int)
    if missing or unknown or bad:
        raise Invalid(
            _("Every item needs exactly one label from the label set."),
            code="invalid_labels",
            details={"missing": missing[:50], "unknown": unknown[:50], "invalid_label": bad[:50]},
        )
    return {"labels": given, "submitted_units": len(item_ids)}


# --- reviews ----------------------------------------------------------------

_FINAL = {
    Decision.ACCEPT: (SubmissionStatus.ACCEPTED, TaskStatus.ACCEPTED),
    Decision.PARTIAL: (SubmissionStatus.PARTIALLY_ACCEPTED, TaskStatus.PARTIALLY_ACCEPTED),
    Decision.REJECT: (SubmissionStatus.REJECTED, TaskStatus.REJECTED),
}


@transaction.atomic
def submission_review(
    *, actor, submission_id: int, decision: str, accepted_units=None, reason: str = "", score=None
) -> Review:
    now = timezone.now()
    submission = locks.lock_one(Submission.objects.select_related("project", "claim").filter(pk=submission_id))
    if submission is None:
        raise NotFound()
    project = submission.project
    _require_supervising(actor, project.company_id)
    if submission.worker_id == actor.pk:
        # A second person is the point of a review: her own work is decided by a colleague or,
        # in silence, by the review window's auto-accept (which has no reviewer).
        raise OwnSubmission()
    if submission.status != SubmissionStatus.PENDING:
        raise AlreadyReviewed(details={"status": submission.status})
    if decision not in Decision.values:
        raise Invalid(_("The decision must be accept, partial, reject or revise."), code="invalid_decision")
    if decision != Decision.ACCEPT and submission.review_due_at <= now:
        # The review window is a promise: after it the work counts as accepted, whether or not
        # the auto-accept job has run yet.
        raise WrongState(
            _("The review window has passed: this submission can only be accepted."),
            code="review_window_passed",
            details={"review_due_at": timezone.localtime(submission.review_due_at).isoformat()},
        )
    reason = (reason or "").strip()
    if decision != Decision.ACCEPT and not reason:
        raise ReasonRequired()
    if score is not None:
        score = _bounded_int(score, "score", low=1, high=5)
    if decision == Decision.ACCEPT:
        units = submission.submitted_units
    elif decision == Decision.PARTIAL:
        units = _bounded_int(accepted_units, "accepted_units", low=1, high=submission.submitted_units)
    else:
        units = 0
    return _decide(submission, actor=actor, decision=decision, units=units, reason=reason, score=score, now=now)


def submission_auto_accept(*, submission_id: int) -> Review | None:
    """Accept a submission nobody reviewed within the project's review window, and credit her:
    a mother is never left unpaid by silence. None when it was reviewed meanwhile or is not due."""
    with transaction.atomic():
        now = timezone.now()
        submission = locks.lock_one(
            Submission.objects.select_related("project", "claim").filter(
                pk=submission_id, status=SubmissionStatus.PENDING, review_due_at__lte=now
            )
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
        fairwork_services.notice_send(
            user_id=submission.worker_id,
            kind=NoticeKind.AUTO_ACCEPTED,
            key=f"auto-accepted:{submission.pk}",
            text=_("“%(title)s” was accepted automatically and credited to you.") % {"title": submission.project.title},
            data={"submission": submission.pk, "project": submission.project_id},
        )
        return review


def _decide(submission: Submission, *, actor, decision: str, units: int, reason: str, score, now) -> Review:
    project = submission.project
    review = Review.objects.create(
        submission=submission,
        reviewer=actor,
        decision=decision,
        accepted_units=units,
        reason=reason,
        score=score,
        decided_at=now,
    )
    claim = submission.claim
    if decision == Decision.REVISE:
        expires_at = max(claim.expires_at, now) + datetime.timedelta(minutes=project.grace_minutes)
        Submission.objects.filter(pk=submission.pk).update(status=SubmissionStatus.REVISION_REQUESTED)
        locks.lock_update(
            Claim.objects.filter(pk=claim.pk),
            status=ClaimStatus.ACTIVE,
            expires_at=expires_at,
            deadline_reminded_at=None,
        )
        locks.lock_update(
            Task.objects.filter(pk=submission.task_id),
            status=TaskStatus.CLAIMED,
            claim_expires_at=expires_at,
            updated_at=now,
        )
    else:
        submission_status, task_status = _FINAL[Decision(decision)]
        Submission.objects.filter(pk=submission.pk).update(status=submission_status)
        locks.lock_update(Claim.objects.filter(pk=claim.pk), status=ClaimStatus.DONE, ended_at=now)
        locks.lock_update(
            Task.objects.filter(pk=submission.task_id), status=task_status, accepted_units=units, updated_at=now
        )
    audit_record(
        actor=actor,
        action=f"review.{decision}" if actor is not None else "review.auto_accept",
        target=review,
        company_id=project.company_id,
        submission=submission.pk,
        accepted_units=units,
    )
    earning_credit(review=review, actor=actor)
    publish(
        events.REVIEW_DECIDED,
        groups=[worker_group(submission.worker_id), company_staff_group(project.company_id)],
        data={
            "project": project.pk,
            "task": submission.task_id,
            "claim": claim.pk,
            "submission": submission.pk,
            "decision": decision,
            "accepted_units": units,
            "reason": reason,
            "automatic": actor is None,
        },
    )
    _publish_progress(project)
    return review


def _publish_progress(project: Project) -> None:
    from tasks.selectors import project_progress

    progress = project_progress(project)
    publish(
        events.PROJECT_PROGRESS,
        groups=[company_staff_group(project.company_id)],
        data={"project": project.pk, "status": project.status, **progress},
    )
