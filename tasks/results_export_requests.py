"""A large project's results, built into a file in the background: the request that queues
``tasks.jobs.results_export_build`` (whose work is ``services.results_export_run``).

Beside ``tasks.services``, not in it, as ``tasks.split_requests``: it imports ``tasks.jobs``."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import User
from core.errors import InvalidFormat, NotFound
from tasks import results, results_export, selectors
from tasks.errors import InvalidResultsState
from tasks.jobs import results_export_build
from tasks.models import ResultsExport


def check_choice(*, kind: str, state: str) -> None:
    """The file's format and which results: one of each, or a 400 naming the field."""
    if kind not in results_export.FORMATS:
        raise InvalidFormat(_("The format is csv, jsonl or xlsx."), details={"field": "format"})
    if state not in results.STATES:
        raise InvalidResultsState(details={"field": "state"})


@transaction.atomic
def results_export_request(*, actor: User, project_id: int, kind: str, state: str = "accepted") -> ResultsExport:
    """Queue a file of the project's results (any of its company's staff); the job reports its progress."""
    check_choice(kind=kind, state=state)
    project = selectors.projects_for_staff(actor).filter(pk=project_id).first()
    if project is None:
        raise NotFound()
    export = ResultsExport.objects.create(project=project, requested_by=actor, format=kind, state=state)
    audit_record(
        actor=actor,
        action="project.results_export",
        target=project,
        company_id=project.company_id,
        export=str(export.pk),
    )
    transaction.on_commit(lambda: results_export_build.enqueue(str(export.pk)))
    return export
