"""Sign-in attempt limits, per phone number and per client address.

Counted in the cache (Redis when configured), so every server process shares them.
"""

from rest_framework.throttling import SimpleRateThrottle

from accounts.phones import phone_normalize
from config.errors import Invalid


class SignInPhoneThrottle(SimpleRateThrottle):
    scope = "sign_in_phone"

    def get_cache_key(self, request, view):
        raw = request.data.get("phone") if hasattr(request.data, "get") else None
        try:
            phone = phone_normalize(raw)
        except Invalid:
            return None  # not a number anyone has: the address limit still applies
        return self.cache_format % {"scope": self.scope, "ident": phone}


class SignInAddressThrottle(SimpleRateThrottle):
    scope = "sign_in_address"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
