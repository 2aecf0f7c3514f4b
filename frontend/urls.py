from django.urls import include, path

from core import ids  # noqa: F401 - registers <id:…>
from frontend import account_pages, finance, finance_adjustments, join, join_company, standard_pages, views

urlpatterns = [
    path("", views.home, name="home"),
    path("signin/", join.sign_in, name="sign-in"),
    path("signup/", join.sign_up, name="sign-up"),
    path("signup/company/", join_company.company_sign_up, name="sign-up-company"),
    path("password-reset/", join.password_reset_page, name="password-reset"),
    path("legal/terms/", join.legal_text, {"document": "terms"}, name="legal-terms"),
    path("legal/privacy/", join.legal_text, {"document": "privacy"}, name="legal-privacy"),
    path("signout/", views.sign_out, name="sign-out"),
    path("account/", account_pages.staff_account, name="account"),
    path("account/data", account_pages.data_download, name="account-data"),
    path("companies/<id:pk>/", standard_pages.company_standard, name="company-standard"),
    path("programme/", standard_pages.programme_page, name="programme"),
    path("m/", include("frontend.mother_urls")),
    path("work/", include("frontend.supervisor_urls")),
    path("finance/", finance.ledger, name="finance-ledger"),
    path("finance/batches/", finance.batches, name="finance-batches"),
    path("finance/batches/draft", finance.batch_draft, name="finance-batch-draft"),
    path("finance/batches/<id:pk>/", finance.batch, name="finance-batch"),
    path("finance/batches/<id:pk>/<str:action>", finance.batch_action, name="finance-batch-action"),
    path("finance/adjustments/", finance.adjustments, name="finance-adjustments"),
    path("finance/adjustments/new", finance_adjustments.adjustment_new, name="finance-adjustment-new"),
    path(
        "finance/adjustments/<id:pk>/reverse", finance_adjustments.adjustment_reverse, name="finance-adjustment-reverse"
    ),
    path("finance/adjustments/<id:pk>/<str:action>", finance.adjustment_action, name="finance-adjustment-action"),
    path("finance/reconciliation/", finance.reconciliation, name="finance-reconciliation"),
    path("finance/exports/", finance.export_request, name="finance-export-request"),
    path("finance/exports/<uuid:pk>/", finance.export, name="finance-export"),
]
