"""The session rule for long-lived connections: is a session (by its key) still hers?

Django decides on every HTTP request (``django.contrib.auth.get_user``: the session exists,
names an active user, and carries the hash of her current password). A WebSocket is
authenticated once, at the handshake; :func:`user_for_session` lets it ask the same question
again later, with the same function.
"""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user


class _SessionOnly:
    """Just enough of a request for ``get_user``."""

    def __init__(self, session):
        self.session = session


def user_for_session(session_key: str | None):
    """The active user signed in with this session, or None (signed out, expired, password changed)."""
    if not session_key:
        return None
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user = get_user(_SessionOnly(store))
    return user if user.is_authenticated else None
