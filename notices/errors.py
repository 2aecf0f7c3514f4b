"""Domain errors of notifications (codes are part of the public API)."""

from django.utils.translation import gettext_lazy as _

from core.errors import Invalid, NotFound


class InvalidPushSubscription(Invalid):
    code = "invalid_push_subscription"
    message = _("This browser's notification subscription could not be read. Please turn notifications on again.")


class PushSubscriptionNotFound(NotFound):
    code = "push_subscription_not_found"
    message = _("There is no such notification subscription on your account.")
