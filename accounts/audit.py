"""Audit rows: every service that changes state records one in its transaction."""

from django.db import models

from accounts.models import AuditEntry


def audit_record(*, actor, action: str, target: models.Model, company_id: int | None = None, **data) -> None:
    AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        company_id=company_id,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=data,
    )
