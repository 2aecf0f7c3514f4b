"""Assembly hand-overs recorded by a company's staff (tasks.models.handovers): materials issued to the
mother holding a batch, the pieces she brings back, and their quality check — which is the review of
her hand-in, so what she is paid follows the pieces accepted, credited once by the review.

Each is one transaction, with an audit row, a notice to her and a ``handover.recorded`` event; the
claim is locked before the task (core.locks), the hand-in before both. An overdue return is a notice,
never a penalty (``returns_overdue_remind``)."""

from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import User
from core import locks
from core.errors import NotFound
from notices.models import NoticeKind
from notices.services import notice_send
from realtime import events
from realtime.groups import company_staff_group, worker_group
from realtime.publish import publish
from tasks import handovers as materials_module
from tasks.errors import (
    HandoverCountMismatch,
    HandoverMoreThanHeld,
    HandoverNoClaim,
    HandoverNotAssembly,
    HandoverNothingHeld,
    HandoverNothingToCheck,
    HandoverTooMany,
    InvalidHandoverKind,
)
from tasks.models import (
    LIVE_CLAIM_STATUSES,
    Claim,
    ClaimStatus,
    Decision,
    Handover,
    HandoverKind,
    Kind,
    ReleaseKind,
    Submission,
    SubmissionStatus,
    Task,
    TaskStatus,
)
from tasks.services import _handover_terms as handover_terms
from tasks.services import claims as claims_module
from tasks.services import reviews, submissions
from tasks.services._common import _bounded_int, _require_supervising

MAX_POINT, MAX_NOTE = 200, 200
BATCH = 500


def handover_record(
    *,
    actor: User,
    task_id: int,
    kind: str,
    units: int | str | None = None,
    unused: int | str | None = 0,
    parts: list | None = None,
    defects: list | None = None,
    point: str = "",
    note: str = "",
) -> Handover:
    """Record one hand-over of an assembly batch (``kind``: issue, return or qc). ``units``: the pieces'
    worth of materials issued, the finished pieces returned, or the pieces accepted; ``unused`` (return):
    kit brought back unmade; ``parts`` (issue): ``[{name, count}]``; ``defects`` (qc): ``[{reason,
    count}]``, adding up with the accepted pieces to the pieces returned. ``point``: the pick-up or
    drop-off point (the project's when empty)."""
    if kind not in HandoverKind.values:
        raise InvalidHandoverKind(details={"field": "kind"})
    task = Task.objects.select_related("project").filter(pk=task_id).first()
    if task is None:
        raise NotFound()
    _require_supervising(actor, task.project.company_id)
    if task.project.kind != Kind.ASSEMBLY:
        raise HandoverNotAssembly()
    words = {
        "point": handover_terms._text(point, "point", MAX_POINT),
        "note": handover_terms._text(note, "note", MAX_NOTE),
    }
    if kind == HandoverKind.ISSUE:
        return _issue(
            actor,
            task,
            units=units,
            parts=handover_terms._listed(parts, "parts", "name", materials_module.MAX_PARTS),
            **words,
        )
    if kind == HandoverKind.RETURN:
        return _return(actor, task, units=units, unused=unused, **words)
    return _check(
        actor,
        task,
        units=units,
        defects=handover_terms._listed(defects, "defects", "reason", materials_module.MAX_DEFECT_REASONS),
        **words,
    )


@transaction.atomic
def _issue(actor, task: Task, *, units, parts: list, point: str, note: str) -> Handover:
    now = timezone.now()
    claim = locks.lock_one(
        Claim.objects.select_related("project", "task").filter(task_id=task.pk, status=ClaimStatus.ACTIVE)
    )
    if claim is None or (claim.expires_at <= now and not materials_module.holds_materials(claim.task)):
        raise HandoverNoClaim()
    held = materials_module.claim_materials(claim)
    room = task.units - held.issued
    if room <= 0:
        raise HandoverTooMany(
            _("All the materials of this batch (%(units)s pieces) are already issued to her.") % {"units": task.units},
            details={"units": task.units, "issued": held.issued},
        )
    units = _bounded_int(units, "units", low=1, high=room)
    handover = Handover.objects.create(
        task=task,
        project=claim.project,
        claim=claim,
        worker_id=claim.worker_id,
        kind=HandoverKind.ISSUE,
        units=units,
        parts=parts,
        point=point or claim.project.pickup_point,
        note=note,
        recorded_by=actor,
        recorded_at=now,
    )
    if claim.materials_issued_at is None:
        locks.lock_update(Claim.objects.filter(pk=claim.pk), materials_issued_at=now)
    # Hers until the materials come back: no deadline gives the batch to someone else meanwhile.
    locks.lock_update(Task.objects.filter(pk=task.pk, status=TaskStatus.CLAIMED), claim_expires_at=None, updated_at=now)
    text = _(
        "Recorded: you took the materials for %(units)s pieces of “%(title)s” at %(point)s. Please bring the "
        "finished pieces back by %(due)s."
    ) % {
        "units": units,
        "title": claim.project.title,
        "point": handover.point or "—",
        "due": timezone.localtime(claim.expires_at).strftime("%m-%d %H:%M"),
    }
    _recorded(handover, claim, holding=held.holding + units, text=text)
    return handover


@transaction.atomic
def _return(actor, task: Task, *, units, unused, point: str, note: str) -> Handover:
    now = timezone.now()
    # Her hand-in before her claim (core.locks): the phone's hand-in of the same batch waits here.
    pending = locks.lock_one(Submission.objects.filter(task_id=task.pk, status=SubmissionStatus.PENDING))
    claim = locks.lock_one(_holder(task))
    if claim is None:
        raise HandoverNoClaim()
    held = materials_module.claim_materials(claim)
    if held.holding <= 0:
        raise HandoverNothingHeld()
    units = _bounded_int(units, "units", low=0, high=handover_terms.MAX_COUNT)
    unused = _bounded_int(unused or 0, "unused", low=0, high=handover_terms.MAX_COUNT)
    if units + unused > held.holding:
        raise HandoverMoreThanHeld(
            _(
                "She holds materials for %(holding)s pieces: the finished pieces and the unused kit she brings "
                "back cannot be more than that."
            )
            % {"holding": held.holding},
            details={"holding": held.holding, "field": "units"},
        )
    submission = pending if pending is not None and pending.claim_id == claim.pk else None
    if claim.status not in LIVE_CLAIM_STATUSES:
        pass  # her work was decided already (reviewed before the pieces came): the materials come back, that is all
    elif submission is None and units:
        # Her hand-in, made at the counter: the pieces counted there are what she handed in.
        submission = submissions._claim_submit(
            worker=claim.worker,
            claim_id=claim.pk,
            text=None,
            completed_units=units,
            labels=None,
            prepared=[],
            written=[],
            after_submission_id=None,
        )
    elif submission is not None and units and submission.submitted_units != units:
        # She said one count on her phone; the pieces on the counter are another: they are what is checked.
        Submission.objects.filter(pk=submission.pk).update(submitted_units=units)
        audit_record(
            actor=actor,
            action="submission.count_received",
            target=submission,
            company_id=claim.project.company_id,
            said=submission.submitted_units,
            received=units,
        )
    elif submission is None:
        # Nothing made, the kit back: the batch goes back to the hall, no mark on her.
        claims_module._release(
            claims=[claim], worker=claim.worker, now=now, kind=ReleaseKind.FREE, reason=_("materials returned unused")
        )
    handover = Handover.objects.create(
        task=task,
        project=claim.project,
        claim=claim,
        worker_id=claim.worker_id,
        kind=HandoverKind.RETURN,
        units=units,
        unused=unused,
        missing=held.holding - units - unused,
        point=point or claim.project.dropoff_point,
        note=note,
        submission=submission,
        recorded_by=actor,
        recorded_at=now,
    )
    words = {"units": units, "title": claim.project.title, "point": handover.point or "—"}
    if claim.status not in LIVE_CLAIM_STATUSES:
        text = _("Recorded at %(point)s: what you held of “%(title)s” came back. Thank you!")
    elif submission is not None:
        text = _(
            "Recorded at %(point)s: %(units)s finished pieces of “%(title)s” came back. You are paid for the pieces "
            "that pass the quality check."
        )
    else:
        text = _("Recorded at %(point)s: the materials of “%(title)s” came back unused. No harm done.")
    _recorded(handover, claim, holding=0, text=text % words)
    return handover


def _holder(task: Task):
    """Who holds the batch: its live claim, else the newest claim materials were issued to (her work can be
    decided, on her phone's hand-in, before the kit comes back)."""
    claims = Claim.objects.select_related("project__company", "task", "worker", "slot").filter(task_id=task.pk)
    live = claims.filter(status__in=LIVE_CLAIM_STATUSES)
    if live.exists():
        return live
    issued = Handover.objects.filter(task_id=task.pk, kind=HandoverKind.ISSUE).order_by("-claim_id")
    return claims.filter(pk__in=issued.values("claim_id")[:1])


@transaction.atomic
def _check(actor, task: Task, *, units, defects: list, point: str, note: str) -> Handover:
    # Her hand-in first (core.locks): the review below takes it again, then her claim and the task.
    submission = locks.lock_one(Submission.objects.filter(task_id=task.pk, status=SubmissionStatus.PENDING))
    returned = (
        Handover.objects.filter(submission=submission, kind=HandoverKind.RETURN).order_by("-pk").first()
        if submission is not None
        else None
    )
    if returned is None:
        raise HandoverNothingToCheck()
    accepted = _bounded_int(units, "units", low=0, high=returned.units)
    defective = sum(defect["count"] for defect in defects)
    if accepted + defective != returned.units:
        raise HandoverCountMismatch(
            _(
                "%(returned)s pieces came back: the pieces accepted (%(accepted)s) and the defective ones "
                "(%(defective)s) must add up to that."
            )
            % {"returned": returned.units, "accepted": accepted, "defective": defective},
            details={"returned": returned.units, "field": "defects"},
        )
    if accepted and accepted == returned.units:
        decision = Decision.ACCEPT
    elif accepted:
        decision = Decision.PARTIAL
    else:
        decision = Decision.REJECT
    review = reviews.submission_review(
        actor=actor,
        submission_id=submission.pk,
        decision=decision,
        accepted_units=accepted if decision == Decision.PARTIAL else None,
        reason=handover_terms._qc_reason(accepted=accepted, returned=returned.units, defects=defects, note=note),
    )
    claim = review.submission.claim
    handover = Handover.objects.create(
        task=task,
        project=task.project,
        claim=claim,
        worker_id=claim.worker_id,
        kind=HandoverKind.QC,
        units=accepted,
        defects=defects,
        point=point or returned.point,
        note=note,
        submission=submission,
        review=review,
        recorded_by=actor,
        recorded_at=review.decided_at,
    )
    # The review told her the result; the event tells the counter's other screens.
    _recorded(handover, claim, holding=materials_module.claim_materials(claim).holding, text=None)
    return handover


def _recorded(handover: Handover, claim: Claim, *, holding: int, text: str | None) -> None:
    audit_record(
        actor=handover.recorded_by,
        action=f"handover.{handover.kind}",
        target=handover,
        company_id=claim.project.company_id,
        task=handover.task_id,
        units=handover.units,
        unused=handover.unused,
        missing=handover.missing,
    )
    if text is not None:
        notice_send(
            user_id=claim.worker_id,
            kind=NoticeKind.HANDOVER,
            key=f"handover:{handover.pk}",
            text=text,
            data={"claim": claim.pk, "task": handover.task_id, "project": claim.project_id, "handover": handover.pk},
        )
    publish(
        events.handover_recorded(
            handover=handover.pk,
            kind=handover.kind,
            project=claim.project_id,
            task=handover.task_id,
            claim=claim.pk,
            units=handover.units,
            holding=holding,
        ),
        groups=[company_staff_group(claim.project.company_id), worker_group(claim.worker_id)],
    )


def returns_overdue_remind() -> int:
    """Tell each mother whose deadline passed while she holds materials, once, kindly: bring them back
    when she can. No mark and no deduction: the batch simply stays hers until it is back."""
    now = timezone.now()
    out = (
        Handover.objects.filter(claim=OuterRef("pk"), kind=HandoverKind.ISSUE)
        .order_by()
        .values("claim")
        .annotate(n=Sum("units"))
        .values("n")
    )
    back = (
        Handover.objects.filter(claim=OuterRef("pk"), kind=HandoverKind.RETURN)
        .order_by()
        .values("claim")
        .annotate(n=Sum(F("units") + F("unused") + F("missing")))
        .values("n")
    )
    due = (
        Claim.objects.filter(
            status__in=LIVE_CLAIM_STATUSES,
            project__kind=Kind.ASSEMBLY,
            expires_at__lte=now,
            materials_issued_at__isnull=False,
            return_reminded_at__isnull=True,
        )
        .annotate(held=Coalesce(Subquery(out), 0) - Coalesce(Subquery(back), 0))
        .filter(held__gt=0)
        .select_related("project")
        .order_by("expires_at")[:BATCH]
    )
    sent = 0
    for claim in list(due):
        with transaction.atomic():
            if not locks.lock_update(
                Claim.objects.filter(pk=claim.pk, return_reminded_at__isnull=True), return_reminded_at=now
            ):
                continue
            with translation.override(settings.LANGUAGE_CODE):
                notice_send(
                    user_id=claim.worker_id,
                    kind=NoticeKind.RETURN_OVERDUE,
                    key=f"return-overdue:{claim.pk}",
                    text=_(
                        "“%(title)s”: the materials for %(held)s pieces are due back (drop-off: %(point)s). Nothing "
                        "is deducted and nothing counts against you: bring them when you can, or tell your "
                        "supervisor if something is in the way."
                    )
                    % {"title": claim.project.title, "held": claim.held, "point": claim.project.dropoff_point or "—"},
                    data={"claim": claim.pk, "task": claim.task_id, "project": claim.project_id},
                )
            sent += 1
    return sent
