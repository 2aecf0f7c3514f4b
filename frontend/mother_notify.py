"""Her notification settings under /m/notifications/: which notices reach her phone by Web Push and
by SMS, her quiet hours, and the button that turns notifications on in this browser
(static/frontend/push.js; the service worker shows what arrives)."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from frontend.mother import mother_page, mother_render
from frontend.mother_forms import NotificationSettingsForm
from notices import selectors as notice_selectors
from notices import services as notice_services
from notices import webpush
from notices.services import SETTINGS_FIELDS


@mother_page
@require_http_methods(["GET", "POST"])
def notifications(request):
    choices = notice_selectors.settings_for(request.user.pk)
    form = NotificationSettingsForm(
        request.POST or None, initial={name: getattr(choices, name) for name in SETTINGS_FIELDS}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            notice_services.notice_settings_save(user=request.user, **form.cleaned_data)
            messages.success(request, _("Your notification settings are saved."))
            return redirect("m-notifications")
        status = 400
    return mother_render(
        request,
        "frontend/mother/notifications.html",
        {
            "form": form,
            "nav": "me",
            "push_key": webpush.public_key(),
            "subscribe_url": reverse("me-push-subscriptions"),
            "browsers": notice_selectors.push_subscriptions_for(request.user).count(),
            "sms_cap": settings.HOMESLOT_SMS_DAILY_CAP,
            "push_words": {
                "asking": _("Asking your phone…"),
                "on": _("Notifications are on for this phone."),
                "denied": _("Notifications are blocked for this site. Please allow them in the browser's settings."),
                "unsupported": _("This browser cannot show notifications. The messages stay in the app."),
                "failed": _("That did not work. Please try again later."),
                "off": _("Notifications are not set up on this server yet. The messages stay in the app."),
            },
        },
        status=status,
    )
