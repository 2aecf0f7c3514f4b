"""The supervisors' skills page: a company's skills and levels, a new skill with its rules, peer
review opened with a rate — and the walls: another company's skills are neither shown nor changed."""

import pytest
from django.test import Client

from accounts.models import Role
from skills import services as skill_services
from skills.models import LevelRule, Skill, WorkerSkill
from tests import factories
from tests.snapshots import world

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(company, **overrides):
    data = {"company": company.pk, "name": "精细缝纫", "unit": "件", "description": "", "levels": 2}
    data |= {"units_1": 5, "rate_1": 80, "gold_1": "", "units_2": 40, "rate_2": 92, "gold_2": ""}
    return data | overrides


def test_a_supervisor_adds_a_skill_with_her_rules_and_sees_it(supervisor, company):
    response = signed_in(supervisor).post("/work/skills/new", _form(company))
    assert response.status_code == 302
    skill = Skill.objects.get(company=company, name="精细缝纫")
    assert skill.levels == 2
    assert [(r.level, r.min_accepted_units, int(r.min_acceptance_rate)) for r in skill.rules.all()] == [
        (1, 5, 80),
        (2, 40, 92),
    ]
    page = signed_in(supervisor).get("/work/skills/").content.decode()
    assert "精细缝纫" in page and "40" in page and "92" in page


def test_a_second_skill_of_the_same_name_is_refused_and_nothing_changes(supervisor, company):
    signed_in(supervisor).post("/work/skills/new", _form(company))
    before = world()
    response = signed_in(supervisor).post("/work/skills/new", _form(company))
    assert response.status_code == 400
    assert world() == before


def test_the_page_counts_the_mothers_at_each_level_and_hides_other_companies(supervisor, company, other_company):
    skill = skill_services.skill_create(actor=supervisor, company_id=company.pk, name="情感标注", unit="条")
    WorkerSkill.objects.create(worker=factories.mother(), skill=skill, level=2)
    other_admin = factories.staff(other_company, Role.ADMIN)
    skill_services.skill_create(actor=other_admin, company_id=other_company.pk, name="别家技能")
    page = signed_in(supervisor).get("/work/skills/").content.decode()
    assert "情感标注" in page and "别家技能" not in page
    assert LevelRule.objects.filter(skill=skill).count() == 3  # the default rules


def test_peer_review_opens_with_a_rate_and_not_without_one(supervisor, company):
    skill = skill_services.skill_create(actor=supervisor, company_id=company.pk, name="商品文案", unit="篇")
    client = signed_in(supervisor)
    client.post(f"/work/skills/{skill.pk}/peer-review", {"open": "1", "rate": "0"})
    skill.refresh_from_db()
    assert skill.peer_review_open is False  # a peer review is paid: no rate, not opened
    client.post(f"/work/skills/{skill.pk}/peer-review", {"open": "1", "rate": "1.50"})
    skill.refresh_from_db()
    assert skill.peer_review_open is True and str(skill.peer_review_rate) == "1.5000"


def test_another_companys_skill_cannot_be_changed(supervisor, other_company):
    other_admin = factories.staff(other_company, Role.ADMIN)
    skill = skill_services.skill_create(actor=other_admin, company_id=other_company.pk, name="别家技能")
    before = world()
    response = signed_in(supervisor).post(f"/work/skills/{skill.pk}/peer-review", {"open": "1", "rate": "2"})
    assert response.status_code == 404
    assert world() == before


def _project_form(**overrides):
    from tests.test_supervisor_pages import project_fields

    return project_fields(**overrides)


def test_the_project_form_sets_the_skill_the_level_and_the_rates(supervisor, company):
    from tasks.models import Project

    skill = skill_services.skill_create(actor=supervisor, company_id=company.pk, name="精细缝纫")
    client = signed_in(supervisor)
    assert "精细缝纫" in client.get("/work/projects/new").content.decode()
    response = client.post(
        "/work/projects/new",
        _project_form(title="精缝手袋", skill=skill.pk, min_level=2, rate_level_2="0.6000", rate_level_3="0.7000"),
    )
    assert response.status_code == 302
    project = Project.objects.get(title="精缝手袋")
    assert (project.skill_id, project.min_level, project.training) == (skill.pk, 2, False)
    assert {k: str(v) for k, v in project.piece_rate_by_level.items()} == {"2": "0.6000", "3": "0.7000"}
    edit = client.get(f"/work/projects/{project.pk}/edit").content.decode()
    assert f'<option value="{skill.pk}" selected>' in edit


def test_a_training_that_needs_a_level_is_refused_on_the_form_and_nothing_changes(supervisor, company):
    skill = skill_services.skill_create(actor=supervisor, company_id=company.pk, name="精细缝纫")
    before = world()
    response = signed_in(supervisor).post(
        "/work/projects/new", _project_form(title="培训", skill=skill.pk, min_level=1, training="on")
    )
    assert response.status_code == 400
    assert world() == before


def test_a_skill_of_another_company_is_not_offered_nor_taken(supervisor, other_company):
    other_admin = factories.staff(other_company, Role.ADMIN)
    theirs = skill_services.skill_create(actor=other_admin, company_id=other_company.pk, name="别家技能")
    client = signed_in(supervisor)
    assert "别家技能" not in client.get("/work/projects/new").content.decode()
    before = world()
    response = client.post("/work/projects/new", _project_form(skill=theirs.pk))
    assert response.status_code == 400
    assert world() == before
