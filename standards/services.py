"""The standard's one write: each company's standing measured again and kept (``CompanyStanding``)."""

import datetime

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import Company, Membership, User
from standards import indicators
from standards import regions as region_names
from standards.errors import ObserverHasOtherRole, ObserverRegionsMissing
from standards.models import CompanyStanding, ProgrammeObserver
from workers.models import WorkerProfile


def standing_update(*, company_id: int, now: datetime.datetime | None = None) -> CompanyStanding:
    """Measure one company's standard now and keep it; the badge's date is kept while it is held."""
    now = now or timezone.now()
    found = indicators.measure(company_id, now=now)
    with transaction.atomic():
        held = CompanyStanding.objects.filter(company_id=company_id, badge=True).values_list("badge_since", flat=True)
        was_since = held.first()
        standing, _created = CompanyStanding.objects.update_or_create(
            company_id=company_id,
            defaults={
                "measured_at": now,
                "window_start": found["window_start"],
                "indicators": found["indicators"],
                "badge": found["badge"],
                "badge_since": (was_since or now) if found["badge"] else None,
            },
        )
    return standing


def standing_kept(*, company_id: int, measure_if_missing: bool = True) -> CompanyStanding | None:
    """The standing the hourly job keeps; a company not measured yet is measured now (unless not
    asked to: an anonymous visit makes the server do no such work)."""
    standing = CompanyStanding.objects.filter(company_id=company_id).first()
    if standing is None and measure_if_missing:
        standing = standing_update(company_id=company_id)
    return standing


def standings_update(*, now: datetime.datetime | None = None) -> int:
    """Every company's standing measured again (the hourly job); returns how many."""
    now = now or timezone.now()
    ids = list(Company.objects.order_by("pk").values_list("pk", flat=True))
    for company_id in ids:
        standing_update(company_id=company_id, now=now)
    return len(ids)


def programme_observer_save(
    *, actor: User | None, user_id: int, body: str, regions: list[str], observer_id: int | None = None
) -> ProgrammeObserver:
    """An operator makes (or changes) a programme observer: read-only figures of ``regions``. She is
    no company's staff and no mother: an account with either cannot be one (her own records would
    sit inside the figures she reads, and a company's staff would read its rivals' regions)."""
    with transaction.atomic():
        user = User.objects.get(pk=user_id)
        cleaned = programme_observer_check(user_id=user.pk, regions=regions)
        observer = ProgrammeObserver.objects.filter(pk=observer_id).first() if observer_id else None
        if observer is None:
            observer = ProgrammeObserver.objects.create(user=user, body=body.strip(), regions=cleaned, created_by=actor)
        else:
            ProgrammeObserver.objects.filter(pk=observer.pk).update(user=user, body=body.strip(), regions=cleaned)
            observer.refresh_from_db()
        audit_record(actor=actor, action="programme_observer.save", target=observer, regions=cleaned)
    return observer


def programme_observer_check(*, user_id: int, regions: list[str]) -> list[str]:
    """The regions named as the figures name them, once each; refused when none is named or the
    account is a company's staff or a mother (the admin's form asks this before saving)."""
    cleaned = []
    for region in regions:
        region = region_names.canonical(region)
        if region and region not in cleaned:
            cleaned.append(region)
    if not cleaned:
        raise ObserverRegionsMissing(details={"field": "regions"})
    if Membership.objects.filter(user_id=user_id).exists() or WorkerProfile.objects.filter(user_id=user_id).exists():
        raise ObserverHasOtherRole(details={"field": "user"})
    return cleaned
