"""Skills and levels are shown here; they change only through the services (a level is earned)."""

from django.contrib import admin

from core.admin_read_only import ReadOnlyAdmin, ReadOnlyInline
from skills.models import LevelChange, LevelRule, Skill, WorkerSkill


class LevelRuleInline(ReadOnlyInline):
    model = LevelRule
    readonly_fields = ["level", "min_accepted_units", "min_acceptance_rate", "min_gold_accuracy"]


@admin.register(Skill)
class SkillAdmin(ReadOnlyAdmin):
    list_display = ["name", "company", "levels", "unit", "peer_review_open", "peer_review_rate", "created_at"]
    list_filter = ["company", "peer_review_open"]
    search_fields = ["name"]
    inlines = [LevelRuleInline]


@admin.register(WorkerSkill)
class WorkerSkillAdmin(ReadOnlyAdmin):
    list_display = ["worker", "skill", "level", "reviewed", "accepted_units", "below_since", "trained_at"]
    list_filter = ["skill__company", "level"]


@admin.register(LevelChange)
class LevelChangeAdmin(ReadOnlyAdmin):
    list_display = ["worker", "skill", "from_level", "to_level", "cause", "at"]
    list_filter = ["cause", "skill__company"]
