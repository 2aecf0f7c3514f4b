"""The admin's login form: the sign-in limits (accounts.throttles) are checked before any password is."""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from rest_framework.exceptions import Throttled

from accounts.errors import SignInUnavailable
from accounts.throttles import SIGN_IN_LIMITED, sign_in_limits_check
from core.errors import RATE_LIMITED


class LimitedAuthenticationForm(AdminAuthenticationForm):
    refusal: tuple[int, float] | None = None  # (status, seconds to wait) when a limit refused the attempt

    def clean(self):
        try:
            sign_in_limits_check(self.request, phone_field="username")
        except Throttled as limited:
            self.refusal = (429, limited.wait or 60)
            raise ValidationError(SIGN_IN_LIMITED, code=RATE_LIMITED) from None
        except SignInUnavailable as unavailable:
            self.refusal = (unavailable.status, unavailable.retry_after)
            raise ValidationError(unavailable.message, code=unavailable.code) from None
        return super().clean()
