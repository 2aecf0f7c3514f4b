"""Background jobs of the ledger."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from accounts.models import Membership
from accounts.selectors import FINANCE_ROLES
from fairwork.models import NoticeKind
from fairwork.services import notice_send
from ledger import selectors
from ledger.models import Account, AccountKind
from ledger.money import format_fen


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
