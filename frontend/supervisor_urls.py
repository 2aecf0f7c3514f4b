"""The supervisors' workspace (frontend/supervisor*.py), under /work/."""

from django.urls import path

from core import ids  # noqa: F401 - registers <id:…>
from frontend import (
    supervisor,
    supervisor_appeals,
    supervisor_company,
    supervisor_handovers,
    supervisor_reasons,
    supervisor_results,
    supervisor_review,
    supervisor_skills,
    supervisor_slots,
    supervisor_split,
    supervisor_worker,
)

urlpatterns = [
    path("", supervisor.projects, name="work-projects"),
    path("projects/new", supervisor.project_new, name="work-project-new"),
    path("projects/<id:pk>/", supervisor.project, name="work-project"),
    path("projects/<id:pk>/edit", supervisor.project_edit, name="work-project-edit"),
    path("projects/<id:pk>/progress", supervisor.project_progress, name="work-project-progress"),
    path("projects/<id:pk>/slots", supervisor_slots.slots, name="work-slots"),
    path("projects/<id:pk>/split", supervisor_split.split, name="work-split"),
    path("projects/<id:pk>/split/confirm", supervisor_split.split_confirm, name="work-split-confirm"),
    path("projects/<id:pk>/results", supervisor_results.results_download, name="work-results-download"),
    path("projects/<id:pk>/quality/", supervisor_results.project_quality, name="work-project-quality"),
    path("projects/<id:pk>/handovers/", supervisor_handovers.project_counter, name="work-counter"),
    path("tasks/<id:pk>/handovers/", supervisor_handovers.task_counter, name="work-task-handovers"),
    path("projects/<id:pk>/<str:action>", supervisor.project_action, name="work-project-action"),
    path("split-jobs/<uuid:pk>/", supervisor_split.split_job, name="work-split-job"),
    path("results-files/<uuid:pk>/", supervisor_results.results_export_page, name="work-results-export"),
    path("review/", supervisor_review.queue, name="work-review-queue"),
    path("review/count", supervisor_review.queue_count, name="work-review-count"),
    path("review/<id:pk>/", supervisor_review.review, name="work-review"),
    path("review/<id:pk>/decide", supervisor_review.decide, name="work-review-decide"),
    path("skills/", supervisor_skills.skills, name="work-skills"),
    path("skills/new", supervisor_skills.skill_new, name="work-skill-new"),
    path("skills/<id:pk>/peer-review", supervisor_skills.skill_peer_review, name="work-skill-peer-review"),
    path("appeals/", supervisor_appeals.appeals, name="work-appeals"),
    path("appeals/<id:pk>/decide", supervisor_appeals.decide, name="work-appeal-decide"),
    path("workers/<id:pk>/", supervisor_worker.worker, name="work-worker"),
    path("reasons/", supervisor_reasons.ready_reasons, name="work-reasons"),
    path("reasons/save", supervisor_reasons.ready_reasons_save, name="work-reasons-save"),
    path("company/", supervisor_company.company, name="work-company"),
    path("company/<id:company_pk>/invite", supervisor_company.company_invite, name="work-company-invite"),
    path("company/<id:company_pk>/settlement", supervisor_company.company_settlement, name="work-company-settlement"),
    path(
        "company/<id:company_pk>/members/<id:user_id>/remove",
        supervisor_company.company_remove,
        name="work-company-remove",
    ),
]
