"""Sign-in attempt limits, per phone number and per client address.

Counted in the cache (Redis when configured), so every server process shares them.
"""

import logging

from rest_framework.exceptions import APIException
from rest_framework.throttling import SimpleRateThrottle

from accounts.phones import phone_normalize
from config.errors import Invalid

logger = logging.getLogger(__name__)


class _FailOpen(SimpleRateThrottle):
    """If the shared cache (Redis) is down, let sign-in through rather than answer 500."""

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
