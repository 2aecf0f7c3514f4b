"""Skills: what a company's work asks of a mother, the levels she climbs and the rules that grant them.

A level is earned, never bought: level 1 by passing a training project (or by the level-1 rule from
real work), the others from a window of her recent reviewed work in the skill's projects. The work
itself lives in ``tasks`` (above this app): it measures her window and passes the figures in
(``skills.rules.Window``), so this app keeps the rules and the levels, not the reviews."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Company

MAX_LEVELS = 5


class Skill(models.Model):
    """A skill a company's work needs, e.g. 商品文案, 情感标注, 精细缝纫, with its levels."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="skills")
    name = models.CharField(_("name"), max_length=64)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=8, default="件")
    levels = models.PositiveSmallIntegerField(_("levels"), default=3)
    # Her level is measured over her last ``window`` reviewed hand-ins in the skill's projects.
    window = models.PositiveSmallIntegerField(_("hand-ins measured"), default=30)
    # A level measured below hers is kept this long (and she is told how to recover) before it drops.
    demotion_grace_days = models.PositiveSmallIntegerField(_("days before a level drops"), default=14)
    # Peer review: mothers at the top level may review others' hand-ins of this skill, paid per review.
    peer_review_open = models.BooleanField(_("peer review open"), default=False)
    peer_review_rate = models.DecimalField(
        _("pay per peer review (yuan)"), max_digits=10, decimal_places=4, default=Decimal("0")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["company_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="skill_name_unique_in_company"),
            models.CheckConstraint(condition=Q(levels__gte=1, levels__lte=MAX_LEVELS), name="skill_levels_range"),
            models.CheckConstraint(condition=Q(window__gte=1), name="skill_window_positive"),
            models.CheckConstraint(condition=Q(peer_review_rate__gte=0), name="skill_peer_rate_not_negative"),
        ]

    def __str__(self):
        return self.name


class LevelRule(models.Model):
    """What her recent work must show to hold ``level`` of the skill."""

    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="rules")
    level = models.PositiveSmallIntegerField(_("level"))
    min_accepted_units = models.PositiveIntegerField(_("accepted units"), default=0)
    min_acceptance_rate = models.DecimalField(
        _("acceptance rate (%)"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    # Counted only where her window has gold items (labelling with known answers).
    min_gold_accuracy = models.DecimalField(
        _("gold accuracy (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("level rule")
        verbose_name_plural = _("level rules")
        ordering = ["skill_id", "level"]
        constraints = [
            models.UniqueConstraint(fields=["skill", "level"], name="level_rule_unique"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=MAX_LEVELS), name="level_rule_level_range"),
            models.CheckConstraint(
                condition=Q(min_acceptance_rate__gte=0, min_acceptance_rate__lte=100), name="level_rule_rate_range"
            ),
            models.CheckConstraint(
                condition=Q(min_gold_accuracy__isnull=True) | Q(min_gold_accuracy__gte=0, min_gold_accuracy__lte=100),
                name="level_rule_gold_range",
            ),
        ]

    def __str__(self):
        return f"{self.skill} L{self.level}"


class WorkerSkill(models.Model):
    """Her level in one skill and the window it was measured on (what her 成长 page shows)."""

    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="skills")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="holders")
    level = models.PositiveSmallIntegerField(_("level"), default=0)
    reviewed = models.PositiveIntegerField(_("hand-ins measured"), default=0)
    accepted_units = models.PositiveIntegerField(_("accepted units"), default=0)
    submitted_units = models.PositiveIntegerField(_("units handed in"), default=0)
    gold_correct = models.PositiveIntegerField(_("gold items right"), default=0)
    gold_total = models.PositiveIntegerField(_("gold items"), default=0)
    # Since when her measured level has been below ``level``; the level drops after the skill's grace.
    below_since = models.DateTimeField(_("measured below her level since"), null=True, blank=True)
    trained_at = models.DateTimeField(_("training passed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("worker skill")
        verbose_name_plural = _("worker skills")
        ordering = ["worker_id", "skill_id"]
        constraints = [
            models.UniqueConstraint(fields=["worker", "skill"], name="worker_skill_unique"),
            models.CheckConstraint(condition=Q(level__lte=MAX_LEVELS), name="worker_skill_level_range"),
            models.CheckConstraint(condition=Q(gold_correct__lte=models.F("gold_total")), name="worker_skill_gold"),
        ]

    def __str__(self):
        return f"{self.worker_id} {self.skill} L{self.level}"


class LevelCause(models.TextChoices):
    TRAINING = "training", _("training passed")
    WORK = "work", _("recent work")
    DEMOTION = "demotion", _("recent work, after the grace period")
    APPEAL = "appeal", _("appeal decided")


class LevelChange(models.Model):
    """One change of her level, kept for her history and the company's figures."""

    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="level_changes")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="level_changes")
    from_level = models.PositiveSmallIntegerField(_("from level"))
    to_level = models.PositiveSmallIntegerField(_("to level"))
    cause = models.CharField(_("cause"), max_length=12, choices=LevelCause.choices)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("level change")
        verbose_name_plural = _("level changes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["worker", "skill"], name="level_change_worker_idx")]

    def __str__(self):
        return f"{self.worker_id} {self.skill} {self.from_level}→{self.to_level}"
