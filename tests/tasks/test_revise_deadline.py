"""Work sent back for changes late in the evening is not due in the middle of her night: a revision
deadline that would fall in her quiet hours moves to the grace period after them; her pages say
when a deadline falls in her quiet hours."""

import datetime
import re

import pytest
import time_machine
from django.test import Client

from notices.models import NoticeSettings
from tasks import services
from tasks.models import Claim, Kind
from tests import factories

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def at(hour, minute=0, day=2) -> datetime.datetime:
    return datetime.datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def evening_work(supervisor, company, mother):
    """Copywriting in a 20:00–22:00 slot (grace 30 minutes), handed in at 21:40."""
    project = factories.project(supervisor, company, kind=Kind.COPYWRITING, tasks=1)
    with time_machine.travel(at(19), tick=False):
        slot = services.slot_create(
            actor=supervisor, project_id=project.pk, starts_at=at(20), ends_at=at(22), capacity=5
        )
        claim = services.task_claim_next(
            worker=mother, project_id=project.pk, slot_id=slot.pk, confirm_outside_availability=True
        )
    with time_machine.travel(at(21, 40), tick=False):
        submission = services.claim_submit(worker=mother, claim_id=claim.pk, text="纯棉面料，柔软亲肤。")
    return project, claim, submission


def send_back_at(moment, supervisor, submission) -> Claim:
    with time_machine.travel(moment, tick=False):
        services.submission_review(
            actor=supervisor, submission_id=submission.pk, decision="revise", reason="请改短一点"
        )
    return Claim.objects.get(pk=submission.claim_id)


def test_sent_back_at_2150_is_due_after_her_quiet_hours_not_at_2300(supervisor, mother, evening_work):
    _, _, submission = evening_work  # her quiet hours: the defaults, 22:00–07:00

    claim = send_back_at(at(21, 50), supervisor, submission)

    # 22:30 + 30 minutes would be 23:00, in her quiet hours: 07:00 + the 30 minutes of grace instead.
    assert claim.expires_at == at(7, 30, day=3)


def test_a_deadline_outside_her_quiet_hours_is_left_as_it_is(supervisor, mother, evening_work):
    _, _, submission = evening_work
    NoticeSettings.objects.create(user=mother, quiet_start=datetime.time(23, 30), quiet_end=datetime.time(6))

    claim = send_back_at(at(21, 50), supervisor, submission)

    assert claim.expires_at == at(23)  # before 23:30: not moved


def test_her_pages_say_when_a_deadline_falls_in_her_quiet_hours(supervisor, mother, evening_work):
    _, claim, _ = evening_work
    Claim.objects.filter(pk=claim.pk).update(status="active", expires_at=at(23))  # due in her quiet hours
    mother.worker_profile.youngest_birth_year = 2021  # her pages, not the first-run setup
    mother.worker_profile.save()
    phone = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    phone.force_login(mother)

    with time_machine.travel(at(21, 50), tick=False):
        pages = [phone.get(f"/m/claims/{claim.pk}/"), phone.get("/m/claims/")]
        NoticeSettings.objects.filter(user=mother).update(quiet_start=datetime.time(23, 30), quiet_end=datetime.time(6))
        quiet_off = phone.get(f"/m/claims/{claim.pk}/")

    for page in pages:
        text = re.sub(r"<[^>]+>", " ", page.content.decode())
        assert "在您的休息时间内" in text and "12月2日 周三 23:00" in text
    assert "在您的休息时间内" not in quiet_off.content.decode()
