"""Who may open a socket, and which groups a user may hear."""

from channels.security.websocket import OriginValidator
from django.conf import settings

from accounts.selectors import company_ids_for, roles_of
from accounts.sessions import user_for_session
from accounts.tokens import user_for_token
from realtime import facts
from realtime.groups import company_staff_group, project_group, project_of_group, worker_group


class BrowserOriginValidator(OriginValidator):
    """A browser always sends Origin: it must be one of ours. A client without one is not a
    browser (a phone app or a script) and must authenticate with a token anyway."""

    def __init__(self, application):
        hosts = [h for h in settings.ALLOWED_HOSTS if h]
        super().__init__(application, hosts)
        self.trusted = {o.rstrip("/") for o in settings.CSRF_TRUSTED_ORIGINS}

    def valid_origin(self, parsed_origin):
        if parsed_origin is None:
            return True
        if f"{parsed_origin.scheme}://{parsed_origin.netloc}" in self.trusted:
            return True
        return super().validate_origin(parsed_origin)


def home_groups(user) -> list[str]:
    """The groups a signed-in user hears without asking: her own, and her companies' staff feeds."""
    groups = [worker_group(user.pk)]
    groups += [company_staff_group(company_id) for company_id in company_ids_for(user)]
    return groups


def may_follow(user, project_id: int) -> bool:
    """Staff may follow their companies' projects; a mother, the projects she may claim from (the
    work's rule: realtime.facts)."""
    return facts.may_follow_project(user, project_id)


def follow_group(project_id: int) -> str:
    return project_group(project_id)


# --- re-checks of an open socket (realtime/hub.py asks after an accounts.AccessChange; resume) -------

UNAUTHENTICATED = "unauthenticated"
FORBIDDEN = "forbidden"


def socket_credential(*, token: str | None = None, session_key: str | None = None) -> tuple[str, str]:
    """What a socket was authenticated with, to ask again later."""
    return ("token", token) if token is not None else ("session", session_key or "")


def access_snapshot(user) -> dict[int, str]:
    """What her sockets' authorisation was decided on: her role in each company."""
    return roles_of(user)


def access_verdict(*, user_id: int, credential: tuple[str, str], roles: dict[int, str], joined: set[str]) -> str | None:
    """``UNAUTHENTICATED`` when the socket's credential no longer signs her in (signed out, token
    revoked or lapsed, password changed, deactivated); ``FORBIDDEN`` when her roles changed or a group
    it hears is no longer hers; None when it may go on as it is."""
    kind, secret = credential
    user = user_for_token(secret) if kind == "token" else user_for_session(secret)
    if user is None or user.pk != user_id:
        return UNAUTHENTICATED
    if access_snapshot(user) != roles:
        return FORBIDDEN
    allowed = set(home_groups(user))
    for group in set(joined) - allowed:
        project_id = project_of_group(group)
        if project_id is None or not may_follow(user, project_id):
            return FORBIDDEN
    return None
