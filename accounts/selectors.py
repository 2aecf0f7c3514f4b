"""Reads about who may act for which company, and with which tokens."""

import datetime
import time

from django.db.models import Max
from django.utils import timezone

from accounts.models import AccessChange, ApiToken, Company, Membership, Role, User

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


def roles_of(user) -> dict[int, str]:
    """Her role in each of her companies."""
    company_ids_for(user)
    return dict(user.__dict__["_homeslot_roles"]) if user.is_authenticated else {}


def role_in(user, company_id: int) -> str | None:
    company_ids_for(user)
    return user.__dict__["_homeslot_roles"].get(company_id) if user.is_authenticated else None


def display_name_of(user) -> str:
    """What people call her: her worker profile's name, else the account's."""
    profile = getattr(user, "worker_profile", None)
    return profile.display_name if profile else user.display_name


def display_names(user_ids) -> dict[int, str]:
    users = User.objects.filter(pk__in=list(user_ids)).select_related("worker_profile")
    return {user.pk: display_name_of(user) for user in users}


def tokens_for(user):
    """Her tokens that still work, the most recently used first."""
    return ApiToken.objects.filter(user=user, expires_at__gt=timezone.now()).order_by("-last_used_at", "-pk")


class AccessChangeCursor:
    """Reads each new ``AccessChange`` once, in one indexed query per poll (``id > floor``).

    Ids are taken at insert, before commit, so a row can become visible after one with a higher
    id. The cursor therefore only moves its floor over ids it has seen; a hole below a seen id is
    waited for (the transaction may still commit) for ``GAP_SECONDS``, then given up (it rolled
    back). A new cursor starts ``START_OVERLAP`` back, for changes that committed while the
    sockets of its process were being authenticated."""

    START_OVERLAP = datetime.timedelta(seconds=10)
    GAP_SECONDS = 60.0
    BATCH = 1000

    def __init__(self, floor: int):
        self.floor = floor
        self._seen: set[int] = set()  # ids above the floor already read
        self._gap_since: float | None = None
        self._gap_floor = floor

    @classmethod
    def starting_now(cls) -> "AccessChangeCursor":
        older = AccessChange.objects.filter(at__lt=timezone.now() - cls.START_OVERLAP)
        return cls(older.aggregate(newest=Max("id"))["newest"] or 0)

    def poll(self, *, clock=time.monotonic) -> list[int]:
        """The users of the rows that became visible since the last poll (each user once)."""
        rows = list(
            AccessChange.objects.filter(id__gt=self.floor).order_by("id").values_list("id", "user_id")[: self.BATCH]
        )
        users = list(dict.fromkeys(user_id for row_id, user_id in rows if row_id not in self._seen))
        self._seen.update(row_id for row_id, _user_id in rows)
        self._advance()
        if not self._seen:
            self._gap_since = None
        elif self._gap_since is None or self._gap_floor != self.floor:  # a new hole: start waiting
            self._gap_since, self._gap_floor = clock(), self.floor
        elif clock() - self._gap_since >= self.GAP_SECONDS:  # the hole never committed
            self.floor = min(self._seen) - 1
            self._advance()
            self._gap_since = None
        return users

    def _advance(self) -> None:
        while self.floor + 1 in self._seen:
            self.floor += 1
            self._seen.discard(self.floor)


def companies_of(user):
    """The companies she is staff of, whatever their status."""
    return Company.objects.filter(memberships__user=user).order_by("id").distinct()
