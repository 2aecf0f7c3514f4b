"""Her data and her account, as pages: "下载我的数据" and "注销账户" for a mother under /m/me/, and the
same two for company staff and finance under /account/. The download is the API's document
(tasks.api_account); deleting calls the one service (tasks.services.account_delete)."""

from django import forms
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.phones import phone_national
from core.errors import DomainError
from frontend.mother import mother_page, mother_render
from ledger import selectors as ledger_selectors
from ledger.money import format_fen
from tasks.api_account import data_export_response
from tasks.peer_queue import is_peer_reviewer
from tasks.services import account_delete


class AccountDeleteForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from the SMS"),
        max_length=16,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    understood = forms.BooleanField(label=gettext_lazy("I understand that this cannot be undone."))


def _owed(user) -> list[dict]:
    return [
        {"company": b["company_name"], "amount": format_fen(b["balance_fen"])}
        for b in ledger_selectors.balances_for_worker(user)
        if b["balance_fen"] > 0
    ]


def _delete_context(request, form) -> dict:
    return {"form": form, "owed": _owed(request.user), "phone": phone_national(request.user.phone)}


def _delete(request, form):
    """The POST of either page: None when deleted (she is signed out), else the form with the error."""
    if not form.is_valid():
        return form
    try:
        account_delete(user=request.user, code=form.cleaned_data["code"])
    except DomainError as error:
        form.add_error("code" if error.status == 400 else None, str(error.message))
        return form
    logout(request)
    return None


def _deleted(request):
    return render(request, "frontend/account_deleted.html", {})


@login_required
@require_GET
def data_download(request):
    """Her data as a JSON file, for any signed-in person (mother or staff)."""
    return data_export_response(request.user)


@mother_page
@require_GET
def mother_me(request):
    return mother_render(
        request,
        "frontend/mother/me.html",
        {"nav": "me", "profile": request.worker_profile, "peer_reviewer": is_peer_reviewer(request.user)},
    )


@mother_page
@require_http_methods(["GET", "POST"])
def mother_delete(request):
    return _delete_page(
        request,
        lambda context, status: mother_render(
            request, "frontend/mother/delete.html", {**context, "nav": "me", "page": "account-delete"}, status=status
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_account(request):
    """The staff's (and finance's) account page: download her data, delete her account."""
    return _delete_page(
        request,
        lambda context, status: render(
            request, "frontend/account.html", {**context, "title": _("My account")}, status=status
        ),
    )


def _delete_page(request, draw):
    """The deletion form: done, the goodbye page; refused or not yet sent, ``draw(context, status)``."""
    form = AccountDeleteForm(request.POST or None)
    if request.method == "POST":
        form = _delete(request, form)
        if form is None:
            return _deleted(request)
    return draw(_delete_context(request, form), 400 if request.method == "POST" else 200)
