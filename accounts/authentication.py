from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.tokens import token_for_key

INVALID_TOKEN = _("Invalid or expired token. Please sign in again.")


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``, checked by :func:`accounts.tokens.token_for_key`;
    ``request.auth`` is the ``ApiToken`` used (sign-out revokes that one). ``related``: relations
    of the token to load with it (the layer above names them: ``config.auth``)."""

    related: tuple[str, ...] = ()

    def authenticate_credentials(self, key):
        token = token_for_key(key, related=self.related)
        if token is None:
            raise exceptions.AuthenticationFailed(INVALID_TOKEN)
        return token.user, token
