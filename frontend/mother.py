"""The mothers' phone app under /m/: who may come in, her profile and week, the task hall and
claiming (her claims and handing in: mother_work.py; earnings: mother_earnings.py; the PWA:
mother_pwa.py; photos: mother_photos.py).

Thin: every write goes through a service (workers.services, tasks.services), every read through
a selector that is already scoped to her. Every page works as plain HTML forms; the small
script (static/frontend/mother.js) adds live updates, countdowns and photo resizing on top.
"""

import functools
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import company_ids_for
from config.converters import id_or_none
from config.errors import DomainError, NoTaskAvailable, TaskAlreadyClaimed
from core import locks
from fairwork import selectors as fairwork
from fairwork.errors import OutsideAvailability
from frontend import mother_format as fmt
from frontend.forms import (
    AvailabilityFormSet,
    MotherClaimForm,
    MotherProfileForm,
)
from ledger.money import fen_for_units, format_fen, format_rate
from realtime import selectors as realtime_selectors
from tasks import photos as photo_rules
from tasks import selectors, services
from tasks.models import ClaimStatus, Kind
from workers import services as worker_services
from workers.models import WorkerProfile

# A mother signs in once on her own phone and stays signed in (staff keep the default).
MOTHER_SESSION_SECONDS = 90 * 24 * 3600
TASKS_PER_PROJECT = 5
OTHER_SLOTS_SHOWN = 6


# --- who may come in ------------------------------------------------------------


def _profile(user):
    from workers.models import WorkerProfile

    return WorkerProfile.objects.prefetch_related("availability").filter(user=user).first()


def profile_complete(profile) -> bool:
    return bool(
        profile
        and profile.city.strip()
        and profile.display_name.strip()
        and (profile.children_under_12 == 0 or profile.youngest_birth_year)
    )


def mother_page(view=None, *, setup=False):
    """Signed in, and a mother: company staff without a worker profile are refused (403). An
    account with no or an incomplete profile is sent to the first-run setup (``setup``: that page)."""

    def wrap(view):
        @functools.wraps(view)
        def checked(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            profile = _profile(request.user)
            # Company staff, and the platform's operators: neither takes work here (nor becomes a
            # mother by filling in the first-run form).
            if profile is None and (request.user.is_staff or company_ids_for(request.user)):
                message = _("These pages are for mothers who take work. Please sign in with a mother's account.")
                return render(
                    request, "frontend/mother/refused.html", _common(request, {"message": message}), status=403
                )
            if request.session.get("_session_expiry") is None:
                request.session.set_expiry(MOTHER_SESSION_SECONDS)
            if not setup and not profile_complete(profile):
                return redirect("m-setup")
            request.worker_profile = profile
            response = view(request, *args, **kwargs)
            # Her pages are hers: no shared cache keeps them, and the service worker keeps the
            # pages of this viewer only (sw.js drops any other viewer's pages when it sees this).
            patch_cache_control(response, private=True, no_cache=True)
            response[VIEWER_HEADER] = viewer_key(request.user)
            return response

        return checked

    return wrap(view) if view is not None else wrap


VIEWER_HEADER = "X-Homeslot-Viewer"


def viewer_key(user) -> str:
    """Who a page was drawn for, as the service worker sees it: stable per account, and not her id."""
    return salted_hmac("homeslot.m.sw-viewer", str(user.pk)).hexdigest()[:20]


def _common(request, context: dict) -> dict:
    """What every page of the app needs: the strings the script shows, the projects to follow."""
    strings = {
        "newTasks": _("%(n)s new tasks — tap to see"),
        "dLeft": _("%(d)s d %(h)s h left"),
        "hLeft": _("%(h)s h %(m)s min left"),
        "mLeft": _("%(m)s min %(s)s s left"),
        "timeUp": _("Time is up"),
        "draftRestored": _("Your unsent draft was restored."),
        "preparingPhotos": _("Preparing the photos…"),
        "tooManyPhotos": str(photo_rules.TooManyPhotos.message),
        "sending": _("Sending…"),
        "updated": _("Updated just now"),
    }
    # Where the live feed resumes from: the page shows the state as of this event id.
    # The language switch comes back to a page she can GET (not to the URL a form was posted to).
    here = request.get_full_path() if request.method == "GET" else request.path
    return {"js_strings": strings, "follow": "", "latest": realtime_selectors.cursor(), "here": here, **context}


def mother_render(request, template: str, context: dict, status: int = 200):
    """Render a page of the app with what every page needs."""
    return render(request, template, _common(request, context), status=status)


# --- first run: profile and her week ---------------------------------------------


@mother_page(setup=True)
@require_http_methods(["GET", "POST"])
def setup(request):
    profile = request.worker_profile
    initial = {}
    if profile is not None:
        initial = {
            "display_name": profile.display_name,
            "city": profile.city,
            "children_under_12": profile.children_under_12,
            "youngest_birth_year": profile.youngest_birth_year,
        }
    else:
        initial = {"display_name": request.user.display_name, "children_under_12": 1}
    form = MotherProfileForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                worker_services.worker_profile_save(
                    user=request.user,
                    display_name=data["display_name"],
                    city=data["city"],
                    children_under_12=data["children_under_12"],
                    youngest_birth_year=data["youngest_birth_year"] if data["children_under_12"] else None,
                )
            except DomainError as error:
                field = error.details.get("field") if isinstance(error.details, dict) else None
                form.add_error(field if field in form.fields else None, str(error.message))
            else:
                messages.success(request, _("Thank you! Your profile is saved."))
                has_week = profile is not None and profile.availability.exists()
                return redirect("m-hall" if has_week else "m-availability")
        status = 400
    return mother_render(request, "frontend/mother/setup.html", {"form": form, "nav": "me"}, status=status)


@mother_page
@require_http_methods(["GET", "POST"])
def availability(request):
    """Her week as a few lines of weekday chips and one time range each."""
    profile = request.worker_profile
    rows = fmt.week_rows(profile.availability.all())
    initial = [{"days": row["days"], "start": row["start"], "end": row["end"]} for row in rows]
    initial += [{}] * max(3 - len(initial), 2)  # empty lines to add a range without JavaScript
    formset = AvailabilityFormSet(request.POST or None, initial=initial[:7], prefix="rows")
    status = 200
    if request.method == "POST":
        if formset.is_valid():
            windows = [
                {"weekday": day, "start": row["start"], "end": row["end"]}
                for row in formset.cleaned_data
                if row.get("days")
                for day in row["days"]
            ]
            try:
                worker_services.availability_replace(user=request.user, windows=windows)
            except DomainError as error:
                messages.error(request, _overlap_message(error))
            else:
                messages.success(request, _("Your hours are saved. Tasks that fit them come first."))
                return redirect("m-hall")
        status = 400
    return mother_render(
        request,
        "frontend/mother/availability.html",
        {
            "formset": formset,
            "summary": fmt.week_summary(profile.availability.all()),
            "weekdays": [(value, str(label)) for value, label in fmt.MOTHER_WEEKDAYS],
            "nav": "me",
        },
        status=status,
    )


def _overlap_message(error: DomainError) -> str:
    if error.code == "availability_overlap":
        day = error.details.get("weekday")
        return _("Two time ranges overlap on %(day)s. Please change one of them.") % {
            "day": fmt.weekday_short(day) if isinstance(day, int) else ""
        }
    return str(error.message)


# --- the task hall ------------------------------------------------------------------


@mother_page
@require_GET
def hall(request):
    profile = request.worker_profile
    kind = request.GET.get("kind", "")
    kind = kind if kind in Kind.values else ""
    fits_only = request.GET.get("fits") == "1"
    groups = hall_groups(request.user, profile, kind=kind, fits_only=fits_only)
    context = {
        "groups": groups,
        "kind": kind,
        "fits_only": fits_only,
        "kinds": [(value, str(label)) for value, label in Kind.choices],
        "week": fmt.week_summary(profile.availability.all()),
        "taken": _taken_offer(request),
        "follow": ",".join(str(group["project"].pk) for group in groups),
        "nav": "hall",
        "page": "hall",
    }
    return mother_render(request, "frontend/mother/hall.html", context)


def hall_groups(user, profile, *, kind: str = "", fits_only: bool = False) -> list[dict]:
    """Projects with tasks she may claim and a slot left, the best slot first (inside her week,
    then earliest); a few tasks each, and how many more there are."""
    tasks = selectors.claimable_tasks_for_worker(user)
    if kind:
        tasks = tasks.filter(project__kind=kind)
    counts = dict(tasks.order_by().values_list("project_id").annotate(n=Count("id")))
    if not counts:
        return []
    slots_by_project = defaultdict(list)
    for slot in selectors.open_slots_for_worker(user).filter(project_id__in=list(counts))[:1000]:
        fits = fairwork.fits_availability(profile, slot.starts_at, slot.ends_at)
        if fits or not fits_only:
            slots_by_project[slot.project_id].append(
                {"slot": slot, "fits": fits, "text": fmt.slot_text(slot.starts_at, slot.ends_at)}
            )
    # The first few tasks of every project in one query, not one query per project.
    first_few = defaultdict(list)
    ranked = tasks.filter(project_id__in=list(slots_by_project)).annotate(
        rank=Window(RowNumber(), partition_by=F("project_id"), order_by=F("id").asc())
    )
    for task in ranked.filter(rank__lte=TASKS_PER_PROJECT):
        first_few[task.project_id].append(task)
    groups = []
    for project_id, slots in slots_by_project.items():
        slots.sort(key=lambda s: (not s["fits"], s["slot"].starts_at, s["slot"].pk))
        shown = first_few[project_id]
        if not shown:
            continue
        project = shown[0].project
        groups.append(
            {
                "project": project,
                "best": slots[0],
                "others": slots[1 : 1 + OTHER_SLOTS_SHOWN],
                "count": counts[project_id],
                "more": counts[project_id] - len(shown),
                "rate": f"{format_rate(project.piece_rate)}/{project.unit}",
                "hourly": format_fen(int(project.implied_hourly_pay * 100)),
                "cards": [_card(task, project) for task in shown],
            }
        )
    groups.sort(key=lambda g: (not g["best"]["fits"], g["best"]["slot"].starts_at, g["project"].pk))
    return groups


def _card(task, project) -> dict:
    minutes = int(-(-(task.units * project.minutes_per_unit) // 1))
    return {
        "task": task,
        "pay": format_fen(fen_for_units(units=task.units, piece_rate=project.piece_rate)),
        "minutes": fmt.minutes_text(minutes),
    }


def _taken_offer(request) -> dict | None:
    """After "someone was faster": the same project's next task, in the slot she chose."""
    if "taken" not in request.GET:
        return None
    task_id, project_id, slot_id = (id_or_none(request.GET.get(name)) for name in ("taken", "project", "slot"))
    visible = selectors.projects_for_worker(request.user)
    project = None
    if task_id:
        project = visible.filter(tasks__pk=task_id).first()
    elif project_id:
        project = visible.filter(pk=project_id).first()
    if project is None:
        return {"project": None, "left": 0, "slot": None}
    left = selectors.claimable_tasks_for_worker(request.user).filter(project=project).count()
    slot = selectors.open_slots_for_worker(request.user).filter(pk=slot_id or 0, project=project).first()
    if slot is None:
        slot = selectors.open_slots_for_worker(request.user).filter(project=project).first()
    return {"project": project, "left": left, "slot": slot, "after": newest_claim_id(request.user)}


def newest_claim_id(user) -> int:
    return selectors.claims_for_worker(user).order_by("-pk").values_list("pk", flat=True).first() or 0


# --- claiming -------------------------------------------------------------------------


@mother_page
@require_POST
def claim(request, pk: int):
    return _claim(request, task_id=pk)


@mother_page
@require_POST
def claim_next(request, pk: int):
    return _claim(request, project_id=pk)


def _claim(request, *, task_id=None, project_id=None):
    form = MotherClaimForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose a time slot."))
        return redirect("m-hall")
    slot_id = form.cleaned_data["slot"]
    confirmed = form.cleaned_data["confirm_outside_availability"]
    after = form.cleaned_data["after"]
    try:
        if task_id is not None:
            made = services.task_claim(
                worker=request.user, task_id=task_id, slot_id=slot_id, confirm_outside_availability=confirmed
            )
        else:
            with transaction.atomic():
                # Her claims one at a time (the row the claim service locks too), so that a form
                # sent twice at once sees the claim the first one made.
                locks.lock(WorkerProfile.objects.filter(user=request.user))
                earlier = _claimed_since(request.user, project_id=project_id, after=after)
                if earlier is not None:  # the same "claim the next one" sent again: the first one won
                    messages.info(request, _("This task is already yours."))
                    return redirect("m-claim", pk=earlier.pk)
                made = services.task_claim_next(
                    worker=request.user, project_id=project_id, slot_id=slot_id, confirm_outside_availability=confirmed
                )
    except OutsideAvailability:
        slot = selectors.open_slots_for_worker(request.user).filter(pk=slot_id).select_related("project").first()
        context = {
            "slot": slot,
            "slot_text": fmt.slot_text(slot.starts_at, slot.ends_at) if slot else "",
            "action": request.path,
            "after": after,
            "here": reverse("m-hall"),
            "nav": "hall",
        }
        return mother_render(request, "frontend/mother/claim_confirm.html", context, status=409)
    except TaskAlreadyClaimed:
        mine = (
            selectors.claims_for_worker(request.user)
            .filter(task_id=task_id, status=ClaimStatus.ACTIVE, expires_at__gt=timezone.now())
            .first()
        )
        if mine is not None:  # her own second tap: the first one already won
            messages.info(request, _("This task is already yours."))
            return redirect("m-claim", pk=mine.pk)
        return redirect(f"{reverse('m-hall')}?taken={task_id or ''}&project={project_id or ''}&slot={slot_id}#taken")
    except NoTaskAvailable:
        messages.info(request, _("All the tasks of this project have been claimed. Have a look at the others."))
        return redirect("m-hall")
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("m-hall")
    messages.success(
        request,
        _("It's yours! Please hand it in by %(deadline)s.") % {"deadline": fmt.moment_text(made.expires_at)},
    )
    return redirect("m-claim", pk=made.pk)


def _claimed_since(user, *, project_id: int, after: int | None):
    """Her live claim in this project made after the page she sent the form from was drawn."""
    if after is None:
        return None
    return (
        selectors.claims_for_worker(user)
        .filter(project_id=project_id, pk__gt=after, status__in=[ClaimStatus.ACTIVE, ClaimStatus.SUBMITTED])
        .order_by("-pk")
        .first()
    )
