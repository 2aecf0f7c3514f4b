"""Files built by a background job (a large ledger workbook, a large project's results): the row that
reports the job's progress (an abstract model each app extends with what its file covers), and the
bookkeeping of a run — counted, written page by page with its progress on the row, then ready with its
path or failed with the error. A finished job is left as it is, so a job run twice changes nothing."""

import os
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("being built")
    READY = "ready", _("ready")
    FAILED = "failed", _("failed")


class ExportJob(models.Model):
    """A file built by a background job: progress while it runs, then a download."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    format = models.CharField(_("format"), max_length=8, default="xlsx")
    status = models.CharField(_("status"), max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.CharField(_("file"), max_length=300, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]


def progress_percent(job: ExportJob) -> int:
    if job.status == ExportStatus.READY:
        return 100
    return 0 if not job.rows_total else min(99, 100 * job.rows_done // job.rows_total)


def export_build(model: type[ExportJob], job_id, *, count: Callable, write: Callable) -> ExportJob | None:
    """Run the job ``job_id`` of ``model`` unless it has finished: ``count(job)`` the rows it will write,
    then ``write(job, path, counted)`` writes them to ``path`` (MEDIA_ROOT/exports/<id>.<format>), passing
    its pages through ``counted`` (which records the progress), and returns the rows written. Returns the
    job as it ends (ready or failed: a failure is recorded on the row, then raised), None if finished."""
    job = model.objects.filter(pk=job_id, status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]).first()
    if job is None:
        return None
    rows = model.objects.filter(pk=job.pk)
    total = count(job)
    rows.update(status=ExportStatus.RUNNING, rows_total=total, rows_done=0)
    folder = Path(settings.MEDIA_ROOT) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{job.pk}.{job.format}"

    def counted(pages: Iterable[list]) -> Iterable[list]:
        done = 0
        for page in pages:
            yield page
            done += len(page)
            rows.update(rows_done=done)

    # Written beside its place, then moved there whole: a run that overlaps another (a retried job
    # picked up twice) never leaves the other a file cut short, nor serves one half written.
    part = path.with_name(f"{path.name}.{uuid.uuid4().hex}.part")
    try:
        written = write(job, str(part), counted)
        os.replace(part, path)
    except Exception as error:  # reported on the job's row; the job itself may be retried
        part.unlink(missing_ok=True)
        rows.update(status=ExportStatus.FAILED, error=str(error)[:300], finished_at=timezone.now())
        raise
    rows.update(status=ExportStatus.READY, file=str(path), rows_done=written, finished_at=timezone.now())
    return rows.get()
