"""Reads of her path in each skill (her 成长 page and ``GET /api/v1/me/skills``): her level, how far
she is toward the next and what it takes, a drop pending, the training she can take, and what each
level unlocks (work and rates). Scoped at the source: everything is read for the worker asking."""

import datetime

from django.db.models import Prefetch, Q, QuerySet

from skills import rules as level_rules
from skills.models import LevelRule, Skill, WorkerSkill
from skills.selectors import rules_of, skills_of_companies
from tasks import career
from tasks.models import Project, ProjectStatus


def skills_for_mothers() -> QuerySet[Skill]:
    """The skills of companies that have published work (what a mother may browse)."""
    companies = Project.objects.filter(status=ProjectStatus.PUBLISHED).values("company_id")
    return skills_of_companies(companies.distinct().values_list("company_id", flat=True))


def my_skills(worker_id: int) -> QuerySet[Skill]:
    """Each skill she holds, or that a published project of any company needs or teaches."""
    needed = Project.objects.filter(status=ProjectStatus.PUBLISHED, skill__isnull=False).values("skill_id")
    held = WorkerSkill.objects.filter(worker_id=worker_id).values("skill_id")
    return (
        Skill.objects.filter(Q(pk__in=needed) | Q(pk__in=held))
        .select_related("company")
        .prefetch_related(Prefetch("rules", queryset=LevelRule.objects.order_by("level")))
        .order_by("company_id", "name", "pk")
    )


def skill_path(worker_id: int, skill: Skill) -> dict:
    """Her path in one skill, as ``MySkillOut`` shows it."""
    held = WorkerSkill.objects.filter(worker_id=worker_id, skill=skill).first()
    level = held.level if held else 0
    window = career.window_of(worker_id, skill)
    rules = rules_of(skill)
    next_rule = next((r for r in rules if r.level == level + 1), None) if level < skill.levels else None
    keep_until = None
    if held is not None and held.below_since is not None:
        keep_until = held.below_since + datetime.timedelta(days=skill.demotion_grace_days)
    projects = list(
        Project.objects.filter(skill=skill, status=ProjectStatus.PUBLISHED)
        .order_by("pk")
        .only(
            "pk",
            "title",
            "training",
            "min_level",
            "piece_rate",
            "piece_rate_by_level",
            "training_attempts",
            "training_pass_score",
            "unit",
        )
    )
    return {
        "skill": skill.pk,
        "skill_name": skill.name,
        "company": skill.company_id,
        "company_name": skill.company.name,
        "unit": skill.unit,
        "levels": skill.levels,
        "level": level,
        "level_name": level_rules.level_name(level),
        "next_level": next_rule.level if next_rule else None,
        "next_level_name": level_rules.level_name(next_rule.level) if next_rule else None,
        "progress": level_rules.progress_toward(next_rule, window) if next_rule else 1.0,
        "how_to_next": career.how_to_qualify(worker_id=worker_id, skill=skill, level=next_rule.level)
        if next_rule
        else None,
        "reviewed": window.reviewed,
        "accepted_units": window.accepted_units,
        "acceptance_rate": window.acceptance_rate,
        "gold_accuracy": window.gold_accuracy,
        "below_since": held.below_since if held else None,
        "keep_until": keep_until,
        "training": _training_open(worker_id, level, [p for p in projects if p.training]),
        "unlocks": _unlocks(skill, [p for p in projects if not p.training]),
    }


def _training_open(worker_id: int, level: int, trainings: list[Project]) -> list[dict]:
    """Training she may still take: only before level 1, and only with attempts left."""
    if level >= 1:
        return []
    out = []
    for project in trainings:
        used = career.training_attempts_used(worker_id=worker_id, project_id=project.pk)
        if used < project.training_attempts:
            out.append(
                {
                    "project": project.pk,
                    "title": project.title,
                    "pass_score": project.training_pass_score,
                    "attempts": project.training_attempts,
                    "attempts_left": project.training_attempts - used,
                    "piece_rate": project.piece_rate,
                }
            )
    return out


def _unlocks(skill: Skill, projects: list[Project]) -> list[dict]:
    """For each level: the published work that needs it, and the rate each project pays at it."""
    return [
        {
            "level": level,
            "level_name": level_rules.level_name(level),
            "projects": [{"project": p.pk, "title": p.title} for p in projects if p.min_level == level],
            "rates": [
                {"project": p.pk, "title": p.title, "piece_rate": career.rate_for_level(p, level)}
                for p in projects
                if career.rate_for_level(p, level) > p.piece_rate
            ],
        }
        for level in range(1, skill.levels + 1)
    ]
