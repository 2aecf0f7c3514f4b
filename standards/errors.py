"""Refusals of the standard and the programme figures (codes are part of the public API)."""

from django.utils.translation import gettext_lazy as _

from core.errors import Conflict, Forbidden, Invalid


class NotProgrammeObserver(Forbidden):
    code = "not_programme_observer"
    message = _("Only a programme observer's account sees the programme figures.")


class RegionOutsideProgramme(Forbidden):
    code = "region_outside_programme"
    message = _("Your account is made for other regions; ask the operator to add this one.")


class InvalidMonth(Invalid):
    code = "invalid_month"
    message = _("Give months as YYYY-MM, the first no later than the last, at most 24 months.")


class ObserverRegionsMissing(Invalid):
    code = "observer_regions_missing"
    message = _("Name at least one province or city the observer may see.")


class ObserverHasOtherRole(Conflict):
    code = "observer_has_other_role"
    message = _("This account works for a company or takes work: a programme observer needs an account of her own.")
