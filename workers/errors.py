"""Domain errors about a mother's profile (codes are part of the public API)."""

from django.utils.translation import gettext_lazy as _

from core.errors import NotFound


class NoWorkerProfile(NotFound):
    code = "no_worker_profile"
    message = _("There is no mother's profile for this account yet: PUT /api/v1/me/profile sets one up.")
