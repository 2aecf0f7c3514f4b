from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.tokens import user_for_token

INVALID_TOKEN = _("Invalid or expired token. Please sign in again.")


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``, checked by :func:`accounts.tokens.user_for_token`."""

    def authenticate_credentials(self, key):
        user = user_for_token(key)
        if user is None:
            raise exceptions.AuthenticationFailed(INVALID_TOKEN)
        return user, key
