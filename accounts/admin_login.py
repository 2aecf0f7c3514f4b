"""The admin's login form: the sign-in limits (accounts.throttles) are checked before any password is."""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from rest_framework.exceptions import Throttled

from accounts.throttles import SIGN_IN_LIMITED, SignInUnavailable, sign_in_limits_check


class LimitedAuthenticationForm(AdminAuthenticationForm):
    refusal: tuple[int, float] | None = None  # (status, seconds to wait) when a limit refused the attempt

    def clean(self):
        try:
            sign_in_limits_check(self.request, phone_field="username")
        except Throttled as limited:
            self.refusal = (429, limited.wait or 60)
            raise ValidationError(SIGN_IN_LIMITED, code="rate_limited") from None
        except SignInUnavailable as unavailable:
            self.refusal = (unavailable.status, unavailable.retry_after)
            raise ValidationError(unavailable.message, code=unavailable.code) from None
        return super().clean()
