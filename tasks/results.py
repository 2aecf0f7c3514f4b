"""What a project's work gave back, for its company's staff: the rows of ``GET
/api/v1/projects/{id}/results``, one shape per kind of work. Only accepted work by default
(``state="all"``: every decided hand-in). The mothers are named by a pseudonym stable within the
company (the same mother, the same id), never by name or phone. Gold items (known answers, there to
check the work) are never results.

- copywriting: a row per decided brief — the task, the brief, the text, the decision, when;
- labelling: a row per source item (its first copy) — its line in the upload, its original record, the
  label (the majority of the accepted labels its copies were given; a tie: none, ``tie`` true, for a
  reviewer to settle), how many accepted labels it has, their agreement (the share equal to the
  majority; one label: 1.0), and the ``history`` of every copy handed in and decided;
- assembly: a row per batch — pieces issued, returned (handed in), accepted, defective and why.

Reads a page at a time (``rows_for(project, page)``, the page a queryset slice): flat memory whatever
the project's size."""

import collections
import functools

from django.conf import settings
from django.db.models import BooleanField, Exists, Func, OuterRef, Q
from django.utils.crypto import salted_hmac

from tasks.handovers import Materials, materials_of
from tasks.models import (
    Handover,
    HandoverKind,
    Kind,
    LabelItem,
    Project,
    Submission,
    SubmissionStatus,
    Task,
    TaskStatus,
)

STATES = ("accepted", "all")
# The keys of a row, in order, per kind: what the JSON rows carry and the columns of an export.
COLUMNS = {
    Kind.COPYWRITING: ("task", "brief", "status", "text", "mother", "decided_at"),
    Kind.LABELLING: (
        "task",
        "line",
        "text",
        "record",
        "status",
        "label",
        "labels_given",
        "agreement",
        "mother",
        "decided_at",
        "tie",
        "history",
    ),
    Kind.ASSEMBLY: (
        "task",
        "status",
        "units_issued",
        "units_returned",
        "units_accepted",
        "units_defective",
        "defect_reason",
        "mother",
        "decided_at",
        "defects",
        "units_unused",
        "units_missing",
    ),
}
_ACCEPTED_TASKS = (TaskStatus.ACCEPTED, TaskStatus.PARTIALLY_ACCEPTED)
_DECIDED = (SubmissionStatus.ACCEPTED, SubmissionStatus.PARTIALLY_ACCEPTED, SubmissionStatus.REJECTED)
_ACCEPTED_SUBMISSIONS = (SubmissionStatus.ACCEPTED, SubmissionStatus.PARTIALLY_ACCEPTED)


def pseudonym(*, company_id: int, worker_id: int) -> str:
    """The same mother, the same id in one company's results; no way back to her from it."""
    return _pseudonym(settings.SECRET_KEY, company_id, worker_id)


@functools.lru_cache(maxsize=4096)
def _pseudonym(secret: str, company_id: int, worker_id: int) -> str:
    # Computed once per mother, not once per row of a file (the HMAC was a sixth of an export's time);
    # keyed by the secret too, so a new SECRET_KEY never answers an old pseudonym.
    return "M" + salted_hmac("homeslot.results", f"{company_id}:{worker_id}", secret=secret).hexdigest()[:10]


def source(project: Project, *, state: str = "accepted"):
    """What the results are paged over: the tasks (copywriting, assembly) or the items (labelling)."""
    tasks = Task.objects.filter(project=project)
    tasks = (
        tasks.filter(status__in=_ACCEPTED_TASKS)
        if state == "accepted"
        else tasks.exclude(status__in=(TaskStatus.OPEN, TaskStatus.CLAIMED, TaskStatus.SUBMITTED))
    )
    if project.kind == Kind.LABELLING:
        return labelling_source(project, state=state)
    return tasks.order_by("number")


class InJSONList(Func):
    """True when the id (the second expression) is in the JSON list of ids (the first):
    ``Review.rejected_items``. PostgreSQL: jsonb containment; SQLite: ``json_each``."""

    output_field = BooleanField()
    arity = 2

    def as_sql(self, compiler, connection, **extra):
        raise NotImplementedError(f"InJSONList on {connection.vendor}")

    def _compiled(self, compiler):
        (items, items_params), (key, key_params) = (compiler.compile(e) for e in self.get_source_expressions())
        return items, key, (*items_params, *key_params)

    def as_postgresql(self, compiler, connection, **extra):
        items, key, params = self._compiled(compiler)
        return f"COALESCE({items} @> to_jsonb({key}), false)", params

    def as_sqlite(self, compiler, connection, **extra):
        items, key, params = self._compiled(compiler)
        return f"EXISTS (SELECT 1 FROM json_each({items}) WHERE json_each.value = {key})", params


def accepted_submission(copy_ref: str = "pk", task_ref: str = "task_id") -> Exists:
    """On a LabelItem queryset: the copy's label was accepted — its task's decided hand-in is
    accepted, or partly accepted without this copy among the review's ``rejected_items``."""
    return Exists(
        Submission.objects.filter(task_id=OuterRef(task_ref), status__in=_ACCEPTED_SUBMISSIONS).filter(
            Q(status=SubmissionStatus.ACCEPTED) | ~Q(InJSONList("review__rejected_items", OuterRef(copy_ref)))
        )
    )


def labelling_source(project: Project, *, state: str = "accepted"):
    """The first copies of the project's source items (never gold): with an accepted label in any
    of their copies (``state="accepted"``), or a decided hand-in of any of them (``"all"``)."""
    copies = LabelItem.objects.filter(Q(pk=OuterRef("pk")) | Q(origin_id=OuterRef("pk")))
    if state == "accepted":
        wanted = copies.filter(accepted_submission())
    else:
        wanted = copies.filter(Exists(Submission.objects.filter(task_id=OuterRef("task_id"), status__in=_DECIDED)))
    return (
        LabelItem.objects.filter(task__project=project, origin__isnull=True, expected_label="")
        .filter(Exists(wanted))
        .select_related("task")
        .order_by("task__number", "position")
    )


def rows_for(project: Project, page) -> list[dict]:
    """The result rows of one page of ``source(project)``: a bounded number of queries per page."""
    page = list(page)
    if project.kind == Kind.LABELLING:
        return _label_rows(project, page)
    finals = _finals({task.pk for task in page})
    if project.kind == Kind.COPYWRITING:
        return [_copy_row(project, task, finals.get(task.pk)) for task in page]
    handed = collections.defaultdict(list)
    for handover in Handover.objects.filter(task_id__in=[task.pk for task in page], submission__in=finals.values()):
        handed[handover.task_id].append(handover)
    issued = collections.defaultdict(list)
    claims = {submission.claim_id for submission in finals.values()}
    for handover in Handover.objects.filter(claim_id__in=claims, kind=HandoverKind.ISSUE):
        issued[handover.task_id].append(handover)
    return [
        _assembly_row(project, task, finals.get(task.pk), materials_of(issued[task.pk] + handed[task.pk]))
        for task in page
    ]


def _finals(task_ids) -> dict:
    """Each task's decided hand-in (a decided hand-in is its task's last: one per task), with its review."""
    return {
        submission.task_id: submission
        for submission in Submission.objects.filter(task_id__in=task_ids, status__in=_DECIDED)
        .select_related("review")
        .order_by("task_id", "pk")
    }


def _decided(project: Project, submission) -> dict:
    if submission is None:
        return {"mother": None, "decided_at": None}
    review = getattr(submission, "review", None)
    return {
        "mother": pseudonym(company_id=project.company_id, worker_id=submission.worker_id),
        "decided_at": review.decided_at.isoformat() if review else None,
    }


def _copy_row(project: Project, task: Task, submission) -> dict:
    return {
        "task": task.number,
        "brief": task.brief,
        "status": task.status,
        "text": submission.text if submission else "",
        **_decided(project, submission),
    }


def _assembly_row(project: Project, task: Task, submission, materials: Materials) -> dict:
    """A batch: from its hand-overs (tasks.handovers) when they were recorded — the materials issued to the
    mother whose hand-in was decided, the pieces returned, unused and missing, the defects by reason of
    its quality check; else from her hand-in (issued: the batch; returned: the pieces she handed in)."""
    returned = submission.submitted_units if submission else 0
    review = getattr(submission, "review", None) if submission else None
    defects = max(returned - task.accepted_units, 0)
    by_reason = {d["reason"]: d["count"] for d in (materials.as_dict()["defects"] if materials.checks else [])}
    return {
        "task": task.number,
        "status": task.status,
        "units_issued": materials.issued or task.units,
        "units_returned": returned,
        "units_accepted": task.accepted_units,
        "units_defective": defects,
        "defect_reason": review.reason if review and defects else "",
        **_decided(project, submission),
        "defects": by_reason,
        "units_unused": materials.unused,
        "units_missing": materials.missing,
    }


def label_accepted(*, status: str, rejected_items, item_id: int) -> bool:
    """A label of a decided hand-in counts: the hand-in was accepted, or partly accepted without this
    item among the review's ``rejected_items`` (``accepted_submission`` is the same rule in SQL)."""
    if status == SubmissionStatus.ACCEPTED:
        return True
    return status == SubmissionStatus.PARTIALLY_ACCEPTED and item_id not in (rejected_items or ())


def copy_verdicts(copies, finals: dict) -> list[dict]:
    """Per copy handed in and decided: who, the label, whether it was accepted, its round, when."""
    verdicts = []
    for copy in copies:
        submission = finals.get(copy.task_id)
        label = (submission.labels or {}).get(str(copy.pk)) if submission else None
        if label is None:
            continue
        review = getattr(submission, "review", None)
        accepted = label_accepted(
            status=submission.status, rejected_items=review.rejected_items if review else None, item_id=copy.pk
        )
        verdicts.append(
            {
                "worker_id": submission.worker_id,
                "label": label,
                "accepted": accepted,
                "round": copy.round,
                "decided_at": review.decided_at if review else None,
            }
        )
    return verdicts


def majority(labels: list) -> dict:
    """The majority of accepted labels: ``label`` (None on a tie or without labels), ``tie``,
    ``labels_given``, ``agreement`` (the share equal to the most given label; None without labels)."""
    counts = collections.Counter(labels).most_common()
    if not counts:
        return {"label": None, "labels_given": 0, "agreement": None, "tie": False}
    tie = len(counts) > 1 and counts[0][1] == counts[1][1]
    return {
        "label": None if tie else counts[0][0],
        "labels_given": len(labels),
        "agreement": round(counts[0][1] / len(labels), 4),
        "tie": tie,
    }


def _label_rows(project: Project, page: list[LabelItem]) -> list[dict]:
    ids = [item.pk for item in page]
    copies = collections.defaultdict(list)
    for copy in LabelItem.objects.filter(Q(pk__in=ids) | Q(origin_id__in=ids)).order_by("pk"):
        copies[copy.origin_id or copy.pk].append(copy)
    finals = _finals({copy.task_id for group in copies.values() for copy in group})
    return [_label_row(project, item, copies[item.pk], finals) for item in page]


def _label_row(project: Project, item: LabelItem, copies: list, finals: dict) -> dict:
    verdicts = sorted(
        copy_verdicts(copies, finals), key=lambda v: (v["decided_at"] is None, v["decided_at"] or 0, v["round"])
    )
    outcome = majority([v["label"] for v in verdicts if v["accepted"]])
    return {
        "task": item.task.number,
        "line": item.source_line,
        "text": item.text,
        "record": item.payload,
        "status": item.task.status,
        "label": outcome["label"],
        "labels_given": outcome["labels_given"],
        "agreement": outcome["agreement"],
        **_decided(project, finals.get(item.task_id)),
        "tie": outcome["tie"],
        "history": [
            {
                "mother": pseudonym(company_id=project.company_id, worker_id=v["worker_id"]),
                "label": v["label"],
                "accepted": v["accepted"],
                "round": v["round"],
                "decided_at": v["decided_at"].isoformat() if v["decided_at"] else None,
            }
            for v in verdicts
        ],
    }
