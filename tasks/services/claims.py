"""Claims: claim a chosen task or the next one, and give a task back."""

import contextlib
import datetime

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import User
from accounts.selectors import company_ids_for
from core import locks
from core.errors import Forbidden, Invalid, NotFound, ReasonRequired
from core.ids import MAX_ID
from fairwork import selectors as fairwork
from fairwork.errors import OutsideAvailability
from realtime import events
from realtime.groups import company_staff_group, project_group, worker_group
from realtime.publish import publish, publish_written
from tasks import career, claim_sql, measures
from tasks.errors import (
    AlreadyLabelled,
    ClaimLimitReached,
    ClaimNextRepeated,
    InvalidSlot,
    MaterialsHeld,
    OwnCompanyWork,
    ProjectNotOpen,
    SlotCancelled,
    SlotClosed,
    SlotFull,
    TaskAlreadyClaimed,
)
from tasks.handovers import holds_materials
from tasks.models import Claim, ClaimStatus, Project, ProjectStatus, ReleaseKind, Task, TaskStatus, TimeSlot
from tasks.services._claim_fit import _fit, _take_task, _why_no_task
from tasks.services._common import _locked_claim, _require_live
from tasks.services.expiry import _expire_claims_of, _give_back_place
from workers.models import WorkerProfile

MAX_RELEASE_REASON = 200


def task_claim(*, worker: User, task_id: int, slot_id: int, confirm_outside_availability: bool = False) -> Claim:
    """Claim this task for a slot (a conditional update of that task)."""
    if connection.vendor == "postgresql":
        claim = _claim_in_one_statement(
            worker=worker, slot_id=slot_id, task_id=task_id, confirmed=confirm_outside_availability
        )
        if claim is not None:
            return claim
    return _claim(worker=worker, slot_id=slot_id, task_id=task_id, confirmed=confirm_outside_availability)


def task_claim_next(
    *,
    worker: User,
    project_id: int,
    slot_id: int,
    confirm_outside_availability: bool = False,
    after_claim_id: int | None = None,
) -> Claim:
    """Claim any open task of the project for a slot (``FOR UPDATE SKIP LOCKED``).

    ``after_claim_id``: the newest claim of hers the page she tapped on knew of (0: none). Her claim
    in this project made after it, still active or handed in, means this is the same "claim the
    next one" sent again (a double tap, a retry): ``ClaimNextRepeated`` names that claim, and
    nothing more is claimed."""
    if after_claim_id is not None:
        return _claim_next_once(
            worker=worker,
            project_id=project_id,
            slot_id=slot_id,
            confirmed=confirm_outside_availability,
            after_claim_id=after_claim_id,
        )
    if connection.vendor == "postgresql":
        claim = _claim_in_one_statement(
            worker=worker, slot_id=slot_id, project_id=project_id, confirmed=confirm_outside_availability
        )
        if claim is not None:
            return claim
    return _claim(worker=worker, slot_id=slot_id, project_id=project_id, confirmed=confirm_outside_availability)


@transaction.atomic
def _claim_next_once(*, worker, project_id: int, slot_id, confirmed: bool, after_claim_id: int) -> Claim:
    # Her claims run one at a time (every claim of hers locks this row first, the one-statement
    # claim too), so a second send at the same moment waits here and then sees the first one's claim.
    _lock_worker(worker)
    earlier = (
        Claim.objects.filter(
            worker=worker,
            project_id=project_id,
            pk__gt=after_claim_id,
            status__in=[ClaimStatus.ACTIVE, ClaimStatus.SUBMITTED],
        )
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if earlier is not None:
        raise ClaimNextRepeated(details={"claim": earlier})
    return task_claim_next(
        worker=worker, project_id=project_id, slot_id=slot_id, confirm_outside_availability=confirmed
    )


def _claim_in_one_statement(*, worker, slot_id, project_id=None, task_id=None, confirmed: bool = False) -> Claim | None:
    """The common case in one round trip (see ``tasks.claim_sql``): claim-next of ``project_id``, or
    the task she chose (``task_id``). None: nothing written, use ``_claim``.

    In autocommit (a request) the statement is its own transaction: no BEGIN and COMMIT around it,
    and her profile row is unlocked the moment it returns. Inside a caller's transaction it runs in
    a savepoint, so a slot filled meanwhile undoes only what it wrote."""
    slot_id, project_id, task_id = (_key(value) for value in (slot_id, project_id, task_id))
    if slot_id is None or (project_id is None) == (task_id is None):
        return None  # an id no database holds (or not one of project and task): the ORM path answers
    now = timezone.now()
    params = claim_sql.call_params(
        worker_id=worker.pk, project_id=project_id, task_id=task_id, slot_id=slot_id, confirmed=confirmed, now=now
    )
    try:
        in_savepoint = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
        with in_savepoint, connection.cursor() as cursor:
            cursor.execute(claim_sql.CLAIM_NEXT, params)
            row = cursor.fetchone()
    except DatabaseError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == claim_sql.SLOT_FULL_SQLSTATE:
            raise SlotFull() from exc  # filled by a concurrent claim; the statement wrote nothing
        raise
    if row is None:
        return None
    claim, event_rows = claim_sql.claim_from_row(row, worker=worker, slot_id=slot_id, now=now)
    publish_written(event_rows)  # at once in autocommit (committed), else when the caller commits
    return claim


def _key(value) -> int | None:
    """An id as the ORM path reads it (``int``), if the claim function can take it as a bigint key."""
    try:
        key = int(value)
    except (TypeError, ValueError):
        return None
    return key if 1 <= key <= MAX_ID else None


@transaction.atomic
def _claim(*, worker, slot_id, task_id=None, project_id=None, confirmed: bool = False) -> Claim:
    now = timezone.now()
    # One mother's claims run one at a time, so her limits hold under concurrency;
    # different mothers never wait on each other here.
    profile = _lock_worker(worker)
    if profile is None:
        raise Forbidden(_("Only a registered mother can claim tasks."))
    slot = _open_slot(slot_id=slot_id, project_id=project_id, task_id=task_id, now=now)
    project = slot.project
    project_id = project.pk
    if project.company_id in company_ids_for(worker):
        # Staff of a company do not take its work (she may be a mother for other companies).
        raise OwnCompanyWork(details={"company": project.company_id})
    # The career rule, the claim function's too (tasks.career): her level in the project's skill,
    # and for a training project one attempt at a time.
    refusal = career.skill_refusal(worker_id=worker.pk, project=project)
    if refusal is not None:
        raise refusal
    # Her weekly windows are read only here: a slot she confirmed needs none of them.
    if not confirmed and not fairwork.fits_availability(profile, slot.starts_at, slot.ends_at):
        raise OutsideAvailability(details={"slot": slot.pk})
    live = Claim.objects.filter(worker=worker, project_id=project_id, status=ClaimStatus.ACTIVE, expires_at__gt=now)
    if live.count() >= project.claim_limit:
        raise ClaimLimitReached(details={"limit": project.claim_limit})
    if slot.claimed_count >= slot.capacity:
        raise SlotFull()

    claimable = Q(status=TaskStatus.OPEN) | Q(status=TaskStatus.CLAIMED, claim_expires_at__lte=now)
    # Never two tasks of one item group (overlap copies, items sent back): each item, another mother.
    candidates = Task.objects.filter(claimable, project_id=project_id).exclude(_had_group(worker, project_id))
    if task_id is not None:
        if Task.objects.filter(pk=task_id).filter(_had_group(worker, project_id)).exists():
            raise AlreadyLabelled(details={"task": task_id})
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
        events.task_claimed(project=project_id, task=task.pk, slot=slot.pk, claim=claim.pk),
        groups=[project_group(project_id), company_staff_group(project.company_id), worker_group(worker.pk)],
    )
    # Last, so the slot rows are locked only for the end of the transaction; by key when a stale
    # claim's slot is given its place back too (core.locks), and in one slot the place given back first.
    for slot_id in sorted({*freed, slot.pk}):
        for _freed in range(freed.count(slot_id)):
            _give_back_place(slot_id)
        if slot_id == slot.pk and not locks.lock_update(
            TimeSlot.objects.filter(pk=slot.pk, claimed_count__lt=F("capacity"), cancelled_at__isnull=True),
            claimed_count=F("claimed_count") + 1,
        ):
            raise SlotFull()
    slot.claimed_count += 1 - freed.count(slot.pk)
    task.status, task.claim_expires_at = TaskStatus.CLAIMED, expires_at
    claim.task = task
    claim.slot = slot
    claim.project = project
    return claim


_VISIBLE = (ProjectStatus.PUBLISHED, ProjectStatus.PAUSED)


def _had_group(worker, project_id: int) -> Exists:
    """On a Task queryset: a claim of hers, whatever its status, on a task of this one's item group
    (the claim function's rule too). A task without a group is never excluded."""
    return Exists(
        Claim.objects.filter(
            worker=worker, project_id=project_id, task__project_id=project_id, task__item_group=OuterRef("item_group")
        )
    )


def _lock_worker(worker):
    """Her profile, locked, or None if she is not a worker."""
    return locks.lock_one(WorkerProfile.objects.filter(user_id=worker.pk))


def _open_slot(*, slot_id, project_id: int | None, now, task_id: int | None = None) -> TimeSlot:
    """The slot she asked for, with its project and company: of ``project_id`` (claim-next), or of
    the project of the task she chose (``task_id``), read with the slot in one statement; the
    reads that tell which refusal it is run only when there is none."""
    try:
        slot_id = int(slot_id)
    except (TypeError, ValueError):
        slot_id = None
    slot = None
    if slot_id is not None:
        slots = TimeSlot.objects.select_related("project", "project__company").filter(pk=slot_id)
        slot = (
            slots.filter(project__tasks=task_id) if task_id is not None else slots.filter(project_id=project_id)
        ).first()
    if slot is None:
        if task_id is not None:  # a task she cannot see is not found, whatever the slot
            if not Task.objects.filter(pk=task_id, project__status__in=_VISIBLE).exists():
                raise NotFound()
        elif slot_id is not None and not Project.objects.filter(pk=project_id, status__in=_VISIBLE).exists():
            raise NotFound()
        raise InvalidSlot()
    if slot.project.status not in _VISIBLE:
        raise NotFound()
    if slot.project.status != ProjectStatus.PUBLISHED:
        raise ProjectNotOpen()
    if slot.ends_at <= now:
        raise SlotClosed()
    if slot.cancelled_at is not None:
        raise SlotCancelled()
    return slot


@transaction.atomic
def claim_release(*, worker: User, claim_id: int, reason: str = "", family_emergency: bool = False) -> Claim:
    """Give a task back: free before the slot starts; during it with a reason. A family
    emergency carries no mark, 3 times a month; other releases during a slot count in her
    reliability figure, which she can see."""
    now = timezone.now()
    _lock_worker(worker)  # her monthly allowance is counted one release at a time
    claim = _locked_claim(worker=worker, claim_id=claim_id)
    _require_live(claim, now)
    if holds_materials(claim.task):
        # The kit is in her home: it comes back at the drop-off point, where staff record it (and the
        # batch goes back to the hall without a mark on her).
        raise MaterialsHeld(details={"dropoff_point": claim.project.dropoff_point})
    reason = (reason or "").strip()
    if len(reason) > MAX_RELEASE_REASON:
        raise Invalid(_("The reason is too long."), details={"field": "reason"})
    during_slot = now >= claim.slot.starts_at
    if during_slot and not reason and not family_emergency:
        raise ReasonRequired(_("The time slot has started: please tell us briefly why you are giving the task back."))
    if not during_slot:
        kind = ReleaseKind.FREE
    elif family_emergency and measures.family_emergencies_left(worker.pk, now=now) > 0:
        kind = ReleaseKind.EMERGENCY
    else:
        kind = ReleaseKind.MARKED
    reason = reason or (_("family emergency") if family_emergency else "")
    _release(claims=[claim], worker=worker, now=now, kind=kind, reason=reason)
    claim.refresh_from_db()
    return claim


def _release(
    *, claims: list[Claim], worker: User | None, now, kind: str, reason: str, actor: User | None = None
) -> None:
    """The tasks of live claims go back to the hall, their slot places freed, the events sent. Call
    with her profile and the claims locked (``claim_release`` for one; ``account_delete`` for all of
    hers; ``slot_cancel`` for everyone's in a slot, ``actor`` the supervisor). Tasks, then slots,
    each by key (core.locks)."""
    Claim.objects.filter(pk__in=[c.pk for c in claims]).update(
        status=ClaimStatus.RELEASED, ended_at=now, release_reason=reason, release_kind=kind
    )
    for claim in sorted(claims, key=lambda c: c.task_id):
        locks.lock_update(
            Task.objects.filter(pk=claim.task_id, status=TaskStatus.CLAIMED),
            status=TaskStatus.OPEN,
            claim_expires_at=None,
            updated_at=now,
        )
    for claim in sorted(claims, key=lambda c: c.slot_id):
        locks.lock_update(
            TimeSlot.objects.filter(pk=claim.slot_id, claimed_count__gt=0), claimed_count=F("claimed_count") - 1
        )
    for claim in claims:
        audit_record(
            actor=actor or worker,
            action="claim.release",
            target=claim,
            company_id=claim.project.company_id,
            during_slot=now >= claim.slot.starts_at,
            kind=kind,
            reason=reason,
        )
        publish(
            events.task_released(project=claim.project_id, task=claim.task_id, claim=claim.pk),
            groups=[
                project_group(claim.project_id),
                company_staff_group(claim.project.company_id),
                worker_group(claim.worker_id),
            ],
        )
