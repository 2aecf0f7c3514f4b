"""A company's skills under /work/skills/: the levels and the rules that grant them, how many mothers
hold each level, a new skill, and peer review opened to the top level. Thin: the rules are in
skills.services."""

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import Company
from accounts.selectors import SUPERVISING_ROLES, company_ids_for
from core.errors import DomainError
from frontend.supervisor import form_error, supervisor_required, workspace
from skills import rules as level_rules
from skills import services as skill_services
from skills.models import MAX_LEVELS, Skill, WorkerSkill
from skills.selectors import rules_of, skills_of_companies

RULE_ROWS = range(1, MAX_LEVELS + 1)


class SkillForm(forms.Form):
    """A new skill; the rule of each level below its number of levels (the others are ignored)."""

    company = forms.TypedChoiceField(label=gettext_lazy("company"), coerce=int)
    name = forms.CharField(label=gettext_lazy("name"), max_length=64)
    unit = forms.CharField(label=gettext_lazy("unit"), max_length=8, initial="件")
    description = forms.CharField(label=gettext_lazy("description"), required=False, widget=forms.Textarea)
    levels = forms.IntegerField(label=gettext_lazy("levels"), min_value=1, max_value=MAX_LEVELS, initial=3)

    def __init__(self, *args, companies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].choices = [(c.pk, c.name) for c in companies]
        for level in RULE_ROWS:
            units, rate, gold = level_rules.DEFAULT_RULES.get(level, (100 * (level - 2), 95, 95))
            self.fields[f"units_{level}"] = forms.IntegerField(min_value=0, initial=units, required=False)
            self.fields[f"rate_{level}"] = forms.DecimalField(min_value=0, max_value=100, initial=rate, required=False)
            self.fields[f"gold_{level}"] = forms.DecimalField(min_value=0, max_value=100, initial=gold, required=False)

    def rules(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "level": level,
                "min_accepted_units": data.get(f"units_{level}") or 0,
                "min_acceptance_rate": data.get(f"rate_{level}") or 0,
                "min_gold_accuracy": data.get(f"gold_{level}"),
            }
            for level in range(1, data["levels"] + 1)
        ]

    def rule_rows(self):
        return [(level, self[f"units_{level}"], self[f"rate_{level}"], self[f"gold_{level}"]) for level in RULE_ROWS]


def _companies(request) -> list[Company]:
    return list(Company.objects.filter(pk__in=company_ids_for(request.user, SUPERVISING_ROLES)).order_by("name"))


def _page(request, form, status=200):
    companies = _companies(request)
    skills = list(skills_of_companies([c.pk for c in companies]).select_related("company"))
    holders = {}
    for skill_id, level, count in (
        WorkerSkill.objects.filter(skill__in=skills, level__gte=1)
        .values_list("skill_id", "level")
        .annotate(n=Count("pk"))
    ):
        holders.setdefault(skill_id, {})[level] = count
    rows = []
    for skill in skills:
        counts = holders.get(skill.pk, {})
        rows.append(
            {
                "skill": skill,
                "levels": [
                    {
                        "name": level_rules.level_name(rule.level),
                        "rule": level_rules.rule_words(rule, unit=skill.unit),
                        "holders": counts.get(rule.level, 0),
                    }
                    for rule in rules_of(skill)
                ],
            }
        )
    return workspace(
        request,
        "frontend/supervisor/skills.html",
        {"rows": rows, "form": form, "rule_rows": form.rule_rows()},
        status=status,
    )


@supervisor_required
def skills(request):
    return _page(request, SkillForm(companies=_companies(request)))


@supervisor_required
@require_POST
def skill_new(request):
    form = SkillForm(request.POST, companies=_companies(request))
    if form.is_valid():
        data = form.cleaned_data
        try:
            skill_services.skill_create(
                actor=request.user,
                company_id=data["company"],
                name=data["name"],
                unit=data["unit"],
                description=data["description"],
                levels=data["levels"],
                rules=form.rules(),
            )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Skill added."))
            return redirect(reverse("work-skills"))
    return _page(request, form, status=400)


@supervisor_required
@require_POST
def skill_peer_review(request, pk):
    skill = Skill.objects.filter(pk=pk, company_id__in=company_ids_for(request.user, SUPERVISING_ROLES)).first()
    if skill is None:
        raise Http404
    try:
        skill_services.skill_peer_review_set(
            actor=request.user,
            skill_id=skill.pk,
            open=request.POST.get("open") == "1",
            rate=request.POST.get("rate") or None,
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Peer review settings saved."))
    return redirect(reverse("work-skills"))
