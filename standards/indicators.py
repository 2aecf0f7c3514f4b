"""The 妈妈岗 standard: each indicator, its plain threshold, and how it is measured from the records.

Every figure comes from what the platform itself recorded over the last ``WINDOW_DAYS`` days (hand-ins,
reviews, ledger postings, slots, releases, appeals); nothing a company says about itself. A figure
from fewer than its indicator's ``minimum`` events is not shown as a number: it says so ("too few").
A company carries the badge (妈妈岗规范企业) when its record spans the whole window and every
indicator is met — the ones marked ``required`` must have enough events to be judged at all; the
others (appeals, releases: rare by nature) count only once there are enough of them.

The README's "The 妈妈岗 standard" table is this module in words; keep them together.
"""

import dataclasses
import datetime
import statistics
from decimal import Decimal

from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ledger.models import AccountKind, Direction, Posting, TransactionKind
from standards import measures
from tasks.models import Appeal, AppealStatus, Claim, ClaimStatus, Decision, ReleaseKind, Review, Submission, TimeSlot

WINDOW_DAYS = 90
# Hours that fit a mother's day (flexibility): school hours on weekdays, and evenings.
SCHOOL_HOURS = (datetime.time(8, 30), datetime.time(15, 30))
EVENING = (datetime.time(19, 0), datetime.time(22, 30))
# A deduction to her this soon after a release the rules leave unmarked looks like a penalty for it.
PENALTY_DAYS = 7
REVIEW_HOURS = 48


@dataclasses.dataclass(frozen=True)
class Rule:
    key: str
    name: str  # as the company page and the task card say it
    threshold: str  # the plain rule
    minimum: int  # events needed before the figure means anything
    required: bool = True


RULES = [
    Rule("hourly_pay", _("measured hourly pay"), _("median at or above the local minimum hourly wage"), 20),
    Rule("paid_at_floor", _("work paid at or above the floor"), _("at least 80 per cent of accepted hand-ins"), 20),
    Rule(
        "settled_on_time",
        _("settled on time"),
        _("at least 95 per cent of pay settled within 15 days after its half-month"),
        10,
    ),
    Rule("worst_settlement", _("longest wait for pay"), _("no credit waits more than 30 days"), 10),
    Rule("review_time", _("review time"), _("at least 90 per cent of hand-ins reviewed within 48 hours"), 20),
    Rule("auto_accepted", _("accepted by silence"), _("at most 10 per cent of reviews left to auto-accept"), 20),
    Rule("rejected", _("rejection rate"), _("at most 15 per cent of decisions reject"), 20),
    Rule("appeals_overturned", _("appeals overturned"), _("at most 30 per cent of appeals decided for her"), 5, False),
    Rule(
        "flexible_slots", _("slots that fit a mother's day"), _("at least 60 per cent in school hours or evenings"), 10
    ),
    Rule("releases_honoured", _("free releases honoured"), _("at least 95 per cent without a penalty after"), 5, False),
]
RULE_OF = {rule.key: rule for rule in RULES}


def measure(company_id: int, *, now: datetime.datetime | None = None) -> dict:
    """The standard of one company now: ``{"window_start", "indicators": [...], "badge", "spans_window"}``.
    Each indicator: ``key``, ``value`` (a number, or None with too few events), ``met``
    (True/False, None when not judged), ``events``, ``enough``, ``detail``."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=WINDOW_DAYS)
    found = {}
    found.update(_pay(company_id, since, now))
    found.update(_settlement(company_id, since, now))
    found.update(_reviews(company_id, since, now))
    found.update(_appeals(company_id, since, now))
    found.update(_slots(company_id, since, now))
    found.update(_releases(company_id, since, now))
    indicators = [_judged(rule, *found[rule.key]) for rule in RULES]
    first = Submission.objects.filter(project__company_id=company_id).aggregate(first=Min("submitted_at"))["first"]
    spans = first is not None and first <= since
    badge = spans and all(i["met"] is True if RULE_OF[i["key"]].required else i["met"] is not False for i in indicators)
    return {"window_start": since, "indicators": indicators, "badge": badge, "spans_window": spans}


def _judged(rule: Rule, value, events: int, met_if, detail: dict) -> dict:
    enough = events >= rule.minimum and value is not None
    return {
        "key": rule.key,
        "value": value if enough else None,
        "met": bool(met_if) if enough else None,
        "events": events,
        "enough": enough,
        "minimum": rule.minimum,
        "detail": detail if enough else {},
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _pay(company_id, since, now) -> dict:
    work = measures.paid_work(measures.accepted_between(since, now).filter(project__company_id=company_id))
    timed = [w for w in work if w.hourly is not None]
    with_floor = [w for w in timed if w.floor]
    median = p10 = floor_median = None
    if timed:
        median = statistics.median([w.hourly for w in timed]).quantize(Decimal("0.01"))
        p10 = Decimal(measures.percentile([w.hourly for w in timed], 0.10)).quantize(Decimal("0.01"))
    ratio_ok = None
    if with_floor:
        floor_median = statistics.median([w.floor for w in with_floor]).quantize(Decimal("0.01"))
        ratio_ok = statistics.median([w.hourly / w.floor for w in with_floor]) >= 1
    at_floor = sum(1 for w in with_floor if w.hourly >= w.floor)
    share = _share(at_floor, len(with_floor))
    pay_detail = {"median": str(median), "p10": str(p10), "floor_median": str(floor_median) if floor_median else None}
    return {
        "hourly_pay": (
            str(median) if median is not None and ratio_ok is not None else None,
            len(with_floor),
            ratio_ok,
            pay_detail,
        ),
        "paid_at_floor": (share, len(with_floor), share is not None and share >= 0.8, {"at_floor": at_floor}),
    }


def _settlement(company_id, since, now) -> dict:
    """Credits of the window that are paid, or due and not paid: on time when paid by the 15th day
    after their half-month ended; the longest wait from a credit to its payment (until now if unpaid)."""
    judged = [
        (c, c.on_time(now))
        for c in measures.credits_settled(company_ids=[company_id])
        if since <= c.credited_at < now and c.on_time(now) is not None
    ]
    on_time = sum(1 for _c, ok in judged if ok)
    share = _share(on_time, len(judged))
    worst_days = int(-(-max(c.waited_days(now) for c, _ok in judged) // 1)) if judged else None
    return {
        "settled_on_time": (share, len(judged), share is not None and share >= 0.95, {"on_time": on_time}),
        "worst_settlement": (worst_days, len(judged), worst_days is not None and worst_days <= 30, {}),
    }


def _reviews(company_id, since, now) -> dict:
    reviews = Review.objects.filter(
        submission__project__company_id=company_id, decided_at__gte=since, decided_at__lt=now
    ).values_list("decision", "reviewer_id", "decided_at", "submission__submitted_at")
    hours, silent, decided, rejected = [], 0, 0, 0
    for decision, reviewer, decided_at, submitted_at in reviews:
        hours.append((decided_at - submitted_at).total_seconds() / 3600)
        silent += reviewer is None
        if decision != Decision.REVISE:
            decided += 1
            rejected += decision == Decision.REJECT
    p50 = p90 = None
    if hours:
        p50, p90 = round(statistics.median(hours), 1), round(measures.percentile(hours, 0.90), 1)
    within = _share(sum(1 for h in hours if h <= REVIEW_HOURS), len(hours))
    silent_share, rejected_share = _share(silent, len(hours)), _share(rejected, decided)
    return {
        "review_time": (
            p90,
            len(hours),
            within is not None and within >= 0.9,
            {"p50_hours": p50, "p90_hours": p90, "within_48h": within},
        ),
        "auto_accepted": (
            silent_share,
            len(hours),
            silent_share is not None and silent_share <= 0.10,
            {"auto": silent},
        ),
        "rejected": (
            rejected_share,
            decided,
            rejected_share is not None and rejected_share <= 0.15,
            {"rejected": rejected},
        ),
    }


def _appeals(company_id, since, now) -> dict:
    decided = Appeal.objects.filter(company_id=company_id, decided_at__gte=since, decided_at__lt=now)
    total = decided.count()
    overturned = decided.filter(status__in=[AppealStatus.OVERTURNED, AppealStatus.ADJUSTED]).count()
    share = _share(overturned, total)
    return {"appeals_overturned": (share, total, share is not None and share <= 0.30, {"for_her": overturned})}


def fits_a_mothers_day(starts_at: datetime.datetime, ends_at: datetime.datetime) -> bool:
    """A slot wholly inside school hours on a weekday, or inside the evening (local time)."""
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    if start.date() != end.date() and end.time() != datetime.time(0, 0):
        return False
    end_time = end.time() if end.date() == start.date() else datetime.time(23, 59, 59)
    school = start.weekday() < 5 and SCHOOL_HOURS[0] <= start.time() and end_time <= SCHOOL_HOURS[1]
    evening = EVENING[0] <= start.time() and end_time <= EVENING[1]
    return school or evening


def _slots(company_id, since, now) -> dict:
    slots = TimeSlot.objects.filter(
        project__company_id=company_id, starts_at__gte=since, starts_at__lt=now, cancelled_at__isnull=True
    ).values_list("starts_at", "ends_at")
    total = fitting = 0
    for starts_at, ends_at in slots:
        total += 1
        fitting += fits_a_mothers_day(starts_at, ends_at)
    share = _share(fitting, total)
    return {"flexible_slots": (share, total, share is not None and share >= 0.6, {"fitting": fitting})}


def _releases(company_id, since, now) -> dict:
    free = Claim.objects.filter(
        project__company_id=company_id,
        status=ClaimStatus.RELEASED,
        release_kind__in=[ReleaseKind.FREE, ReleaseKind.EMERGENCY],
        ended_at__gte=since,
        ended_at__lt=now,
    ).values_list("worker_id", "ended_at")
    deductions = {}
    for worker, at in Posting.objects.filter(
        account__company_id=company_id,
        account__kind=AccountKind.PAYABLE,
        direction=Direction.DEBIT,
        transaction__kind=TransactionKind.ADJUSTMENT,
        created_at__gte=since,
    ).values_list("account__worker_id", "created_at"):
        deductions.setdefault(worker, []).append(at)
    total = penalised = 0
    for worker, ended_at in free:
        total += 1
        after = ended_at + datetime.timedelta(days=PENALTY_DAYS)
        penalised += any(ended_at <= at <= after for at in deductions.get(worker, ()))
    share = _share(total - penalised, total)
    return {"releases_honoured": (share, total, share is not None and share >= 0.95, {"penalised": penalised})}


def shown(indicator: dict) -> dict:
    """An indicator as people read it, in the current language: its name, rule and figure."""
    rule, value, detail = RULE_OF[indicator["key"]], indicator["value"], indicator["detail"]
    if value is None:
        display = ""
    elif rule.key == "hourly_pay":
        display = f"¥{Decimal(value):.0f}"
    elif rule.key == "worst_settlement":
        display = _("%(days)s days") % {"days": value}
    elif rule.key == "review_time":
        display = _("90%% within %(p90)s h") % {"p90": f"{detail['p90_hours']:g}"}
    else:
        display = f"{value * 100:.0f}%"
    return indicator | {"name": str(rule.name), "threshold": str(rule.threshold), "display": display}


def known(indicators: list[dict]) -> list[dict]:
    """The kept indicators this version still measures (one renamed or dropped since is left out until
    the next measure replaces them all)."""
    return [i for i in indicators if i.get("key") in RULE_OF]


SHARES = {"paid_at_floor", "settled_on_time", "auto_accepted", "rejected", "appeals_overturned", "flexible_slots"}
SHARES |= {"releases_honoured"}


def card_line(indicators: list[dict]) -> str:
    """What every task card of the company says of it: "按时结算 100% · 实测时薪 ¥24", the parts measured."""
    by_key = {i["key"]: shown(i) for i in known(indicators)}
    parts = []
    settled, pay = by_key.get("settled_on_time"), by_key.get("hourly_pay")
    if settled and settled["enough"]:
        parts.append(_("paid on time %(share)s") % {"share": settled["display"]})
    if pay and pay["enough"]:
        parts.append(_("measured hourly pay %(pay)s") % {"pay": pay["display"]})
    return " · ".join(parts)
