"""The mothers' app, 收款账户: where her pay goes. She sees her account masked, never in full; the
first one needs no code, a change needs the SMS code the "get a code" button asks for
(``POST /api/v1/auth/sms-code``, purpose ``payout_account``). The write is the service's
(``workers.services.payout_account_set``)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.codes import CodePurpose
from accounts.phones import phone_masked, phone_national
from core.errors import DomainError
from frontend.mother import mother_page, mother_render
from frontend.mother_forms import PayoutAccountForm
from workers import services as worker_services
from workers.models import PayoutAccount


@mother_page
@require_http_methods(["GET", "POST"])
def payout_account(request):
    account = PayoutAccount.objects.filter(worker=request.user).first()
    initial = (
        {"method": account.method, "account_name": account.account_name, "bank_name": account.bank_name}
        if account
        else {}
    )
    form = PayoutAccountForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                worker_services.payout_account_set(worker=request.user, **form.cleaned_data)
            except DomainError as error:
                field = error.details.get("field") if isinstance(error.details, dict) else None
                form.add_error(field if field in form.fields else None, str(error.message))
            else:
                messages.success(request, _("Your payout account is saved."))
                return redirect("m-payout-account")
        status = 400
    return mother_render(
        request,
        "frontend/mother/payout_account.html",
        {
            "form": form,
            "account": account,
            "phone": phone_masked(request.user.phone),
            "own_phone": phone_national(request.user.phone),  # hers, for the code button
            "purpose": CodePurpose.PAYOUT_ACCOUNT,
            "nav": "earnings",
            "page": "payout-account",
        },
        status=status,
    )
