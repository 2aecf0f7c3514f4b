"""The mothers' task hall under /m/: the projects with tasks she may claim, the best slot first, and
claiming (a chosen task or the next one). Thin, like frontend/mother.py."""

from collections import defaultdict

from django.contrib import messages
from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from core.ids import id_or_none
from fairwork import selectors as fairwork
from fairwork.errors import OutsideAvailability
from frontend import mother_format as fmt
from frontend.mother import mother_page, mother_render, with_windows
from frontend.mother_career import career_of
from frontend.mother_forms import MotherClaimForm
from ledger.money import fen_for_units, format_fen, format_rate
from skills import rules as level_rules
from skills.errors import SkillRequired
from standards import selectors as standard_selectors
from tasks import selectors, services
from tasks.errors import ClaimNextRepeated, NoTaskAvailable, TaskAlreadyClaimed
from tasks.models import ClaimStatus, Kind

OTHER_SLOTS_SHOWN = 6
# The hall keeps this much time for the trip to the pick-up point of a batch that needs one.
PICKUP_TRIP_MINUTES = 30


@mother_page
@require_GET
def hall(request):
    profile = with_windows(request.worker_profile)
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
        "after": newest_claim_id(request.user),  # 领一个 sent twice claims one task (task_claim_next)
        "follow": ",".join(str(group["project"].pk) for group in groups),
        "nav": "hall",
        "page": "hall",
    }
    return mother_render(request, "frontend/mother/hall.html", context)


def hall_groups(user, profile, *, kind: str = "", fits_only: bool = False) -> list[dict]:
    """One card per project with tasks she may claim and a slot she can still finish in: how many
    are left, what the next one pays and takes, the best slot first (inside her week, then earliest)."""
    tasks = selectors.claimable_tasks_for_worker(user)
    if kind:
        tasks = tasks.filter(project__kind=kind)
    counts = dict(tasks.order_by().values_list("project_id").annotate(n=Count("id")))
    if not counts:
        return []
    # The next task of every project (the one 领一个 gives her) in one query, not one per project.
    ranked = tasks.filter(project_id__in=list(counts)).annotate(
        rank=Window(RowNumber(), partition_by=F("project_id"), order_by=F("id").asc())
    )
    nexts = {task.project_id: task for task in ranked.filter(rank=1)}
    now = timezone.now()
    slots_by_project = defaultdict(list)
    for slot in selectors.open_slots_for_worker(user).filter(project_id__in=list(counts))[:1000]:
        task = nexts.get(slot.project_id)
        if task is None:
            continue
        offer = _slot_offer(slot, task, profile, now)
        if offer is not None and (offer["fits"] or not fits_only):
            slots_by_project[slot.project_id].append(offer)
    # Her levels in the skills the work needs: read once for the page, not per card.
    needed = {task.project.skill_id for task in nexts.values() if task.project.skill_id}
    career = career_of(user.pk, needed)
    standards = standard_selectors.card_lines({task.project.company_id for task in nexts.values()})
    groups = []
    for project_id, slots in slots_by_project.items():
        slots.sort(key=lambda s: (not s["fits"], s["slot"].starts_at, s["slot"].pk))
        task = nexts[project_id]
        project = task.project
        your_rate = career.your_rate(project)
        groups.append(
            {
                "project": project,
                "task": _card(task, project),
                "best": slots[0],
                "others": slots[1 : 1 + OTHER_SLOTS_SHOWN],
                "count": counts[project_id],
                "rate": f"{format_rate(project.piece_rate)}/{project.unit}",
                "hourly": format_fen(int(project.implied_hourly_pay * 100)),
                "lock": career.lock(project),
                "level_name": level_rules.level_name(project.min_level) if project.min_level else "",
                "trained": project.training and career.level(project.skill_id) >= 1,
                "your_rate": f"{format_rate(your_rate)}/{project.unit}" if your_rate else "",
                "standard": standards.get(project.company_id),
            }
        )
    groups.sort(key=lambda g: (not g["best"]["fits"], g["best"]["slot"].starts_at, g["project"].pk))
    return groups


def minutes_needed(task, project) -> int:
    """What the task takes her, with the trip to the pick-up point for a batch that needs one."""
    minutes = int(-(-(task.units * project.minutes_per_unit) // 1))
    if project.kind == Kind.ASSEMBLY and project.pickup_point:
        minutes += PICKUP_TRIP_MINUTES
    return minutes


def _slot_offer(slot, task, profile, now) -> dict | None:
    """A slot as the hall offers it, or None when she could no longer finish the task in it: the
    time left of it is less than the task takes (the grace period is for a late hand-in, not to
    plan with)."""
    begins = max(slot.starts_at, now)
    left = int((slot.ends_at - begins).total_seconds() // 60)
    if left < minutes_needed(task, task.project):
        return None
    started = slot.starts_at <= now
    text = fmt.slot_text(slot.starts_at, slot.ends_at)
    return {
        "slot": slot,
        # A slot already running only fits her week if what is left of it does.
        "fits": fairwork.fits_availability(profile, begins, slot.ends_at),
        "text": text,
        "left": fmt.minutes_left_text(left) if started else "",
    }


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
            made = services.task_claim_next(
                worker=request.user,
                project_id=project_id,
                slot_id=slot_id,
                confirm_outside_availability=confirmed,
                after_claim_id=after,
            )
    except ClaimNextRepeated as repeated:  # the same "claim the next one" sent again: the first one won
        messages.info(request, str(repeated.message))
        return redirect("m-claim", pk=repeated.details["claim"])
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
    except SkillRequired as error:  # the words that tell her how to qualify, after what is missing
        how = error.details.get("how_to_qualify") or ""
        messages.error(request, f"{error.message} {how}".strip())
        return redirect("m-hall")
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("m-hall")
    messages.success(
        request,
        _("It's yours! Please hand it in by %(deadline)s.") % {"deadline": fmt.moment_text(made.expires_at)},
    )
    return redirect("m-claim", pk=made.pk)
