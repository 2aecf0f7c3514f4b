"""The Content-Security-Policy of every page: django-csp's middleware, and the one thing a fixed policy
cannot say — this host's WebSocket. ``connect-src 'self'`` covers ``ws:``/``wss:`` of the same host only
in browsers that implement CSP Level 3; the cheap Android phones the mothers use may run an older
WebView, so the socket's origin is spelled out per request (the Host header, already checked against
ALLOWED_HOSTS).

The policy itself is ``CONTENT_SECURITY_POLICY`` in config/settings.py: everything from our own origin,
no inline script or style, no eval. Pages keep to it (tests/browser/test_content_security.py).
"""

from csp.middleware import CSPMiddleware, PolicyParts
from django.core.exceptions import DisallowedHost


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        try:
            host = request.get_host()
        except DisallowedHost:  # the 400 page for a Host we do not serve: no socket to allow
            return parts
        schemes = ["wss"] if request.is_secure() else ["ws", "wss"]
        update = dict(parts.update or {})
        update["connect-src"] = [*update.get("connect-src", ()), *(f"{scheme}://{host}" for scheme in schemes)]
        parts.update = update
        return parts
