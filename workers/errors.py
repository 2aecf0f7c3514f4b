"""Domain errors about a mother's profile (codes are part of the public API)."""

from django.utils.translation import gettext_lazy as _

from core.errors import Invalid, NotFound


class NoWorkerProfile(NotFound):
    code = "no_worker_profile"
    message = _("There is no mother's profile for this account yet: PUT /api/v1/me/profile sets one up.")


class ProfileRequired(Invalid):
    code = "profile_required"
    message = _("Please set up your profile first.")


class AvailabilityOverlap(Invalid):
    code = "availability_overlap"
    message = _("Two windows overlap on the same day.")


class InvalidWindow(Invalid):
    code = "invalid_window"
    message = _("A window must end after it starts.")


class CaregiverDeclarationRequired(Invalid):
    """妈妈岗 work is for people caring for a child under 12: she says so (a declaration, nothing more)."""

    code = "caregiver_declaration_required"
    message = _("Homeslot's work is for parents caring for a child under 12: please confirm that this is you.")
