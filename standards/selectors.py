"""Reads of the standard: a company's standing as everyone signed in may see it."""

from standards import indicators
from standards.models import CompanyStanding


def standing_shown(standing: CompanyStanding | None) -> dict | None:
    """A kept standing, each indicator with its name, rule and figure in the current language."""
    if standing is None:
        return None
    return {
        "company": standing.company_id,
        "measured_at": standing.measured_at,
        "window_start": standing.window_start,
        "window_days": indicators.WINDOW_DAYS,
        "badge": standing.badge,
        "badge_since": standing.badge_since,
        "indicators": [indicators.shown(i) for i in indicators.known(standing.indicators)],
    }


def card_lines(company_ids) -> dict[int, dict]:
    """For task cards: per company, its badge and the line "按时结算 100% · 实测时薪 ¥24"."""
    return {
        s.company_id: {"badge": s.badge, "line": indicators.card_line(s.indicators)}
        for s in CompanyStanding.objects.filter(company_id__in=list(company_ids))
    }
