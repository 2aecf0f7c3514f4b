"""The supervisors' time slots of a project under /work/: one slot, or a weekly pattern.
Thin, like frontend/supervisor.py."""

import datetime

from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from frontend.forms import SlotForm, SlotPatternForm
from frontend.supervisor import form_error, percent, project_of, supervisor_required, workspace
from frontend.supervisor_slot_edit import edit_form
from tasks import selectors, services
from tasks.models import Claim


@supervisor_required
def slots(request, pk):
    found = project_of(request, pk)
    single = SlotForm(prefix="one")
    pattern = SlotPatternForm(prefix="week", initial={"weekdays": [0, 1, 2, 3, 4]})
    status = 200
    if request.method == "POST":
        kind = request.POST.get("form")
        if kind == "pattern":
            pattern = SlotPatternForm(request.POST, prefix="week")
            made = _pattern_create(request, found, pattern)
        else:
            single = SlotForm(request.POST, prefix="one")
            made = _slot_create(request, found, single)
        if made is not None:
            if made:
                messages.success(request, _("%(n)s time slots opened.") % {"n": made})
            else:
                messages.success(request, _("No new time slots: those days are over or already have this slot."))
            return redirect("work-slots", pk=found.pk)
        status = 400
    now = timezone.now()
    listed = list(selectors.slots_for_project(found).filter(ends_at__gt=now - datetime.timedelta(days=1))[:300])
    ever = set(Claim.objects.filter(slot__in=listed).values_list("slot_id", flat=True).distinct())
    rows = [
        {
            "slot": s,
            "percent": percent(s.claimed_count, s.capacity),
            "over": s.ends_at <= now,
            "cancelled": s.cancelled_at is not None,
            "claimed_ever": s.pk in ever,
            "form": edit_form(s),
        }
        for s in listed
    ]
    return workspace(
        request,
        "frontend/supervisor/slots.html",
        {"project": found, "rows": rows, "single": single, "pattern": pattern},
        status=status,
    )


def _slot_create(request, project, form) -> int | None:
    if not form.is_valid():
        return None
    day = form.cleaned_data["day"]
    starts_at = timezone.make_aware(datetime.datetime.combine(day, form.cleaned_data["start"]))
    ends_at = timezone.make_aware(datetime.datetime.combine(day, form.cleaned_data["end"]))
    try:
        services.slot_create(
            actor=request.user,
            project_id=project.pk,
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=form.cleaned_data["capacity"],
        )
    except DomainError as error:
        form_error(form, error)
        return None
    return 1


def _pattern_create(request, project, form) -> int | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        made = services.slot_pattern_create(
            actor=request.user,
            project_id=project.pk,
            weekdays=sorted(set(data["weekdays"])),
            start=data["start"],
            end=data["end"],
            weeks=data["weeks"],
            capacity=data["capacity"],
            first_day=data.get("first_day"),
        )
    except DomainError as error:
        form_error(form, error)
        return None
    return len(made)
