"""Sign-in attempt limits, per phone number and per client address.

Counted in the cache (Redis when configured), so every server process shares them. The
address is :func:`core.addresses.client_address` (forwarding headers only from trusted
proxies); an IPv6 client counts by its /64, the block one subscriber gets.
"""

import ipaddress
import logging

from rest_framework.exceptions import APIException
from rest_framework.throttling import SimpleRateThrottle

from accounts.phones import phone_normalize
from config.errors import Invalid
from core.addresses import client_address

logger = logging.getLogger(__name__)


def address_ident(address: str) -> str:
    """What a per-address limit counts: the address; for IPv6, its /64 network."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return address


class _FailOpen(SimpleRateThrottle):
    """If the shared cache (Redis) is down, let sign-in through rather than answer 500."""

    def get_ident(self, request):
        return address_ident(client_address(request))

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except APIException:
            raise  # the caller's own mistake (e.g. malformed JSON), not the cache's
        except Exception:
            logger.warning("sign-in limits unavailable (cache down); allowing the attempt", exc_info=True)
            return True


class SignInPhoneThrottle(_FailOpen):
    scope = "sign_in_phone"

    def get_cache_key(self, request, view):
        raw = request.data.get("phone") if hasattr(request.data, "get") else None
        try:
            phone = phone_normalize(raw)
        except Invalid:
            return None  # not a number anyone has: the address limit still applies
        return self.cache_format % {"scope": self.scope, "ident": phone}


class SignInAddressThrottle(_FailOpen):
    scope = "sign_in_address"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
