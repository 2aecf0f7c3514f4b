"""The work of the background build of a project's results file (``tasks.jobs.results_export_build``,
queued by ``tasks.results_export_requests``): the file written with its progress on the export's row
(``core.export_jobs``), then ``results.ready`` to the company's staff."""

from django.db import transaction

from core.export_jobs import export_build
from realtime import events
from realtime.groups import company_staff_group
from realtime.publish import publish
from tasks import results_export
from tasks.models import ResultsExport


def results_export_run(*, export_id: str) -> ResultsExport | None:
    """Build the file of a queued export; None when it has finished already (a second run changes nothing)."""

    def count(export: ResultsExport) -> int:
        return results_export.row_count(export.project, state=export.state)

    def write(export: ResultsExport, path: str, counted) -> int:
        return results_export.write(
            export.project, state=export.state, kind=export.format, target=path, counted=counted
        )

    export = export_build(ResultsExport, export_id, count=count, write=write)
    if export is None:
        return None
    with transaction.atomic():
        publish(
            events.results_ready(
                export=str(export.pk),
                project=export.project_id,
                format=export.format,
                state=export.state,
                rows=export.rows_done,
                download=results_export.download_path(export),
            ),
            groups=[company_staff_group(export.project.company_id)],
        )
    return export
