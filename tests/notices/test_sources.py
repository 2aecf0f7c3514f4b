"""The notices that were missing: a review's result (one per review, in its transaction) and a payout
paid (one per mother line), worded for her, with an SMS planned for the payout only."""

import pytest

from accounts.models import Role
from notices.models import Delivery, Notice, NoticeKind
from tasks.models import Review
from tests import factories
from tests.conftest import api_for
from tests.fairwork.test_jobs_and_rules import submitted
from tests.ledger.test_payouts import act, credit, draft

pytestmark = pytest.mark.django_db


def review(supervisor, submission, **body):
    return api_for(supervisor).post(f"/api/v1/submissions/{submission.pk}/review", body, format="json")


@pytest.mark.parametrize(
    ("body", "kind", "words"),
    [
        ({"decision": "accept"}, NoticeKind.REVIEW_ACCEPTED, "已通过"),
        (
            {"decision": "partial", "accepted_units": 6, "reason": "四件线头没剪"},
            NoticeKind.REVIEW_PARTIAL,
            "10 件中通过 6 件",
        ),
        ({"decision": "reject", "reason": "尺寸不对"}, NoticeKind.REVIEW_REJECTED, "原因：尺寸不对"),
        ({"decision": "revise", "reason": "请补拍照片"}, NoticeKind.REVIEW_REVISE, "需要修改一下：请补拍照片"),
    ],
)
def test_each_review_result_is_a_notice_for_her(supervisor, mother, assembly, slot, body, kind, words):
    submission = submitted(mother, assembly, slot)

    assert review(supervisor, submission, **body).status_code == 200
    [notice] = Notice.objects.filter(user=mother, kind=kind)
    assert notice.key == f"review:{Review.objects.get(submission=submission).pk}"
    assert words in notice.text and assembly.title in notice.text
    assert notice.data == {"submission": submission.pk, "project": assembly.pk, "claim": submission.claim_id}
    assert not Delivery.objects.filter(notice=notice, channel="sms").exists()  # reviews never go by SMS


def test_a_refused_review_sends_nothing(supervisor, mother, assembly, slot):
    submission = submitted(mother, assembly, slot)

    assert review(supervisor, submission, decision="reject").status_code == 400  # no reason
    assert not Notice.objects.filter(user=mother).exclude(kind=NoticeKind.HOURS_NEAR_LIMIT).exists()


def test_a_payout_paid_tells_each_mother_once_with_an_sms_planned(finance, company, mother, other_mother):
    second = factories.staff(company, Role.FINANCE)
    credit(finance, company, mother, 12_345)
    credit(finance, company, other_mother, 500)
    batch = draft(finance).json()
    act(second, batch["id"], "approve")

    assert act(finance, batch["id"], "mark-paid", reference="ICBC-1").status_code == 200
    assert act(finance, batch["id"], "mark-paid", reference="ICBC-1").status_code == 200  # again: no-op

    [hers] = Notice.objects.filter(user=mother, kind=NoticeKind.PAYOUT_PAID)
    assert hers.key == f"payout:{batch['id']}:{mother.pk}"
    assert "¥123.45" in hers.text and "11-01" in hers.text and "11-15" in hers.text
    assert hers.data == {"batch": batch["id"], "company": company.pk, "amount_fen": 12_345}
    sms = Delivery.objects.get(notice=hers, channel="sms")
    assert sms.params == {"amount": "¥123.45"} and sms.status == "pending"
    assert Notice.objects.filter(user=other_mother, kind=NoticeKind.PAYOUT_PAID).count() == 1
