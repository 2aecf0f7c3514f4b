"""Hand-ins: the work of a live claim, with its photos (all or nothing)."""

import datetime

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import User
from core import locks
from core.errors import Invalid
from realtime import events
from realtime.groups import company_staff_group, worker_group
from realtime.publish import publish
from tasks import photos as photos_module
from tasks.errors import InvalidLabels, LabelsRequired, PhotosNotExpected, TextRequired
from tasks.models import Claim, ClaimStatus, Kind, Project, Submission, SubmissionPhoto, Task, TaskStatus
from tasks.services._common import _bounded_int, _locked_claim, _require_live

MAX_TEXT_CHARS = 20000


def claim_submit(
    *,
    worker: User,
    claim_id: int,
    text: str | None = None,
    completed_units: int | None = None,
    labels: dict[str, str] | None = None,
    photos: list[UploadedFile] | None = None,
) -> Submission:
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
        raise PhotosNotExpected()
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
        events.submission_created(
            project=project.pk,
            task=task.pk,
            claim=claim.pk,
            submission=submission.pk,
            units=submission.submitted_units,
        ),
        groups=[company_staff_group(project.company_id), worker_group(worker.pk)],
    )
    return submission


def _submission_content(*, project: Project, task: Task, text, completed_units, labels) -> dict:
    if project.kind == Kind.COPYWRITING:
        if not isinstance(text, str) or not text.strip():
            raise TextRequired()
        if len(text) > MAX_TEXT_CHARS:
            raise Invalid(_("The text is longer than %(max)s characters.") % {"max": MAX_TEXT_CHARS})
        return {"text": text.strip(), "submitted_units": task.units}
    if project.kind == Kind.ASSEMBLY:
        units = _bounded_int(completed_units, "completed_units", low=1, high=task.units)
        return {"submitted_units": units}
    if not isinstance(labels, dict) or not labels:
        raise LabelsRequired()
    item_ids = {str(i) for i in task.items.values_list("pk", flat=True)}
    given = {str(k): v for k, v in labels.items()}
    missing = sorted(item_ids - set(given), key=int)
    unknown = sorted(set(given) - item_ids)
    bad = sorted((k for k, v in given.items() if k in item_ids and v not in project.label_set), key=int)
    if missing or unknown or bad:
        raise InvalidLabels(
            details={"missing": missing[:50], "unknown": unknown[:50], "invalid_label": bad[:50]},
        )
    return {"labels": given, "submitted_units": len(item_ids)}
