"""Adjustments: a bonus or a deduction with a reason, posted at once up to the approval threshold,
above it waiting for a second finance user (approve / reject)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import User
from core import locks
from core.errors import IdempotencyKeyReused, NotFound, WrongState
from ledger import facts
from ledger._common import _in_open_batches, _locked_payable, _reason, _require_balance, _require_finance, _tell_her
from ledger.errors import ApprovalNeeded, ApproverIsRequester, InvalidAmount, InvalidKey, OwnAdjustment
from ledger.models import (
    Account,
    AccountKind,
    AdjustmentRequest,
    AdjustmentStatus,
    Direction,
    Transaction,
    TransactionKind,
)
from ledger.periods import day_start
from ledger.services import Leg, account_for, transaction_post

MAX_ADJUSTMENT_FEN = 10_000_000  # ¥100,000: a typo guard, not a business rule


MAX_KEY = 80


def _posted_alone_since(company_id: int, worker_id: int, *, since) -> int:
    """What was posted to her without a second person since ``since`` (fen, either sign counted).
    Call holding her payable account: concurrent adjustments to her are counted one after another."""
    amounts = AdjustmentRequest.objects.filter(
        company_id=company_id, worker_id=worker_id, status=AdjustmentStatus.POSTED, created_at__gte=since
    ).values_list("amount_fen", flat=True)
    return sum(abs(amount) for amount in amounts)


def approval_threshold_fen() -> int:
    """An adjustment larger than this (in fen, either sign) waits for a second finance user."""
    return settings.HOMESLOT_ADJUSTMENT_APPROVAL_FEN


def _amount(amount_fen) -> int:
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen == 0:
        raise InvalidAmount(_("The amount is a whole number of fen, not zero."))
    if abs(amount_fen) > MAX_ADJUSTMENT_FEN:
        raise InvalidAmount(_("The amount is larger than one adjustment may be."))
    return amount_fen


def _key(key) -> str:
    if key is None:
        return ""
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY:
        raise InvalidKey()
    return key


def _worked_here(company_id: int, worker_id: int) -> bool:
    """She is a mother (she has a profile) who has worked for the company: she has claimed one of
    its tasks, or has an account with it (she was credited)."""
    if not get_user_model().objects.filter(pk=worker_id, worker_profile__isnull=False).exists():
        return False
    return Account.objects.filter(
        company_id=company_id, kind=AccountKind.PAYABLE, worker_id=worker_id
    ).exists() or facts.has_claimed(company_id=company_id, worker_id=worker_id)


def _first_with_key(actor, key: str, body: dict):
    """The caller's earlier request with ``key`` when it asked for the same ``body`` (company,
    mother, amount, reason); a key she used for something else is refused; None if never used."""
    first = AdjustmentRequest.objects.filter(requested_by=actor, key=key).select_related("transaction").first()
    if first is None:
        return None
    if {field: getattr(first, field) for field in body} != body:
        raise IdempotencyKeyReused(details={"key": key})
    return first


@transaction.atomic
def adjustment_request(
    *, actor: User, company_id: int, worker_id: int, amount_fen: int, reason: str, key: str | None = None
) -> tuple[AdjustmentRequest, bool]:
    """A bonus (positive) or a deduction (negative) for a mother who has worked for the company,
    with a reason. Up to ``approval_threshold_fen()`` (either sign) it is posted at once (status
    ``posted``); above it, it waits (``pending``) until ``adjustment_approve``.

    ``key`` is the caller's own: the same key with the same request answers the first request
    (``created`` False); with a different request it is refused and nothing is written.
    Returns ``(request, created)``."""
    _require_finance(actor, company_id)
    amount_fen = _amount(amount_fen)
    reason = _reason(reason)
    key = _key(key)
    body = {"company_id": company_id, "worker_id": worker_id, "amount_fen": amount_fen, "reason": reason}
    if key and (first := _first_with_key(actor, key, body)) is not None:
        return first, False
    if worker_id == actor.pk:
        raise OwnAdjustment()
    if not _worked_here(company_id, worker_id):
        raise NotFound()  # only a mother who has worked for this company
    try:
        # The key's row first: a retry racing this request waits here, then answers its result
        # (not a balance check that the first request's deduction already changed).
        with transaction.atomic():
            request = AdjustmentRequest.objects.create(requested_by=actor, key=key, **body)
    except IntegrityError:
        first = _first_with_key(actor, key, body) if key else None
        if first is None:
            raise
        return first, False
    payable = _locked_payable(company_id, worker_id)
    if amount_fen < 0:
        _require_balance(payable, -amount_fen, worker_id=worker_id, keep_fen=_in_open_batches(company_id, worker_id))
    # Posted alone (no second person) to her today by this company, this one included: splitting a
    # large adjustment into small ones does not get past the second finance user.
    alone_today = _posted_alone_since(company_id, worker_id, since=day_start(timezone.localdate()))
    if abs(amount_fen) + alone_today > approval_threshold_fen():
        audit_record(
            actor=actor,
            action="adjustment.request",
            target=request,
            company_id=company_id,
            worker=worker_id,
            amount_fen=amount_fen,
        )
        return request, True
    request.transaction = _adjustment_posted(request, actor=actor, payable=payable)
    request.status = AdjustmentStatus.POSTED
    request.save(update_fields=["transaction", "status"])
    return request, True


@transaction.atomic
def adjustment_post(
    *, actor: User, company_id: int, worker_id: int, amount_fen: int, reason: str, key: str | None = None
) -> tuple[Transaction, bool]:
    """An adjustment within the approval threshold, posted at once: ``(transaction, created)``.
    A larger one is refused here (nothing written): ``adjustment_request`` leaves it waiting."""
    request, created = adjustment_request(
        actor=actor, company_id=company_id, worker_id=worker_id, amount_fen=amount_fen, reason=reason, key=key
    )
    if request.transaction is None:
        raise ApprovalNeeded(details={"approval_threshold_fen": approval_threshold_fen()})
    return request.transaction, created


def _adjustment_posted(request: AdjustmentRequest, *, actor, payable: Account) -> Transaction:
    """Post ``request`` once (key ``adjustment:<id>``) and tell her; call with her account locked
    and, for a deduction, her balance checked."""
    amount_fen = request.amount_fen
    expense = account_for(company_id=request.company_id, kind=AccountKind.EXPENSE)
    if amount_fen < 0:
        legs = [Leg(payable, Direction.DEBIT, -amount_fen), Leg(expense, Direction.CREDIT, -amount_fen)]
    else:
        legs = [Leg(expense, Direction.DEBIT, amount_fen), Leg(payable, Direction.CREDIT, amount_fen)]
    txn, created = transaction_post(
        key=f"adjustment:{request.pk}",
        kind=TransactionKind.ADJUSTMENT,
        company_id=request.company_id,
        legs=legs,
        worker_id=request.worker_id,
        memo=request.reason,
        created_by=actor,
    )
    if created:
        audit_record(
            actor=actor,
            action="ledger.adjust",
            target=txn,
            company_id=request.company_id,
            amount_fen=amount_fen,
            request=request.pk,
        )
        _tell_her(txn, amount_fen)
    return txn


def _locked_request(actor, request_id: int) -> AdjustmentRequest:
    request = locks.lock_one(AdjustmentRequest.objects.filter(pk=request_id))
    if request is None:
        raise NotFound()
    _require_finance(actor, request.company_id)
    return request


def _adjustment_wrong_state(request: AdjustmentRequest, action: str) -> WrongState:
    return WrongState(
        _("An adjustment that is %(status)s cannot be %(action)s.")
        % {"status": request.get_status_display(), "action": action},
        details={"status": request.status},
    )


@transaction.atomic
def adjustment_approve(*, actor: User, request_id: int) -> AdjustmentRequest:
    """Post a waiting adjustment; by a finance user who neither asked for it nor receives it. Her
    balance is checked again (her account locked) for a deduction. Approving again changes nothing."""
    request = _locked_request(actor, request_id)
    if request.status == AdjustmentStatus.APPROVED:
        return request
    if request.status != AdjustmentStatus.PENDING:
        raise _adjustment_wrong_state(request, _("approved"))
    if request.requested_by_id == actor.pk:
        raise ApproverIsRequester()
    if request.worker_id == actor.pk:
        raise OwnAdjustment()
    payable = _locked_payable(request.company_id, request.worker_id)
    if request.amount_fen < 0:
        keep = _in_open_batches(request.company_id, request.worker_id)
        _require_balance(payable, -request.amount_fen, worker_id=request.worker_id, keep_fen=keep)
    request.transaction = _adjustment_posted(request, actor=actor, payable=payable)
    request.status, request.decided_by, request.decided_at = AdjustmentStatus.APPROVED, actor, timezone.now()
    request.save(update_fields=["transaction", "status", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action="adjustment.approve",
        target=request,
        company_id=request.company_id,
        transaction=str(request.transaction_id),
    )
    return request


@transaction.atomic
def adjustment_reject(*, actor: User, request_id: int, reason: str) -> AdjustmentRequest:
    """Turn a waiting adjustment down with a reason; nothing is posted and she is not told. Its
    requester may withdraw it this way; the mother herself may not. Rejecting again changes nothing."""
    request = _locked_request(actor, request_id)
    reason = _reason(reason)
    if request.status == AdjustmentStatus.REJECTED:
        return request
    if request.status != AdjustmentStatus.PENDING:
        raise _adjustment_wrong_state(request, _("turned down"))
    if request.worker_id == actor.pk:
        raise OwnAdjustment()
    request.status, request.decided_by, request.decided_at = AdjustmentStatus.REJECTED, actor, timezone.now()
    request.decision_reason = reason
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    audit_record(actor=actor, action="adjustment.reject", target=request, company_id=request.company_id, reason=reason)
    return request
