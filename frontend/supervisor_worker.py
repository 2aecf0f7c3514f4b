"""One mother as a supervisor sees her: her history with one company of theirs (tasks.worker_history),
the acceptance rate and accepted units per week drawn as small bars. Linked from the review page."""

from django.http import Http404
from django.views.decorators.http import require_GET

from accounts.errors import CompanyRequired
from accounts.models import Company
from core.ids import id_or_none
from frontend.supervisor import supervisor_required, workspace
from tasks import worker_history
from tasks.models import ClaimStatus, ReleaseKind, SubmissionStatus

CHART_HEIGHT = 40


@supervisor_required
@require_GET
def worker(request, pk: int):
    given = request.GET.get("company")
    company_id = id_or_none(given) if given else None
    if given and company_id is None:
        raise Http404
    try:
        company = worker_history.history_company(request.user, pk, company_id)
    except CompanyRequired:
        shared = worker_history.history_companies(request.user, pk)
        choices = Company.objects.filter(pk__in=shared).order_by("name")
        return workspace(request, "frontend/supervisor/worker_choose.html", {"worker_id": pk, "companies": choices})
    if company is None:
        raise Http404
    history = worker_history.worker_history(worker_id=pk, company_id=company)
    context = {
        "history": history,
        # The page names each state in words (the API gives the codes).
        "claim_states": [(ClaimStatus(code).label, n) for code, n in history["claims"]["by_status"].items()],
        "release_kinds": [(ReleaseKind(code).label, n) for code, n in history["claims"]["releases"].items()],
        "recent": [_worded(item) for item in history["recent"]],
        "company": Company.objects.get(pk=company),
        "rate_percent": int(history["submissions"]["acceptance_rate"] or 0),
        "gold_percent": int(history["gold"]["accuracy"] or 0),
        "weeks": _week_bars(history["weeks"]),
    }
    return workspace(request, "frontend/supervisor/worker.html", context)


def _worded(item: dict) -> dict:
    states = ClaimStatus if item["what"] == "claim" else SubmissionStatus
    words = {**item, "status": states(item["status"]).label if item["status"] in states.values else item["status"]}
    if item.get("release_kind") in ReleaseKind.values:
        words["release_kind"] = ReleaseKind(item["release_kind"]).label
    return words


def _week_bars(weeks: list[dict]) -> list[dict]:
    """Each week's accepted units as a bar of an SVG chart (x, y, height in the chart's own units)."""
    top = max((week["accepted_units"] for week in weeks), default=0) or 1
    bars = []
    for index, week in enumerate(weeks):
        height = round(week["accepted_units"] * CHART_HEIGHT / top)
        bars.append(
            {
                "x": index * 10 + 1,
                "y": CHART_HEIGHT - height,
                "height": height,
                "units": week["accepted_units"],
                "week": week["week"],
            }
        )
    return bars
