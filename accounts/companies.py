"""Companies that join by themselves: a signed-up person registers her company and becomes its
admin; it is ``pending`` until an operator approves it (the admin site), and it may prepare projects
meanwhile but not publish them (``tasks.services.projects``). Either way the admins hear of the
decision: the ``company_reviewed`` signal, which the inbox (``notices``, one layer up) answers."""

import django.dispatch
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as NumberInvalid

from accounts.audit import audit_record
from accounts.errors import CompanyRegistered, InvalidCreditCode
from accounts.models import Company, CompanyStatus, Role, User
from accounts.phones import phone_normalize
from accounts.services import membership_set
from core import locks
from core.errors import Invalid, NotFound, WrongState

# Sent inside the review's transaction with ``company`` and ``approved`` (bool): the inbox (notices)
# tells the company's admins, so the notice exists exactly when the decision does.
company_reviewed = django.dispatch.Signal()

_LENGTHS = {"name": 128, "region": 64, "contact_name": 64}


def _credit_code_normalize(raw: object) -> str:
    """统一社会信用代码: 18 characters whose last is a check character (GB 32100-2015)."""
    try:
        return uscc.validate(raw if isinstance(raw, str) else "")
    except NumberInvalid:
        raise InvalidCreditCode(details={"field": "credit_code"}) from None


def _text(fields: dict, name: str) -> str:
    value = fields.get(name)
    value = value.strip() if isinstance(value, str) else ""
    if not value or len(value) > _LENGTHS[name]:
        raise Invalid(
            _("Please fill this in (up to %(n)s characters).") % {"n": _LENGTHS[name]}, details={"field": name}
        )
    return value


def company_register(
    *, actor: User, name: str, credit_code: str, region: str, contact_name: str, contact_phone: str
) -> Company:
    """She registers her company and becomes its admin; it waits for an operator's approval."""
    fields = {"name": name, "region": region, "contact_name": contact_name}
    checked = {key: _text(fields, key) for key in fields}
    code = _credit_code_normalize(credit_code)
    phone = phone_normalize(contact_phone)
    try:
        with transaction.atomic():
            if (
                Company.objects.filter(name=checked["name"]).exists()
                or Company.objects.filter(credit_code=code).exists()
            ):
                raise CompanyRegistered()
            company = Company.objects.create(
                credit_code=code, contact_phone=phone, status=CompanyStatus.PENDING, **checked
            )
            membership_set(actor=actor, company=company, user=actor, role=Role.ADMIN)
            audit_record(actor=actor, action="company.register", target=company, company_id=company.pk)
    except IntegrityError:  # registered a moment ago by another request
        raise CompanyRegistered() from None
    return company


@transaction.atomic
def company_review(*, actor: User, company_id: int, approve: bool, reason: str = "") -> Company:
    """An operator approves a pending company, or refuses it with a reason its admins can read."""
    company = locks.lock_one(Company.objects.filter(pk=company_id))
    if company is None or company.status != CompanyStatus.PENDING:
        raise WrongState(_("Only a company waiting for approval can be approved or refused."))
    reason = (reason or "").strip()[:400]
    if not approve and not reason:
        raise Invalid(_("Please give the reason, for the company to read."), details={"field": "reason"})
    company.status = CompanyStatus.APPROVED if approve else CompanyStatus.REJECTED
    company.review_reason = reason
    company.reviewed_by = actor
    company.reviewed_at = timezone.now()
    company.save(update_fields=["status", "review_reason", "reviewed_by", "reviewed_at"])
    audit_record(actor=actor, action="company.review", target=company, company_id=company.pk, approved=approve)
    company_reviewed.send(sender=Company, company=company, approved=approve)  # in this transaction
    return company


MAX_SETTLEMENT_DAYS = 15  # part-time work is settled at least every 15 days


def company_settlement_set(*, actor: User, company_id: int, days: object) -> Company:
    """Its admin sets how many days after each half-month it pays (1–15); audited."""
    company = Company.objects.filter(pk=company_id, memberships__user=actor, memberships__role=Role.ADMIN).first()
    if company is None:
        raise NotFound()
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_SETTLEMENT_DAYS:
        raise Invalid(
            _("Pay within 1 to %(most)s days after each half-month.") % {"most": MAX_SETTLEMENT_DAYS},
            details={"field": "settlement_days"},
        )
    before = company.settlement_days
    Company.objects.filter(pk=company.pk).update(settlement_days=days)
    company.settlement_days = days
    audit_record(
        actor=actor, action="company.settlement", target=company, company_id=company.pk, before=before, after=days
    )
    return company
