"""What the assembly hand-overs of a claim add up to (tasks.models.handovers): the pieces' worth of
materials issued to her, the pieces she returned, the kit she brought back unused, what she held and
did not bring, the pieces accepted and defective by reason, and what she holds now (and so owes).

While she holds materials her claim stays hers: the task's ``claim_expires_at`` is null, so no
deadline hands the batch (and its kit, in her home) to another mother; past her deadline she is told,
never penalised (``tasks.services.handovers.returns_overdue_remind``)."""

import collections
from dataclasses import dataclass, field

from django.db.models import Q

from tasks.models import Handover, HandoverKind, Task, TaskStatus

# Claims whose task waits for its materials to come back (see the module's note).
HELD_CLAIM = Q(task__status=TaskStatus.CLAIMED, task__claim_expires_at__isnull=True)
MAX_PARTS = 20
MAX_DEFECT_REASONS = 10
MAX_NAME = 60


def holds_materials(task: Task) -> bool:
    return task.status == TaskStatus.CLAIMED and task.claim_expires_at is None


@dataclass
class Materials:
    """A claim's hand-overs added up. ``defects``: reason → pieces, over its quality checks."""

    issued: int = 0
    returned: int = 0
    unused: int = 0
    missing: int = 0
    accepted: int = 0
    defective: int = 0
    checks: int = 0
    defects: dict = field(default_factory=dict)
    last_point: str = ""

    @property
    def holding(self) -> int:
        return self.issued - self.returned - self.unused - self.missing

    @property
    def waiting_check(self) -> bool:
        """Pieces came back and have not been counted yet (the last return has no QC after it)."""
        return self.returns_since_check > 0

    returns_since_check: int = 0

    def as_dict(self) -> dict:
        return {
            "issued": self.issued,
            "returned": self.returned,
            "unused": self.unused,
            "missing": self.missing,
            "accepted": self.accepted,
            "defective": self.defective,
            "defects": [{"reason": reason, "count": count} for reason, count in self.defects.items()],
            "holding": self.holding,
        }


def materials_of(handovers) -> Materials:
    """Add up ``handovers`` (of one claim, or of every claim of a task for the results), in order."""
    total = Materials()
    defects: collections.Counter = collections.Counter()
    for handover in sorted(handovers, key=lambda h: (h.recorded_at, h.pk)):
        if handover.kind == HandoverKind.ISSUE:
            total.issued += handover.units
        elif handover.kind == HandoverKind.RETURN:
            total.returned += handover.units
            total.unused += handover.unused
            total.missing += handover.missing
            total.returns_since_check += 1
        else:
            total.accepted += handover.units
            for defect in handover.defects:
                defects[defect["reason"]] += defect["count"]
                total.defective += defect["count"]
            total.checks += 1
            total.returns_since_check = 0
        if handover.point:
            total.last_point = handover.point
    total.defects = dict(defects.most_common())
    return total


def claim_materials(claim) -> Materials:
    """The claim's hand-overs added up (its ``handovers`` prefetched, or read here; none read for a claim
    no materials were issued to)."""
    if claim.materials_issued_at is None:
        return Materials()
    return materials_of(claim.handovers.all())


def for_task(task_id: int):
    return (
        Handover.objects.filter(task_id=task_id)
        .select_related("recorded_by", "worker__worker_profile")
        .order_by("recorded_at", "pk")
    )
