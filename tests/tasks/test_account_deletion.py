"""POST /api/v1/me/delete {code}: her personal data erased, her ledger kept under an anonymous id,
her live claims given back, her balance still paid (个人信息保护法 §47)."""

import datetime

import pytest
import time_machine

from accounts.codes import sms_code_issue
from accounts.models import (
    AccessChange,
    AccessReason,
    ApiToken,
    AuditEntry,
    Consent,
    ConsentDocument,
    Membership,
    Role,
    SmsCode,
    User,
)
from ledger import payouts
from ledger import selectors as ledger_selectors
from ledger.models import Posting, Transaction
from notices.models import Notice, NoticeKind
from notices.services import notice_send
from realtime.models import OutboxEvent
from tasks import jobs as task_jobs
from tasks import services
from tasks.models import Claim, ClaimStatus, Submission, Task, TaskStatus
from tests import factories
from tests.conftest import api_for
from tests.snapshots import assert_refused, world
from workers import services as worker_services
from workers.models import AvailabilityWindow, PayoutAccount, WorkerProfile

pytestmark = pytest.mark.django_db
NOV_5 = datetime.datetime(2026, 11, 5, 2, tzinfo=datetime.UTC)  # 10:00 in Shanghai
NOV_18 = datetime.datetime(2026, 11, 18, 2, tzinfo=datetime.UTC)
NOV_20 = datetime.datetime(2026, 11, 20, 2, tzinfo=datetime.UTC)


def delete(user, code):
    return api_for(user).post("/api/v1/me/delete", {"code": code}, format="json")


@pytest.fixture
def her_world(supervisor, company, mother):
    """On 5 November she did accepted work (¥5.00), holds a live claim, has a week, a notice and a
    card on file; on the 18th she deletes her account."""
    with time_machine.travel(NOV_5, tick=False):
        project = factories.project(supervisor, company, tasks=3, units_per_task=10)
        slot = factories.slot(supervisor, project, starts_in=datetime.timedelta(hours=1))
        done = services.task_claim_next(
            worker=mother, project_id=project.pk, slot_id=slot.pk, confirm_outside_availability=True
        )
        handed_in = services.claim_submit(worker=mother, claim_id=done.pk, completed_units=10)
        services.submission_review(actor=supervisor, submission_id=handed_in.pk, decision="accept")
    with time_machine.travel(NOV_18, tick=False):
        later = factories.slot(supervisor, project, starts_in=datetime.timedelta(hours=2))
        live = services.task_claim_next(
            worker=mother, project_id=project.pk, slot_id=later.pk, confirm_outside_availability=True
        )
        worker_services.worker_profile_save(user=mother, youngest_birth_year=2022)
        factories.payout_account(mother)
        worker_services.availability_replace(
            user=mother, windows=[{"weekday": 0, "start": datetime.time(9), "end": datetime.time(11)}]
        )
        notice_send(user_id=mother.pk, kind=NoticeKind.SLOT_STARTING, key="k1", text="您的时段快开始了")
    return {"project": project, "done": done, "submission": handed_in, "live": live, "slot": later}


def test_a_wrong_code_is_refused_and_changes_nothing(mother, her_world):
    sms_code_issue(phone=mother.phone, purpose="delete")
    token = factories.api_token_for(mother)
    before = world()
    profile_before = WorkerProfile.objects.filter(user=mother).values().get()
    user_before = User.objects.filter(pk=mother.pk).values().get()
    notices_before = list(Notice.objects.filter(user=mother).values_list("pk", flat=True))
    assert notices_before  # the review's and the reminder's

    with time_machine.travel(NOV_18, tick=False):
        assert_refused(delete(mother, "000000"), 400, "invalid_code", before)
        assert_refused(delete(mother, ""), 400, "invalid", before)

    assert User.objects.filter(pk=mother.pk).values().get() == user_before
    assert WorkerProfile.objects.filter(user=mother).values().get() == profile_before
    assert AvailabilityWindow.objects.filter(worker__user=mother).count() == 1
    assert list(Notice.objects.filter(user=mother).values_list("pk", flat=True)) == notices_before
    assert ApiToken.objects.filter(user=mother).count() == 1
    assert api_for().get("/api/v1/me", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200


def test_deleting_erases_her_and_keeps_the_ledger(mother, her_world, company, finance):
    phone = mother.phone
    token = factories.api_token_for(mother)
    Consent.objects.create(user=mother, document=ConsentDocument.CAREGIVER, version="1")
    code = sms_code_issue(phone=phone, purpose="delete")
    postings_before = list(Posting.objects.order_by("pk").values_list("pk", "account_id", "direction", "amount_fen"))
    transactions_before = Transaction.objects.count()
    live, task = her_world["live"], her_world["live"].task_id

    with time_machine.travel(NOV_18, tick=False):
        response = delete(mother, code)

    assert response.status_code == 202, response.content
    assert response.json() == {"status": "deleted", "owed_fen": 500}
    shell = User.objects.get(pk=mother.pk)
    # Sign-in impossible: no phone, no password, no token.
    assert shell.phone == f"deleted:{mother.pk}" and shell.phone != phone
    assert shell.display_name == f"已注销用户 #{mother.pk}"
    assert not shell.has_usable_password() and not shell.is_active and shell.deleted_at is not None
    national = phone.removeprefix("+86")
    refused = api_for().post("/api/v1/auth/token", {"phone": national, "password": factories.PASSWORD}, format="json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_credentials"
    assert api_for().get("/api/v1/me", HTTP_AUTHORIZATION=f"Token {token}").status_code == 401
    assert not ApiToken.objects.filter(user=shell).exists()
    assert AccessChange.objects.filter(user_id=shell.pk, reason=AccessReason.DELETED).exists()
    # Her personal data: gone.
    profile = WorkerProfile.objects.get(user=shell)
    assert (profile.display_name, profile.region, profile.city, profile.children_under_12) == (
        f"已注销用户 #{mother.pk}",
        "",
        "",
        0,
    )
    assert profile.youngest_birth_year is None
    assert PayoutAccount.objects.filter(worker=shell).exists()  # kept: a company still owes her ¥5.00 (see below)
    assert not AvailabilityWindow.objects.filter(worker=profile).exists()
    assert not Notice.objects.filter(user=shell).exists()
    assert not Consent.objects.filter(user=shell).exists() and not SmsCode.objects.filter(phone=phone).exists()
    assert not User.objects.filter(phone=phone).exists()  # the number is free to sign up again
    # Her live claim: given back, the task open again, and the hall told.
    assert Claim.objects.get(pk=live.pk).status == ClaimStatus.RELEASED
    assert Task.objects.get(pk=task).status == TaskStatus.OPEN
    released = OutboxEvent.objects.filter(type="task.released", data__task=task)
    assert released.exists()
    # The ledger: every row as it was, and it still reconciles.
    assert list(Posting.objects.order_by("pk").values_list("pk", "account_id", "direction", "amount_fen")) == (
        postings_before
    )
    assert Transaction.objects.count() == transactions_before
    since = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
    report = ledger_selectors.reconciliation(company_id=company.pk, since=since, before=NOV_20)
    assert report["balanced"] and report["totals"]["closing_fen"] == 500
    # Her accepted work stays with the company, linked to the shell.
    assert Submission.objects.get(pk=her_world["submission"].pk).worker_id == shell.pk
    assert AuditEntry.objects.filter(action="account.delete", target_id=str(shell.pk)).get().data["owed_fen"] == 500


def test_her_balance_is_still_paid_and_then_her_card_goes(mother, her_world, company, finance):
    second = factories.staff(company, Role.FINANCE)
    with time_machine.travel(NOV_18, tick=False):
        assert delete(mother, sms_code_issue(phone=mother.phone, purpose="delete")).status_code == 202

    with time_machine.travel(NOV_20, tick=False):
        batch = payouts.payout_draft(actor=finance, company_id=company.pk)
        assert [(line.worker_id, line.amount_fen) for line in batch.lines.all()] == [(mother.pk, 500)]
        payouts.payout_approve(actor=second, batch_id=batch.pk)
        assert services.account_payout_details_tidy() == 0  # approved, not paid: the card is still needed
        payouts.payout_mark_paid(actor=finance, batch_id=batch.pk, reference="BANK-1")

        assert task_jobs.deleted_payout_details_erase.call() == 1  # the hourly job
        assert task_jobs.deleted_payout_details_erase.call() == 0  # and a second run changes nothing
    assert not PayoutAccount.objects.filter(worker_id=mother.pk).exists()
    assert ledger_selectors.payable_balances(company_id=company.pk)[mother.pk] == 0


def test_finance_sees_the_anonymous_id_where_her_name_was(mother, her_world, company, finance):
    with time_machine.travel(NOV_18, tick=False):
        assert delete(mother, sms_code_issue(phone=mother.phone, purpose="delete")).status_code == 202

    entries = api_for(finance).get("/api/v1/ledger/entries").json()
    rows = entries["results"] if isinstance(entries, dict) else entries
    assert rows, entries
    text = str(rows)
    assert mother.phone.removeprefix("+86") not in text and mother.phone not in text


def test_a_mother_without_money_owed_loses_her_card_at_once(mother):
    factories.payout_account(mother)

    assert delete(mother, sms_code_issue(phone=mother.phone, purpose="delete")).json() == {
        "status": "deleted",
        "owed_fen": 0,
    }
    assert not PayoutAccount.objects.filter(worker=mother).exists()


def test_staff_delete_themselves_and_leave_their_companies(company, admin_user, supervisor):
    response = delete(supervisor, sms_code_issue(phone=supervisor.phone, purpose="delete"))

    assert response.status_code == 202, response.content
    assert not Membership.objects.filter(user_id=supervisor.pk).exists()
    assert not User.objects.get(pk=supervisor.pk).is_active
    assert Membership.objects.filter(company=company, role=Role.ADMIN).count() == 1


def test_an_admin_may_go_when_another_admin_stays(company, admin_user):
    second_admin = factories.staff(company, Role.ADMIN)

    assert delete(second_admin, sms_code_issue(phone=second_admin.phone, purpose="delete")).status_code == 202
    assert list(Membership.objects.filter(company=company, role=Role.ADMIN).values_list("user_id", flat=True)) == [
        admin_user.pk
    ]


def test_the_last_admin_is_refused_and_nothing_changes(company, admin_user):
    code = sms_code_issue(phone=admin_user.phone, purpose="delete")
    before = world()
    user_before = User.objects.filter(pk=admin_user.pk).values().get()

    assert_refused(delete(admin_user, code), 409, "last_admin", before)

    assert User.objects.filter(pk=admin_user.pk).values().get() == user_before
    assert Membership.objects.filter(user=admin_user, role=Role.ADMIN).exists()
    # The code was not spent on a refusal she could not help: once another admin exists, it works.
    factories.staff(company, Role.ADMIN)
    assert delete(admin_user, code).status_code == 202


def test_a_deleted_account_cannot_delete_again(mother):
    assert delete(mother, sms_code_issue(phone=mother.phone, purpose="delete")).status_code == 202
    shell = User.objects.get(pk=mother.pk)

    with pytest.raises(Exception):  # noqa: B017 - any refusal: NotFound from the service
        services.account_delete(user=shell, code="123456")


def test_work_waiting_for_review_keeps_her_payout_account_until_it_is_paid(supervisor, company, finance, mother):
    """Deleted with nothing owed yet, but a hand-in under review: accepted later, it is owed to her,
    and where it goes is still known; once paid, it goes."""
    with time_machine.travel(NOV_5, tick=False):
        project = factories.project(supervisor, company, tasks=1, units_per_task=10)
        slot = factories.slot(supervisor, project)
        claim = services.task_claim_next(
            worker=mother, project_id=project.pk, slot_id=slot.pk, confirm_outside_availability=True
        )
        handed_in = services.claim_submit(worker=mother, claim_id=claim.pk, completed_units=10)
        factories.payout_account(mother)
        deletion = services.account_delete(user=mother, code=sms_code_issue(phone=mother.phone, purpose="delete"))
        assert deletion.owed_fen == 0
        assert PayoutAccount.objects.filter(worker=mother).exists()
        assert services.account_payout_details_tidy() == 0  # still under review
        services.submission_review(actor=supervisor, submission_id=handed_in.pk, decision="accept")
    assert ledger_selectors.payable_balances(company_id=company.pk)[mother.pk] == 500
    assert services.account_payout_details_tidy() == 0  # owed now
    with time_machine.travel(NOV_20, tick=False):
        batch = payouts.payout_draft(actor=finance, company_id=company.pk)
        payouts.payout_approve(actor=factories.staff(company, Role.FINANCE), batch_id=batch.pk)
        payouts.payout_mark_paid(actor=finance, batch_id=batch.pk, reference="BANK-9")
    assert services.account_payout_details_tidy() == 1
    assert not PayoutAccount.objects.filter(worker=mother).exists()


def test_deleting_takes_her_family_numbers_and_her_appeal_words_and_keeps_the_outcome(mother, supervisor, company):
    from tasks.models import Appeal
    from workers.models import DeclaredRelative
    from workers.relatives import relative_declare

    project = factories.project(supervisor, company, tasks=1, units_per_task=10)
    slot = factories.slot(supervisor, project)
    claim = services.task_claim_next(
        worker=mother, project_id=project.pk, slot_id=slot.pk, confirm_outside_availability=True
    )
    handed_in = services.claim_submit(worker=mother, claim_id=claim.pk, completed_units=10)
    services.submission_review(actor=supervisor, submission_id=handed_in.pk, decision="reject", reason="不合格")
    second = factories.staff(company, Role.SUPERVISOR)
    appeal = services.submission_appeal(worker=mother, submission_id=handed_in.pk, reason="孩子生病那天做的，请再看")
    services.appeal_decide(actor=second, appeal_id=appeal.pk, decision="uphold", reason="确实不合格")
    relative_declare(worker=mother, phone="13912345678")

    response = delete(mother, sms_code_issue(phone=mother.phone, purpose="delete"))

    assert response.status_code == 202, response.content
    assert not DeclaredRelative.objects.filter(worker=mother).exists()
    kept = Appeal.objects.get(pk=appeal.pk)
    assert kept.reason == "" and kept.status == "upheld" and kept.decision_reason == "确实不合格"
