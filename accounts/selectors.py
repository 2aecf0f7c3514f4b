"""Reads about who may act for which company, and with which tokens."""

from django.utils import timezone

from accounts.models import ApiToken, Membership, Role

SUPERVISING_ROLES = (Role.ADMIN, Role.SUPERVISOR)
FINANCE_ROLES = (Role.ADMIN, Role.FINANCE)


def company_ids_for(user, roles=None) -> list[int]:
    """Companies where ``user`` holds one of ``roles`` (any role when None)."""
    if not user.is_authenticated:
        return []
    cache = user.__dict__.setdefault("_homeslot_roles", None)
    if cache is None:
        cache = dict(Membership.objects.filter(user=user).values_list("company_id", "role"))
        user.__dict__["_homeslot_roles"] = cache
    return [cid for cid, role in cache.items() if roles is None or role in roles]


def role_in(user, company_id: int) -> str | None:
    company_ids_for(user)
    return user.__dict__["_homeslot_roles"].get(company_id) if user.is_authenticated else None


def display_name_of(user) -> str:
    """What people call her: her worker profile's name, else the account's."""
    profile = getattr(user, "worker_profile", None)
    return profile.display_name if profile else user.display_name


def display_names(user_ids) -> dict[int, str]:
    from accounts.models import User

    users = User.objects.filter(pk__in=list(user_ids)).select_related("worker_profile")
    return {user.pk: display_name_of(user) for user in users}


def tokens_for(user):
    """Her tokens that still work, the most recently used first."""
    return ApiToken.objects.filter(user=user, expires_at__gt=timezone.now()).order_by("-last_used_at", "-pk")
