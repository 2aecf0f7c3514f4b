"""A project's results built into a file in the background (``tasks.results_export``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.export_jobs import ExportJob
from tasks.models.work import Project


class ResultsExport(ExportJob):
    """A project's results (csv, jsonl or xlsx; accepted only or all) built by a background job."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="results_exports")
    state = models.CharField(_("which results"), max_length=8, default="accepted")

    class Meta(ExportJob.Meta):
        verbose_name = _("results export")
        verbose_name_plural = _("results exports")

    def __str__(self):
        return f"results of project {self.project_id} ({self.format}, {self.state}) {self.status}"
