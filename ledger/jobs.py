"""Background jobs of the ledger."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from accounts.models import Membership
from accounts.selectors import FINANCE_ROLES
from core import files
from core.export_jobs import export_build
from ledger import exports, periods, selectors
from ledger.models import Account, AccountKind, LedgerExport, Posting
from ledger.money import format_fen
from notices.models import NoticeKind
from notices.services import notice_send


@task()
def settlement_overdue_warn() -> int:
    """Tell each company's finance staff, once a day, about mothers owed money credited more
    than 15 days ago (part-time work is settled at least every 15 days)."""
    now = timezone.now()
    warned = 0
    companies = Account.objects.filter(kind=AccountKind.PAYABLE).values_list("company_id", flat=True).distinct()
    for company_id in companies:
        overdue = selectors.overdue_settlements(company_id=company_id, now=now)
        if not overdue:
            continue
        total = sum(row["overdue_fen"] for row in overdue)
        text = _("%(count)s mothers are owed %(amount)s credited more than 15 days ago: draft a payout batch.") % {
            "count": len(overdue),
            "amount": format_fen(total),
        }
        finance = Membership.objects.filter(company_id=company_id, role__in=FINANCE_ROLES).values_list(
            "user_id", flat=True
        )
        with transaction.atomic():
            for user_id in finance:
                notice_send(
                    user_id=user_id,
                    kind=NoticeKind.SETTLEMENT_OVERDUE,
                    key=f"settlement-overdue:{company_id}:{timezone.localdate(now):%Y%m%d}",
                    text=text,
                    data={"company": company_id, "mothers": len(overdue), "overdue_fen": total},
                )
        warned += 1
    return warned


@task()
def ledger_export_build(export_id: str) -> int:
    """Build a requested ledger XLSX into MEDIA_ROOT/exports/, updating its progress page by page.
    Idempotent: a finished export is left as it is."""

    def window(export) -> dict:
        return {
            "company_ids": [export.company_id],
            "since": periods.day_start(export.period_start),
            "before": periods.day_start(export.period_end + datetime.timedelta(days=1)),
        }

    def count(export) -> int:
        found = window(export)
        return Posting.objects.filter(
            account__company_id=export.company_id, created_at__gte=found["since"], created_at__lt=found["before"]
        ).count()

    def write(export, path: str, counted) -> int:
        pages = exports.ledger_sheet_pages(counted(exports.ledger_pages(**window(export))))
        return files.xlsx_write(path, exports.ledger_header(), pages, sheet=_("ledger")) - 1  # not the totals row

    export = export_build(LedgerExport, export_id, count=count, write=write)
    return export.rows_done if export is not None else 0
