"""The rules that grant a level, as pure functions of her window of recent work.

``tasks`` measures the window (her last ``skill.window`` reviewed hand-ins in the skill's projects)
and passes it in; these functions say which level it earns and, in plain words, what is still
missing for the next one ("再完成 12 件合格、合格率 ≥ 90% 即可升到二级")."""

import dataclasses
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# A new skill's rules when the company names none: (accepted units, acceptance rate %, gold accuracy %).
DEFAULT_RULES = {
    1: (5, Decimal("80"), None),
    2: (30, Decimal("90"), Decimal("90")),
    3: (100, Decimal("95"), Decimal("95")),
}

LEVEL_NAMES = {
    0: gettext_lazy("not yet qualified"),
    1: gettext_lazy("Level 1"),
    2: gettext_lazy("Level 2"),
    3: gettext_lazy("Level 3"),
    4: gettext_lazy("Level 4"),
    5: gettext_lazy("Level 5"),
}


@dataclasses.dataclass(frozen=True)
class Window:
    """Her recent reviewed work in one skill: what the level rules are held against."""

    reviewed: int = 0
    accepted_units: int = 0
    submitted_units: int = 0
    gold_correct: int = 0
    gold_total: int = 0

    @classmethod
    def of(cls, held) -> "Window":
        """The window last measured for her level (``skills.models.WorkerSkill``'s figures)."""
        return cls(held.reviewed, held.accepted_units, held.submitted_units, held.gold_correct, held.gold_total)

    @property
    def acceptance_rate(self) -> Decimal | None:
        """Accepted units as a share of the units handed in, in per cent (None: nothing reviewed)."""
        if not self.submitted_units:
            return None
        return _percent(self.accepted_units, self.submitted_units)

    @property
    def gold_accuracy(self) -> Decimal | None:
        if not self.gold_total:
            return None
        return _percent(self.gold_correct, self.gold_total)


@dataclasses.dataclass(frozen=True)
class Rule:
    """What her window must show to hold ``level`` (``skills.models.LevelRule`` as plain values)."""

    level: int
    min_accepted_units: int
    min_acceptance_rate: Decimal
    min_gold_accuracy: Decimal | None = None

    @classmethod
    def of(cls, row) -> "Rule":
        return cls(row.level, row.min_accepted_units, Decimal(row.min_acceptance_rate), row.min_gold_accuracy)


def _percent(part: int, whole: int) -> Decimal:
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def holds(rule: Rule, window: Window) -> bool:
    if window.accepted_units < rule.min_accepted_units:
        return False
    rate = window.acceptance_rate
    if rule.min_acceptance_rate > 0 and (rate is None or rate < rule.min_acceptance_rate):
        return False
    gold = window.gold_accuracy
    # Gold items count where her window has them; work without gold is not held to a gold rule.
    return rule.min_gold_accuracy is None or gold is None or gold >= rule.min_gold_accuracy


def measured_level(rules: list[Rule], window: Window) -> int:
    """The highest level whose rule her window meets, with every rule below it met too."""
    level = 0
    for rule in sorted(rules, key=lambda r: r.level):
        if rule.level != level + 1 or not holds(rule, window):
            break
        level = rule.level
    return level


def level_name(level: int) -> str:
    return str(LEVEL_NAMES.get(level, LEVEL_NAMES[5]))


def missing_for(rule: Rule, window: Window, *, unit: str) -> str:
    """What her window still lacks for ``rule``, in one plain sentence she can act on."""
    parts = []
    more = rule.min_accepted_units - window.accepted_units
    if more > 0:
        parts.append(_("complete %(count)s more accepted %(unit)s") % {"count": more, "unit": unit})
    if rule.min_acceptance_rate > 0:
        parts.append(
            _("keep an acceptance rate of at least %(rate)s%%") % {"rate": plain_percent(rule.min_acceptance_rate)}
        )
    if rule.min_gold_accuracy is not None and window.gold_total:
        parts.append(
            _("get at least %(rate)s%% of the check items right") % {"rate": plain_percent(rule.min_gold_accuracy)}
        )
    if not parts:
        return _("You meet the rule for %(level)s.") % {"level": level_name(rule.level)}
    return _("%(steps)s to reach %(level)s.") % {"steps": _("; ").join(parts), "level": level_name(rule.level)}


def plain_percent(value: Decimal) -> str:
    """90.00 → "90", 92.50 → "92.5"."""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def rule_words(rule: Rule, *, unit: str) -> str:
    """The rule of a level in one plain sentence ("Level 2: at least 30 accepted 件, …")."""
    parts = []
    if rule.min_accepted_units:
        parts.append(_("at least %(count)s accepted %(unit)s") % {"count": rule.min_accepted_units, "unit": unit})
    if rule.min_acceptance_rate > 0:
        parts.append(_("an acceptance rate of at least %(rate)s%%") % {"rate": plain_percent(rule.min_acceptance_rate)})
    if rule.min_gold_accuracy is not None:
        parts.append(
            _("at least %(rate)s%% of the check items right (where the work has them)")
            % {"rate": plain_percent(rule.min_gold_accuracy)}
        )
    if not parts:
        return _("%(level)s: open to everyone.") % {"level": level_name(rule.level)}
    return _("%(level)s: %(parts)s in your recent work.") % {
        "level": level_name(rule.level),
        "parts": _("; ").join(parts),
    }


def progress_toward(rule: Rule, window: Window) -> float:
    """How far her window is toward ``rule``, 0..1: the mean of her accepted units toward the rule's
    count and her acceptance rate toward its rate (each capped at 1)."""
    shares = []
    if rule.min_accepted_units:
        shares.append(min(Decimal(1), Decimal(window.accepted_units) / rule.min_accepted_units))
    if rule.min_acceptance_rate > 0:
        rate = window.acceptance_rate or Decimal(0)
        shares.append(min(Decimal(1), rate / rule.min_acceptance_rate))
    if not shares:
        return 1.0
    return float((sum(shares) / len(shares)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
