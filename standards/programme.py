"""Figures for the public programmes that promote 妈妈岗: by region and month, aggregated, never a person.

A cell is one city in one month (and one row per month for the whole region asked for). A cell with
fewer than ``MIN_MOTHERS`` mothers shows no figure at all, only that it is suppressed. And so that a
month's total cannot give a suppressed city away (the total minus the others), a month with exactly
one suppressed city, or suppressed cities that together hold fewer than ``MIN_MOTHERS`` mothers,
suppresses the next smallest too, until the hidden ones together are at least that many
(complementary suppression); a month whose whole region has fewer than ``MIN_MOTHERS`` is
suppressed with all its cities.

Who counts where: a mother in the region and city she gave (``workers.WorkerProfile``), in the month of
each hand-in (local time). Earnings are her credits for work (accepted work, peer reviews) posted in
the month; hours are the hand-ins' measured time (``standards.measures``).
"""

import datetime
import statistics
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from accounts.models import Company
from ledger.models import AccountKind, Direction, Posting, TransactionKind
from standards import measures, regions
from standards.errors import InvalidMonth, RegionOutsideProgramme
from standards.models import CompanyStanding, ProgrammeObserver
from standards.selectors import standing_shown
from tasks.models import Appeal, AppealStatus, Submission
from workers.models import WorkerProfile

MIN_MOTHERS = 5
MIN_FOR_SPREAD = 10  # earners behind a median or quartiles of pay
MAX_MONTHS = 24
FIRST_YEAR, LAST_YEAR = 2020, 2100  # months outside are no question about Homeslot's records
FIGURES = [
    "mothers",
    "hours",
    "earnings_total",
    "earnings_median",
    "earnings_q1",
    "earnings_q3",
    "companies",
    "hand_ins",
    "at_floor_share",
    "settled_on_time_share",
    "appeals_opened",
    "appeals_for_her",
    "appeals_upheld",
]


def observer_of(user) -> ProgrammeObserver | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return ProgrammeObserver.objects.filter(user=user).first()


def may_see(observer: ProgrammeObserver, region: str) -> bool:
    """A region the observer was made for, or a city inside one of them."""
    return region in observer.regions or any(
        region == scope or regions.within(region, scope) for scope in observer.regions
    )


def asked(observer: ProgrammeObserver, params, *, today: datetime.date | None = None) -> tuple[str, list]:
    """The region and months a request asks for (``region``, ``from``, ``to``: YYYY-MM): by default
    the observer's first region and the last six months; a region not hers is refused."""
    region = (params.get("region") or "").strip() or (observer.regions[0] if observer.regions else "")
    region = regions.canonical(region)  # 广东省佛山市 → 佛山市
    if not may_see(observer, region):
        raise RegionOutsideProgramme(details={"field": "region", "regions": observer.regions})
    today = today or timezone.localdate()
    last = _month(params.get("to"), "to") or today.replace(day=1)
    first = _month(params.get("from"), "from") or (last - datetime.timedelta(days=150)).replace(day=1)
    months = months_between(first, last)
    if not months or len(months) > MAX_MONTHS:
        raise InvalidMonth(details={"field": "from"})
    return region, months


def _month(given, field: str) -> datetime.date | None:
    if given in (None, ""):
        return None
    try:
        month = datetime.datetime.strptime(str(given), "%Y-%m").date()
    except ValueError:
        raise InvalidMonth(details={"field": field}) from None
    if not FIRST_YEAR <= month.year <= LAST_YEAR:
        raise InvalidMonth(details={"field": field})
    return month


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def _bounds(months: list[datetime.date]) -> tuple[datetime.datetime, datetime.datetime]:
    after = (months[-1] + datetime.timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    return (
        datetime.datetime.combine(months[0], datetime.time(), tzinfo=tz),
        datetime.datetime.combine(after, datetime.time(), tzinfo=tz),
    )


def figures(*, region: str, months: list[datetime.date], now: datetime.datetime | None = None) -> dict:
    """The region's figures by city and month, suppressed as the module says; ``companies``: the
    companies whose work the shown figures count, with their standard (companies are not persons).

    The table is always worked out for the whole province and a city's rows are taken from it: asked
    for alone, a city hidden in its province's table (to protect a smaller one) stays hidden, so two
    requests cannot be subtracted from each other."""
    province = regions.province_of(region)
    rows, totals = _table(province, months, now or timezone.now())
    if region != province:
        rows = [(row, companies) for row, companies in rows if row["region"] == region]
        totals = [({**row, "region": region}, companies) for row, companies in rows]
    shown_companies = set().union(*(c for row, c in [*rows, *totals] if not row["suppressed"]))
    return {
        "region": region,
        "from_month": months[0].strftime("%Y-%m"),
        "to_month": months[-1].strftime("%Y-%m"),
        "min_mothers": MIN_MOTHERS,
        "rows": [row for row, _c in rows],
        "totals": [row for row, _c in totals],
        "companies": _companies(shown_companies),
    }


def _table(region: str, months: list[datetime.date], now: datetime.datetime) -> tuple[list, list]:
    """``(rows, totals)`` of ``region``: each a ``(row, companies)`` pair, suppressed."""
    start, end = _bounds(months)
    # Where she lives: her region and city together ("广东省" and "佛山市": 佛山市).
    mothers_of = {}
    for user_id, r, city in WorkerProfile.objects.values_list("user_id", "region", "city"):
        place = regions.place_of(r, city)
        if place and regions.within(place, region):
            mothers_of[user_id] = place
    cells: dict[tuple[str, datetime.date], dict] = defaultdict(_cell)
    totals: dict[datetime.date, dict] = defaultdict(_cell)

    def both(worker: int, at: datetime.datetime):
        """Her city's cell and the region's of the month of ``at``; she counts in both, whatever she
        adds to them (a hand-in, pay, a settlement, an appeal): the threshold counts everyone in a figure."""
        month = timezone.localtime(at).date().replace(day=1)
        found = cells[(mothers_of[worker], month)], totals[month]
        for cell in found:
            cell["mothers"].add(worker)
        return found

    in_range = Submission.objects.filter(submitted_at__gte=start, submitted_at__lt=end, worker_id__in=list(mothers_of))
    for work in measures.paid_work(in_range):
        for cell in both(work.worker, work.submitted_at):
            cell["companies"].add(work.company)
            cell["minutes"] += work.minutes
            cell["hand_ins"] += 1
            if work.hourly is not None and work.floor:
                cell["timed"] += 1
                cell["at_floor"] += work.hourly >= work.floor
    credits = Posting.objects.filter(
        account__kind=AccountKind.PAYABLE,
        direction=Direction.CREDIT,
        transaction__kind__in=[TransactionKind.EARNING, TransactionKind.PEER_REVIEW],
        created_at__gte=start,
        created_at__lt=end,
        account__worker_id__in=list(mothers_of),
    ).values_list("account__worker_id", "account__company_id", "amount_fen", "created_at")
    for worker, company, fen, at in credits:
        for cell in both(worker, at):
            cell["earned"][worker] += fen
            cell["companies"].add(company)
    for credit in measures.credits_settled(worker_ids=list(mothers_of)):
        judged = credit.on_time(now) if start <= credit.credited_at < end else None
        if judged is not None:
            for cell in both(credit.worker, credit.credited_at):
                cell["due"] += 1
                cell["on_time"] += judged
    appeals = Appeal.objects.filter(created_at__gte=start, created_at__lt=end, worker_id__in=list(mothers_of))
    for worker, status, at in appeals.values_list("worker_id", "status", "created_at"):
        for cell in both(worker, at):
            cell["appeals_opened"] += 1
            cell["appeals_for_her"] += status in (AppealStatus.OVERTURNED, AppealStatus.ADJUSTED)
            cell["appeals_upheld"] += status == AppealStatus.UPHELD
    rows, month_totals = [], []
    for month in months:
        cities = sorted(
            (city for city, m in cells if m == month), key=lambda c: (-len(cells[(c, month)]["mothers"]), c)
        )
        shown = _suppressed(
            {city: len(cells[(city, month)]["mothers"]) for city in cities}, len(totals[month]["mothers"])
        )
        for city in cities:
            cell = cells[(city, month)]
            rows.append((_row(month, city, cell, city in shown), cell["companies"]))
        total = totals[month]
        month_totals.append((_row(month, region, total, len(total["mothers"]) >= MIN_MOTHERS), total["companies"]))
    return rows, month_totals


def _cell() -> dict:
    return {
        "mothers": set(),
        "companies": set(),
        "minutes": 0.0,
        "hand_ins": 0,
        "timed": 0,
        "at_floor": 0,
        "earned": defaultdict(int),
        "due": 0,
        "on_time": 0,
        "appeals_opened": 0,
        "appeals_for_her": 0,
        "appeals_upheld": 0,
    }


def _suppressed(mothers_by_city: dict[str, int], total: int) -> set[str]:
    """The cities whose figures may be shown: each of at least MIN_MOTHERS mothers, and the hidden
    ones, which a shown total minus the shown cities would add up, never one city alone nor fewer
    than MIN_MOTHERS mothers together (the smallest shown are hidden with them until they are not).
    A mother lives in one city, so the cities' mothers add up to the total."""
    if total < MIN_MOTHERS:
        return set()
    shown = {city for city, n in mothers_by_city.items() if n >= MIN_MOTHERS}
    hidden = set(mothers_by_city) - shown
    while hidden and shown and (len(hidden) == 1 or sum(mothers_by_city[c] for c in hidden) < MIN_MOTHERS):
        smallest = min(shown, key=lambda city: (mothers_by_city[city], city))
        shown.discard(smallest)
        hidden.add(smallest)
    return shown


def _row(month: datetime.date, region: str, cell: dict, shown: bool) -> dict:
    row = {"month": month.strftime("%Y-%m"), "region": region, "suppressed": not shown}
    if not shown:
        return row | dict.fromkeys(FIGURES)
    earned = sorted(Decimal(fen) / 100 for fen in cell["earned"].values())
    # A median or a quartile of a few is one mother's own pay: given only from MIN_FOR_SPREAD earners on.
    spread = len(earned) >= MIN_FOR_SPREAD
    quartiles = statistics.quantiles(earned, n=4, method="inclusive") if spread else []
    return row | {
        "mothers": len(cell["mothers"]),
        "hours": round(cell["minutes"] / 60, 1),
        "earnings_total": f"{sum(earned, Decimal(0)):.2f}",
        "earnings_median": f"{statistics.median(earned):.2f}" if spread else None,
        "earnings_q1": f"{quartiles[0]:.2f}" if spread else None,
        "earnings_q3": f"{quartiles[2]:.2f}" if spread else None,
        "companies": len(cell["companies"]),
        "hand_ins": cell["hand_ins"],
        "at_floor_share": round(cell["at_floor"] / cell["timed"], 4) if cell["timed"] else None,
        "settled_on_time_share": round(cell["on_time"] / cell["due"], 4) if cell["due"] else None,
        "appeals_opened": cell["appeals_opened"],
        "appeals_for_her": cell["appeals_for_her"],
        "appeals_upheld": cell["appeals_upheld"],
    }


def _companies(ids: set[int]) -> list[dict]:
    """The companies with their standard as last measured (a company not measured yet: no badge)."""
    standings = {s.company_id: standing_shown(s) for s in CompanyStanding.objects.filter(company_id__in=ids)}
    found = []
    for company in Company.objects.filter(pk__in=ids).order_by("pk"):
        shown = standings.get(company.pk)
        found.append(
            {
                "id": company.pk,
                "name": company.name,
                "badge": bool(shown and shown["badge"]),
                "indicators": {
                    i["key"]: {"value": i["value"], "met": i["met"], "enough": i["enough"]}
                    for i in (shown["indicators"] if shown else [])
                },
            }
        )
    return found


def table(found: dict) -> tuple[list[str], list[list]]:
    """The figures as a sheet (CSV, XLSX): the city rows, then each month's total, the same suppression."""
    header = ["month", "region", "suppressed", *FIGURES]
    lines = []
    for row in [*found["rows"], *({**t, "region": f"{t['region']} 合计"} for t in found["totals"])]:
        lines.append(
            [(row["month"], True), (row["region"], True), (row["suppressed"], False)]
            + [(_number(row[key]), False) for key in FIGURES]
        )
    return header, lines


def _number(value):
    """Amounts travel as text in JSON ("12.30"); a sheet gets them as numbers."""
    return Decimal(value) if isinstance(value, str) else value
