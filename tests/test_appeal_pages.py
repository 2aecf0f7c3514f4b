"""Appeals on the pages: her 申诉 under a result that was not accepted (or only partly), while she may
appeal, and its outcome after; the supervisors' list (asked of me first) with its decide form."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from ledger.models import Transaction
from tasks import services
from tasks.models import Appeal, AppealStatus
from tests import factories
from tests.snapshots import world

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def second_supervisor(company):
    return factories.staff(company, Role.SUPERVISOR)


@pytest.fixture
def rejected(mom, supervisor, second_supervisor, assembly, slot):
    claim = services.task_claim_next(worker=mom, project_id=assembly.pk, slot_id=slot.pk)
    submission = services.claim_submit(worker=mom, claim_id=claim.pk, completed_units=10)
    services.submission_review(actor=supervisor, submission_id=submission.pk, decision="reject", reason="不合格")
    return submission


def test_her_result_offers_an_appeal_and_then_shows_it(mom, rejected):
    phone = signed_in(mom)
    before = page(phone.get("/m/claims/"))
    assert f'action="/m/submissions/{rejected.pk}/appeal"' in before

    response = phone.post(f"/m/submissions/{rejected.pk}/appeal", {"reason": "我按样品做的"})

    assert response.status_code == 302 and response["Location"].endswith(f"#submission-{rejected.pk}")
    appeal = Appeal.objects.get(submission=rejected)
    after = page(phone.get("/m/claims/"))
    assert f'data-appeal="{appeal.pk}"' in after and 'data-appeal-status="open"' in after
    assert f'action="/m/submissions/{rejected.pk}/appeal"' not in after
    # The form sent again (a second tap): one appeal, and she is told it is in.
    assert phone.post(f"/m/submissions/{rejected.pk}/appeal", {"reason": "我按样品做的"}).status_code == 302
    assert Appeal.objects.filter(submission=rejected).count() == 1


def test_an_empty_reason_changes_nothing_and_after_seven_days_no_form(mom, rejected):
    phone = signed_in(mom)
    before = world()
    refused = phone.post(f"/m/submissions/{rejected.pk}/appeal", {"reason": "  "}, follow=True)
    assert refused.status_code == 200 and 'role="alert"' in page(refused)  # she is told why
    assert world() == before

    with time_machine.travel(timezone.now() + datetime.timedelta(days=8), tick=False):
        assert f'action="/m/submissions/{rejected.pk}/appeal"' not in page(phone.get("/m/claims/"))


def test_another_mother_gets_a_404(other_mother, rejected):
    profile = other_mother.worker_profile
    profile.display_name, profile.city, profile.youngest_birth_year = "李妈妈", "佛山市", 2021
    profile.save()
    before = world()

    assert signed_in(other_mother).post(f"/m/submissions/{rejected.pk}/appeal", {"reason": "x"}).status_code == 404
    assert world() == before


def test_the_supervisor_decides_from_the_list_and_she_sees_the_outcome(mom, supervisor, second_supervisor, rejected):
    appeal = services.submission_appeal(worker=mom, submission_id=rejected.pk, reason="我按样品做的")
    listed = page(signed_in(second_supervisor).get("/work/appeals/"))
    assert f'id="appeal-{appeal.pk}"' in listed and f'action="/work/appeals/{appeal.pk}/decide"' in listed
    assert "我按样品做的" in listed
    # The first reviewer sees it, without the form.
    first = page(signed_in(supervisor).get("/work/appeals/"))
    assert f'id="appeal-{appeal.pk}"' in first and f'action="/work/appeals/{appeal.pk}/decide"' not in first

    response = signed_in(second_supervisor).post(
        f"/work/appeals/{appeal.pk}/decide", {"decision": "adjust", "accepted_units": "6", "reason": "复核 6 件合格"}
    )

    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.ADJUSTED and appeal.units_after == 6
    assert list(Transaction.objects.filter(key=f"appeal:{appeal.pk}").values_list("units", flat=True)) == [6]
    shown = page(signed_in(mom).get("/m/claims/"))
    assert 'data-appeal-status="adjusted"' in shown and "复核 6 件合格" in shown
    done = page(signed_in(second_supervisor).get("/work/appeals/?status=all"))
    assert 'data-status="adjusted"' in done


def test_the_first_reviewer_and_outsiders_change_nothing(mom, supervisor, other_company, rejected):
    appeal = services.submission_appeal(worker=mom, submission_id=rejected.pk, reason="我按样品做的")
    outsider = factories.staff(other_company, Role.SUPERVISOR)
    before = world()

    body = {"decision": "overturn", "reason": "x"}
    assert signed_in(supervisor).post(f"/work/appeals/{appeal.pk}/decide", body).status_code == 302
    assert signed_in(outsider).post(f"/work/appeals/{appeal.pk}/decide", body).status_code == 404
    assert f"appeal-{appeal.pk}" not in page(signed_in(outsider).get("/work/appeals/"))
    assert world() == before


def test_the_appeals_page_shows_the_companys_appeal_figures(mom, supervisor, second_supervisor, rejected):
    from tasks import selectors

    before = selectors.appeal_figures([rejected.project.company_id])
    assert (before["appealable"], before["appealed"]) == (1, 0)
    appeal = services.submission_appeal(worker=mom, submission_id=rejected.pk, reason="我按样品做的")
    services.appeal_decide(actor=second_supervisor, appeal_id=appeal.pk, decision="overturn", reason="复核合格")
    figures = selectors.appeal_figures([rejected.project.company_id])
    assert figures["appealed"] == 1 and figures["overturned"] == 1
    assert (figures["appealed_percent"], figures["changed_percent"]) == (100, 100)
    shown = page(signed_in(second_supervisor).get("/work/appeals/"))
    assert 'id="appeal-figures"' in shown and 'aria-label="100%"' in shown
