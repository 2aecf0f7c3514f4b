"""A large labelling file, kept and split in the background: the request that queues
``tasks.jobs.split_run`` (whose work is ``splitting.split_job_run``).

Beside ``tasks.services``, not in it: this module sits above ``tasks.jobs`` (it queues the job)
and the services below it (the jobs call them), so there is no import circle.
"""

from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import User
from core.errors import WrongState
from tasks import splitting
from tasks.errors import InvalidSplit
from tasks.jobs import split_run
from tasks.models import Kind, ProjectStatus, SplitJob
from tasks.services._common import _bounded_int
from tasks.services.splitting import _locked_split_project
from tasks.splitting import MAX_GOLD_RATE, MAX_OVERLAP


@transaction.atomic
def split_request(
    *,
    actor: User,
    project_id: int,
    upload: UploadedFile,
    items_per_task: int,
    text_field: str = "text",
    gold_field: str | None = None,
    gold_rate: int | None = None,
    overlap: int | None = None,
    expected_state: list[int] | None = None,
    label_set: list[str] | None = None,
) -> SplitJob:
    """Keep a large labelling file and split it in the background (``tasks.jobs.split_run``).
    ``expected_state`` and ``label_set`` as for ``project_split``; ``gold_rate`` and ``overlap`` are
    checked now (``splitting.split_labelling`` checks them again when the job splits)."""
    project = _locked_split_project(actor, project_id, expected_state=expected_state, label_set=label_set)
    if project.status == ProjectStatus.CLOSED:
        raise WrongState(_("A closed project cannot get new tasks."))
    if project.kind != Kind.LABELLING:
        raise InvalidSplit(_("Only a labelling project is split from a file."))
    if upload.size > splitting.MAX_FILE_BYTES:
        raise splitting.TooLarge(_("The file is larger than 10 MB. Please split it into smaller files."))
    per = _bounded_int(items_per_task, "items_per_task", low=1, high=10_000)
    job = SplitJob(project=project, requested_by=actor, filename=(upload.name or "")[:200], items_per_task=per)
    job.text_field = (text_field or "text")[:64]
    job.gold_field = (gold_field or "")[:64]
    job.gold_rate = None if gold_rate is None else _bounded_int(gold_rate, "gold_rate", low=0, high=MAX_GOLD_RATE)
    job.overlap = None if overlap is None else _bounded_int(overlap, "overlap", low=1, high=MAX_OVERLAP)
    if job.gold_rate and not job.gold_field:
        raise InvalidSplit(
            _("Gold items need the column of their known answers (gold_field)."), details={"field": "gold_field"}
        )
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
