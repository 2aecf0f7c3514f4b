"""The one API-token check, shared by the DRF authentication class and the claim fast path."""

from rest_framework.authtoken.models import Token


def user_for_token(key: str):
    """The active user holding ``key``, or None."""
    if not key or len(key) > 64:
        return None
    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        return None
    return token.user
