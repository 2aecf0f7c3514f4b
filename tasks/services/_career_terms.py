"""A project's career terms (skills/): the skill its work needs and the lowest level that may
claim it, or the skill it trains; the pass mark and attempts of a training; the rates by level.

Checked together, after every other term is set (a rate by level is held against ``piece_rate``).
Once a project is out, mothers claimed under its terms: its skill and training terms are fixed, its
lowest level may only go down and its rates by level only up (as its pay, ``TERMS_FIXED_AFTER_DRAFT``)."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from core.ids import MAX_ID, id_or_none
from skills.models import MAX_LEVELS, Skill
from tasks.errors import InvalidCareerTerms, TermsFixed
from tasks.models import Project, ProjectStatus

CAREER_FIELDS = ("skill", "min_level", "training", "training_pass_score", "training_attempts", "piece_rate_by_level")
MAX_ATTEMPTS = 10
_FIXED_ONCE_OUT = ("skill", "training", "training_pass_score", "training_attempts")


def apply_career_terms(*, project: Project, values: dict) -> None:
    """Set the career terms among ``values`` on the project (not saved) and check all of them."""
    before = {name: getattr(project, name) for name in (*_FIXED_ONCE_OUT, "min_level", "piece_rate_by_level")}
    before["skill"] = project.skill_id
    if "skill" in values:
        project.skill = _skill(values["skill"], project.company_id)
    if "training" in values:
        if not isinstance(values["training"], bool):
            raise _invalid(_("training must be true or false."), "training")
        project.training = values["training"]
    for name, low, high in (("training_pass_score", 1, 100), ("training_attempts", 1, MAX_ATTEMPTS)):
        if name in values:
            setattr(project, name, _int(values[name], name, low=low, high=high))
    skill = project.skill
    if "min_level" in values:
        project.min_level = _int(values["min_level"], "min_level", low=0, high=skill.levels if skill else MAX_LEVELS)
    if "piece_rate_by_level" in values:
        project.piece_rate_by_level = _rates(values["piece_rate_by_level"], skill)
    _check_together(project, skill)
    if project.pk and project.status != ProjectStatus.DRAFT:
        _require_not_worse(project, before)


def _check_together(project: Project, skill: Skill | None) -> None:
    if skill is None:
        if project.min_level or project.training or project.piece_rate_by_level:
            raise _invalid(_("A lowest level, a training or rates by level need a skill."), "skill")
        return
    if project.min_level > skill.levels:
        raise _invalid(
            _("min_level must be between 0 and %(levels)s, the levels of “%(skill)s”.")
            % {"levels": skill.levels, "skill": skill.name},
            "min_level",
        )
    if project.training and project.min_level:
        raise _invalid(_("A training project is open to every level: min_level must be 0."), "min_level")
    for key, rate in (project.piece_rate_by_level or {}).items():
        if int(key) > skill.levels:
            raise _invalid(
                _("“%(skill)s” has no level %(level)s.") % {"skill": skill.name, "level": key}, "piece_rate_by_level"
            )
        if project.piece_rate is not None and Decimal(rate) < project.piece_rate:
            raise _invalid(
                _("The rate for level %(level)s must be at least the piece rate.") % {"level": key},
                "piece_rate_by_level",
            )


def _require_not_worse(project: Project, before: dict) -> None:
    if project.skill_id != before["skill"] or any(
        getattr(project, name) != before[name] for name in _FIXED_ONCE_OUT if name != "skill"
    ):
        raise InvalidCareerTerms(
            _("Once a project is published its skill and training terms cannot change."), details={"field": "skill"}
        )
    if project.min_level > before["min_level"]:
        raise InvalidCareerTerms(
            _("Once a project is published its lowest level can only go down."), details={"field": "min_level"}
        )
    old = before["piece_rate_by_level"] or {}
    new = project.piece_rate_by_level or {}
    if any(key not in new or Decimal(new[key]) < Decimal(rate) for key, rate in old.items()):
        raise TermsFixed(details={"field": "piece_rate_by_level"})


def _whole(value) -> int | None:
    """A whole number given as a JSON number or a string of ASCII digits, else None (``"²".isdigit()``
    is true but ``int("²")`` fails; ``int("٢")`` is 2; a number of thousands of digits fails too)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = value.strip() if isinstance(value, str) else ""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def _skill(value, company_id: int) -> Skill | None:
    if value is None or value == "":
        return None
    key = value if isinstance(value, int) and not isinstance(value, bool) else None
    if key is None and isinstance(value, str):
        key = id_or_none(value)
    if key is not None and not 0 < key <= MAX_ID:
        key = None
    skill = Skill.objects.filter(pk=key, company_id=company_id).first() if key else None
    if skill is None:
        raise _invalid(_("Choose one of your company's skills."), "skill")
    return skill


def _int(value, name: str, *, low: int, high: int) -> int:
    number = _whole(value)
    if number is None or not low <= number <= high:
        raise _invalid(
            _("%(field)s must be a whole number from %(low)s to %(high)s.") % {"field": name, "low": low, "high": high},
            name,
        )
    return number


def _rates(value, skill: Skill | None) -> dict[str, str]:
    """{"2": "0.60", ...}: keys the levels 2 and up, values decimals (strings or numbers)."""
    if value is None or value == {}:
        return {}
    if not isinstance(value, dict):
        raise _invalid(_('piece_rate_by_level must map levels to rates, e.g. {"2": "0.60"}.'), "piece_rate_by_level")
    if skill is None:
        raise _invalid(_("A lowest level, a training or rates by level need a skill."), "skill")
    rates = {}
    for key, rate in value.items():
        level = _whole(str(key))
        if level is None or not 2 <= level <= skill.levels:
            raise _invalid(
                _("Rates by level are for levels 2 to %(levels)s of “%(skill)s”.")
                % {"levels": skill.levels, "skill": skill.name},
                "piece_rate_by_level",
            )
        rates[str(level)] = str(_rate(rate, str(level)))
    return dict(sorted(rates.items(), key=lambda item: int(item[0])))


def _rate(value, level: str) -> Decimal:
    try:
        number = Decimal(str(value)) if not isinstance(value, bool) and isinstance(value, (str, int, float)) else None
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or number <= 0 or number.as_tuple().exponent < -4 or number >= 10**6:
        raise _invalid(
            _("The rate for level %(level)s must be a positive number with at most 4 decimal places.")
            % {"level": level},
            "piece_rate_by_level",
        )
    return number


def _invalid(message: str, field: str) -> InvalidCareerTerms:
    return InvalidCareerTerms(message, details={"field": field})
