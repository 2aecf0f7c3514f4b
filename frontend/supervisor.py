"""The supervisors' workspace under /work/: who may come in, projects and their dashboard.
Slots are in frontend/supervisor_slots.py, company staff in frontend/supervisor_company.py,
splitting in frontend/supervisor_split.py, reviewing in frontend/supervisor_review.py.

Thin like the finance pages: every write is a service call (tasks.services, accounts.services),
every read goes through a selector scoped to the user; another company's object is a 404.
"""

import datetime
import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Company, CompanyStatus, Role
from accounts.phones import phone_masked
from accounts.selectors import SUPERVISING_ROLES, companies_of, company_ids_for, display_name_of
from core.errors import DomainError, NotFound
from core.ids import id_or_none
from fairwork import selectors as fairwork
from fairwork.errors import BelowPayFloor, RegionUnknown
from frontend.forms import ProjectForm
from frontend.supervisor_text import instructions_html
from ledger.money import format_fen, format_rate
from skills import selectors as skill_selectors
from tasks import selectors, services
from tasks.models import Kind, ProjectStatus, Submission, SubmissionStatus, Task, TaskStatus

# --- access -----------------------------------------------------------------------------------


def supervisor_required(view):
    """Signed in and supervising somewhere (supervisor or company admin). Finance staff are told
    plainly that this is not theirs (403); anyone else sees no workspace at all (404)."""

    @login_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not company_ids_for(request.user, SUPERVISING_ROLES):
            if company_ids_for(request.user):
                message = _("Only a supervisor or a company admin can do this.")
                return render(request, "frontend/error.html", {"message": message}, status=403)
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def project_of(request, pk):
    return get_object_or_404(selectors.projects_for_supervisor(request.user), pk=pk)


WORK_COMPANY = "work_company"  # the session's chosen company of the workspace switcher


def chosen_company_id(request) -> int | None:
    """The company she chose in the navigation (of those she supervises), or None: all of them."""
    chosen = request.session.get(WORK_COMPANY)
    return chosen if chosen in company_ids_for(request.user, SUPERVISING_ROLES) else None


def workspace(request, template: str, context: dict, status: int = 200):
    """Render a workspace page with what its navigation needs: who is signed in, in which company
    (a switcher when she works for several), the queue count, a company still under review."""
    admin_of = company_ids_for(request.user, (Role.ADMIN,))
    mine = list(companies_of(request.user))
    chosen = chosen_company_id(request)
    context = {
        "waiting": selectors.review_queue_for(request.user).count(),
        "is_admin": bool(admin_of),
        "me_name": display_name_of(request.user) or phone_masked(request.user.phone),
        "my_companies": mine,
        "chosen_company": next((c for c in mine if c.pk == chosen), None),
        # A company that registered itself waits for an operator: the workspace says so on every page.
        "pending_companies": [c for c in mine if c.status == CompanyStatus.PENDING],
        **context,
    }
    return render(request, template, context, status=status)


@supervisor_required
@require_POST
def company_switch(request):
    """The navigation's switcher: the projects list shows the chosen company's (or all of hers)."""
    asked = id_or_none(request.POST.get("company"))
    request.session[WORK_COMPANY] = asked if asked in company_ids_for(request.user, SUPERVISING_ROLES) else None
    target = request.POST.get("next") or ""
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts=None) and target.startswith("/work/")
    return redirect(target if safe else "work-projects")


def error_text(error: DomainError) -> str:
    """A service's refusal as a sentence a supervisor can act on."""
    details = error.details if isinstance(error.details, dict) else {}
    if isinstance(error, BelowPayFloor):
        return _(
            "The pay works out at about ¥%(pay)s an hour, below the minimum hourly wage of ¥%(floor)s in "
            "%(region)s. A piece rate of at least ¥%(rate)s would be enough."
        ) % {
            "pay": details.get("implied_hourly_pay", "?"),
            "floor": details.get("pay_floor", "?"),
            "region": details.get("region", "?"),
            "rate": details.get("minimum_piece_rate", "?"),
        }
    if isinstance(error, RegionUnknown):
        known = "、".join(details.get("known_regions", []))
        return _("There is no minimum wage on file for “%(region)s”. Regions on file: %(known)s.") % {
            "region": details.get("region") or "—",
            "known": known or "—",
        }
    return str(error.message)


def form_error(form, error: DomainError) -> None:
    """Attach a service's refusal to the field it names, else to the form."""
    field = error.details.get("field") if isinstance(error.details, dict) else None
    form.add_error(field if field in form.fields else None, error_text(error))


# --- projects ---------------------------------------------------------------------------------


@supervisor_required
def projects(request):
    # One counting subquery per figure: joining tasks and submissions in one query would count
    # tasks × submissions rows per project (millions for a big labelling project) to get two numbers.
    listed = (
        _of_chosen(request, selectors.projects_for_supervisor(request.user))
        .annotate(
            task_count=_count_of(Task.objects.all()),
            waiting_count=_count_of(Submission.objects.filter(status=SubmissionStatus.PENDING)),
        )
        .order_by("-id")[:200]
    )
    rows = [{"project": p, "rate": format_rate(p.piece_rate)} for p in listed]
    return workspace(request, "frontend/supervisor/projects.html", {"rows": rows})


def _of_chosen(request, projects):
    chosen = chosen_company_id(request)
    return projects.filter(company_id=chosen) if chosen else projects


def _count_of(rows):
    """How many of ``rows`` belong to the project of the outer query (0 when none)."""
    counted = rows.filter(project=OuterRef("pk")).order_by().values("project").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)


_CAREER_FORM_FIELDS = ("rate_level_2", "rate_level_3")


def _project_values(form: ProjectForm) -> dict:
    data = dict(form.cleaned_data)
    data.pop("kind", None)
    for name in _CAREER_FORM_FIELDS:
        data.pop(name, None)
    if not data.get("unit"):
        data.pop("unit", None)
    for name in ("gold_min_accuracy", "item_retries"):
        if data.get(name) is None:
            data.pop(name, None)
    return data | form.career_values()


def _skills_for(user):
    return skill_selectors.staff_skills(user).select_related("company").order_by("company__name", "name")


@supervisor_required
def project_new(request):
    company_ids = company_ids_for(request.user, SUPERVISING_ROLES)
    companies = list(Company.objects.filter(pk__in=company_ids).order_by("name"))
    form = ProjectForm(
        request.POST or None,
        initial={"kind": request.GET.get("kind", Kind.ASSEMBLY)},
        skills=_skills_for(request.user),
    )
    if request.method == "POST" and form.is_valid():
        asked = request.POST.get("company")
        # One company: the form has no choice to make. Several: the one chosen, and only one of hers.
        company = next((c for c in companies if str(c.pk) == asked), None if asked else companies[0])
        values = _project_values(form)
        if form.cleaned_data["kind"] != Kind.LABELLING:
            values.pop("label_set", None)
        try:
            if company is None:
                raise NotFound(_("Choose one of the companies you supervise for."))
            project = services.project_create(
                actor=request.user, company_id=company.pk, kind=form.cleaned_data["kind"], **values
            )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("The project is saved as a draft. Next: split the work into tasks."))
            _warn_below_floor(request, project)
            return redirect("work-split", pk=project.pk)
    return _project_form_page(request, form, project=None, companies=companies)


@supervisor_required
def project_edit(request, pk):
    project = project_of(request, pk)
    initial = {name: getattr(project, name) for name in services.EDITABLE_FIELDS}
    initial["label_set"] = "\n".join(project.label_set or [])
    initial["skill"] = project.skill_id
    for level in (2, 3):
        initial[f"rate_level_{level}"] = (project.piece_rate_by_level or {}).get(str(level))
    form = ProjectForm(request.POST or None, initial=initial, editing=True, skills=_skills_for(request.user))
    if request.method == "POST" and form.is_valid():
        values = _project_values(form)
        if project.kind != Kind.LABELLING:
            values.pop("label_set", None)
        current = {name: getattr(project, name) for name in values if name != "skill"} | {"skill": project.skill_id}
        changes = {k: v for k, v in values.items() if v != current[k]}
        try:
            if changes:
                services.project_update(actor=request.user, project_id=project.pk, changes=changes)
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Saved."))
            project.refresh_from_db()
            _warn_below_floor(request, project)
            return redirect("work-project", pk=project.pk)
    return _project_form_page(request, form, project=project)


def _warn_below_floor(request, project) -> None:
    """Saved, but paying below the region's minimum hourly wage: said now, not first at 发布."""
    floor = fairwork.floor_for(project.region)
    if floor is not None and project.implied_hourly_pay < floor.yuan_per_hour:
        messages.warning(
            request,
            _(
                "Saved, but it pays about ¥%(pay)s an hour, below the minimum hourly wage of ¥%(floor)s in "
                "%(region)s: it cannot be published until the piece rate is at least ¥%(rate)s."
            )
            % {
                "pay": f"{project.implied_hourly_pay:.2f}",
                "floor": f"{floor.yuan_per_hour:.2f}",
                "region": floor.region,
                "rate": f"{floor.yuan_per_hour * project.minutes_per_unit / 60:.4f}".rstrip("0").rstrip("."),
            },
        )


def _project_form_page(request, form, *, project, companies=None):
    """The create/edit form, again with its errors (400) after a refused POST."""
    context = {
        "form": form,
        "project": project,
        "companies": companies,
        "regions": fairwork.known_regions(),
        "floors": fairwork.floors_in_force(),  # the warning below the numbers (supervisor.js)
    }
    return workspace(request, "frontend/supervisor/project_form.html", context, status=400 if form.is_bound else 200)


@supervisor_required
@require_POST
def project_action(request, pk, action):
    project = project_of(request, pk)
    if action not in ("publish", "pause", "close"):
        raise Http404
    try:
        services.project_transition(actor=request.user, project_id=project.pk, action=action)
    except DomainError as error:
        messages.error(request, error_text(error))
    else:
        done = {
            "publish": _("Published: mothers can claim its tasks now."),
            "pause": _("Paused."),
            "close": _("Closed."),
        }
        messages.success(request, done[action])
    return redirect("work-project", pk=project.pk)


STATE_LABELS = (
    ("open", TaskStatus.OPEN.label),
    ("claimed", TaskStatus.CLAIMED.label),
    ("submitted", TaskStatus.SUBMITTED.label),
    ("accepted", TaskStatus.ACCEPTED.label),
    ("partially_accepted", TaskStatus.PARTIALLY_ACCEPTED.label),
    ("rejected", TaskStatus.REJECTED.label),
)


def percent(part, whole) -> int:
    return round(100 * part / whole) if whole else 0


def progress_context(project) -> dict:
    """The dashboard's figures: bars by task state, units, money against budget, the oldest wait."""
    progress = selectors.project_progress(project)
    counts = progress["tasks"]
    total = counts["total"]
    oldest = progress["oldest_waiting_since"]
    wait = None
    if oldest:
        waited = timezone.now() - datetime.datetime.fromisoformat(oldest)
        window = datetime.timedelta(hours=project.review_window_hours)
        hours, rest = divmod(int(max(waited.total_seconds(), 0)) // 60, 60)
        wait = {
            "hours": hours,
            "minutes": rest,
            "percent": min(percent(waited.total_seconds(), window.total_seconds()), 100),
            # The review window is a promise to mothers: warn in its last quarter.
            "close": waited >= window * 0.75,
        }
    return {
        "project": project,
        "progress": progress,
        "states": [
            {"key": key, "label": label, "count": counts[key], "percent": percent(counts[key], total)}
            for key, label in STATE_LABELS
        ],
        "units_percent": percent(progress["units_accepted"], progress["units_total"]),
        "money_percent": percent(progress["accrued_fen"], progress["budget_fen"]),
        "accrued": format_fen(progress["accrued_fen"]),
        "budget": format_fen(progress["budget_fen"]),
        "wait": wait,
    }


@supervisor_required
def project(request, pk):
    found = project_of(request, pk)
    floor = fairwork.floor_for(found.region)
    context = {
        **progress_context(found),
        "rate": format_rate(found.piece_rate),
        "floor": floor,
        "below_floor": floor is not None and found.implied_hourly_pay < floor.yuan_per_hour,
        "instructions": instructions_html(found.instructions),
        "can_publish": found.status in (ProjectStatus.DRAFT, ProjectStatus.PAUSED),
        "can_pause": found.status == ProjectStatus.PUBLISHED,
        "can_close": found.status != ProjectStatus.CLOSED,
        "jobs": list(found.split_jobs.order_by("-created_at")[:5]),
        "results_files": list(found.results_exports.order_by("-created_at")[:5]),
    }
    return workspace(request, "frontend/supervisor/project.html", context)


@supervisor_required
def project_progress(request, pk):
    """The dashboard's live part, re-fetched by supervisor.js when an event says it changed."""
    return render(request, "frontend/supervisor/progress.html", progress_context(project_of(request, pk)))
