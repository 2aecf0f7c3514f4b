"""A project's career terms in the API: the skill its work needs and the lowest level, a training
with its pass mark and attempts, the rates by level — checked together (400 invalid_career_terms),
shown in the project, fixed or only better once it is out; a training is held to the pay floor."""

from decimal import Decimal

import pytest

from accounts.models import Company
from skills import services as skill_services
from tasks.errors import InvalidCareerTerms
from tasks.models import Project
from tasks.services._career_terms import apply_career_terms
from tests import factories
from tests.conftest import api_for
from tests.snapshots import assert_refused, world

NEW = {
    "kind": "assembly",
    "title": "精缝帆布包",
    "piece_rate": "0.5000",
    "minutes_per_unit": "1.20",
    "region": "广东省佛山市",
}


@pytest.fixture
def skill(supervisor, company):
    return skill_services.skill_create(actor=supervisor, company_id=company.pk, name="精细缝纫")


@pytest.fixture
def foreign_skill(other_company):
    boss = factories.staff(other_company)
    return skill_services.skill_create(actor=boss, company_id=other_company.pk, name="别家技能")


def test_create_with_a_skill_level_and_rates(supervisor, skill):
    body = {**NEW, "skill": skill.pk, "min_level": 2, "piece_rate_by_level": {"2": "0.60", 3: 0.8}}
    response = api_for(supervisor).post("/api/v1/projects", body, format="json")
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["skill"] == skill.pk and made["skill_name"] == "精细缝纫" and made["min_level"] == 2
    assert made["training"] is False and made["training_pass_score"] == 80 and made["training_attempts"] == 2
    assert made["piece_rate_by_level"] == {"2": "0.60", "3": "0.8"}


def test_create_a_training(supervisor, skill):
    body = {**NEW, "skill": skill.pk, "training": True, "training_pass_score": 90, "training_attempts": 3}
    response = api_for(supervisor).post("/api/v1/projects", body, format="json")
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["training"] is True and made["training_pass_score"] == 90 and made["training_attempts"] == 3


def test_a_project_without_a_skill_shows_none(supervisor):
    made = api_for(supervisor).post("/api/v1/projects", NEW, format="json").json()
    assert made["skill"] is None and made["skill_name"] is None and made["min_level"] == 0
    assert made["piece_rate_by_level"] == {}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"skill": 999999}, "skill"),
        ({"min_level": 1}, "skill"),  # a level needs a skill
        ({"training": True}, "skill"),
        ({"piece_rate_by_level": {"2": "0.6"}}, "skill"),
        ({"with_skill": True, "min_level": 4}, "min_level"),  # the skill has 3 levels
        ({"with_skill": True, "training": True, "min_level": 1}, "min_level"),
        ({"with_skill": True, "training_pass_score": 0}, "training_pass_score"),
        ({"with_skill": True, "training_pass_score": 101}, "training_pass_score"),
        ({"with_skill": True, "training_attempts": 0}, "training_attempts"),
        ({"with_skill": True, "training_attempts": 11}, "training_attempts"),
        ({"with_skill": True, "piece_rate_by_level": {"1": "0.6"}}, "piece_rate_by_level"),
        ({"with_skill": True, "piece_rate_by_level": {"4": "0.6"}}, "piece_rate_by_level"),
        ({"with_skill": True, "piece_rate_by_level": {"x": "0.6"}}, "piece_rate_by_level"),
        ({"with_skill": True, "piece_rate_by_level": {"2": "0.4"}}, "piece_rate_by_level"),  # below piece_rate
        ({"with_skill": True, "piece_rate_by_level": {"2": "abc"}}, "piece_rate_by_level"),
        ({"with_skill": True, "piece_rate_by_level": {"2": "NaN"}}, "piece_rate_by_level"),
        ({"with_skill": True, "piece_rate_by_level": {"2": "0.123456"}}, "piece_rate_by_level"),
        ({"with_skill": True, "piece_rate_by_level": {"²": "2.00"}}, "piece_rate_by_level"),  # isdigit, not int
        ({"with_skill": True, "piece_rate_by_level": {"٢": "2.00"}}, "piece_rate_by_level"),  # Arabic-Indic 2
        ({"with_skill": True, "piece_rate_by_level": {"2" * 5000: "2.00"}}, "piece_rate_by_level"),
    ],
)
def test_bad_career_terms_are_refused(supervisor, skill, change, field):
    change = dict(change)
    if change.pop("with_skill", False):
        change["skill"] = skill.pk
    before = world()
    response = api_for(supervisor).post("/api/v1/projects", {**NEW, **change}, format="json")
    assert_refused(response, 400, "invalid_career_terms", before)
    assert response.json()["error"]["details"]["field"] == field


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"skill": "²"}, "skill"),
        ({"skill": "¹"}, "skill"),
        ({"skill": "9" * 30}, "skill"),
        ({"with_skill": True, "min_level": "²"}, "min_level"),
        ({"with_skill": True, "min_level": "٢"}, "min_level"),
        ({"with_skill": True, "training_attempts": "¹"}, "training_attempts"),
        ({"with_skill": True, "training_pass_score": "5" * 5000}, "training_pass_score"),
        ({"with_skill": True, "piece_rate_by_level": {"²": "2.00"}}, "piece_rate_by_level"),
    ],
)
def test_the_terms_service_refuses_digits_int_cannot_read(company, skill, values, field):
    """The API's fields are strict integers; the service itself (any caller) holds too: a 400, not a 500."""
    values = dict(values)
    if values.pop("with_skill", False):
        values["skill"] = skill.pk
    project = Project(company=company, piece_rate=Decimal("0.5"))

    with pytest.raises(InvalidCareerTerms) as refused:
        apply_career_terms(project=project, values=values)

    assert refused.value.details == {"field": field}


def test_a_skill_of_another_company_is_refused(supervisor, foreign_skill):
    before = world()
    response = api_for(supervisor).post("/api/v1/projects", {**NEW, "skill": foreign_skill.pk}, format="json")
    assert_refused(response, 400, "invalid_career_terms", before)


@pytest.mark.parametrize(
    "change",
    [{"skill": "x"}, {"min_level": "two"}, {"training": "maybe"}, {"piece_rate_by_level": ["0.6"]}],
)
def test_malformed_career_terms_are_a_400(supervisor, change):
    before = world()
    response = api_for(supervisor).post("/api/v1/projects", {**NEW, **change}, format="json")
    assert response.status_code == 400 and world() == before


def test_patch_in_draft_then_only_better_once_out(supervisor, company, skill):
    project = factories.project(supervisor, company, publish=False)
    client = api_for(supervisor)
    patched = client.patch(
        f"/api/v1/projects/{project.pk}",
        {"skill": skill.pk, "min_level": 2, "piece_rate_by_level": {"2": "0.60"}},
        format="json",
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["min_level"] == 2
    client.post(f"/api/v1/projects/{project.pk}/publish")
    for change, status, code in [
        ({"min_level": 3}, 400, "invalid_career_terms"),
        ({"skill": None, "min_level": 0, "piece_rate_by_level": {}}, 400, "invalid_career_terms"),
        ({"training_attempts": 5}, 400, "invalid_career_terms"),
        ({"piece_rate_by_level": {"2": "0.55"}}, 409, "terms_fixed"),
        ({"piece_rate": "0.70"}, 400, "invalid_career_terms"),  # above the level's rate
    ]:
        before = world()
        assert_refused(client.patch(f"/api/v1/projects/{project.pk}", change, format="json"), status, code, before)
    better = client.patch(
        f"/api/v1/projects/{project.pk}", {"min_level": 1, "piece_rate_by_level": {"2": "0.65", "3": "0.9"}}
    )
    assert better.status_code == 200, better.content
    assert better.json()["min_level"] == 1 and better.json()["piece_rate_by_level"] == {"2": "0.65", "3": "0.9"}


def test_a_training_is_held_to_the_pay_floor_at_publish(supervisor, company, skill):
    cheap = factories.project(
        supervisor,
        company,
        publish=False,
        skill=skill.pk,
        training=True,
        piece_rate=Decimal("0.0500"),
        minutes_per_unit=Decimal("1.00"),
    )
    before = world()
    response = api_for(supervisor).post(f"/api/v1/projects/{cheap.pk}/publish")
    assert_refused(response, 409, "below_pay_floor", before)
    assert Company.objects.filter(pk=company.pk).exists()
