"""A company's own ready reasons for a kind of work (``tasks.reasons`` reads them)."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import Company, User
from core.errors import Invalid
from tasks.errors import InvalidKind
from tasks.models import Kind, ReadyReason
from tasks.reasons import DECISIONS
from tasks.services._common import _require_supervising

MAX_REASONS = 6  # per decision: the keys 1–6 pick them on the review page
MAX_REASON_LENGTH = 200


@transaction.atomic
def ready_reasons_set(*, actor: User, company_id: int, kind: str, reasons: dict) -> list[ReadyReason]:
    """Replace the company's ready reasons for ``kind`` with ``reasons`` ({decision: [text, …]});
    none at all puts the built-in ones back. A supervisor or admin of the company; audited."""
    _require_supervising(actor, company_id)
    if kind not in Kind.values:
        raise InvalidKind(details={"field": "kind"})
    if not isinstance(reasons, dict) or set(reasons) - set(DECISIONS):
        raise Invalid(_("Ready reasons are given for partly accept, reject and send back only."))
    rows = []
    for decision in DECISIONS:
        texts = reasons.get(decision) or []
        if not isinstance(texts, list | tuple):
            raise Invalid(_("Ready reasons are given for partly accept, reject and send back only."))
        texts = [text.strip() if isinstance(text, str) else text for text in texts]
        texts = [text for text in texts if text != ""]
        if len(texts) > MAX_REASONS:
            raise Invalid(
                _("At most %(n)s ready reasons for each decision.") % {"n": MAX_REASONS},
                details={"field": decision},
            )
        for position, text in enumerate(texts):
            if not isinstance(text, str) or len(text) > MAX_REASON_LENGTH or "\x00" in text:
                raise Invalid(
                    _("Each ready reason is one line of at most %(n)s characters.") % {"n": MAX_REASON_LENGTH},
                    details={"field": decision},
                )
            rows.append(ReadyReason(company_id=company_id, kind=kind, decision=decision, text=text, position=position))
    ReadyReason.objects.filter(company_id=company_id, kind=kind).delete()
    made = ReadyReason.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        action="reasons.set",
        target=Company(pk=company_id),
        company_id=company_id,
        kind=kind,
        count=len(made),
    )
    return made
