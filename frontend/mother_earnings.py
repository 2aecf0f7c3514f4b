"""The mothers' app, 我的收入: balance per company, this week and last, an SVG bar chart of the
last 8 weeks (drawn on the server, no chart library) and every entry with its task."""

from django.utils import timezone
from django.views.decorators.http import require_GET

from frontend import mother_format as fmt
from frontend.mother import mother_page, mother_render
from ledger import selectors as ledger_selectors
from ledger.models import TransactionKind
from ledger.money import format_fen
from workers.models import PayoutAccount

POSTINGS_SHOWN = 100

# --- her earnings --------------------------------------------------------------------------


@mother_page
@require_GET
def earnings(request):
    return mother_render(
        request,
        "frontend/mother/earnings.html",
        {
            **earnings_context(request.user),
            "payout_account": PayoutAccount.objects.filter(worker=request.user).first(),
            "nav": "earnings",
            "page": "earnings",
        },
    )


CHART_WIDTH, CHART_HEIGHT, CHART_TOP = 320, 120, 16


def earnings_context(user) -> dict:
    today = timezone.localdate()
    balances = ledger_selectors.balances_for_worker(user)
    due = ledger_selectors.expected_pay_dates(user, balances, today=today)
    for row in balances:
        row["balance_display"] = format_fen(row["balance_fen"])
        if row["company"] in due:  # by the company's settlement schedule
            row["due_text"] = fmt.day_text(due[row["company"]])
            row["late"] = due[row["company"]] < today
    weeks = ledger_selectors.weekly_totals_for_worker(user, today=today)
    top = max((w["credited_fen"] for w in weeks), default=0) or 1
    slot_width = CHART_WIDTH / len(weeks)
    bars = []
    for i, week in enumerate(weeks):
        height = round((CHART_HEIGHT - CHART_TOP) * week["credited_fen"] / top, 1)
        bars.append(
            {
                "x": round(i * slot_width + 4, 1),
                "width": round(slot_width - 8, 1),
                "y": round(CHART_HEIGHT - height, 1),
                "height": height,
                "label_x": round(i * slot_width + slot_width / 2, 1),
                "label": f"{week['week_start'].month}/{week['week_start'].day}",
                "display": format_fen(week["credited_fen"]),
                "amount": _bar_amount(week["credited_fen"]),
                "amount_y": round(max(CHART_HEIGHT - height - 3, 10), 1),
                "fen": week["credited_fen"],
                "current": i == len(weeks) - 1,
            }
        )
    postings = []
    for posting in ledger_selectors.payable_postings_for_worker(user)[:POSTINGS_SHOWN]:
        entry = posting.transaction
        signed = posting.amount_fen if posting.direction == "C" else -posting.amount_fen
        postings.append(
            {
                "when": fmt.moment_text(posting.created_at),
                "amount": format_fen(signed),
                "credit": signed >= 0,
                "kind": entry.get_kind_display(),
                "is_earning": entry.kind == TransactionKind.EARNING,
                "project": entry.project,
                "task": entry.task,
                "units": entry.units,
                "memo": entry.memo,
                "company": posting.account.company.name,
            }
        )
    total = sum(row["balance_fen"] for row in balances)
    credited = sum(w["credited_fen"] for w in weeks)
    return {
        "balances": balances,
        "total": format_fen(total),
        "this_week": format_fen(weeks[-1]["credited_fen"]),
        "last_week": format_fen(weeks[-2]["credited_fen"]),
        "bars": bars,
        "chart": {"width": CHART_WIDTH, "height": CHART_HEIGHT + 20, "base": CHART_HEIGHT, "empty": credited == 0},
        "postings": postings,
    }


def _bar_amount(fen: int) -> str:
    """The amount written on a bar, short enough for its width: ¥9.28, ¥46.5, ¥123; nothing for 0."""
    if fen <= 0:
        return ""
    if fen >= 10_000:
        return f"¥{fen // 100}"
    if fen >= 1_000:
        return f"¥{fen / 100:.1f}".replace(".0", "")
    return f"¥{fen / 100:.2f}"
