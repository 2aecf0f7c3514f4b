"""A new mother's first step up, in real Chromium at 360 × 740 against the real server (daphne on
PostgreSQL + Redis): the hall shows her work she may not claim yet, locked, with the way to open it; she
takes the paid labelling training (every item a gold item), passes, and her 成长 page — open in another
tab — shows level 1 live, without a reload; then she claims the work that just opened."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from skills import services as skill_services
from skills.models import WorkerSkill
from tasks import services
from tasks.models import Claim, Kind, LabelItem, Submission, SubmissionStatus
from tests import factories
from tests.browser.pages import fits_the_phone, shot, sign_in

pytestmark = [pytest.mark.django_db(transaction=True)]


def _tomorrow(hour: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def career(supervisor, company):
    """A skill, its paid training (3 gold items) and a project that needs level 1, each with a slot tomorrow."""
    skill = skill_services.skill_create(actor=supervisor, company_id=company.pk, name="情感标注", unit="条")
    made = {"skill": skill}
    for name, fields in {
        "training": {"title": "情感标注培训", "training": True, "tasks": 1, "units_per_task": 3},
        "work": {"title": "情感标注正式", "min_level": 1, "tasks": 2, "units_per_task": 5},
    }.items():
        project = factories.project(supervisor, company, kind=Kind.LABELLING, skill=skill.pk, **fields)
        services.slot_create(
            actor=supervisor, project_id=project.pk, starts_at=_tomorrow(9), ends_at=_tomorrow(11), capacity=10
        )
        made[name] = project
    # Every training item has a known answer (how a company uploads them is the training's concern).
    LabelItem.objects.filter(task__project=made["training"]).update(expected_label="好评")  # as a gold column gives
    return made


def test_a_new_mother_sees_locked_work_passes_the_training_sees_her_level_live_and_claims_it(
    server, phone, mom, supervisor, career
):
    hall = phone()
    errors = []
    hall.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(hall, server, mom, "/m/")

    # 1. The work that needs level 1 is locked: no claim button, the words that open it, a way to the training.
    card = hall.locator(f"#project-{career['work'].pk}")
    expect(card).to_have_class("card compact locked")
    assert card.locator("button").count() == 0 and "🔒" in card.inner_text()
    assert "情感标注培训" in card.inner_text()
    assert hall.locator(f"#project-{career['training'].pk} button").count() == 1
    assert fits_the_phone(hall)
    shot(hall, "career-locked")

    # 2. Her 成长 page in another tab of the same phone: not yet qualified, the training offered.
    growth = hall.context.new_page()
    growth.on("pageerror", lambda error: errors.append(str(error)))
    growth.goto(f"{server}/m/growth/")
    badge = growth.locator(f"#skill-{career['skill'].pk}")
    expect(badge).to_have_attribute("data-level", "0")
    assert growth.locator(f"[data-training='{career['training'].pk}']").count() == 1
    assert fits_the_phone(growth)

    # 3. She takes the training: three items, every one right.
    hall.bring_to_front()
    hall.locator(f"#project-{career['training'].pk} button").click()
    hall.wait_for_url("**/m/claims/*/")
    for done in range(1, 4):
        hall.locator("fieldset.item.current label", has_text="好评").click()
        expect(hall.locator("#label-progress")).to_have_text(f"{done}/3")
    hall.locator("#submit-button").click()
    hall.wait_for_url("**/m/claims/?submitted=*")
    # Every item gold: checked the moment she hands it in (tasks.services.training_check), no reviewer.
    handed = Submission.objects.select_related("review").get(worker=mom, project=career["training"])
    assert handed.status == SubmissionStatus.ACCEPTED and handed.review.training_score == 100

    # 4. Level 1, live on the 成长 tab (no reload: the socket's skill.level_changed re-reads the section).
    growth.bring_to_front()
    expect(badge).to_have_attribute("data-level", "1", timeout=15_000)
    assert WorkerSkill.objects.get(worker=mom, skill=career["skill"]).level == 1
    assert "Level history" in growth.inner_text("#growth") or "等级变化记录" in growth.inner_text("#growth")
    shot(growth, "career-growth-level-1")

    # 5. Back in the hall the work is open to her: she claims it.
    hall.bring_to_front()
    hall.goto(f"{server}/m/")
    card = hall.locator(f"#project-{career['work'].pk}")
    expect(card).to_have_class("card compact")
    card.locator("button").click()
    hall.wait_for_url("**/m/claims/*/")
    assert Claim.objects.filter(worker=mom, project=career["work"]).count() == 1
    assert errors == []
