"""The OpenAPI schema tells the truth: every error an operation can answer is documented, in the
one error shape of API.md (:class:`core.schema.ErrorOut`), and clock times are ``HH:MM`` as the API
writes them (:class:`core.schema.ClockTimeField`).

``AutoSchema`` adds to each operation the error statuses its view can give (from what the view
declares: authentication, permissions, throttles, path parameters, a request body, an unsafe
method), so a client (or schemathesis, tests/test_api_schema.py) can rely on the status codes.
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import permissions

from core.schema import ErrorOut

ERRORS = {
    "400": "Invalid input (a field, the JSON itself: invalid_json, a query string)",
    "401": "Not signed in, or the token is unknown or has lapsed",
    "403": "Signed in, but not allowed (a role, a second person's duty, CSRF)",
    "404": "Unknown, or not yours (another company's object is a 404, not a 403)",
    "409": "Refused in the current state (claimed, full, a limit, a reused Idempotency-Key)",
    "413": "The body or an upload is too large",
    "415": "The body's media type is not one this operation reads",
    "429": "Too many attempts: wait for Retry-After",
    "503": "The service cannot answer for a moment (the database, or sign-in limits that cannot be counted): "
    "send it again after Retry-After",
}
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorOut, code, direction=direction)
                responses[code]["description"] = ERRORS[code]
        return responses

    def _error_codes(self) -> list[str]:
        view = self.view
        anyone = all(issubclass(p, permissions.AllowAny) for p in _classes(view.permission_classes))
        codes = ["400", "404", "503"]
        if view.authentication_classes:
            codes.append("401")
        if not anyone:
            codes += ["401", "403"]
        if self.method in UNSAFE:
            codes += ["403", "409", "413", "415"]
        if getattr(view, "throttle_classes", None):
            codes.append("429")
        return sorted(set(codes))


def _classes(declared) -> list[type]:
    """Permission classes, with ``A | B`` compositions opened up (they are never AllowAny)."""
    return [p for p in declared if isinstance(p, type)] or [permissions.IsAuthenticated]
