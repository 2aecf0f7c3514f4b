"""What a project's work gave back, for its supervisors. 标注质量 (/work/projects/<id>/quality/): a
labelling project's agreement and gold figures as bars (``tasks.quality``, which reads the whole
project: a page of its own, asked for, not part of every dashboard load). 下载结果 on a project's page (/work/projects/<id>/results): the results as Excel, CSV or JSON lines,
accepted only or all. A file of up to ``HOMESLOT_RESULTS_EXPORT_INLINE_MAX`` rows is the answer itself;
a larger one is built in the background and its page shows the progress, then the download.

Thin: the file is ``tasks.results_export``'s, the background request ``tasks.results_export_requests``'s."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError
from frontend.supervisor import error_text, percent, project_of, supervisor_required, workspace
from tasks import quality, results_export, results_export_requests, selectors
from tasks.models import Kind, ResultsExport, SubmissionStatus
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


@supervisor_required
def project_quality(request, pk):
    project = project_of(request, pk)
    if project.kind != Kind.LABELLING:
        raise Http404(_("Only a labelling project has quality figures."))
    context = {"project": project, "quality": quality_context(project)}
    return workspace(request, "frontend/supervisor/quality_page.html", context)


def quality_context(project) -> dict:
    """The labels' agreement and the gold figures (tasks.quality), with the widths of their bars."""
    figures = quality.project_quality(project)
    gold = figures["gold"]
    value = figures["alpha"]
    return {
        **figures,
        "alpha_percent": 0 if value is None else max(0, min(100, round(value * 100))),
        # Krippendorff's own reading: from 0.8 reliable, from 0.667 tentative, below that doubtful.
        "alpha_tone": "" if value is None else "calm" if value >= 0.8 else "warn" if value >= 0.667 else "",
        "agreement_bars": [
            {**bucket, "percent": percent(bucket["count"], figures["items_compared"])}
            for bucket in figures["agreement"]
        ],
        "accuracy_bars": [
            {
                **bucket,
                "percent": percent(bucket["count"], gold["submissions"]),
                "low": bucket["from"] < gold["min_accuracy"],
            }
            for bucket in gold["accuracy"]
        ],
        "flagged_percent": percent(gold["flagged"], gold["submissions"]),
        "flagged": [{**row, "status": SubmissionStatus(row["status"]).label} for row in figures["flagged"]],
    }
