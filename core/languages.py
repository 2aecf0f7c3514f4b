"""The caller's language outside a Django request (an ASGI route, a socket): Django's own rule."""

from django.utils import translation


class _LanguageOnly:
    """Just enough of a request for ``get_language_from_request``: the header and the cookies."""

    def __init__(self, accept_language: str, cookies: dict | None):
        self.META = {"HTTP_ACCEPT_LANGUAGE": accept_language}
        self.COOKIES = cookies or {}
        self.path_info = "/"


def language_for(*, accept_language: str = "", cookies: dict | None = None) -> str:
    """The language Django would choose for a request with this ``Accept-Language`` and cookies."""
    return translation.get_language_from_request(_LanguageOnly(accept_language, cookies))


def scope_language(scope) -> str:
    """The same for an ASGI scope (its ``cookies`` as Channels' cookie middleware leaves them)."""
    headers = dict(scope.get("headers") or [])
    return language_for(
        accept_language=headers.get(b"accept-language", b"").decode("latin-1"), cookies=scope.get("cookies")
    )
