"""Her 成长 (growth) page under /m/growth/: every skill she holds or that published work asks for, her
level in it, a bar to the next level, what is missing in plain words, a pending drop, the paid training
she can take, what each level unlocks, and her level history. mother.js re-reads the page's
``#growth`` section when her level changes (``skill.level_changed``, a level notice)."""

import datetime
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.selectors import company_ids_for
from frontend import mother_format as fmt
from frontend.mother import mother_page, mother_render
from frontend.mother_career import Career, career_of
from ledger.money import format_fen, format_rate
from skills import rules as level_rules
from skills.models import LevelChange
from tasks import selectors
from tasks.models import Project, ProjectStatus, Submission, SubmissionStatus

_DECIDED = (SubmissionStatus.ACCEPTED, SubmissionStatus.PARTIALLY_ACCEPTED, SubmissionStatus.REJECTED)
HISTORY_SHOWN = 20


@mother_page
@require_GET
def growth(request):
    context = {"skills": growth_skills(request.user), "history": _history(request.user), "nav": "growth"}
    return mother_render(request, "frontend/mother/growth.html", {**context, "page": "growth"})


def growth_skills(user) -> list[dict]:
    """Her skills and the skills of published work she may see, each with what the page shows."""
    published = (
        selectors.projects_for_worker(user)
        .filter(status=ProjectStatus.PUBLISHED, skill__isnull=False)
        .exclude(company_id__in=company_ids_for(user))
        .order_by("pk")
    )
    by_skill: dict[int, list[Project]] = {}
    for project in published:
        by_skill.setdefault(project.skill_id, []).append(project)
    career = career_of(user.pk, by_skill)
    attempts = _attempts_used(user.pk, [p.pk for ps in career.training.values() for p in ps])
    shown = []
    for skill_id, skill in career.skills.items():
        shown.append(_skill_card(career, skill, by_skill.get(skill_id, []), attempts))
    shown.sort(key=lambda card: (-card["level"], card["skill"].company.name, card["skill"].name))
    return shown


def _skill_card(career: Career, skill, projects: list[Project], attempts: dict[int, int]) -> dict:
    level = career.level(skill.pk)
    held = career.holdings.get(skill.pk)
    window = career.window(skill.pk)
    top = level >= skill.levels
    rule = None if top else career.rule(skill.pk, level + 1)
    return {
        "skill": skill,
        "level": level,
        "level_name": level_rules.level_name(level),
        "next_name": level_rules.level_name(level + 1) if not top else "",
        "top": top,
        "bars": _bars(rule, window, unit=skill.unit) if rule else [],
        "missing": career.how_to_qualify(skill.pk, level + 1) if not top else "",
        "keep_until": _keep_until(held, skill),
        "training": [_training(project, attempts) for project in career.training.get(skill.pk, [])],
        "unlocks": _unlocks(skill, projects, level),
    }


def _bars(rule: level_rules.Rule, window: level_rules.Window, *, unit: str) -> list[dict]:
    """Progress to the next level: accepted units against the rule, her acceptance rate against its floor."""
    bars = []
    if rule.min_accepted_units:
        done = min(window.accepted_units, rule.min_accepted_units)
        bars.append(
            {
                "name": "units",
                "label": _("Accepted %(unit)s") % {"unit": unit},
                "value": f"{window.accepted_units} / {rule.min_accepted_units}",
                "percent": int(done * 100 / rule.min_accepted_units),
                "met": window.accepted_units >= rule.min_accepted_units,
            }
        )
    if rule.min_acceptance_rate > 0:
        rate = window.acceptance_rate
        bars.append(
            {
                "name": "rate",
                "label": _("Acceptance rate"),
                "value": f"{_plain(rate) if rate is not None else '—'}% / ≥ {_plain(rule.min_acceptance_rate)}%",
                "percent": int(min(rate or Decimal(0), Decimal(100))),
                "mark": int(rule.min_acceptance_rate),
                "met": rate is not None and rate >= rule.min_acceptance_rate,
            }
        )
    return bars


def _keep_until(held, skill) -> str:
    """The day a pending drop happens (her recent work measured below her level): empty when none."""
    if held is None or held.below_since is None:
        return ""
    until = held.below_since + datetime.timedelta(days=skill.demotion_grace_days)
    return fmt.day_text(timezone.localtime(until))


def _training(project: Project, attempts: dict[int, int]) -> dict:
    """One training project she can take: what it pays, how long it takes, the attempts she has left."""
    first = project.tasks.filter(units__gt=0).order_by("pk").values_list("units", flat=True).first() or 1
    minutes = int(-(-(first * project.minutes_per_unit) // 1))
    return {
        "project": project,
        "rate": f"{format_rate(project.piece_rate)}/{project.unit}",
        "hourly": format_fen(int(project.implied_hourly_pay * 100)),
        "minutes": fmt.minutes_text(minutes),
        "left": max(project.training_attempts - attempts.get(project.pk, 0), 0),
        "attempts": project.training_attempts,
    }


def _attempts_used(worker_id: int, project_ids: list[int]) -> dict[int, int]:
    """``tasks.career.training_attempts_used`` for several training projects in one query, with a
    hand-in that waits for review counted too (an attempt in progress, as the claim rule counts it)."""
    if not project_ids:
        return {}
    used = (
        Submission.objects.filter(
            worker_id=worker_id, project_id__in=project_ids, status__in=(*_DECIDED, SubmissionStatus.PENDING)
        )
        .order_by()
        .values_list("project_id")
        .annotate(n=Count("pk"))
    )
    return dict(used)


def _unlocks(skill, projects: list[Project], level: int) -> list[dict]:
    """What each level of the skill opens: the published projects that need it, and the rates it earns."""
    rows = []
    for step in range(1, skill.levels + 1):
        needs = [p for p in projects if not p.training and p.min_level == step]
        rates = []
        for project in projects:
            rate = (project.piece_rate_by_level or {}).get(str(step))
            if rate is not None and not project.training:
                rates.append(f"{project.title}: {format_rate(Decimal(str(rate)))}/{project.unit}")
        rows.append(
            {
                "level": step,
                "name": level_rules.level_name(step),
                "held": level >= step,
                "projects": [p.title for p in needs],
                "rates": rates,
            }
        )
    return rows


def _history(user) -> list[dict]:
    changes = LevelChange.objects.filter(worker=user).select_related("skill").order_by("-at", "-pk")
    return [
        {
            "change": change,
            "up": change.to_level > change.from_level,
            "from_name": level_rules.level_name(change.from_level),
            "to_name": level_rules.level_name(change.to_level),
            "day": fmt.day_text(timezone.localtime(change.at)),
        }
        for change in changes[:HISTORY_SHOWN]
    ]


def _plain(value: Decimal) -> str:
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
