from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import api as accounts_api
from config.api import api_not_found
from core import ids  # noqa: F401 - registers <id:…>
from integrations import api as integrations_api
from integrations import views as integrations_views
from ledger import api as ledger_api
from ledger import api_exports as ledger_api_exports
from ledger import api_payouts as ledger_api_payouts
from notices import api as notices_api
from skills import api_peer_review as skills_api_peer_review
from standards import api as standards_api
from tasks import api as tasks_api
from tasks import api_account as tasks_api_account
from tasks import api_appeals as tasks_api_appeals
from tasks import api_career as tasks_api_career
from tasks import api_handovers as tasks_api_handovers
from tasks import api_history as tasks_api_history
from tasks import api_peer as tasks_api_peer
from tasks import api_results as tasks_api_results
from workers import api as workers_api
from workers import api_relatives as workers_api_relatives
from workers import api_sign_up as workers_api_sign_up

v1 = [
    path("auth/token", accounts_api.TokenView.as_view(), name="auth-token"),
    path("auth/sign-out", accounts_api.SignOutView.as_view(), name="auth-sign-out"),
    path("auth/accept-invitation", accounts_api.AcceptInvitationView.as_view(), name="auth-accept-invitation"),
    path("auth/sms-code", accounts_api.SmsCodeView.as_view(), name="auth-sms-code"),
    path("auth/sign-up", workers_api_sign_up.SignUpView.as_view(), name="auth-sign-up"),
    path("auth/password-reset", accounts_api.PasswordResetView.as_view(), name="auth-password-reset"),
    path("companies", accounts_api.CompaniesView.as_view(), name="companies"),
    path("companies/<id:pk>/members", accounts_api.CompanyMembersView.as_view(), name="company-members"),
    path(
        "companies/<id:pk>/members/<id:user_id>",
        accounts_api.CompanyMemberView.as_view(),
        name="company-member",
    ),
    path("companies/<id:pk>/quality", standards_api.CompanyQualityView.as_view(), name="company-quality"),
    path("programme/figures", standards_api.ProgrammeFiguresView.as_view(), name="programme-figures"),
    path(
        "programme/figures/export",
        standards_api.ProgrammeFiguresExportView.as_view(),
        name="programme-figures-export",
    ),
    path("me", workers_api.MeView.as_view(), name="me"),
    path("me/tokens", accounts_api.MeTokensView.as_view(), name="me-tokens"),
    path("me/tokens/<id:pk>", accounts_api.MeTokenView.as_view(), name="me-token"),
    path("me/profile", workers_api.ProfileView.as_view(), name="me-profile"),
    path("me/availability", workers_api.AvailabilityView.as_view(), name="me-availability"),
    path("me/skills", tasks_api_career.MySkillsView.as_view(), name="me-skills"),
    path("me/data-export", tasks_api_account.DataExportView.as_view(), name="me-data-export"),
    path("me/delete", tasks_api_account.AccountDeleteView.as_view(), name="me-delete"),
    path("me/payout-account", workers_api.PayoutAccountView.as_view(), name="me-payout-account"),
    path("me/relatives", workers_api_relatives.RelativesView.as_view(), name="me-relatives"),
    path("me/relatives/<id:pk>", workers_api_relatives.RelativeView.as_view(), name="me-relative"),
    path("me/notices", notices_api.NoticeListView.as_view(), name="me-notices"),
    path("me/notices/<id:pk>/read", notices_api.NoticeReadView.as_view(), name="me-notice-read"),
    path("me/notification-settings", notices_api.NotificationSettingsView.as_view(), name="me-notification-settings"),
    path("me/push-subscriptions", notices_api.PushSubscriptionListView.as_view(), name="me-push-subscriptions"),
    path("me/push-subscriptions/<id:pk>", notices_api.PushSubscriptionView.as_view(), name="me-push-subscription"),
    path("skills", tasks_api_career.SkillListView.as_view(), name="skills"),
    path("projects", tasks_api.ProjectListView.as_view(), name="projects"),
    path("projects/<id:pk>", tasks_api.ProjectDetailView.as_view(), name="project-detail"),
    *[
        path(
            f"projects/<id:pk>/{action}",
            tasks_api.ProjectTransitionView.as_view(action_name=action),
            name=f"project-{action}",
        )
        for action in ("publish", "pause", "close")
    ],
    path("projects/<id:pk>/split", tasks_api.ProjectSplitView.as_view(), name="project-split"),
    path("projects/<id:pk>/slots", tasks_api.ProjectSlotsView.as_view(), name="project-slots"),
    path("projects/<id:pk>/slots/pattern", tasks_api.SlotPatternView.as_view(), name="project-slot-pattern"),
    path("projects/<id:pk>/progress", tasks_api.ProjectProgressView.as_view(), name="project-progress"),
    path("projects/<id:pk>/results", tasks_api_results.ProjectResultsView.as_view(), name="project-results"),
    path(
        "projects/<id:pk>/results/export",
        tasks_api_results.ProjectResultsExportView.as_view(),
        name="project-results-export",
    ),
    path(
        "projects/<id:pk>/results/exports",
        tasks_api_results.ProjectResultsExportsView.as_view(),
        name="project-results-exports",
    ),
    path(
        "projects/<id:pk>/results/exports/<uuid:export_id>",
        tasks_api_results.ResultsExportDetailView.as_view(),
        name="project-results-export-detail",
    ),
    path(
        "projects/<id:pk>/results/exports/<uuid:export_id>/download",
        tasks_api_results.ResultsExportDownloadView.as_view(),
        name="project-results-export-download",
    ),
    path("projects/<id:pk>/quality", tasks_api_results.ProjectQualityView.as_view(), name="project-quality"),
    path("projects/<id:pk>/claim-next", tasks_api.ClaimNextView.as_view(), name="project-claim-next"),
    path("tasks", tasks_api.TaskListView.as_view(), name="tasks"),
    path("tasks/<id:pk>/claim", tasks_api.TaskClaimView.as_view(), name="task-claim"),
    path("tasks/<id:pk>/handovers", tasks_api_handovers.TaskHandoversView.as_view(), name="task-handovers"),
    path("claims", tasks_api.ClaimListView.as_view(), name="claims"),
    path("claims/<id:pk>/release", tasks_api.ClaimReleaseView.as_view(), name="claim-release"),
    path("claims/<id:pk>/submit", tasks_api.ClaimSubmitView.as_view(), name="claim-submit"),
    path("reviews/queue", tasks_api.ReviewQueueView.as_view(), name="review-queue"),
    path("reviews/reason-templates", tasks_api.ReasonTemplatesView.as_view(), name="review-reason-templates"),
    path("reviews/<id:pk>/audit", tasks_api_peer.ReviewAuditView.as_view(), name="review-audit"),
    path("peer-reviews", tasks_api_peer.PeerReviewQueueView.as_view(), name="peer-reviews"),
    path("peer-reviews/audit-sample", tasks_api_peer.AuditSampleView.as_view(), name="peer-review-audit-sample"),
    path("peer-reviews/<id:pk>", tasks_api_peer.PeerReviewDecideView.as_view(), name="peer-review-decide"),
    path("skills/<id:pk>/peer-review", skills_api_peer_review.SkillPeerReviewView.as_view(), name="skill-peer-review"),
    path("submissions/<id:pk>", tasks_api.SubmissionDetailView.as_view(), name="submission-detail"),
    path("submissions/<id:pk>/review", tasks_api.SubmissionReviewView.as_view(), name="submission-review"),
    path("submissions/<id:pk>/appeal", tasks_api_appeals.SubmissionAppealView.as_view(), name="submission-appeal"),
    path("appeals", tasks_api_appeals.AppealListView.as_view(), name="appeals"),
    path("appeals/<id:pk>/decide", tasks_api_appeals.AppealDecideView.as_view(), name="appeal-decide"),
    path("workers/<id:pk>/history", tasks_api_history.WorkerHistoryView.as_view(), name="worker-history"),
    path("earnings", ledger_api.EarningsView.as_view(), name="earnings"),
    path("ledger/entries", ledger_api.LedgerEntriesView.as_view(), name="ledger-entries"),
    path("split-jobs/<uuid:pk>", tasks_api.SplitJobView.as_view(), name="split-job"),
    path("ledger/export", ledger_api_exports.LedgerExportView.as_view(), name="ledger-export"),
    path("ledger/exports", ledger_api_exports.LedgerExportsView.as_view(), name="ledger-exports"),
    path("ledger/exports/<uuid:pk>", ledger_api_exports.LedgerExportDetailView.as_view(), name="ledger-export-detail"),
    path(
        "ledger/exports/<uuid:pk>/download",
        ledger_api_exports.LedgerExportDownloadView.as_view(),
        name="ledger-export-download",
    ),
    path("ledger/adjustments", ledger_api.AdjustmentView.as_view(), name="ledger-adjustments"),
    path(
        "ledger/adjustments/<id:pk>/approve",
        ledger_api.AdjustmentActionView.as_view(action_name="approve"),
        name="ledger-adjustment-approve",
    ),
    path(
        "ledger/adjustments/<id:pk>/reject", ledger_api.AdjustmentRejectView.as_view(), name="ledger-adjustment-reject"
    ),
    path("ledger/transactions/<uuid:pk>/reverse", ledger_api.ReverseView.as_view(), name="ledger-reverse"),
    path("ledger/reconciliation", ledger_api_exports.ReconciliationView.as_view(), name="ledger-reconciliation"),
    path("payouts", ledger_api_payouts.PayoutListView.as_view(), name="payouts"),
    path("payouts/<id:pk>", ledger_api_payouts.PayoutDetailView.as_view(), name="payout"),
    path(
        "payouts/<id:pk>/approve",
        ledger_api_payouts.PayoutActionView.as_view(action_name="approve"),
        name="payout-approve",
    ),
    path(
        "payouts/<id:pk>/cancel",
        ledger_api_payouts.PayoutActionView.as_view(action_name="cancel"),
        name="payout-cancel",
    ),
    path("payouts/<id:pk>/mark-paid", ledger_api_payouts.PayoutMarkPaidView.as_view(), name="payout-mark-paid"),
    path("payouts/<id:pk>/export", ledger_api_payouts.PayoutExportView.as_view(), name="payout-export"),
    path("webhooks", integrations_api.WebhookListView.as_view(), name="webhooks"),
    path("webhooks/<id:pk>", integrations_api.WebhookView.as_view(), name="webhook"),
    path(
        "webhooks/<id:pk>/rotate-secret",
        integrations_api.WebhookRotateSecretView.as_view(),
        name="webhook-rotate-secret",
    ),
    path("webhooks/<id:pk>/deliveries", integrations_api.WebhookDeliveryListView.as_view(), name="webhook-deliveries"),
    path(
        "webhooks/<id:pk>/deliveries/<id:delivery_id>/replay",
        integrations_api.WebhookDeliveryReplayView.as_view(),
        name="webhook-delivery-replay",
    ),
]

urlpatterns = [
    path("api/v1/", include(v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI with its init script served apart (?script) and no inline style: the CSP allows neither.
    # Its own policy adds data: images (the icons its script draws); nothing inline, no eval.
    path(
        "api/docs/",
        csp_update({"img-src": ["data:"]})(
            SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="frontend/api_docs.html")
        ),
        name="api-docs",
    ),
    re_path(r"^api(?:/|$)", api_not_found),  # last under /api/: anything else is a JSON 404, never a page
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # The company admin's webhook pages (integrations/views.py: frontend cannot import integrations).
    path("work/webhooks/", integrations_views.webhooks, name="work-webhooks"),
    path("work/webhooks/<id:pk>/", integrations_views.webhook_log, name="work-webhook-log"),
    path(
        "work/webhooks/<id:pk>/deliveries/<id:delivery_id>/replay",
        integrations_views.webhook_replay,
        name="work-webhook-replay",
    ),
    path("work/webhooks/<id:pk>/<str:action>", integrations_views.webhook_action, name="work-webhook-action"),
    path("", include("frontend.urls")),
]

handler400 = "frontend.views.bad_request"
handler403 = "frontend.views.permission_denied"
handler404 = "frontend.views.not_found"
handler500 = "frontend.views.server_error"
