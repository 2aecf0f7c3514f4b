"""Splitting an order into tasks: the preview, the write, and the work of the background split of
a large labelling file (``split_job_run``; the request that queues it is ``split_requests``). The parsing and the rules of a split are ``tasks.splitting`` (pure, no database)."""

import logging
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import User
from core.errors import DomainError, NotFound, WrongState
from ledger.money import fen_for_units, format_fen
from realtime import events
from realtime.groups import project_group
from realtime.publish import publish
from tasks import splitting, writing
from tasks.errors import FileRequired, SplitStateChanged
from tasks.models import Kind, LabelItem, Project, ProjectStatus, SplitJob, SplitStatus, Task
from tasks.selectors import split_state
from tasks.services._common import _locked_project, _next_numbered, _publish_progress, _require_supervising
from tasks.services.projects import project_update

logger = logging.getLogger(__name__)


@transaction.atomic
def project_split(
    *,
    actor: User,
    project_id: int,
    max_tasks: int | None = None,
    expected_state: list[int] | None = None,
    label_set: list[str] | None = None,
    **request: Any,
) -> list[Task]:
    """Make tasks from an order; all or nothing. ``expected_state``: the project's
    ``selectors.split_state`` when the order was previewed — if it changed since (this preview was
    confirmed already, or another split came in between) ``SplitStateChanged`` and nothing is made.
    ``label_set``: the project's labels for these tasks, changed with them (a split that fails
    leaves the label set as it was)."""
    project = _locked_split_project(actor, project_id, expected_state=expected_state, label_set=label_set)
    specs = _split_specs(project, max_tasks=max_tasks or settings.HOMESLOT_SPLIT_MAX_TASKS, request=request)
    if project.kind == Kind.LABELLING:
        _keep_quality_terms(project, request)
    return _split_write(actor, project, specs)


def _locked_split_project(
    actor: User, project_id: int, *, expected_state: list[int] | None, label_set: list[str] | None
) -> Project:
    """The project, locked (one split of a project at a time, so a second confirm of the same
    preview waits and then finds the first one's tasks), as the order expects it, with its labels."""
    project = _locked_project(actor, project_id)
    if expected_state is not None and split_state(project) != list(expected_state):
        raise SplitStateChanged()
    if label_set is not None and label_set != project.label_set:
        project = project_update(actor=actor, project_id=project.pk, changes={"label_set": label_set})
    return project


def split_preview(*, actor: User, project_id: int, **request: Any) -> dict:
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
    split by a background job (``split_requests.split_request``); the other kinds are split at once."""
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
        terms = writing.length_terms(
            min_chars=request.get("min_chars"), max_chars=request.get("max_chars"), keywords=request.get("keywords")
        )
        specs = splitting.split_copywriting(briefs=request.get("briefs"), max_tasks=max_tasks, terms=terms)
    else:
        upload = request.get("file")
        if upload is None:
            raise FileRequired()
        if upload.size > splitting.MAX_FILE_BYTES:
            raise splitting.TooLarge(_("The file is larger than 10 MB. Please split it into smaller files."))
        specs = splitting.split_labelling(
            raw=upload.read(),
            filename=upload.name,
            items_per_task=request.get("items_per_task"),
            text_field=request.get("text_field") or "text",
            max_tasks=max_tasks,
            gold_field=request.get("gold_field") or None,
            label_set=project.label_set,
            **_quality_terms(project, request),
        )
    return specs


def _quality_terms(project: Project, request: dict) -> dict:
    """The overlap and gold rate of a labelling split: as asked, else the project's (its gold rate
    only when the split names a gold column). Checked by ``splitting.split_labelling``."""
    overlap = request.get("overlap")
    gold_rate = request.get("gold_rate")
    if gold_rate is None and request.get("gold_field"):
        gold_rate = project.gold_rate
    return {"overlap": project.overlap if overlap is None else overlap, "gold_rate": gold_rate}


def _keep_quality_terms(project: Project, request: dict) -> None:
    """The project remembers the terms of its last labelling split (checked by then)."""
    terms = _quality_terms(project, request)
    changes = {"overlap": int(terms["overlap"])}
    if request.get("gold_field") and terms["gold_rate"] not in (None, ""):
        changes["gold_rate"] = int(terms["gold_rate"])
    if any(getattr(project, name) != value for name, value in changes.items()):
        Project.objects.filter(pk=project.pk).update(**changes)
        for name, value in changes.items():
            setattr(project, name, value)


def _split_write(actor, project: Project, specs: list) -> list[Task]:
    # A labelling chunk's group is new in the project (its copies share it; a mother takes one of them).
    groups = (project.tasks.aggregate(g=Max("item_group"))["g"] or 0) + 1
    first, tasks = _numbered_tasks(project, specs, groups)
    _write_items(tasks, specs)
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
            events.task_opened(project=project.pk, tasks=[t.pk for t in tasks[:500]], count=len(tasks)),
            groups=[project_group(project.pk)],
        )
    _publish_progress(project)
    return tasks


def _write_items(tasks: list[Task], specs: list) -> None:
    """The tasks' items: each source item's first copy first (its id known), then its other copies
    (overlap copies, a gold item mixed into other tasks), each pointing at the first."""
    firsts, copies = [], []
    seen: set = set()
    for task, spec in zip(tasks, specs, strict=True):
        for pos, item in enumerate(spec.items, start=1):
            row = LabelItem(
                task=task,
                position=pos,
                source_line=item["line"],
                text=item["text"],
                payload=item["payload"],
                expected_label=item.get("expected", ""),
            )
            key = item.get("key", (task.pk, pos))
            (copies if key in seen else firsts).append((key, row))
            seen.add(key)
    LabelItem.objects.bulk_create([row for _key, row in firsts], batch_size=2000)
    first_of = {key: row.pk for key, row in firsts}
    for key, row in copies:
        row.origin_id = first_of[key]
    LabelItem.objects.bulk_create([row for _key, row in copies], batch_size=2000)


def _numbered_tasks(project: Project, specs: list, groups: int) -> tuple[int, list[Task]]:
    """The tasks written with the project's next numbers (``_next_numbered``), and the first."""

    def create(first: int) -> tuple[int, list[Task]]:
        tasks = [
            Task(
                project=project,
                number=first + i,
                brief=spec.brief,
                units=spec.units,
                item_group=None if spec.group is None else groups + spec.group,
                **spec.terms,
            )
            for i, spec in enumerate(specs)
        ]
        return first, Task.objects.bulk_create(tasks)

    return _next_numbered(project.pk, create)


def split_job_run(*, job_id: str) -> SplitJob | None:
    """The job's work: split the kept file into tasks and mark the job done in one transaction,
    or record the error (with its line) and create nothing. A finished job is left alone."""
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
                gold_field=job.gold_field or None,
                gold_rate=job.gold_rate,
                overlap=job.overlap,
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
