"""Joining Homeslot by oneself: a phone number, its SMS code, a name, agreement to the current terms
and privacy notice. A mother's profile is made one layer up (``workers.services.mother_sign_up``);
a company admin goes on to register her company (``accounts.companies``)."""

from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.request import Request

from accounts import codes, legal
from accounts.audit import audit_record
from accounts.errors import ConsentRequired, PhoneRegistered
from accounts.models import ApiToken, CodePurpose, Consent, ConsentDocument, User
from accounts.phones import phone_normalize
from accounts.services import api_token_issue, password_check, token_label
from core.errors import Invalid

NAME_LENGTH = User._meta.get_field("display_name").max_length


def sign_up_checked(*, phone: str, display_name: str, password: str | None, consent: object) -> tuple[str, str]:
    """Check what she typed before her code is spent: ``(phone in E.164, display name)``."""
    phone = phone_normalize(phone)
    name = (display_name or "").strip() if isinstance(display_name, str) else ""
    if not name or len(name) > NAME_LENGTH:
        raise Invalid(_("Please tell us what to call you (up to 64 characters)."), details={"field": "display_name"})
    if not isinstance(consent, dict) or any(
        consent.get(document) != version for document, version in legal.current_versions().items()
    ):
        raise ConsentRequired(details={"field": "consent", "current": legal.current_versions()})
    if password is not None:
        password_check(password=password, user=User(phone=phone, display_name=name))
    return phone, name


def account_sign_up(
    *,
    request: HttpRequest | Request,
    phone: str,
    code: str,
    display_name: str,
    password: str | None,
    consent: object,
    caregiver: bool = False,
    then: Callable[[User], object] | None = None,
    issue_token: bool = True,
) -> tuple[ApiToken | None, str | None, User]:
    """Make her account once her ``sign_up`` code is used; ``then(user)`` runs in the same transaction
    (a mother's profile). ``caregiver``: she declared that she cares for a child under 12.
    ``issue_token``: an API token for this device (the API); the pages sign her in with a session
    instead and pass ``False`` (then ``(None, None, user)``)."""
    phone, name = sign_up_checked(phone=phone, display_name=display_name, password=password, consent=consent)
    codes.sms_code_consume(phone=phone, purpose=CodePurpose.SIGN_UP, code=code)
    try:
        with transaction.atomic():
            if User.objects.filter(phone=phone).exists():
                raise PhoneRegistered()
            user = User.objects.create_user(phone=phone, password=password, display_name=name)
            now = timezone.now()
            agreed = {ConsentDocument.TERMS: legal.TERMS_VERSION, ConsentDocument.PRIVACY: legal.PRIVACY_VERSION}
            if caregiver:
                agreed[ConsentDocument.CAREGIVER] = legal.CAREGIVER_VERSION
            Consent.objects.bulk_create(
                [Consent(user=user, document=document, version=version, at=now) for document, version in agreed.items()]
            )
            if then is not None:
                then(user)
            token, key = api_token_issue(user=user, label=token_label(request)) if issue_token else (None, None)
            audit_record(actor=user, action="user.sign_up", target=user, consents=sorted(agreed))
    except IntegrityError:  # the same number signed up a moment ago, in another request
        raise PhoneRegistered() from None
    return token, key, user
