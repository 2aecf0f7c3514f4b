"""Fair-work refusals (codes are part of the public API)."""

from django.utils.translation import gettext_lazy as _

from core.errors import Conflict


class HoursLimitReached(Conflict):
    code = "hours_limit_reached"
    message = _(
        "This task would take you past the part-time limit with this company "
        "(4 hours a day, 24 hours a week). Please choose another day."
    )


class OutsideAvailability(Conflict):
    code = "outside_availability"
    message = _(
        "This time slot is outside the hours you said you can work. Claim it anyway only if it really fits your day."
    )


class BelowPayFloor(Conflict):
    code = "below_pay_floor"
    message = _("The pay works out below the minimum hourly wage for part-time work in this region.")


class RegionUnknown(Conflict):
    code = "region_unknown"
    message = _("Choose a region that has a minimum wage on file before publishing.")


class ClaimsOverlap(Conflict):
    code = "claims_overlap"
    message = _(
        "You already have work to do at this time. Please hand that in or give it back first, or choose another time."
    )
