"""The career path on the mothers' pages: the hall's locked work and level badges, her 成长 page."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from skills import services as skill_services
from skills.models import LevelCause, LevelChange, WorkerSkill
from tasks import services
from tasks.models import Kind
from tests import factories
from tests.test_mother_pages import text_of

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
NOW = datetime.datetime(2026, 11, 29, 6, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _default_language():
    yield
    translation.deactivate()


def at(hour, day=29) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, hour, 0, tzinfo=SHANGHAI)


def phone_of(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def skill(supervisor, company):
    return skill_services.skill_create(actor=supervisor, company_id=company.pk, name="情感标注", unit="条")


def labelling(supervisor, company, skill, *, title, slot=True, **fields):
    project = factories.project(
        supervisor, company, kind=Kind.LABELLING, title=title, tasks=2, units_per_task=5, skill=skill.pk, **fields
    )
    if slot:
        services.slot_create(actor=supervisor, project_id=project.pk, starts_at=at(9), ends_at=at(11), capacity=50)
    return project


@pytest.fixture
def training(supervisor, company, skill):
    return labelling(supervisor, company, skill, title="情感标注培训", training=True, training_attempts=2)


@pytest.fixture
def locked(supervisor, company, skill):
    return labelling(supervisor, company, skill, title="情感标注正式", min_level=1, piece_rate_by_level={"2": "0.0500"})


def card_of(response, project) -> str:
    """The hall's one card of a project."""
    match = re.search(rf'<article[^>]*id="project-{project.pk}".*?</article>', response.content.decode(), flags=re.S)
    assert match, project
    return match.group(0)


# --- the hall ---------------------------------------------------------------------------------


def test_work_that_needs_a_level_she_lacks_is_locked_with_the_way_to_unlock_it(mom, training, locked):
    response = phone_of(mom).get("/m/")

    assert response.status_code == 200
    card = card_of(response, locked)
    assert 'class="card compact locked"' in card and "🔒" in card
    assert "<form" not in card and "/claim" not in card  # no claim button
    assert "Level 1" in card  # the level badge
    assert "Needs Level 1 in “情感标注”." in text_of(response)
    assert "Take the paid training “情感标注培训” to reach Level 1." in card
    assert f'href="/m/#project-{training.pk}"' in card and 'href="/m/growth/"' in card
    first_training = card_of(response, training)
    assert "Training (paid)" in first_training and f"/m/projects/{training.pk}/claim-next" in first_training


def test_her_level_opens_the_work_and_her_rate_shows(mom, skill, training, locked):
    skill_services.level_grant_training(worker_id=mom.pk, skill_id=skill.pk, score=100)
    WorkerSkill.objects.filter(worker=mom, skill=skill).update(level=2)

    response = phone_of(mom).get("/m/")

    card = card_of(response, locked)
    assert "locked" not in card and f"/m/projects/{locked.pk}/claim-next" in card
    assert "Your rate: ¥0.05/条" in text_of(response)
    trained = card_of(response, training)
    assert "You have passed this training." in trained and "/claim" not in trained


def test_the_hall_reads_her_levels_once_however_many_skilled_projects_are_open(
    mom, supervisor, company, skill, training, django_assert_max_num_queries
):
    client = phone_of(mom)
    labelling(supervisor, company, skill, title="正式0", min_level=1)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/m/").status_code == 200

    other = skill_services.skill_create(actor=supervisor, company_id=company.pk, name="商品文案")
    for number in range(1, 7):
        labelling(supervisor, company, other if number % 2 else skill, title=f"正式{number}", min_level=1 + number % 2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/m/")
    assert text_of(response).count("Needs Level") == 7  # one card for each locked project


# --- her 成长 page -----------------------------------------------------------------------------


def test_growth_shows_her_level_progress_training_and_what_levels_unlock(mom, skill, training, locked):
    response = phone_of(mom).get("/m/growth/")

    assert response.status_code == 200
    page = text_of(response)
    assert "情感标注" in page and "not yet qualified" in page
    assert "Take the paid training “情感标注培训” to reach Level 1." in page
    assert "Attempts left: 2 of 2" in page
    assert f'href="/m/#project-{training.pk}"' in response.content.decode()
    assert 'data-bar="units"' in response.content.decode()  # a bar to the next level
    assert "Projects: 情感标注正式" in page and "Rates: 情感标注正式: ¥0.05/条" in page
    assert 'aria-current="page"' in response.content.decode() and 'href="/m/growth/"' in response.content.decode()


def test_growth_after_training_shows_level_one_its_history_and_the_bars_to_level_two(mom, skill, training):
    skill_services.level_grant_training(worker_id=mom.pk, skill_id=skill.pk, score=100)
    WorkerSkill.objects.filter(worker=mom, skill=skill).update(accepted_units=12, submitted_units=15)

    response = phone_of(mom).get("/m/growth/")

    page, source = text_of(response), response.content.decode()
    assert 'data-level="1"' in source and "On the way to Level 2" in page
    assert "Accepted 条: 12 / 30" in page and 'data-percent="40"' in source
    assert "Acceptance rate: 80% / ≥ 90%" in page
    assert "complete 18 more accepted 条" in page
    assert "Training you can take" not in page
    assert "Level history" in page and "not yet qualified → Level 1" in page
    assert LevelChange.objects.get(worker=mom).cause == LevelCause.TRAINING


def test_growth_warns_of_a_pending_drop_with_the_day_she_keeps_it_until(mom, skill):
    WorkerSkill.objects.create(worker=mom, skill=skill, level=2, below_since=NOW - datetime.timedelta(days=4))

    page = text_of(phone_of(mom).get("/m/growth/"))

    assert "You keep it until Wed, 12/9" in page  # 14 days of grace from 25 November


def test_growth_without_skills_says_so(mom):
    response = phone_of(mom).get("/m/growth/")

    assert response.status_code == 200 and "No skills yet." in text_of(response)


def test_growth_is_hers_only(supervisor, skill, training):
    assert phone_of(supervisor).get("/m/growth/").status_code == 403
    assert Client().get("/m/growth/").status_code == 302


def test_skills_of_a_company_she_is_staff_of_are_not_on_her_growth_page(mom, company, skill, training):
    from accounts.models import Membership, Role

    Membership.objects.create(user=mom, company=company, role=Role.FINANCE)
    assert Decimal(1)  # she stays a mother with a profile
    assert "情感标注" not in text_of(phone_of(mom).get("/m/growth/"))
