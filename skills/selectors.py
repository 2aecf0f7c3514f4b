"""Reads of the career path, scoped at the source."""

from django.db.models import Prefetch, QuerySet

from accounts.selectors import company_ids_for
from skills import rules as level_rules
from skills.models import LevelChange, LevelRule, Skill, WorkerSkill


def skills_of_companies(company_ids) -> QuerySet[Skill]:
    return Skill.objects.filter(company_id__in=list(company_ids)).prefetch_related(
        Prefetch("rules", queryset=LevelRule.objects.order_by("level"))
    )


def staff_skills(user) -> QuerySet[Skill]:
    """The skills of the companies she is staff of."""
    return skills_of_companies(company_ids_for(user))


def levels_of(worker_id: int, skill_ids=None) -> dict[int, int]:
    """Her level in each skill she holds (a skill she has no row of is level 0)."""
    held = WorkerSkill.objects.filter(worker_id=worker_id)
    if skill_ids is not None:
        held = held.filter(skill_id__in=list(skill_ids))
    return dict(held.values_list("skill_id", "level"))


def holdings_of(worker_id: int) -> dict[int, WorkerSkill]:
    return {held.skill_id: held for held in WorkerSkill.objects.filter(worker_id=worker_id)}


def level_history(worker_id: int, company_ids) -> QuerySet[LevelChange]:
    return LevelChange.objects.filter(worker_id=worker_id, skill__company_id__in=list(company_ids)).select_related(
        "skill"
    )


def rules_of(skill: Skill) -> list[level_rules.Rule]:
    return [level_rules.Rule.of(row) for row in skill.rules.all()]
