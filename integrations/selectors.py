"""Reads of webhooks, scoped at the source: only the admins of a company see its endpoints."""

from accounts.models import Membership, Role
from accounts.selectors import company_ids_for
from integrations.models import WebhookDelivery, WebhookEndpoint

ADMIN_ROLES = (Role.ADMIN,)


def admin_company_ids(user) -> list[int]:
    return company_ids_for(user, ADMIN_ROLES)


def endpoints_for(user):
    """The endpoints of the companies ``user`` is an admin of."""
    return WebhookEndpoint.objects.filter(company_id__in=admin_company_ids(user))


def deliveries_for(user, *, endpoint_id: int):
    """The delivery log of one of her companies' endpoints, newest event first."""
    return WebhookDelivery.objects.filter(
        endpoint_id=endpoint_id, endpoint__company_id__in=admin_company_ids(user)
    ).order_by("-event_id")


def admin_ids_of(company_id: int) -> list[int]:
    """Who is told when the company's webhook is turned off."""
    return list(
        Membership.objects.filter(company_id=company_id, role=Role.ADMIN)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
