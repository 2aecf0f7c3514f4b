"""The work's side of the career path (skills/ keeps the rules and the levels): her window of recent
reviewed work in a skill, the rule a claim is held to, and the words that tell her how to qualify.

One rule for both claim paths: a project with ``skill`` and ``min_level`` > 0 may be claimed only by
a mother whose ``skills.WorkerSkill`` level in it is at least ``min_level``. The ORM path asks
``skill_refusal``; the claim function (``tasks.claim_sql``) reads the same row and, when it does not
hold, leaves the claim to the ORM path, which refuses with ``skill_required``. A training project
is always left to the ORM path (its attempts are counted there)."""

from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from skills import rules as level_rules
from skills import selectors as skill_selectors
from skills.errors import SkillRequired, TrainingAttemptsUsed, TrainingPassed
from skills.models import Skill, WorkerSkill
from skills.selectors import rules_of
from tasks.errors import ClaimLimitReached, TrainingInReview
from tasks.models import Claim, ClaimStatus, Project, ProjectStatus, Review, Submission, SubmissionStatus

_DECIDED = (SubmissionStatus.ACCEPTED, SubmissionStatus.PARTIALLY_ACCEPTED, SubmissionStatus.REJECTED)
# A decided hand-in's accepted units as they stand: its task's, which an appeal or an audit that
# raised them moved too (a decided hand-in is its task's last).
FINAL_UNITS = "task__accepted_units"


def window_of(worker_id: int, skill: Skill) -> level_rules.Window:
    """Her last ``skill.window`` decided hand-ins in the skill's projects (training left out): the
    units handed in and accepted, and the gold items right of those that had any."""
    recent = list(
        Submission.objects.filter(
            worker_id=worker_id, project__skill=skill, project__training=False, status__in=_DECIDED
        )
        .order_by("-review__decided_at", "-pk")
        .values_list("pk", flat=True)[: skill.window]
    )
    if not recent:
        return level_rules.Window()
    totals = Submission.objects.filter(pk__in=recent).aggregate(
        reviewed=Count("pk"),
        submitted=Sum("submitted_units"),
        accepted=Sum(FINAL_UNITS),
        gold_correct=Sum("gold_correct"),
        gold_total=Sum("gold_total"),
    )
    return level_rules.Window(
        reviewed=totals["reviewed"],
        accepted_units=totals["accepted"] or 0,
        submitted_units=totals["submitted"] or 0,
        gold_correct=totals["gold_correct"] or 0,
        gold_total=totals["gold_total"] or 0,
    )


def training_projects(skill_id: int):
    return Project.objects.filter(skill_id=skill_id, training=True, status=ProjectStatus.PUBLISHED).order_by("pk")


def how_to_qualify(*, worker_id: int, skill: Skill, level: int) -> str:
    """What she can do to reach ``level`` of the skill: the training for level 1 when there is one,
    else what her recent work still lacks."""
    held = WorkerSkill.objects.filter(worker_id=worker_id, skill=skill).values_list("level", flat=True).first() or 0
    rule = next((r for r in rules_of(skill) if r.level == max(held + 1, 1)), None)
    return qualify_words(
        held=held,
        level=level,
        training=training_projects(skill.pk).first() if held < 1 else None,
        rule=rule,
        window=lambda: window_of(worker_id, skill),
        unit=skill.unit,
    )


def qualify_words(*, held: int, level: int, training: Project | None, rule, window, unit: str) -> str:
    """The words of what reaches ``level`` from ``held``: the training (``training``, for one below
    level 1), else what ``window()`` (her recent work) lacks for ``rule``, the next level's."""
    if held < 1 and training is not None:
        first = _("Take the paid training “%(title)s” to reach %(level)s.") % {
            "title": training.title,
            "level": level_rules.level_name(1),
        }
        if level <= 1:
            return first
        then = _("Then keep doing good work in this skill to reach %(level)s.") % {
            "level": level_rules.level_name(level)
        }
        return f"{first} {then}"
    if rule is None:
        return ""
    return level_rules.missing_for(rule, window(), unit=unit)


def skill_refusal(*, worker_id: int, project: Project) -> Exception | None:
    """Why she may not claim the project's work by the career rules (None: she may)."""
    if project.skill_id is None:
        return None
    level = WorkerSkill.objects.filter(worker_id=worker_id, skill_id=project.skill_id).values_list("level", flat=True)
    level = level.first() or 0
    if project.training:
        return _training_refusal(worker_id=worker_id, project=project, level=level)
    if level >= project.min_level:
        return None
    skill = Skill.objects.prefetch_related("rules").get(pk=project.skill_id)
    return SkillRequired(
        _("“%(title)s” needs %(level)s in “%(skill)s”.")
        % {"title": project.title, "level": level_rules.level_name(project.min_level), "skill": skill.name},
        details={
            "skill": skill.pk,
            "skill_name": skill.name,
            "level": project.min_level,
            "your_level": level,
            "how_to_qualify": how_to_qualify(worker_id=worker_id, skill=skill, level=project.min_level),
        },
    )


def training_attempts_used(*, worker_id: int, project_id: int) -> int:
    """Her hand-ins of the training project that were decided (a revision asked for is not an attempt)."""
    return Review.objects.filter(
        submission__worker_id=worker_id, submission__project_id=project_id, submission__status__in=_DECIDED
    ).count()


def _training_refusal(*, worker_id: int, project: Project, level: int):
    """One attempt at a time: not while she holds a live claim of the training or a hand-in of it
    waits for review (a pending hand-in is an attempt in progress), and never beyond the attempts.
    The claim path calls this with her profile locked, so two claims of hers cannot both pass."""
    if level >= 1:
        return TrainingPassed()
    used = training_attempts_used(worker_id=worker_id, project_id=project.pk)
    pending = Submission.objects.filter(
        worker_id=worker_id, project_id=project.pk, status=SubmissionStatus.PENDING
    ).count()
    if used + pending >= project.training_attempts:
        return TrainingAttemptsUsed(details={"attempts": project.training_attempts, "used": used, "pending": pending})
    live = Claim.objects.filter(
        worker_id=worker_id, project_id=project.pk, status=ClaimStatus.ACTIVE, expires_at__gt=timezone.now()
    )
    if live.exists():
        return ClaimLimitReached(details={"limit": 1})
    if pending:
        return TrainingInReview(details={"pending": pending})
    return None


def rate_for_level(project: Project, level: int):
    """The piece rate her level earns in the project: the best of ``piece_rate`` and the rates of the
    levels she holds (``piece_rate_by_level``, keys "2", "3", …)."""
    best = project.piece_rate
    for key, rate in (project.piece_rate_by_level or {}).items():
        if str(key).isdigit() and int(key) <= level:
            best = max(best, Decimal(str(rate)))
    return best


class Standing:
    """Her levels, read once, for a page of the hall: which work is locked to her, what unlocks it,
    and the rate her level earns. What unlocks a skill's level is worked out once per skill and level."""

    def __init__(self, worker_id: int | None):
        self.worker_id = worker_id
        self.levels = skill_selectors.levels_of(worker_id) if worker_id else {}
        self._how: dict[tuple[int, int], str] = {}

    def level(self, project: Project) -> int:
        return self.levels.get(project.skill_id, 0) if project.skill_id else 0

    def locked(self, project: Project) -> bool:
        if project.skill_id is None:
            return False
        if project.training:
            return self.level(project) >= 1  # passed: nothing more to take
        return self.level(project) < project.min_level

    def how_to_qualify(self, project: Project) -> str:
        if not self.worker_id or not self.locked(project) or project.training:
            return ""
        key = (project.skill_id, project.min_level)
        if key not in self._how:
            self._how[key] = how_to_qualify(worker_id=self.worker_id, skill=project.skill, level=project.min_level)
        return self._how[key]

    def rate(self, project: Project) -> Decimal:
        return rate_for_level(project, self.level(project))
