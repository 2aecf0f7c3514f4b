"""The bank file (批量代发) of an approved payout batch: the one file that holds mothers' full
account numbers (``core.sealing.unseal``); every other file and page shows them masked.

One row per mother who has set a payout account — 序号, 收款人户名, 收款账号 (full), 开户行, 金额 (yuan,
2 places), 用途 — then the count and the total of those rows, then, apart and out of the total, the
mothers of the batch without an account (so finance can ask them to set one). The layout is the
banks' own, in Chinese whatever the reader's language. Rows are read in keyset pages, as the other
exports (``ledger.exports``), and written as CSV or XLSX by ``core.files``.
"""

from collections.abc import Iterable

from accounts.phones import phone_masked
from accounts.selectors import display_name_of
from core.sealing import unseal
from ledger.exports import PAGE
from ledger.models import PayoutBatch
from ledger.money import yuan
from workers.models import PayoutMethod

# The columns of a bank's batch-payment template; an Alipay account's "bank" is 支付宝.
HEADER = ["序号", "收款人户名", "收款账号", "开户行", "金额", "用途"]
ALIPAY = "支付宝"
TOTAL = "合计"
APART = "未设置收款账户（不在本批代发内，未计入合计）"
NO_ACCOUNT = "未设置收款账户"


def purpose(batch: PayoutBatch) -> str:
    return f"劳务报酬 {batch.period_start:%Y-%m-%d}至{batch.period_end:%Y-%m-%d}"


def bank_pages(batch: PayoutBatch, *, paid_ids: list[int]) -> Iterable[list]:
    """The file's rows, page by page. ``paid_ids``: the mothers whose full numbers the fetch was
    audited for (``ledger.payouts.payout_bank_file``): only they are in the batch rows; anyone else
    of the batch (no account, or one set after the audit) is listed apart."""
    paid, note = set(paid_ids), purpose(batch)
    listed: set[int] = set()
    total_fen = 0
    for page in _line_pages(batch, "worker__payout_account"):
        rows = []
        for line in page:
            account = getattr(line.worker, "payout_account", None)  # none: AttributeError, caught
            if account is None or line.worker_id not in paid:
                continue
            listed.add(line.worker_id)
            total_fen += line.amount_fen
            bank = ALIPAY if account.method == PayoutMethod.ALIPAY else account.bank_name
            rows.append(
                [
                    (len(listed), False),
                    (account.account_name, True),
                    (unseal(account.number_sealed), True),
                    (bank, True),
                    (yuan(line.amount_fen), False),
                    (note, True),
                ]
            )
        yield rows
    yield [[("", True)], [(TOTAL, True), (f"{len(listed)} 笔", True), ("", True), ("", True), (yuan(total_fen), False)]]
    number = 0
    for page in _line_pages(batch, "worker__worker_profile"):
        rows = []
        for line in page:
            if line.worker_id in listed:
                continue
            if number == 0:
                rows += [[("", True)], [(APART, True)]]
            number += 1
            rows.append(
                [
                    (number, False),
                    (display_name_of(line.worker), True),
                    ("", True),
                    ("", True),
                    (yuan(line.amount_fen), False),
                    (f"{NO_ACCOUNT} {phone_masked(line.worker.phone)}", True),
                ]
            )
        yield rows


def _line_pages(batch: PayoutBatch, related: str) -> Iterable[list]:
    after = 0
    while True:
        page = list(batch.lines.filter(worker_id__gt=after).select_related(related).order_by("worker_id")[:PAGE])
        if not page:
            return
        after = page[-1].worker_id
        yield page
