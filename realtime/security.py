"""Who may open a socket, and which groups a user may hear."""

from channels.security.websocket import OriginValidator
from django.conf import settings

from accounts.selectors import company_ids_for
from realtime.groups import company_staff_group, project_group, worker_group


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
    """Staff may follow their companies' projects; a mother, the projects she may claim from."""
    from tasks.selectors import projects_for_staff, projects_for_worker

    if projects_for_staff(user).filter(pk=project_id).exists():
        return True
    return hasattr(user, "worker_profile") and projects_for_worker(user).filter(pk=project_id).exists()


def follow_group(project_id: int) -> str:
    return project_group(project_id)
