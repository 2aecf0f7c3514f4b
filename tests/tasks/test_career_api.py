"""GET, POST /api/v1/skills and GET /api/v1/me/skills: scoped to the caller, in plain words."""

import pytest

from skills import services as skill_services
from skills.models import Skill, WorkerSkill
from tasks.models import Project
from tests import factories
from tests.conftest import api_for
from tests.snapshots import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def skill(supervisor, company):
    return skill_services.skill_create(actor=supervisor, company_id=company.pk, name="精细缝纫", unit="件")


@pytest.fixture
def theirs(other_company):
    staff = factories.staff(other_company)
    return skill_services.skill_create(actor=staff, company_id=other_company.pk, name="情感标注", unit="条")


def test_staff_see_only_their_companies_skills_with_rules_in_words(supervisor, skill, theirs):
    body = api_for(supervisor).get("/api/v1/skills", HTTP_ACCEPT_LANGUAGE="en").json()

    assert [s["id"] for s in body["results"]] == [skill.pk]
    rules = body["results"][0]["rules"]
    assert [r["level"] for r in rules] == [1, 2, 3]
    assert rules[1]["words"].startswith("Level 2: at least 30 accepted 件")


def test_a_mother_sees_the_skills_of_companies_with_published_work(supervisor, company, mother, skill, theirs):
    factories.project(supervisor, company, tasks=1)  # published, by 甲公司 only

    body = api_for(mother).get("/api/v1/skills").json()

    assert [s["id"] for s in body["results"]] == [skill.pk]


def test_staff_create_a_skill_once_per_idempotency_key(supervisor, company):
    client = api_for(supervisor)
    body = {
        "name": "商品文案",
        "unit": "篇",
        "levels": 2,
        "rules": [{"level": 1}, {"level": 2, "min_accepted_units": 10}],
    }

    first = client.post("/api/v1/skills", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/skills", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == 201, first.content
    assert again.json() == first.json()
    assert Skill.objects.filter(company=company, name="商品文案").count() == 1
    assert [r["min_accepted_units"] for r in first.json()["rules"]] == [0, 10]


def test_creating_a_skill_is_refused_to_a_mother_and_for_another_company(mother, supervisor, other_company):
    before = world()

    assert api_for(mother).post("/api/v1/skills", {"name": "x"}, format="json").status_code == 403
    refused = api_for(supervisor).post("/api/v1/skills", {"name": "x", "company": other_company.pk}, format="json")
    assert refused.status_code == 404
    bad = api_for(supervisor).post("/api/v1/skills", {"name": "x", "levels": 2, "rules": [{"level": 1}]}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_skill"
    assert world() == before


def test_her_skills_show_her_level_progress_training_and_what_levels_unlock(
    supervisor, company, mother, other_mother, skill
):
    training = factories.project(supervisor, company, tasks=1)
    Project.objects.filter(pk=training.pk).update(skill=skill, training=True, title="缝纫培训")
    work = factories.project(supervisor, company, tasks=1)
    Project.objects.filter(pk=work.pk).update(skill=skill, min_level=2, piece_rate_by_level={"2": "0.80"})
    WorkerSkill.objects.create(worker=other_mother, skill=skill, level=3)

    body = api_for(mother).get("/api/v1/me/skills", HTTP_ACCEPT_LANGUAGE="en").json()

    [path] = body["results"]
    assert (path["skill"], path["level"], path["next_level"], path["progress"]) == (skill.pk, 0, 1, 0.0)
    assert "缝纫培训" in path["how_to_next"]
    assert [(t["project"], t["attempts_left"]) for t in path["training"]] == [(training.pk, 2)]
    level_2 = path["unlocks"][1]
    assert level_2["projects"] == [{"project": work.pk, "title": work.title}]
    assert level_2["rates"] == [{"project": work.pk, "title": work.title, "piece_rate": "0.8000"}]
    assert path["keep_until"] is None and path["acceptance_rate"] is None

    # Another mother's level 3 is hers alone.
    theirs = api_for(other_mother).get("/api/v1/me/skills").json()["results"][0]
    assert theirs["level"] == 3 and theirs["training"] == []


def test_staff_have_no_skills_of_their_own(supervisor):
    assert api_for(supervisor).get("/api/v1/me/skills").status_code == 403
