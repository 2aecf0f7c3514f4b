"""Background jobs of the ledger."""

import datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from accounts.models import Membership
from accounts.selectors import FINANCE_ROLES
from ledger import exports, files, periods, selectors
from ledger.models import Account, AccountKind, ExportStatus, LedgerExport, Posting
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
    export = LedgerExport.objects.filter(pk=export_id, status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]).first()
    if export is None:
        return 0
    window = {
        "company_ids": [export.company_id],
        "since": periods.day_start(export.period_start),
        "before": periods.day_start(export.period_end + datetime.timedelta(days=1)),
    }
    total = Posting.objects.filter(
        account__company_id=export.company_id, created_at__gte=window["since"], created_at__lt=window["before"]
    ).count()
    LedgerExport.objects.filter(pk=export.pk).update(status=ExportStatus.RUNNING, rows_total=total, rows_done=0)
    folder = Path(settings.MEDIA_ROOT) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{export.pk}.xlsx"

    def counted(pages):
        done = 0
        for page in pages:
            yield page
            done += len(page)
            LedgerExport.objects.filter(pk=export.pk).update(rows_done=done)

    try:
        rows = files.xlsx_write(
            str(path), exports.ledger_header(), counted(exports.ledger_pages(**window)), sheet=_("ledger")
        )
    except Exception as error:  # reported on the export's page; the job itself may be retried
        LedgerExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.FAILED, error=str(error)[:300], finished_at=timezone.now()
        )
        raise
    LedgerExport.objects.filter(pk=export.pk).update(
        status=ExportStatus.READY, file=str(path), rows_done=rows, finished_at=timezone.now()
    )
    return rows
