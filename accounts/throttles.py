"""Sign-in attempt limits, per phone number and per client address.

Counted in the cache (Redis when configured), so every server process shares them. The
address is :func:`core.addresses.client_address` (forwarding headers only from trusted
proxies); an IPv6 client counts by its /64, the block one subscriber gets.

Every way in uses the same counters: ``POST /api/v1/auth/token`` and the invitation accept
(DRF ``throttle_classes``), the sign-in page and the admin's login (:func:`sign_in_limits_check`);
the pages' "send me a code" buttons count on the SMS code counters (:func:`sms_code_limits_check`).
When the counters cannot be read (Redis down) sign-in **fails closed**: 503
``sign_in_unavailable`` with ``Retry-After``, and no password is tried. Nothing else uses
these counters, so reading pages goes on.
"""

import ipaddress
import logging

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import APIException, Throttled
from rest_framework.throttling import SimpleRateThrottle

from accounts.errors import SignInUnavailable
from accounts.phones import phone_normalize
from core.addresses import client_address
from core.errors import DomainError, Invalid

logger = logging.getLogger(__name__)


SIGN_IN_LIMITED = _("Too many sign-in attempts. Please wait a minute and try again.")


def address_ident(address: str) -> str:
    """What a per-address limit counts: the address; for IPv6, its /64 network."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return address


class _SignInThrottle(SimpleRateThrottle):
    """Counts in the shared cache; if the cache cannot count, nobody signs in (no password is tried)."""

    def get_ident(self, request):
        return address_ident(client_address(request))

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except (APIException, DomainError):
            raise  # the caller's own mistake (e.g. malformed JSON), not the cache's
        except Exception as exc:
            logger.warning("sign-in refused: the sign-in limits cannot be counted (cache down)", exc_info=True)
            raise SignInUnavailable() from exc


class SignInPhoneThrottle(_SignInThrottle):
    scope = "sign_in_phone"
    phone_field = "phone"

    def get_cache_key(self, request, view):
        data = request.data if hasattr(request, "data") else request.POST  # a DRF or a Django request
        raw = data.get(self.phone_field) if hasattr(data, "get") else None
        try:
            phone = phone_normalize(raw)
        except Invalid:
            return None  # not a number anyone has: the address limit still applies
        return self.cache_format % {"scope": self.scope, "ident": phone}


class SignInAddressThrottle(_SignInThrottle):
    scope = "sign_in_address"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


SIGN_IN_THROTTLES = [SignInPhoneThrottle, SignInAddressThrottle]


class SmsCodePhoneMinuteThrottle(SignInPhoneThrottle):
    """One code a minute to a number, whatever it is for (and whether or not the number has an account)."""

    scope = "sms_code_phone_minute"


class SmsCodePhoneDayThrottle(SignInPhoneThrottle):
    scope = "sms_code_phone_day"


class SmsCodeAddressThrottle(SignInAddressThrottle):
    scope = "sms_code_address"


SMS_CODE_THROTTLES = [SmsCodePhoneMinuteThrottle, SmsCodePhoneDayThrottle, SmsCodeAddressThrottle]


def sign_in_limits_check(request, *, phone_field: str = "phone") -> None:
    """The API's limits, on the same counters, for a sign-in form posted to a page (Django request).

    Raises ``Throttled`` (429, with ``wait``) when a limit is reached, ``SignInUnavailable`` (503)
    when the limits cannot be counted; returns when the attempt may go on."""
    _limits_check(request, SIGN_IN_THROTTLES, phone_field=phone_field)


def sms_code_limits_check(request, *, phone_field: str = "phone") -> None:
    """The limits of ``POST /api/v1/auth/sms-code`` (one a minute and ten a day per number, a limit
    per address), on the same counters, for a page's "send me a code" button. Raises like
    :func:`sign_in_limits_check`."""
    _limits_check(request, SMS_CODE_THROTTLES, phone_field=phone_field)


def _limits_check(request, throttle_classes, *, phone_field: str) -> None:
    for throttle_class in throttle_classes:
        throttle = throttle_class()
        throttle.phone_field = phone_field
        if not throttle.allow_request(request, None):
            raise Throttled(wait=throttle.wait())
