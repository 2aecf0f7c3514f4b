"""The one API-token rule — a token exists and its user is active — for every caller.

``user_for_token`` serves the DRF authentication class and the sync claim path;
``TOKEN_USER_SQL`` is the same rule in SQL, for the async claim fast path (which joins it to
the claim call, so a claim costs one round trip).
"""

TOKEN_USER_SQL = (
    "SELECT u.id FROM authtoken_token t JOIN accounts_user u ON u.id = t.user_id WHERE t.key = %(key)s AND u.is_active"
)
MAX_KEY_LENGTH = 64


def user_for_token(key: str):
    """The active user holding ``key``, or None."""
    from accounts.models import User

    if not key or len(key) > MAX_KEY_LENGTH or "\x00" in key:  # PostgreSQL cannot even compare a NUL
        return None
    return User.objects.filter(auth_token__key=key, is_active=True).first()
