"""A request and its duplicate at the same moment (a phone retrying while the first is still
running): the duplicate waits for the first and gets its answer; never two claims."""

import pytest
from rest_framework.test import APIClient

from accounts.models import IdempotentRequest
from tasks.models import Claim, Submission
from tests import factories
from tests.concurrency.threads import at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_eight_copies_of_one_claim_next_make_one_claim_and_one_answer(on_postgres, company, supervisor, mother):
    project = factories.project(supervisor, company, tasks=10, claim_limit=5)
    slot = factories.slot(supervisor, project)

    def claim(_i):
        response = _client(mother).post(
            f"/api/v1/projects/{project.pk}/claim-next", {"slot": slot.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k"
        )
        return response.status_code, response.json()

    results = at_once(8, claim)

    assert [status for status, _ in results] == [201] * 8
    assert len({body["id"] for _, body in results}) == 1
    assert all(body == results[0][1] for _, body in results)
    assert Claim.objects.filter(worker=mother).count() == 1
    assert IdempotentRequest.objects.count() == 1


def test_four_copies_of_one_hand_in_make_one_submission(on_postgres, company, supervisor, mother):
    project = factories.project(supervisor, company, kind="copywriting", tasks=1)
    slot = factories.slot(supervisor, project)
    claim = _client(mother).post(f"/api/v1/projects/{project.pk}/claim-next", {"slot": slot.pk}, format="json").json()

    def submit(_i):
        response = _client(mother).post(
            f"/api/v1/claims/{claim['id']}/submit", {"text": "写好了"}, format="json", HTTP_IDEMPOTENCY_KEY="hand-in"
        )
        return response.status_code, response.json()

    results = at_once(4, submit)

    assert [status for status, _ in results] == [201] * 4
    assert len({body["id"] for _, body in results}) == 1
    assert Submission.objects.count() == 1
