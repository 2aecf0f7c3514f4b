"""What a project's work gave back, for its company's staff: the rows of ``GET
/api/v1/projects/{id}/results``, one shape per kind of work. Only accepted work by default
(``state="all"``: every decided hand-in). The mothers are named by a pseudonym stable within the
company (the same mother, the same id), never by name or phone. Gold items (known answers, there to
check the work) are never results.

- copywriting: a row per decided brief — the task, the brief, the text, the decision, when;
- labelling: a row per source item — its line in the upload, its original record, the label, how many
  labels it was given, their agreement (one label: 1.0);
- assembly: a row per batch — pieces issued, returned (handed in), accepted, defective and why.

Reads a page at a time (``rows_for(project, page)``, the page a queryset slice): flat memory whatever
the project's size."""

from django.utils.crypto import salted_hmac

from tasks.models import Kind, LabelItem, Project, Submission, SubmissionStatus, Task, TaskStatus

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
    ),
}
_ACCEPTED_TASKS = (TaskStatus.ACCEPTED, TaskStatus.PARTIALLY_ACCEPTED)
_DECIDED = (SubmissionStatus.ACCEPTED, SubmissionStatus.PARTIALLY_ACCEPTED, SubmissionStatus.REJECTED)


def pseudonym(*, company_id: int, worker_id: int) -> str:
    """The same mother, the same id in one company's results; no way back to her from it."""
    return "M" + salted_hmac("homeslot.results", f"{company_id}:{worker_id}").hexdigest()[:10]


def source(project: Project, *, state: str = "accepted"):
    """What the results are paged over: the tasks (copywriting, assembly) or the items (labelling)."""
    tasks = Task.objects.filter(project=project)
    tasks = (
        tasks.filter(status__in=_ACCEPTED_TASKS)
        if state == "accepted"
        else tasks.exclude(status__in=(TaskStatus.OPEN, TaskStatus.CLAIMED, TaskStatus.SUBMITTED))
    )
    if project.kind == Kind.LABELLING:
        return (
            LabelItem.objects.filter(task__in=tasks, expected_label="")
            .select_related("task")
            .order_by("task__number", "position")
        )
    return tasks.order_by("number")


def rows_for(project: Project, page) -> list[dict]:
    """The result rows of one page of ``source(project)``."""
    page = list(page)
    task_ids = {row.task_id if project.kind == Kind.LABELLING else row.pk for row in page}
    finals = {
        submission.task_id: submission
        for submission in Submission.objects.filter(task_id__in=task_ids, status__in=_DECIDED)
        .select_related("review")
        .order_by("task_id", "pk")
    }  # a decided hand-in is its task's last: one per task
    if project.kind == Kind.LABELLING:
        return [_label_row(project, item, finals.get(item.task_id)) for item in page]
    build = _copy_row if project.kind == Kind.COPYWRITING else _assembly_row
    return [build(project, task, finals.get(task.pk)) for task in page]


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


def _assembly_row(project: Project, task: Task, submission) -> dict:
    returned = submission.submitted_units if submission else 0
    review = getattr(submission, "review", None) if submission else None
    defects = max(returned - task.accepted_units, 0)
    return {
        "task": task.number,
        "status": task.status,
        "units_issued": task.units,
        "units_returned": returned,
        "units_accepted": task.accepted_units,
        "units_defective": defects,
        "defect_reason": review.reason if review and defects else "",
        **_decided(project, submission),
    }


def _label_row(project: Project, item: LabelItem, submission) -> dict:
    label = (submission.labels or {}).get(str(item.pk)) if submission else None
    return {
        "task": item.task.number,
        "line": item.source_line,
        "text": item.text,
        "record": item.payload,
        "status": item.task.status,
        "label": label,
        "labels_given": 1 if label is not None else 0,
        "agreement": 1.0 if label is not None else None,
        **_decided(project, submission),
    }
