"""The mothers' app, 家人 (family members): the phone numbers of family members who also work here,
so that a peer review never pairs them. Thin: ``workers.relatives`` keeps the rules (any valid number
is kept alike, her list shows masked numbers only, at most 5 new ones in 30 days, each kept 30 days)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.phones import phone_masked
from core.errors import DomainError
from frontend.mother import mother_page, mother_render
from workers import relatives as relative_services


def _page(request, *, phone: str = "", error: str = "", status: int = 200):
    listed = [
        {"id": relative.pk, "phone": phone_masked(relative.phone)}
        for relative in relative_services.relatives_of(request.user).order_by("created_at", "pk")
    ]
    context = {"nav": "me", "page": "relatives", "relatives": listed, "phone": phone, "error": error}
    return mother_render(request, "frontend/mother/relatives.html", context, status=status)


@mother_page
@require_http_methods(["GET", "POST"])
def relatives(request):
    if request.method == "GET":
        return _page(request)
    phone = (request.POST.get("phone") or "").strip()
    try:
        relative_services.relative_declare(worker=request.user, phone=phone)
    except DomainError as error:
        return _page(request, phone=phone, error=str(error.message), status=error.status)
    messages.success(request, _("Saved. You and this family member will never review each other's work."))
    return redirect("m-relatives")


@mother_page
@require_POST
def relative_remove(request, pk):
    try:
        relative_services.relative_remove(worker=request.user, relative_id=pk)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Removed from your list."))
    return redirect("m-relatives")
