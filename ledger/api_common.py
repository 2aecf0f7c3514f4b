"""What the ledger's finance endpoints share: the caller's finance company, a period, a body
checked, and a file (CSV or XLSX) as a streamed response."""

import datetime

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.generics import get_object_or_404
from rest_framework.negotiation import BaseContentNegotiation

from accounts.errors import CompanyRequired
from accounts.selectors import FINANCE_ROLES, company_ids_for
from core.errors import NotFound
from ledger import files, periods
from ledger.errors import InvalidFormat, InvalidPeriod


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


class FileNegotiation(BaseContentNegotiation):
    """``?format=csv|xlsx`` names the file to build, not a DRF renderer: errors still render as JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _file_kind(request) -> str:
    kind = request.query_params.get("format", "csv")
    if kind not in ("csv", "xlsx"):
        raise InvalidFormat()
    return kind


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What ``_file_response`` answers, as the schema says it.
FILE_RESPONSES = {(200, "text/csv"): bytes, (200, XLSX): bytes}


def _file_response(request, *, header, pages, name: str, sheet: str, csv_blocks=None, kind: str | None = None):
    kind = kind or _file_kind(request)
    if kind == "csv":
        stream = files.blocks_stream(header, csv_blocks) if csv_blocks else files.csv_stream(header, pages)
        response = StreamingHttpResponse(stream, content_type="text/csv; charset=utf-8")
        filename = f"{name}.csv"
    elif kind == "xlsx":
        handle = files.xlsx_file(header, pages, sheet=sheet)
        response = StreamingHttpResponse(files.file_stream(handle), content_type=XLSX)
        filename = f"{name}.xlsx"
    else:
        raise InvalidFormat()
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _finance_object(request, model, pk):
    """A batch or an export of the caller's finance companies; anyone else's is a 404."""
    companies = company_ids_for(request.user, FINANCE_ROLES)
    return get_object_or_404(model.objects.filter(company_id__in=companies), pk=pk)
