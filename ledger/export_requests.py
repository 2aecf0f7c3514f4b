"""Large ledger files, built in the background: the request that queues ``ledger.jobs.ledger_export_build``.

This module sits above ``ledger.jobs`` (it queues the job), the modules the job uses below it."""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import User
from ledger._common import _require_finance
from ledger.errors import InvalidPeriod
from ledger.jobs import ledger_export_build
from ledger.models import LedgerExport
from ledger.periods import FIRST_DAY, LAST_DAY


@transaction.atomic
def export_request(
    *, actor: User, company_id: int, period_start: datetime.date, period_end: datetime.date
) -> LedgerExport:
    """Queue an XLSX of the ledger for a period; the job reports its progress on the row."""
    _require_finance(actor, company_id)
    if not (period_start >= FIRST_DAY and period_end <= LAST_DAY):
        raise InvalidPeriod(_("The period runs forward and lasts at most a year."))
    if period_end < period_start or (period_end - period_start).days > 366:
        raise InvalidPeriod(_("The period runs forward and lasts at most a year."))
    export = LedgerExport.objects.create(
        company_id=company_id, requested_by=actor, period_start=period_start, period_end=period_end
    )
    audit_record(actor=actor, action="ledger.export_request", target=export, company_id=company_id)
    transaction.on_commit(lambda: ledger_export_build.enqueue(str(export.pk)))
    return export
