"""Hand-ins: the work of a live claim, with its photos (all or nothing).

A hand-in is on a mother's loop (claim → hand in → result), so it says to the database only what
it must: the claim locked with all it needs (its task, project and company), the rows written, and
nothing read back — the submission it returns already holds what its answer shows (its photos,
no review yet)."""

import datetime

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import User
from core import locks
from core.batched_inserts import batched_inserts
from core.errors import Invalid
from realtime import events
from realtime.groups import company_staff_group, worker_group
from realtime.publish import publish
from tasks import photos as photos_module
from tasks import writing
from tasks.errors import InvalidLabels, LabelsRequired, PhotosNotExpected, SubmitRepeated, TextLength, TextRequired
from tasks.models import Claim, ClaimStatus, Kind, Project, Submission, SubmissionPhoto, Task, TaskStatus
from tasks.services import training_check
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
    after_submission_id: int | None = None,
) -> Submission:
    """Hand in the work of a live claim; assembly may carry up to 3 photos. All or nothing:
    a refused photo refuses the submission, and a rolled-back submission leaves no file.
    Photos are decoded and re-encoded before the claim is locked: that is the slow part.

    ``after_submission_id``: the newest hand-in of this claim the form she sent was drawn after
    (0: none; the pages send it). A newer one means this is that hand-in sent again (a double
    tap, a retry after a dropped connection, even after it was sent back for changes):
    ``SubmitRepeated`` names it, and nothing is written."""
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
            after_submission_id=after_submission_id,
        )
    except BaseException:
        storage = photos_module.photo_storage()
        for name in written:
            storage.delete(name)
        raise


@transaction.atomic
@batched_inserts()  # its audit entry and its events: one statement at the end (core.batched_inserts)
def _claim_submit(
    *, worker, claim_id: int, text, completed_units, labels, prepared, written: list, after_submission_id
) -> Submission:
    now = timezone.now()
    # Locked with what the hand-in and its answer read: the task, the project and its company.
    claim = _locked_claim(
        worker=worker,
        claim_id=claim_id,
        related=("task", "project__company"),
        newest_submission=after_submission_id is not None,
    )
    _require_live(claim, now)
    if after_submission_id is not None and (claim.newest_submission_id or 0) > after_submission_id:
        raise SubmitRepeated(details={"submission": claim.newest_submission_id})
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
        written.append(storage.save(photos_module.stored_name(), ContentFile(photo.content)))
    saved = [
        SubmissionPhoto(
            submission=submission, image=name, width=photo.width, height=photo.height, bytes=len(photo.content)
        )
        for name, photo in zip(written, prepared, strict=True)
    ]
    if saved:
        SubmissionPhoto.objects.bulk_create(saved)
    checked_at_once = training_check.checks_at_once(project=project)
    if not checked_at_once:  # else the check below decides the claim and the task (in the lock order)
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
    _answer_in_hand(submission, photos=saved)
    if checked_at_once:
        training_check.submission_training_check(submission=submission, now=now)
    return submission


def _answer_in_hand(submission: Submission, *, photos: list[SubmissionPhoto]) -> None:
    """Fill what ``SubmissionOut`` reads from what was just written, so the answer reads nothing
    back: the photos are the ones saved (as a prefetch would have left them), and a new
    submission has no review yet."""
    cached = submission.photos.all()
    cached._result_cache, cached._prefetch_done = photos, True
    submission._prefetched_objects_cache = {"photos": cached}
    Submission.review.related.set_cached_value(submission, None)


def _submission_content(*, project: Project, task: Task, text, completed_units, labels) -> dict:
    if project.kind == Kind.COPYWRITING:
        if not isinstance(text, str) or not text.strip():
            raise TextRequired()
        if "\x00" in text:  # PostgreSQL cannot store it (the API's and the page's forms refuse it too)
            raise Invalid(
                _("The text contains an invisible NUL character that cannot be saved. Please delete it and try again."),
                details={"field": "text"},
            )
        if len(text) > MAX_TEXT_CHARS:
            raise Invalid(_("The text is longer than %(max)s characters.") % {"max": MAX_TEXT_CHARS})
        _require_length(task, text)
        return {"text": text.strip(), "submitted_units": task.units}
    if project.kind == Kind.ASSEMBLY:
        units = _bounded_int(completed_units, "completed_units", low=1, high=task.units)
        return {"submitted_units": units}
    if not isinstance(labels, dict) or not labels:
        raise LabelsRequired()
    prefetch_related_objects([task], "items")  # read once: the answer shows them too
    item_ids = {str(item.pk) for item in task.items.all()}
    given = {str(k): v for k, v in labels.items()}
    missing = sorted(item_ids - set(given), key=int)
    unknown = sorted(set(given) - item_ids)
    bad = sorted((k for k, v in given.items() if k in item_ids and v not in project.label_set), key=int)
    if missing or unknown or bad:
        raise InvalidLabels(
            details={"missing": missing[:50], "unknown": unknown[:50], "invalid_label": bad[:50]},
        )
    gold = [item for item in task.items.all() if item.expected_label]
    return {
        "labels": given,
        "submitted_units": len(item_ids),
        # Checked against the known answers now; she is never shown which items were gold.
        "gold_total": len(gold),
        "gold_correct": sum(given[str(item.pk)] == item.expected_label for item in gold),
    }


def _require_length(task: Task, text: str) -> None:
    """A text outside the length its brief asks for is refused with the count and the range."""
    chars = writing.char_count(text)
    low, high = task.min_chars, task.max_chars
    if (low is None or chars >= low) and (high is None or chars <= high):
        return
    details = {"chars": chars, "min_chars": low, "max_chars": high}
    if low is not None and chars < low:
        message = _(
            "Your text has %(chars)s characters; this brief asks for at least %(min)s. Please write a little more."
        )
    else:
        message = _("Your text has %(chars)s characters; this brief asks for at most %(max)s. Please shorten it.")
    raise TextLength(message % {"chars": chars, "min": low, "max": high}, details=details)
