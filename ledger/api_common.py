"""What the ledger's finance endpoints share: the caller's finance company, a period, a body
checked, and a file (CSV or XLSX) as a streamed response."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.generics import get_object_or_404

from accounts.errors import CompanyRequired
from accounts.selectors import FINANCE_ROLES, company_ids_for
from core import file_responses
from core.errors import InvalidFormat, NotFound
from ledger import periods
from ledger.errors import InvalidPeriod


def _finance_company(request, given: int | None) -> int:
    companies = company_ids_for(request.user, FINANCE_ROLES)
    if given is None:
        if len(companies) != 1:
            raise CompanyRequired()
        return companies[0]
    if given not in companies:
        raise NotFound()
    return given


def _company_param(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) < 12):
        raise CompanyRequired()
    return int(raw)


def _valid(serializer_class, request, data=None) -> dict:
    given = serializer_class(data=request.data if data is None else data)
    given.is_valid(raise_exception=True)
    return given.validated_data


def _period(request) -> tuple[datetime.date, datetime.date]:
    """``?from=&to=`` (inclusive dates, Asia/Shanghai); default: the last half-month that ended."""
    raw_from, raw_to = request.query_params.get("from"), request.query_params.get("to")
    if raw_from is None and raw_to is None:
        return periods.last_ended_half_month(timezone.localdate())
    try:
        first, last = datetime.date.fromisoformat(raw_from or ""), datetime.date.fromisoformat(raw_to or "")
    except ValueError:
        raise InvalidPeriod(_("Give the period as from=YYYY-MM-DD&to=YYYY-MM-DD.")) from None
    if not (first >= periods.FIRST_DAY and last <= periods.LAST_DAY):
        raise InvalidPeriod(_("Give the period as from=YYYY-MM-DD&to=YYYY-MM-DD."))
    if last < first or (last - first).days > 366:
        raise InvalidPeriod(_("The period runs forward and lasts at most a year."))
    return first, last


def _file_kind(request) -> str:
    kind = request.query_params.get("format", "csv")
    if kind not in ("csv", "xlsx"):
        raise InvalidFormat(_("The format is csv or xlsx."))
    return kind


def _file_response(request, *, header, pages, name: str, sheet: str, csv_blocks=None, kind: str | None = None):
    kind = kind or _file_kind(request)
    return file_responses.file_response(
        kind=kind, header=header, pages=pages, name=name, sheet=sheet, csv_blocks=csv_blocks
    )


def _finance_object(request, model, pk):
    """A batch or an export of the caller's finance companies; anyone else's is a 404."""
    companies = company_ids_for(request.user, FINANCE_ROLES)
    return get_object_or_404(model.objects.filter(company_id__in=companies), pk=pk)
