"""我的任务 stays one short page however much she has handed in: the claims she is working on, all of
them; what waits for review, the newest 20 and how many more (the loop bench found the page drawing
every waiting claim: 342 ms of CPU for a mother with a few hundred)."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tasks import services
from tasks.models import Claim, ClaimStatus
from tests import factories

pytestmark = pytest.mark.django_db


def hand_in(mother, project, slot, n):
    for _ in range(n):
        claim = services.task_claim_next(
            worker=mother, project_id=project.pk, slot_id=slot.pk, confirm_outside_availability=True
        )
        services.claim_submit(worker=mother, claim_id=claim.pk, completed_units=1)


def my_tasks(mother):
    client = Client()
    client.force_login(mother)
    return client.get("/m/claims/")


def test_what_waits_for_review_is_the_newest_twenty_and_a_count(supervisor, company, mom):
    project = factories.project(supervisor, company, tasks=30, units_per_task=1)
    slot = factories.slot(supervisor, project, starts_in=datetime.timedelta(minutes=-10), hours=3)
    hand_in(mom, project, slot, 23)
    working = services.task_claim_next(
        worker=mom, project_id=project.pk, slot_id=slot.pk, confirm_outside_availability=True
    )

    response = my_tasks(mom)

    assert response.status_code == 200
    page = response.content.decode()
    waiting = Claim.objects.filter(worker=mom, status=ClaimStatus.SUBMITTED).order_by("-pk")
    shown = [c.pk for c in waiting if f'id="claim-{c.pk}"' in page]
    assert shown == [c.pk for c in waiting[:20]]  # the newest 20
    assert f'id="claim-{working.pk}"' in page  # what she is working on, always
    assert 'id="waiting-more"' in page and "3" in page.split('id="waiting-more"')[1][:80]


def test_the_page_costs_the_same_with_three_or_twenty_three_waiting(supervisor, company, mom, other_mother):
    project = factories.project(supervisor, company, tasks=30, units_per_task=1)
    slot = factories.slot(supervisor, project, starts_in=datetime.timedelta(minutes=-10), hours=3)
    few = other_mother
    profile = few.worker_profile
    profile.display_name, profile.city, profile.youngest_birth_year = "李妈妈", "佛山市", 2021
    profile.save()
    hand_in(few, project, slot, 3)
    hand_in(mom, project, slot, 23)
    for mother in (few, mom):  # and one she works on now
        services.task_claim_next(
            worker=mother, project_id=project.pk, slot_id=slot.pk, confirm_outside_availability=True
        )

    counts = []
    for mother in (few, mom):
        client = Client()
        client.force_login(mother)
        client.get("/m/claims/")  # warm: the session, the language
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/m/claims/").status_code == 200
        counts.append(len(queries))
        # Her live claims and those waiting for review: their hand-ins (and reviews) in one read each.
        of_claims = [q["sql"] for q in queries if '"tasks_submission"."claim_id" IN' in q["sql"]]
        assert len(of_claims) == 1, of_claims

    assert counts[1] <= counts[0] + 1  # one count more, never one query per claim
    assert 'id="waiting-more"' not in my_tasks(few).content.decode()
