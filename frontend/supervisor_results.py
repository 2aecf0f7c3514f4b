"""下载结果 on a project's page (/work/projects/<id>/results): the results as Excel, CSV or JSON lines,
accepted only or all. A file of up to ``HOMESLOT_RESULTS_EXPORT_INLINE_MAX`` rows is the answer itself;
a larger one is built in the background and its page shows the progress, then the download.

Thin: the file is ``tasks.results_export``'s, the background request ``tasks.results_export_requests``'s."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from core.errors import DomainError
from frontend.supervisor import error_text, project_of, supervisor_required, workspace
from tasks import results_export, results_export_requests, selectors
from tasks.models import ResultsExport
from tasks.project_serializers import ResultsExportOut


@supervisor_required
@require_POST
def results_download(request, pk):
    project = project_of(request, pk)
    kind, state = request.POST.get("format", "xlsx"), request.POST.get("state", "accepted")
    try:
        results_export_requests.check_choice(kind=kind, state=state)
        if results_export.row_count(project, state=state) <= settings.HOMESLOT_RESULTS_EXPORT_INLINE_MAX:
            return results_export.response(project, state=state, kind=kind)
        export = results_export_requests.results_export_request(
            actor=request.user, project_id=project.pk, kind=kind, state=state
        )
    except DomainError as error:
        messages.error(request, error_text(error))
        return redirect("work-project", pk=project.pk)
    return redirect("work-results-export", pk=export.pk)


@supervisor_required
def results_export_page(request, pk):
    """A file being built: its progress (the page refreshes itself), then its download."""
    export = get_object_or_404(
        ResultsExport.objects.filter(project__in=selectors.projects_for_supervisor(request.user)).select_related(
            "project"
        ),
        pk=pk,
    )
    context = {"export": export, "data": ResultsExportOut(export).data, "project": export.project}
    return workspace(request, "frontend/supervisor/results_export.html", context)
