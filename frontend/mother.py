"""The mothers' phone app under /m/: who may come in, her profile and week (the task hall and
claiming: mother_hall.py; her claims and handing in: mother_work.py; earnings: mother_earnings.py;
the PWA: mother_pwa.py; photos: mother_photos.py).

Thin: every write goes through a service (workers.services, tasks.services), every read through
a selector that is already scoped to her. Every page works as plain HTML forms; the small
script (static/frontend/mother.js) adds live updates, countdowns and photo resizing on top.
"""

import functools

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import prefetch_related_objects
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.selectors import company_ids_for
from core.errors import DomainError
from frontend import mother_format as fmt
from frontend.mother_forms import AvailabilityFormSet, MotherProfileForm
from notices import services as notice_services
from realtime import selectors as realtime_selectors
from tasks.errors import TooManyPhotos
from workers import services as worker_services
from workers.errors import AvailabilityOverlap
from workers.models import WorkerProfile

# A mother signs in once on her own phone and stays signed in (staff keep the default).
MOTHER_SESSION_SECONDS = 90 * 24 * 3600


# --- who may come in ------------------------------------------------------------


def _profile(user):
    """Her profile as it came with her user (config/auth.py), without her weekly windows: the pages
    that use them read them (``with_windows``); claiming reads them in the service, and only when it
    needs them."""
    try:
        return user.worker_profile
    except WorkerProfile.DoesNotExist:
        return None


def with_windows(profile):
    """Her profile with her weekly windows read, once, for a page that looks at them many times."""
    prefetch_related_objects([profile], "availability")
    return profile


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
            notice_services.notice_app_seen(user_id=request.user.pk)
            response = view(request, *args, **kwargs)
            # Her pages are hers: no shared cache keeps them, and the service worker keeps the
            # pages of this viewer only (sw.js drops any other viewer's pages when it sees this).
            patch_cache_control(response, private=True, no_cache=True)
            if response.get("Content-Type", "").startswith("text/html"):
                # A page is its claim's state now: Back after 交活 asks again (no-store also keeps
                # it out of the back-forward cache; mother.js reloads one restored from it anyway).
                patch_cache_control(response, no_store=True)
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
        "tasksLeft": _("Tasks left: %(n)s"),
        "dLeft": _("%(d)s d %(h)s h left"),
        "hLeft": _("%(h)s h %(m)s min left"),
        "mLeft": _("%(m)s min %(s)s s left"),
        "timeUp": _("Time is up"),
        "draftRestored": _("Your unsent draft was restored."),
        "preparingPhotos": _("Preparing the photos…"),
        "tooManyPhotos": str(TooManyPhotos.message),
        "sending": _("Sending…"),
        "updated": _("Updated just now"),
        "codeSent": _("The code is on its way to %(p)s. It may take a minute."),
        "codeAgain": _("Get a new code in %(s)s s"),
        "codeFailed": _("The code could not be sent. Please try again in a minute."),
        # What she tapped offline, waiting on the phone (mother_queue.js), and what came of it.
        "queuedClaim": _("Waiting to send: claim one of “%(t)s”. It goes out by itself when you are online."),
        "queuedSubmit": _("Waiting to send: hand in “%(t)s”. It goes out by itself when you are online."),
        "sentClaim": _("Sent: “%(t)s” is yours."),
        "sentSubmit": _("Sent: “%(t)s” is handed in and waits for review."),
        "lostClaim": _("“%(t)s”: someone else just claimed it."),
        "notSent": _("“%(t)s” did not go through: %(m)s"),
        "openClaim": _("Open the task"),
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
            # A new mother gave her region when she signed up: her city starts as that.
            "city": profile.city or profile.region,
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
    profile = with_windows(request.worker_profile)
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
    if isinstance(error, AvailabilityOverlap):
        day = error.details.get("weekday")
        return _("Two time ranges overlap on %(day)s. Please change one of them.") % {
            "day": fmt.weekday_short(day) if isinstance(day, int) else ""
        }
    return str(error.message)
