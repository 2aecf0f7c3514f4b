"""Finance pages: the ledger of a period with a chart, payout batches, adjustments, reconciliation.
Thin: every write goes through the ledger's services (payouts, adjustments, export_requests),
every read through ledger.selectors."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Company
from accounts.selectors import FINANCE_ROLES, company_ids_for, display_names
from core.errors import DomainError
from frontend import finance_adjustments
from frontend.forms import PeriodForm, ReferenceForm
from ledger import export_requests, exports, payouts, periods, selectors
from ledger.adjustments import adjustment_approve, adjustment_reject, approval_threshold_fen
from ledger.models import (
    AccountKind,
    AdjustmentStatus,
    Direction,
    LedgerExport,
    PayoutBatch,
    Posting,
    TransactionKind,
)
from ledger.money import format_fen
from ledger.serializers import AdjustmentRequestOut, LedgerExportOut, PayoutBatchDetail


def _companies(request) -> list[Company]:
    ids = company_ids_for(request.user, FINANCE_ROLES)
    if not ids:
        raise Http404
    return list(Company.objects.filter(pk__in=ids).order_by("name"))


def _context(request) -> dict:
    companies = _companies(request)
    chosen = request.GET.get("company")
    company = next((c for c in companies if str(c.pk) == chosen), companies[0])
    start, end = periods.last_ended_half_month(timezone.localdate())
    form = PeriodForm(request.GET or None, initial={"start": start, "end": end})
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    return {
        "companies": companies,
        "company": company,
        "form": form,
        "start": start,
        "end": end,
        "since": periods.day_start(start),
        "before": periods.day_start(end + datetime.timedelta(days=1)),
    }


@login_required
def ledger(request):
    """Totals of the period, a bar chart of daily credits to mothers, the export buttons. Opened
    without a period, on the last half-month that ended, or, when that one has no entries, on the
    latest half-month that has (said so above the figures)."""
    ctx = _context(request)
    if not {"start", "end"} & set(request.GET):  # no period asked for
        _open_on_activity(ctx)
    postings = Posting.objects.filter(
        account__company=ctx["company"], created_at__gte=ctx["since"], created_at__lt=ctx["before"]
    )
    payable = postings.filter(account__kind=AccountKind.PAYABLE)
    credited = payable.filter(direction=Direction.CREDIT).aggregate(t=Sum("amount_fen"))["t"] or 0
    paid = (
        payable.filter(direction=Direction.DEBIT, transaction__kind=TransactionKind.PAYOUT).aggregate(
            t=Sum("amount_fen")
        )["t"]
        or 0
    )
    per_day = dict(
        payable.filter(direction=Direction.CREDIT)
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values_list("day")
        .annotate(total=Sum("amount_fen"))
    )
    days = []
    day = ctx["start"]
    while day <= ctx["end"]:
        days.append({"day": day, "fen": per_day.get(day, 0), "display": format_fen(per_day.get(day, 0))})
        day += datetime.timedelta(days=1)
    top = max((d["fen"] for d in days), default=0) or 1
    for i, d in enumerate(days):
        d["height"] = round(120 * d["fen"] / top)
        d["x"], d["y"] = i * 22, 130 - d["height"]
    owed = sum(v for v in selectors.payable_balances(company_id=ctx["company"].pk).values() if v > 0)
    ctx.update(
        credited=format_fen(credited),
        paid=format_fen(paid),
        owed=format_fen(owed),
        days=days,
        chart_width=max(len(days) * 22, 22),
        entries=postings.count(),
        overdue_fen=format_fen(
            sum(
                r["overdue_fen"]
                for r in selectors.overdue_settlements(company_id=ctx["company"].pk, now=timezone.now())
            )
        ),
    )
    return render(request, "frontend/finance/ledger.html", ctx)


def _open_on_activity(ctx: dict) -> None:
    company_postings = Posting.objects.filter(account__company=ctx["company"])
    if company_postings.filter(created_at__gte=ctx["since"], created_at__lt=ctx["before"]).exists():
        return
    latest = company_postings.order_by("-created_at").values_list("created_at", flat=True).first()
    if latest is None:
        return
    start, end = periods.half_month(timezone.localdate(latest))
    ctx.update(
        start=start,
        end=end,
        since=periods.day_start(start),
        before=periods.day_start(end + datetime.timedelta(days=1)),
        form=PeriodForm(initial={"start": start, "end": end}),
        moved=True,
    )


@login_required
def batches(request):
    ctx = _context(request)
    ctx["batches"] = list(PayoutBatch.objects.filter(company=ctx["company"]).annotate(mothers=Count("lines"))[:100])
    for each in ctx["batches"]:
        each.total_display = format_fen(each.total_fen)
    return render(request, "frontend/finance/batches.html", ctx)


def _for_period(request, service):
    """Run ``service`` for the company and period a form posted; None (with a message) if refused."""
    companies = {str(c.pk): c for c in _companies(request)}
    company = companies.get(request.POST.get("company"))
    form = PeriodForm(request.POST)
    if company is None or not form.is_valid():
        messages.error(request, _("Give both the first and the last day of the period."))
        return None
    try:
        return service(
            actor=request.user,
            company_id=company.pk,
            period_start=form.cleaned_data["start"],
            period_end=form.cleaned_data["end"],
        )
    except DomainError as error:
        messages.error(request, error.message)
        return None


@login_required
@require_POST
def batch_draft(request):
    batch = _for_period(request, payouts.payout_draft)
    if batch is None:
        return redirect(f"{reverse('finance-batches')}?company={request.POST.get('company', '')}")
    return redirect("finance-batch", pk=batch.pk)


@login_required
def batch(request, pk):
    found = get_object_or_404(
        PayoutBatch.objects.filter(company_id__in=company_ids_for(request.user, FINANCE_ROLES)), pk=pk
    )
    lines = PayoutBatchDetail(found).data["lines"]  # names, masked phones, amounts as the API shows them
    return render(
        request,
        "frontend/finance/batch.html",
        {
            "batch": found,
            "lines": lines,
            "total": format_fen(found.total_fen),
            "reference_form": ReferenceForm(),
            # The drafter may not approve (nor a finance user paid in it): no button she may not use.
            "may_approve": found.created_by_id != request.user.pk
            and not any(line["worker"] == request.user.pk for line in lines),
        },
    )


@login_required
@require_POST
def batch_action(request, pk, action):
    get_object_or_404(PayoutBatch.objects.filter(company_id__in=company_ids_for(request.user, FINANCE_ROLES)), pk=pk)
    try:
        if action == "approve":
            payouts.payout_approve(actor=request.user, batch_id=pk)
        elif action == "cancel":
            payouts.payout_cancel(actor=request.user, batch_id=pk)
        elif action == "mark-paid":
            payouts.payout_mark_paid(actor=request.user, batch_id=pk, reference=request.POST.get("reference", ""))
        else:
            raise Http404
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("finance-batch", pk=pk)


@login_required
def adjustments(request):
    """Adjustments of the company, those waiting for a second finance user first, with their buttons."""
    ctx = _context(request)
    rows = selectors.adjustments_for_finance(request.user).filter(company=ctx["company"])[:100]
    ctx["adjustments"] = AdjustmentRequestOut(rows, many=True).data
    ctx["waiting"] = sum(1 for row in ctx["adjustments"] if row["status"] == AdjustmentStatus.PENDING)
    ctx["threshold"] = format_fen(approval_threshold_fen())
    ctx["key"] = finance_adjustments.new_key()  # a double click or a resent form posts once
    ctx["me"] = request.user.pk
    return render(request, "frontend/finance/adjustments.html", ctx)


@login_required
@require_POST
def adjustment_action(request, pk, action):
    found = get_object_or_404(selectors.adjustments_for_finance(request.user), pk=pk)
    try:
        if action == "approve":
            adjustment_approve(actor=request.user, request_id=pk)
            messages.success(request, _("Approved and posted."))
        elif action == "reject":
            adjustment_reject(actor=request.user, request_id=pk, reason=request.POST.get("reason", ""))
            messages.success(request, _("Rejected: nothing was posted."))
        else:
            raise Http404
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(f"{reverse('finance-adjustments')}?company={found.company_id}")


@login_required
def reconciliation(request):
    ctx = _context(request)
    report = selectors.reconciliation(company_id=ctx["company"].pk, since=ctx["since"], before=ctx["before"])
    overdue = selectors.overdue_settlements(company_id=ctx["company"].pk, now=timezone.now())
    # Names of everyone on the page, in one query.
    names = display_names({m["worker"] for m in report["mothers"]} | {row["worker"] for row in overdue})
    rows = [
        {
            **{k: format_fen(v) for k, v in line.items() if k.endswith("_fen")},
            "name": names.get(line["worker"], line["worker"]),
            "difference": line["difference_fen"],
        }
        for line in report["mothers"]
    ]
    for row in overdue:
        row["name"], row["display"] = names.get(row["worker"], row["worker"]), format_fen(row["overdue_fen"])
    problems = [{"kind": exports.PROBLEM_KINDS[p["kind"]], "id": p["id"]} for p in report["problems"]]
    ctx.update(
        report=report,
        problems=problems,
        rows=rows,
        totals={k: format_fen(v) for k, v in report["totals"].items()},
        overdue=overdue,
    )
    return render(request, "frontend/finance/reconciliation.html", ctx)


@login_required
@require_POST
def export_request(request):
    export = _for_period(request, export_requests.export_request)
    if export is None:
        return redirect("finance-ledger")
    return redirect("finance-export", pk=export.pk)


@login_required
def export(request, pk):
    """The workbook's progress (the page refreshes itself until it is ready), then its download."""
    found = get_object_or_404(
        LedgerExport.objects.filter(company_id__in=company_ids_for(request.user, FINANCE_ROLES)), pk=pk
    )
    data = LedgerExportOut(found).data
    return render(request, "frontend/finance/export.html", {"export": found, "data": data, "company": found.company})
