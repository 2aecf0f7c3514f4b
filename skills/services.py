"""Writes of the career path: a company's skills and their rules, and her level in each.

Her level moves only here: ``level_grant_training`` (a training passed: level 1 at once),
``level_recompute`` (after every review of her work in the skill: promotion at once, a drop only
after the skill's grace period, with a notice that says why and how to recover) and
``demotions_apply`` (the daily job that lets a grace period run out without a new review). Each
change is a ``LevelChange`` row, a notice in her inbox and a ``skill.level_changed`` event."""

import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import User
from accounts.selectors import SUPERVISING_ROLES, role_in
from core import locks
from core.errors import Forbidden, NotFound
from notices.models import NoticeKind
from notices.services import notice_send
from realtime import events
from realtime.groups import company_staff_group, worker_group
from realtime.publish import publish
from skills import rules as level_rules
from skills.errors import InvalidSkill
from skills.models import MAX_LEVELS, LevelCause, LevelChange, LevelRule, Skill, WorkerSkill
from skills.selectors import rules_of

MAX_NAME = 64
MAX_RATE = Decimal("1000")


def _require_staff(actor, company_id: int) -> None:
    role = role_in(actor, company_id)
    if role is None:
        raise NotFound()
    if role not in SUPERVISING_ROLES:
        raise Forbidden(_("Only a supervisor or a company admin can do this."))


def _whole(value, field: str, *, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidSkill(_("%(field)s must be a whole number.") % {"field": field}, details={"field": field})
    if not low <= value <= high:
        raise InvalidSkill(
            _("%(field)s must be from %(low)s to %(high)s.") % {"field": field, "low": low, "high": high},
            details={"field": field},
        )
    return value


def _decimal(value, field: str, *, low: Decimal, high: Decimal, optional: bool = False) -> Decimal | None:
    if value is None and optional:
        return None
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidSkill(_("%(field)s must be a number.") % {"field": field}, details={"field": field}) from None
    if not number.is_finite() or not low <= number <= high:
        raise InvalidSkill(
            _("%(field)s must be from %(low)s to %(high)s.") % {"field": field, "low": low, "high": high},
            details={"field": field},
        )
    return number


def _rules(levels: int, rules) -> list[level_rules.Rule]:
    """The rules as given (a list of ``{level, min_accepted_units, min_acceptance_rate, min_gold_accuracy}``),
    one per level from 1 to ``levels``; None: the defaults, extended for more than three levels."""
    if rules is None:
        out = []
        for level in range(1, levels + 1):
            units, rate, gold = level_rules.DEFAULT_RULES.get(level, (100 * (level - 2), Decimal("95"), Decimal("95")))
            out.append(level_rules.Rule(level, units, rate, gold))
        return out
    if not isinstance(rules, list) or len(rules) != levels:
        raise InvalidSkill(_("Give one rule for each level."), details={"field": "rules"})
    out = []
    for position, rule in enumerate(rules, start=1):
        if not isinstance(rule, dict):
            raise InvalidSkill(_("Each rule is an object."), details={"field": "rules"})
        level = _whole(rule.get("level", position), "level", low=position, high=position)
        out.append(
            level_rules.Rule(
                level,
                _whole(rule.get("min_accepted_units", 0), "min_accepted_units", low=0, high=1_000_000),
                _decimal(rule.get("min_acceptance_rate", 0), "min_acceptance_rate", low=Decimal(0), high=Decimal(100)),
                _decimal(
                    rule.get("min_gold_accuracy"), "min_gold_accuracy", low=Decimal(0), high=Decimal(100), optional=True
                ),
            )
        )
    return out


@transaction.atomic
def skill_create(
    *,
    actor: User,
    company_id: int,
    name: str,
    description: str = "",
    unit: str = "件",
    levels: int = 3,
    rules: list | None = None,
    window: int = 30,
    demotion_grace_days: int = 14,
    peer_review_open: bool = False,
    peer_review_rate: str | int | Decimal = "0",
) -> Skill:
    """A new skill of the company, with its levels and the rule of each (the defaults when none given)."""
    _require_staff(actor, company_id)
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name or len(name) > MAX_NAME:
        raise InvalidSkill(_("Please give the skill a name (at most 64 characters)."), details={"field": "name"})
    unit = (unit or "").strip() if isinstance(unit, str) else ""
    if not unit or len(unit) > 8:
        raise InvalidSkill(_("Please give a unit of at most 8 characters."), details={"field": "unit"})
    levels = _whole(levels, "levels", low=1, high=MAX_LEVELS)
    parsed = _rules(levels, rules)
    if not isinstance(peer_review_open, bool):
        raise InvalidSkill(_("peer_review_open is true or false."), details={"field": "peer_review_open"})
    try:
        with transaction.atomic():
            skill = Skill.objects.create(
                company_id=company_id,
                name=name,
                description=(description or "")[:2000] if isinstance(description, str) else "",
                unit=unit,
                levels=levels,
                window=_whole(window, "window", low=1, high=1000),
                demotion_grace_days=_whole(demotion_grace_days, "demotion_grace_days", low=0, high=365),
                peer_review_open=peer_review_open,
                peer_review_rate=_decimal(peer_review_rate, "peer_review_rate", low=Decimal(0), high=MAX_RATE),
            )
    except IntegrityError:
        raise InvalidSkill(_("The company already has a skill of this name."), details={"field": "name"}) from None
    LevelRule.objects.bulk_create(
        LevelRule(
            skill=skill,
            level=r.level,
            min_accepted_units=r.min_accepted_units,
            min_acceptance_rate=r.min_acceptance_rate,
            min_gold_accuracy=r.min_gold_accuracy,
        )
        for r in parsed
    )
    audit_record(actor=actor, action="skill.create", target=skill, company_id=company_id, name=name, levels=levels)
    return skill


@transaction.atomic
def skill_peer_review_set(*, actor: User, skill_id: int, open: bool, rate: str | int | Decimal | None = None) -> Skill:
    """Open (or close) peer review of the skill to mothers at its top level, at ``rate`` yuan per review."""
    skill = locks.lock_one(Skill.objects.filter(pk=skill_id))
    if skill is None:
        raise NotFound()
    _require_staff(actor, skill.company_id)
    if not isinstance(open, bool):
        raise InvalidSkill(_("open is true or false."), details={"field": "open"})
    opened = open and not skill.peer_review_open
    skill.peer_review_open = open
    if rate is not None:
        skill.peer_review_rate = _decimal(rate, "rate", low=Decimal(0), high=MAX_RATE)
    if open and skill.peer_review_rate <= 0:
        raise InvalidSkill(_("Peer reviews are paid: please set a rate above zero."), details={"field": "rate"})
    Skill.objects.filter(pk=skill.pk).update(
        peer_review_open=skill.peer_review_open, peer_review_rate=skill.peer_review_rate
    )
    audit_record(
        actor=actor,
        action="skill.peer_review",
        target=skill,
        company_id=skill.company_id,
        open=open,
        rate=str(skill.peer_review_rate),
    )
    if opened:
        _tell_top_level(skill)
    return skill


def _yuan(rate: Decimal) -> str:
    """``2.5000`` → ``2.5``, ``10.0000`` → ``10``."""
    text = format(rate, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _tell_top_level(skill: Skill) -> None:
    """Peer review was opened: each mother at the skill's top level hears that she may review now."""
    for worker_id in WorkerSkill.objects.filter(skill=skill, level=skill.levels).values_list("worker_id", flat=True):
        notice_send(
            user_id=worker_id,
            kind=NoticeKind.PEER_REVIEW_OPEN,
            key=f"peer-review-open:{skill.pk}:{worker_id}:{skill.peer_review_rate}",
            text=_(
                "You are at the top level of “%(skill)s”: you can now review other mothers' work of it, "
                "paid %(rate)s yuan per review."
            )
            % {"skill": skill.name, "rate": _yuan(skill.peer_review_rate)},
            data={"skill": skill.pk},
        )


def _holding(worker_id: int, skill: Skill) -> WorkerSkill:
    """Her row of the skill, locked (made at level 0 the first time)."""
    held = locks.lock_one(WorkerSkill.objects.filter(worker_id=worker_id, skill=skill))
    if held is not None:
        return held
    try:
        with transaction.atomic():
            WorkerSkill.objects.create(worker_id=worker_id, skill=skill)
    except IntegrityError:
        pass  # made meanwhile by another of her reviews
    return locks.lock_one(WorkerSkill.objects.filter(worker_id=worker_id, skill=skill))


@transaction.atomic
def level_grant_training(
    *, worker_id: int, skill_id: int, score: int, now: datetime.datetime | None = None
) -> WorkerSkill:
    """She passed a training project of the skill: level 1 at once (a higher level stays)."""
    now = now or timezone.now()
    skill = Skill.objects.get(pk=skill_id)
    held = _holding(worker_id, skill)
    changes = {"trained_at": held.trained_at or now}
    if held.level < 1:
        changes["level"] = 1
    WorkerSkill.objects.filter(pk=held.pk).update(**changes)
    if held.level < 1:
        _changed(held, skill, to_level=1, cause=LevelCause.TRAINING, now=now, score=score)
    for name, value in changes.items():
        setattr(held, name, value)
    return held


@transaction.atomic
def level_recompute(
    *,
    worker_id: int,
    skill_id: int,
    window: level_rules.Window,
    now: datetime.datetime | None = None,
    after_appeal: bool = False,
) -> WorkerSkill:
    """Hold her level against ``window`` (her recent reviewed work in the skill, measured by ``tasks``):
    up at once; below her level the grace period starts (she is told how to recover), and the
    level drops when it has run out. Passing the training keeps level 1 whatever the window.
    ``after_appeal``: recomputed because an appeal changed her accepted units (a rise says so)."""
    now = now or timezone.now()
    skill = Skill.objects.prefetch_related("rules").get(pk=skill_id)
    held = _holding(worker_id, skill)
    measured = min(level_rules.measured_level(rules_of(skill), window), skill.levels)
    if held.trained_at is not None:
        measured = max(measured, 1)
    changes = {
        "reviewed": window.reviewed,
        "accepted_units": window.accepted_units,
        "submitted_units": window.submitted_units,
        "gold_correct": window.gold_correct,
        "gold_total": window.gold_total,
    }
    before = held.level
    if measured > held.level:
        changes |= {"level": measured, "below_since": None}
    elif measured == held.level:
        changes["below_since"] = None
    elif held.below_since is None:
        changes["below_since"] = now
        _warn(held, skill, measured=measured, window=window, now=now)
    elif held.below_since + datetime.timedelta(days=skill.demotion_grace_days) <= now:
        changes |= {"level": measured, "below_since": None}
    WorkerSkill.objects.filter(pk=held.pk).update(**changes, updated_at=now)
    for name, value in changes.items():
        setattr(held, name, value)
    if held.level != before:
        held_before = WorkerSkill(pk=held.pk, worker_id=worker_id, skill=skill, level=before)
        cause = LevelCause.WORK if held.level > before else LevelCause.DEMOTION
        if after_appeal and held.level > before:  # an appeal gave back units that lift her level
            cause = LevelCause.APPEAL
        _changed(held_before, skill, to_level=held.level, cause=cause, now=now, window=window)
    return held


def demotions_apply(*, now: datetime.datetime | None = None) -> int:
    """Levels whose grace period ran out without her work recovering (no new review since): each
    dropped to what her last measured window earns, in its own transaction. The count dropped."""
    now = now or timezone.now()
    due = 0
    for held in WorkerSkill.objects.filter(below_since__isnull=False).select_related("skill"):
        if held.below_since + datetime.timedelta(days=held.skill.demotion_grace_days) > now:
            continue
        window = level_rules.Window.of(held)
        if level_recompute(worker_id=held.worker_id, skill_id=held.skill_id, window=window, now=now).level < held.level:
            due += 1
    return due


def _changed(held: WorkerSkill, skill: Skill, *, to_level: int, cause: str, now, score=None, window=None) -> None:
    """Her level changed: the history row, her notice, the live event (and the company's staff hear it)."""
    LevelChange.objects.create(
        worker_id=held.worker_id, skill=skill, from_level=held.level, to_level=to_level, cause=cause, at=now
    )
    words = {"skill": skill.name, "level": level_rules.level_name(to_level)}
    if cause == LevelCause.TRAINING:
        kind = NoticeKind.LEVEL_UP
        text = _(
            "You passed the training of “%(skill)s” (%(score)s%%) and are now at %(level)s. New work is open to you."
        )
        words["score"] = score
    elif to_level > held.level:
        kind, text = NoticeKind.LEVEL_UP, _("Well done! You reached %(level)s in “%(skill)s”.")
    else:
        kind = NoticeKind.LEVEL_DOWN
        text = _(
            "Your level in “%(skill)s” is now %(level)s: your recent work did not meet the rule for the level "
            "you had. %(how)s"
        )
        words["how"] = _recover_words(skill, held.level, window)
    notice_send(
        user_id=held.worker_id,
        kind=kind,
        key=f"level:{skill.pk}:{held.worker_id}:{now.isoformat()}:{to_level}",
        text=text % words,
        data={"skill": skill.pk, "level": to_level},
    )
    audit_record(
        actor=None,
        action="skill.level",
        target=held,
        company_id=skill.company_id,
        skill=skill.pk,
        from_level=held.level,
        to_level=to_level,
        cause=cause,
    )
    publish(
        events.skill_level_changed(
            skill=skill.pk,
            company=skill.company_id,
            worker=held.worker_id,
            from_level=held.level,
            level=to_level,
            cause=cause,
        ),
        groups=[worker_group(held.worker_id), company_staff_group(skill.company_id)],
    )


def _recover_words(skill: Skill, level: int, window) -> str:
    rule = next((r for r in rules_of(skill) if r.level == level), None)
    if rule is None or window is None:
        return ""
    return level_rules.missing_for(rule, window, unit=skill.unit)


def _warn(held: WorkerSkill, skill: Skill, *, measured: int, window: level_rules.Window, now) -> None:
    """Her work measured below her level: she keeps it for the grace period, and is told how to keep it."""
    notice_send(
        user_id=held.worker_id,
        kind=NoticeKind.LEVEL_WARNING,
        key=f"level-warning:{skill.pk}:{held.worker_id}:{now.isoformat()}",
        text=_(
            "Your recent work in “%(skill)s” is below the rule for %(level)s. You keep the level until %(date)s; "
            "%(how)s"
        )
        % {
            "skill": skill.name,
            "level": level_rules.level_name(held.level),
            "date": timezone.localtime(now + datetime.timedelta(days=skill.demotion_grace_days)).strftime("%m-%d"),
            "how": _recover_words(skill, held.level, window),
        },
        data={"skill": skill.pk, "level": held.level, "measured": measured},
    )
