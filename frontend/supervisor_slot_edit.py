"""A project's time slots changed under /work/: new times or places (only growing while mothers hold
it), deleted when nobody ever claimed in it, or cancelled with a reason the mothers holding it read.
Thin: the rules are in tasks.services.slots."""

import datetime

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError
from frontend.forms import SlotForm
from frontend.supervisor import error_text, project_of, supervisor_required
from tasks import services
from tasks.models import TimeSlot


def _slot(request, pk: int, slot_pk: int) -> TimeSlot:
    project = project_of(request, pk)
    slot = TimeSlot.objects.filter(pk=slot_pk, project=project).first()
    if slot is None:
        raise Http404
    return slot


def edit_form(slot: TimeSlot, data=None) -> SlotForm:
    """The slot's own little form on the slots page (its prefix keeps the rows apart)."""
    start, end = timezone.localtime(slot.starts_at), timezone.localtime(slot.ends_at)
    initial = {
        "day": start.date(),
        "start": _minute(start).time(),
        "end": _minute(end).time(),
        "capacity": slot.capacity,
    }
    form = SlotForm(data, prefix=f"s{slot.pk}", initial=initial)
    # The browser's date and time inputs read only these formats (not the language's own).
    form.fields["day"].widget.format = "%Y-%m-%d"
    form.fields["start"].widget.format = form.fields["end"].widget.format = "%H:%M"
    return form


def _minute(moment: datetime.datetime) -> datetime.datetime:
    return moment.replace(second=0, microsecond=0)


def _kept(typed: datetime.datetime, was: datetime.datetime) -> datetime.datetime:
    """The form shows minutes: a time left as shown is the slot's own (its seconds kept)."""
    return was if typed == _minute(timezone.localtime(was)) else typed


@supervisor_required
@require_POST
def slot_edit(request, pk, slot_pk):
    slot = _slot(request, pk, slot_pk)
    form = edit_form(slot, request.POST)
    if not form.is_valid():
        messages.error(request, _("Please give a date, a start and an end time, and the number of places."))
        return redirect("work-slots", pk=pk)
    data = form.cleaned_data
    starts_at = _kept(timezone.make_aware(datetime.datetime.combine(data["day"], data["start"])), slot.starts_at)
    ends_at = _kept(timezone.make_aware(datetime.datetime.combine(data["day"], data["end"])), slot.ends_at)
    change = {"starts_at": starts_at, "ends_at": ends_at, "capacity": data["capacity"]}
    return _done(
        request,
        pk,
        lambda: services.slot_update(actor=request.user, slot_id=slot.pk, **change),
        _("The time slot is changed."),
    )


@supervisor_required
@require_POST
def slot_delete(request, pk, slot_pk):
    slot = _slot(request, pk, slot_pk)
    return _done(
        request, pk, lambda: services.slot_delete(actor=request.user, slot_id=slot.pk), _("The time slot is deleted.")
    )


@supervisor_required
@require_POST
def slot_cancel(request, pk, slot_pk):
    slot = _slot(request, pk, slot_pk)
    reason = request.POST.get("reason", "")
    return _done(
        request,
        pk,
        lambda: services.slot_cancel(actor=request.user, slot_id=slot.pk, reason=reason),
        lambda done: (
            _("The time slot is cancelled. Mothers told and their tasks back in the hall: %(n)s.")
            % {"n": done.released}
        ),
    )


def _done(request, pk, act, said):
    """Do it; say what came of it (``said``: the words, or a function of the result), or the refusal."""
    try:
        result = act()
    except DomainError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, said(result) if callable(said) else said)
    return redirect("work-slots", pk=pk)
