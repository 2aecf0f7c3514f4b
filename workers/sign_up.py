"""A mother joins by herself (``POST /api/v1/auth/sign-up``): her account (accounts.sign_up) and her
profile in one transaction. The 妈妈岗 definition — she cares for a child under 12 — is her
declaration, recorded as a consent; no document, no child's details."""

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from rest_framework.request import Request

from accounts.audit import audit_record
from accounts.models import ApiToken, User
from accounts.sign_up import account_sign_up
from core.errors import Invalid
from workers.errors import CaregiverDeclarationRequired
from workers.models import WorkerProfile

REGION_LENGTH = WorkerProfile._meta.get_field("region").max_length


def mother_sign_up(
    *,
    request: HttpRequest | Request,
    phone: str,
    code: str,
    display_name: str,
    region: str,
    password: str | None,
    consent: object,
    cares_for_child_under_12: object,
    issue_token: bool = True,
) -> tuple[ApiToken | None, str | None, User]:
    """``issue_token=False``: no API token (the pages sign her in with a session)."""
    if cares_for_child_under_12 is not True:
        raise CaregiverDeclarationRequired(details={"field": "cares_for_child_under_12"})
    region = region.strip() if isinstance(region, str) else ""
    if not region or len(region) > REGION_LENGTH:
        raise Invalid(
            _("Please say where you live (province and city, e.g. 广东省佛山市)."), details={"field": "region"}
        )

    def make_profile(user: User) -> None:
        profile = WorkerProfile.objects.create(user=user, display_name=user.display_name, region=region)
        audit_record(actor=user, action="worker.profile_create", target=profile)

    return account_sign_up(
        request=request,
        phone=phone,
        code=code,
        display_name=display_name,
        password=password,
        consent=consent,
        caregiver=True,
        then=make_profile,
        issue_token=issue_token,
    )
