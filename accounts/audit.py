"""Audit rows: every service that changes state records one in its transaction (at its end, with the
others, in one INSERT, when the service writes in ``core.batched_inserts``)."""

from django.db import models

from accounts.models import AuditEntry
from core import batched_inserts


def audit_record(*, actor, action: str, target: models.Model, company_id: int | None = None, **data) -> None:
    entry = AuditEntry(
        actor=actor if getattr(actor, "pk", None) else None,
        company_id=company_id,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=data,
    )
    batched_inserts.add([entry])
