"""Refusals of the career path (codes are part of the public API)."""

from django.utils.translation import gettext_lazy as _

from core.errors import Conflict, Invalid


class SkillRequired(Conflict):
    """The work needs a skill at a level she does not hold; ``details`` say which and how to get it:
    ``{skill, skill_name, level, how_to_qualify}``."""

    code = "skill_required"
    message = _("This work needs a skill level you do not have yet.")


class TrainingPassed(Conflict):
    code = "training_passed"
    message = _("You have already passed this training.")


class TrainingAttemptsUsed(Conflict):
    code = "training_attempts_used"
    message = _("You have used all your attempts at this training.")


class InvalidSkill(Invalid):
    """A skill, a level or a rule that is not right: the message says which."""

    code = "invalid_skill"
