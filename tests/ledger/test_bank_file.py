"""The bank file (批量代发) of an approved batch holds every mother's full account number exactly as she
entered it; no other export, page or response does; every fetch is an audit entry naming who fetched
whose numbers; mothers without an account are listed apart and out of the total."""

import csv
import datetime
import io

import openpyxl
import pytest
import time_machine
from django.test import Client

from accounts.models import AuditEntry, Role
from ledger import adjustments, payouts
from ledger import selectors as ledger_selectors
from ledger.models import PayoutBatch, PayoutLine, PayoutStatus
from notices.models import Notice, NoticeKind
from tests import factories
from tests.conftest import api_for
from tests.ledger.test_exports import download
from tests.snapshots import assert_refused, world

pytestmark = pytest.mark.django_db
NOV_5 = datetime.datetime(2026, 11, 5, 10, tzinfo=datetime.UTC)
NOV_20 = datetime.datetime(2026, 11, 20, 10, tzinfo=datetime.UTC)
CARD_TYPED, CARD = "6222 0212 3456 7890 128", "6222021234567890128"
EMAIL = "mama.li@example.com"


@pytest.fixture
def approved(company, finance):
    """Three mothers owed money in an approved batch: a bank card, an Alipay e-mail, and no account."""
    card, alipay, none = factories.mother(), factories.mother(), factories.mother()
    profile = card.worker_profile  # complete, so that her pages open (not the first-run setup)
    profile.city, profile.youngest_birth_year = "佛山市", 2022
    profile.save()
    api_for(card).put(
        "/api/v1/me/payout-account",
        {"method": "bank", "account_name": "王小花", "account_number": CARD_TYPED, "bank_name": "中国工商银行"},
        format="json",
    )
    api_for(alipay).put(
        "/api/v1/me/payout-account",
        {"method": "alipay", "account_name": "李秀英", "account_number": EMAIL},
        format="json",
    )
    with time_machine.travel(NOV_5, tick=False):
        for mother, fen in ((card, 12_345), (alipay, 6_780), (none, 1_000)):
            factories.worked_for(company, mother)
            adjustments.adjustment_post(
                actor=finance, company_id=company.pk, worker_id=mother.pk, amount_fen=fen, reason="计件收入"
            )
    with time_machine.travel(NOV_20, tick=False):
        batch = payouts.payout_draft(actor=finance, company_id=company.pk)
        payouts.payout_approve(actor=factories.staff(company, Role.FINANCE), batch_id=batch.pk)
    return batch, {"card": card, "alipay": alipay, "none": none}


def bank_csv(user, batch) -> list[list[str]]:
    status, response, body = download(user, f"/api/v1/payouts/{batch.pk}/export?format=bank")
    assert status == 200, body
    assert response["Content-Type"].startswith("text/csv") and body.startswith(b"\xef\xbb\xbf")
    assert response["Content-Disposition"].startswith('attachment; filename="bank-')
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_bank_file_holds_her_full_number_and_lists_the_others_apart(finance, approved):
    batch, mothers = approved
    with time_machine.travel(NOV_20, tick=False):
        rows = bank_csv(finance, batch)

    purpose = "劳务报酬 2026-11-01至2026-11-15"
    assert rows[0] == ["序号", "收款人户名", "收款账号", "开户行", "金额", "用途"]
    paid = sorted([mothers["card"], mothers["alipay"]], key=lambda m: m.pk)
    expected = {
        mothers["card"].pk: ["王小花", CARD, "中国工商银行", "123.45", purpose],
        mothers["alipay"].pk: ["李秀英", EMAIL, "支付宝", "67.80", purpose],
    }
    assert rows[1:3] == [[str(n), *expected[m.pk]] for n, m in enumerate(paid, start=1)]
    assert rows[3] == [""] and rows[4] == ["合计", "2 笔", "", "", "191.25"]  # the one without is not in it
    none = mothers["none"]
    assert rows[5:] == [
        [""],
        ["未设置收款账户（不在本批代发内，未计入合计）"],
        [
            "1",
            none.worker_profile.display_name,
            "",
            "",
            "10.00",
            f"未设置收款账户 {none.phone[3:6]}****{none.phone[-4:]}",
        ],
    ]
    assert PayoutBatch.objects.get(pk=batch.pk).status == PayoutStatus.EXPORTED


def test_every_fetch_is_audited_naming_who_fetched_whose_numbers(company, finance, approved):
    batch, mothers = approved
    colleague = factories.staff(company, Role.FINANCE)
    with time_machine.travel(NOV_20, tick=False):
        bank_csv(finance, batch)
        bank_csv(colleague, batch)
        status, _response, body = download(finance, f"/api/v1/payouts/{batch.pk}/export?format=bank-xlsx")
    assert status == 200

    entries = list(AuditEntry.objects.filter(action="payout.bank_file").order_by("pk"))
    assert [(e.actor_id, e.target_id, e.company_id, e.data["format"]) for e in entries] == [
        (finance.pk, str(batch.pk), company.pk, "bank"),
        (colleague.pk, str(batch.pk), company.pk, "bank"),
        (finance.pk, str(batch.pk), company.pk, "bank-xlsx"),
    ]
    for entry in entries:
        assert entry.data["workers"] == sorted([mothers["card"].pk, mothers["alipay"].pk])
        assert entry.data["full_numbers"] == 2 and entry.data["without_account"] == 1
        assert CARD not in str(entry.data) and EMAIL not in str(entry.data)
    # The XLSX is the same file: the numbers are text cells (no digits lost to a number format).
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert cells[0] == ["序号", "收款人户名", "收款账号", "开户行", "金额", "用途"]
    assert {row[2] for row in cells[1:3]} == {CARD, EMAIL}
    assert cells[4][:5] == ["合计", "2 笔", "", "", 191.25]


def test_no_other_export_page_or_response_holds_a_full_number(company, finance, approved):
    batch, mothers = approved
    pages = Client()
    pages.force_login(finance)
    her = Client()
    her.force_login(mothers["card"])
    with time_machine.travel(NOV_20, tick=False):
        files = [
            download(finance, f"/api/v1/payouts/{batch.pk}/export?format={kind}")[2] for kind in ("csv", "xlsx")
        ] + [
            download(finance, f"/api/v1/ledger/export?from=2026-11-01&to=2026-11-15&format={kind}")[2]
            for kind in ("csv", "xlsx")
        ]
        files.append(download(finance, "/api/v1/ledger/reconciliation?from=2026-11-01&to=2026-11-15&format=csv")[2])
        responses = [
            api_for(finance).get(f"/api/v1/payouts/{batch.pk}").content,
            api_for(finance).get("/api/v1/ledger/entries").content,
            pages.get(f"/finance/batches/{batch.pk}/").content,
            api_for(mothers["card"]).get("/api/v1/me/payout-account").content,
            api_for(mothers["card"]).get("/api/v1/me").content,
            her.get("/m/payout-account/").content,
            her.get("/m/earnings/").content,
        ]
    for n, body in enumerate(files + responses):
        assert body, n
        text = body.decode("utf-8-sig", errors="ignore")
        assert CARD not in text and EMAIL not in text
    xlsx = openpyxl.load_workbook(io.BytesIO(files[1]), read_only=True).active
    cells = {str(cell) for row in xlsx.iter_rows(values_only=True) for cell in row}
    assert CARD not in cells and "****0128" in cells and "m***@example.com" in cells
    batch_page = responses[2].decode()
    assert "****0128" in batch_page and "m***@example.com" in batch_page


@pytest.mark.parametrize("status", ["draft", "paid", "cancelled"])
def test_only_an_approved_or_exported_batch_has_a_bank_file(company, finance, approved, status):
    batch, _mothers = approved
    if status == "draft":
        PayoutBatch.objects.filter(pk=batch.pk).update(status=PayoutStatus.DRAFT)
    elif status == "paid":
        with time_machine.travel(NOV_20, tick=False):
            payouts.payout_mark_paid(actor=finance, batch_id=batch.pk, reference="BANK-1")
    else:
        payouts.payout_cancel(actor=finance, batch_id=batch.pk)
    before = world()

    with time_machine.travel(NOV_20, tick=False):
        refused = api_for(finance).get(f"/api/v1/payouts/{batch.pk}/export?format=bank")

    assert_refused(refused, 409, "wrong_state", before)


def test_a_finance_user_paid_in_the_batch_does_not_fetch_its_bank_file(company, finance, approved):
    batch, _mothers = approved
    colleague = factories.staff(company, Role.FINANCE)
    api_for(colleague).put("/api/v1/me/profile", {"display_name": "财务自己"}, format="json")
    factories.payout_account(colleague)
    factories.worked_for(company, colleague)
    with time_machine.travel(NOV_5, tick=False):
        adjustments.adjustment_post(
            actor=finance, company_id=company.pk, worker_id=colleague.pk, amount_fen=3_000, reason="计件"
        )
    with time_machine.travel(NOV_20, tick=False):
        payouts.payout_cancel(actor=finance, batch_id=batch.pk)
        second = payouts.payout_draft(actor=finance, company_id=company.pk)
        payouts.payout_approve(actor=factories.staff(company, Role.FINANCE), batch_id=second.pk)
        before = world()

        refused = api_for(colleague).get(f"/api/v1/payouts/{second.pk}/export?format=bank-xlsx")

        assert_refused(refused, 403, "bank_file_by_payee", before)
        assert PayoutBatch.objects.get(pk=second.pk).status == PayoutStatus.APPROVED
        assert bank_csv(finance, second)[1][0] == "1"  # someone not paid in it may


def test_others_get_no_bank_file(company, other_company, finance, approved):
    batch, mothers = approved
    stranger = factories.staff(other_company, Role.FINANCE)
    before = world()
    with time_machine.travel(NOV_20, tick=False):
        assert_refused(
            api_for(stranger).get(f"/api/v1/payouts/{batch.pk}/export?format=bank"), 404, "not_found", before
        )
        mother = api_for(mothers["card"]).get(f"/api/v1/payouts/{batch.pk}/export?format=bank")
        assert mother.status_code == 403 and world() == before
        supervisor = factories.staff(company, Role.SUPERVISOR)
        assert api_for(supervisor).get(f"/api/v1/payouts/{batch.pk}/export?format=bank").status_code == 403
        assert_refused(
            api_for(finance).get(f"/api/v1/payouts/{batch.pk}/export?format=bankx"), 400, "invalid_format", before
        )
    assert world() == before


def test_marking_paid_pays_only_the_mothers_the_bank_file_held(company, finance, approved):
    """The bank was given the file: a mother listed apart (no account) was not paid by it. Her line
    closes unpaid, her balance stays, she is not told "paid", and the next batch holds her."""
    batch, mothers = approved
    none, card = mothers["none"], mothers["card"]
    with time_machine.travel(NOV_20, tick=False):
        bank_csv(finance, batch)
        # she sets an account after the file went to the bank: still not paid by this batch
        factories.payout_account(none)
        payouts.payout_mark_paid(actor=finance, batch_id=batch.pk, reference="BANK-1")

    held = PayoutLine.objects.get(batch=batch, worker=none)
    assert held.payout_id is None and held.open is False
    assert PayoutLine.objects.get(batch=batch, worker=card).payout_id is not None
    balances = ledger_selectors.payable_balances(company_id=company.pk)
    assert balances[none.pk] == 1_000 and balances[card.pk] == 0
    batch.refresh_from_db()
    assert batch.status == PayoutStatus.PAID and batch.total_fen == 12_345 + 6_780
    assert not Notice.objects.filter(user=none, kind=NoticeKind.PAYOUT_PAID).exists()
    assert Notice.objects.filter(user=card, kind=NoticeKind.PAYOUT_PAID).exists()
    paid = AuditEntry.objects.get(action="payout.paid", target_id=str(batch.pk))
    assert paid.data["held_out"] == [none.pk]

    with time_machine.travel(NOV_20 + datetime.timedelta(days=16), tick=False):
        later = payouts.payout_draft(actor=finance, company_id=company.pk)
    assert [(line.worker_id, line.amount_fen) for line in later.lines.all()] == [(none.pk, 1_000)]


def test_a_batch_paid_without_a_bank_file_pays_every_line(company, finance, approved):
    batch, mothers = approved
    with time_machine.travel(NOV_20, tick=False):
        payouts.payout_mark_paid(actor=finance, batch_id=batch.pk, reference="BANK-2")

    assert not PayoutLine.objects.filter(batch=batch, payout__isnull=True).exists()
    assert ledger_selectors.payable_balances(company_id=company.pk)[mothers["none"].pk] == 0
