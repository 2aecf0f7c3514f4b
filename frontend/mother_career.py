"""What the career path looks like to her on a page: her level in the skills the work needs, whether
a project is locked to her and, in plain words, what unlocks it. Read once per page, not per card
(the hall and the 成长 page both draw many projects of few skills)."""

import dataclasses

from django.db.models import Prefetch

from skills import rules as level_rules
from skills.models import LevelRule, Skill, WorkerSkill
from skills.selectors import holdings_of
from tasks.career import qualify_words, rate_for_level
from tasks.models import Project, ProjectStatus


@dataclasses.dataclass
class Career:
    """Her holdings, the skills (with rules) and the published training of each, for one page."""

    holdings: dict[int, WorkerSkill]
    skills: dict[int, Skill]
    training: dict[int, list[Project]]

    def level(self, skill_id: int) -> int:
        held = self.holdings.get(skill_id)
        return held.level if held else 0

    def window(self, skill_id: int) -> level_rules.Window:
        """Her last measured window in the skill (what the level services stored at her last review)."""
        held = self.holdings.get(skill_id)
        return level_rules.Window.of(held) if held is not None else level_rules.Window()

    def rule(self, skill_id: int, level: int) -> level_rules.Rule | None:
        skill = self.skills.get(skill_id)
        if skill is None:
            return None
        return next((level_rules.Rule.of(row) for row in skill.rules.all() if row.level == level), None)

    def how_to_qualify(self, skill_id: int, level: int) -> str:
        """The words of ``tasks.career.how_to_qualify``, from what this page already read."""
        skill = self.skills.get(skill_id)
        if skill is None:
            return ""
        held = self.level(skill_id)
        training = self.training.get(skill_id) or []
        return qualify_words(
            held=held,
            level=level,
            training=training[0] if training else None,
            rule=self.rule(skill_id, max(held + 1, 1)),
            window=lambda: self.window(skill_id),
            unit=skill.unit,
        )

    def lock(self, project: Project) -> dict | None:
        """Why the project's work is closed to her (None: open): the level it needs and how to get it."""
        if project.skill_id is None or project.training or self.level(project.skill_id) >= project.min_level:
            return None
        training = self.training.get(project.skill_id) or []
        return {
            "level": project.min_level,
            "level_name": level_rules.level_name(project.min_level),
            "skill": self.skills[project.skill_id].name if project.skill_id in self.skills else "",
            "how": self.how_to_qualify(project.skill_id, project.min_level),
            "training": training[0] if training and self.level(project.skill_id) < 1 else None,
        }

    def your_rate(self, project: Project):
        """Her rate where her level earns more than the project's base rate (None: the base rate)."""
        if not project.piece_rate_by_level or project.skill_id is None:
            return None
        rate = rate_for_level(project, self.level(project.skill_id))
        return rate if rate > project.piece_rate else None


def career_of(worker_id: int, skill_ids) -> Career:
    """Her career in ``skill_ids`` (and every skill she holds), in four queries whatever their number."""
    holdings = holdings_of(worker_id)
    wanted = set(skill_ids) | set(holdings)
    if not wanted:
        return Career(holdings={}, skills={}, training={})
    skills = {
        skill.pk: skill
        for skill in Skill.objects.filter(pk__in=wanted)
        .select_related("company")
        .prefetch_related(Prefetch("rules", queryset=LevelRule.objects.order_by("level")))
    }
    training: dict[int, list[Project]] = {}
    for project in Project.objects.filter(skill_id__in=wanted, training=True, status=ProjectStatus.PUBLISHED).order_by(
        "pk"
    ):
        training.setdefault(project.skill_id, []).append(project)
    return Career(holdings=holdings, skills=skills, training=training)
