"""Finance's adjustments on the pages: a bonus or a deduction for a mother (found by her phone number,
as in finance's spreadsheets), and the reversal of a posted one. The four-eyes rule is the service's:
above the threshold an adjustment waits for a second finance user. Each form carries a key made when
it was drawn, so a double click or a resent form posts once."""

import decimal
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.errors import InvalidPhone
from accounts.models import User
from accounts.phones import phone_normalize
from accounts.selectors import FINANCE_ROLES, company_ids_for
from core.errors import DomainError
from ledger import selectors
from ledger.adjustments import adjustment_request
from ledger.models import AdjustmentStatus
from ledger.reversals import transaction_reverse


def new_key() -> str:
    return f"page-{uuid.uuid4()}"


def _back(company_id) -> str:
    return f"{reverse('finance-adjustments')}?company={company_id}"


def _fen(raw: str) -> int | None:
    """¥ typed as finance types it (12, 12.5, 12.50): fen, or None for anything else."""
    try:
        yuan = decimal.Decimal((raw or "").strip().replace("¥", "").replace(",", ""))
    except decimal.InvalidOperation:
        return None
    if not yuan.is_finite() or yuan <= 0 or yuan > 1_000_000 or yuan != yuan.quantize(decimal.Decimal("0.01")):
        return None
    return int(yuan * 100)


@login_required
@require_POST
def adjustment_new(request):
    company_ids = company_ids_for(request.user, FINANCE_ROLES)
    company_id = next((c for c in company_ids if str(c) == request.POST.get("company")), None)
    if company_id is None:
        return redirect("finance-adjustments")
    fen = _fen(request.POST.get("amount", ""))
    if fen is None:
        messages.error(request, _("Enter the amount in yuan, for example 20 or 12.50."))
        return redirect(_back(company_id))
    if request.POST.get("direction") == "deduction":
        fen = -fen
    try:
        worker = User.objects.filter(phone=phone_normalize(request.POST.get("phone", ""))).first()
    except InvalidPhone as error:
        messages.error(request, str(error.message))
        return redirect(_back(company_id))
    if worker is None:
        messages.error(request, _("No mother with this phone number has worked for the company."))
        return redirect(_back(company_id))
    try:
        made, _created = adjustment_request(
            actor=request.user,
            company_id=company_id,
            worker_id=worker.pk,
            amount_fen=fen,
            reason=request.POST.get("reason", ""),
            key=request.POST.get("key") or None,
        )
    except DomainError as error:
        if error.code == "not_found":
            messages.error(request, _("No mother with this phone number has worked for the company."))
        else:
            messages.error(request, str(error.message))
        return redirect(_back(company_id))
    if made.status == AdjustmentStatus.PENDING:
        messages.success(request, _("Asked: it waits for a second finance user to approve it."))
    else:
        messages.success(request, _("Posted: she sees it with her earnings now."))
    return redirect(_back(company_id))


@login_required
@require_POST
def adjustment_reverse(request, pk):
    found = get_object_or_404(selectors.adjustments_for_finance(request.user), pk=pk)
    if found.transaction_id is None:
        messages.error(request, _("Only a posted adjustment can be reversed."))
        return redirect(_back(found.company_id))
    try:
        _reversal, created = transaction_reverse(
            actor=request.user, transaction_id=found.transaction_id, reason=request.POST.get("reason", "")
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Reversed: a mirror entry is posted.") if created else _("Already reversed."))
    return redirect(_back(found.company_id))
