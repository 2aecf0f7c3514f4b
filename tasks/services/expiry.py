"""Claims that ran out: marked expired (by the expiry job or by the claim that noticed first), the
task back in the hall, her place in the slot given back, and a kind notice."""

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from core import locks
from notices.models import NoticeKind
from notices.services import notice_send
from realtime import events
from realtime.groups import project_group, worker_group
from realtime.publish import publish
from tasks.handovers import holds_materials
from tasks.models import Claim, ClaimStatus, Project, ProjectStatus, Task, TaskStatus, TimeSlot
from tasks.services._common import _publish_progress


def claim_expire(*, task_id: int) -> bool:
    """The expiry job's step for one task: mark its claim that ran out expired, put the task back
    in the hall (live for everyone), and tell her kindly. Idempotent; False when nothing was due."""
    with transaction.atomic():
        now = timezone.now()
        # Claim rows before the task row (core.locks): a hand-in at the last second finishes
        # first (and its claim is then not expired), and a claim of the same task waits here.
        locks.lock(Claim.objects.filter(task_id=task_id, status=ClaimStatus.ACTIVE))
        task = locks.lock_one(Task.objects.select_related("project").filter(pk=task_id))
        if task is None or holds_materials(task):  # hers until the materials are back (tasks.handovers)
            return False
        expired = _expire_claims_of(task=task, project=task.project, now=now)
        if task.status == TaskStatus.CLAIMED and task.claim_expires_at is not None and task.claim_expires_at <= now:
            Task.objects.filter(pk=task.pk).update(status=TaskStatus.OPEN, claim_expires_at=None, updated_at=now)
            if task.project.status == ProjectStatus.PUBLISHED:
                publish(
                    events.task_opened(project=task.project_id, tasks=[task.pk], count=1),
                    groups=[project_group(task.project_id)],
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
        publish(events.claim_expired(claim=claim_id, task=task.pk), groups=[worker_group(worker_id)])
        # In the platform's language: she is not the one whose request noticed it.
        with translation.override(settings.LANGUAGE_CODE):
            notice_send(
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
