"""Refusals about webhooks to companies' systems (codes are part of the public API)."""

from django.utils.translation import gettext_lazy as _

from core.errors import Conflict, Invalid


class InvalidWebhookUrl(Invalid):
    """Not an https URL of a public host (the message says what is wrong)."""

    code = "invalid_webhook_url"
    message = _("The webhook URL must be an https address of a public server.")


class InvalidEventTypes(Invalid):
    """Event types that are empty, repeated or unknown (``details.allowed`` lists the known ones)."""

    code = "invalid_event_types"
    message = _("Please choose one or more of the event types offered.")


class TooManyWebhooks(Conflict):
    code = "too_many_webhooks"
    message = _("This company already has as many webhook endpoints as it may have. Remove one first.")
