"""The 妈妈岗 standard as pages: a company's page, open to anyone (the indicators, their rules, the
badge, explained), and the programme page of a programme observer (figures by city and month, with
charts and the CSV/XLSX export). Both read standards/; neither writes anything but a first measure."""

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import get_object_or_404
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from accounts.models import Company
from core.errors import DomainError
from frontend.join import join_render
from standards import indicators, programme
from standards.selectors import standing_shown
from standards.services import standing_kept

CHART_HEIGHT = 120


@require_GET
def company_standard(request, pk: int):
    """Open to anyone; it reads the standing the hourly job keeps. Only a signed-in person's visit
    measures a company not measured yet (an anonymous one cannot make the server work for it)."""
    company = get_object_or_404(Company, pk=pk)
    standing = standing_kept(company_id=company.pk, measure_if_missing=request.user.is_authenticated)
    if standing is None:
        return join_render(request, "frontend/standard/company.html", {"company": company, "standing": None})
    shown = standing_shown(standing)
    rows = [_indicator_row(i) for i in shown["indicators"]]
    context = {
        "company": company,
        "standing": shown,
        "rows": rows,
        "met": sum(1 for r in rows if r["met"] is True),
        "judged": sum(1 for r in rows if r["met"] is not None),
        "line": indicators.card_line(standing.indicators),
    }
    return join_render(request, "frontend/standard/company.html", context)


def _indicator_row(indicator: dict) -> dict:
    """An indicator with a bar for the shares (how full)."""
    share = None
    if indicator["key"] in indicators.SHARES and indicator["value"] is not None:
        share = round(indicator["value"] * 100)
    return indicator | {"bar": share}


@require_GET
def programme_page(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    observer = programme.observer_of(request.user)
    if observer is None:
        return join_render(request, "frontend/standard/not_observer.html", {}, status=403)
    error, found = None, None
    try:
        region, months = programme.asked(observer, request.GET)
        found = programme.figures(region=region, months=months)
    except DomainError as refused:
        error = refused.message
    context = {
        "observer": observer,
        "found": found,
        "error": error,
        "charts": _charts(found["totals"]) if found else [],
        "export": urlencode({k: v for k, v in request.GET.items() if k in ("region", "from", "to")}),
    }
    return join_render(request, "frontend/standard/programme.html", context, status=400 if error else 200)


def _charts(totals: list[dict]) -> list[dict]:
    """Bars by month of the region's totals: mothers, median earnings, work at the floor, paid on time."""
    charts = []
    one_year = len({t["month"][:4] for t in totals}) <= 1  # "10" within one year, "26-10" across years
    for key, money, percent in (
        ("mothers", False, False),
        ("earnings_median", True, False),
        ("at_floor_share", False, True),
        ("settled_on_time_share", False, True),
    ):
        values = [_number(t[key]) for t in totals]
        top = 1.0 if percent else max([v for v in values if v is not None] or [0]) or 1
        bars = []
        width = 100 / max(1, len(totals))
        for n, (total, value) in enumerate(zip(totals, values, strict=True)):
            height = 0 if value is None else round(CHART_HEIGHT * value / top)
            if value is None:
                label = "—"
            elif percent:
                label = f"{value * 100:.0f}%"
            elif money:
                label = f"¥{value:.0f}"
            else:
                label = f"{value:.0f}"
            bars.append(
                {
                    "x": round(n * width + width * 0.15, 2),
                    "width": round(width * 0.7, 2),
                    "height": height,
                    "y": CHART_HEIGHT - height + 14,
                    "mid": round(n * width + width / 2, 2),
                    "label": label,
                    "month": total["month"][5:] if one_year else total["month"][2:],
                    "suppressed": total["suppressed"],
                }
            )
        empty = all(value is None for value in values)
        charts.append({"key": key, "bars": bars, "height": CHART_HEIGHT + 30, "empty": empty})
    return charts


def _number(value):
    return float(value) if value is not None else None
