"""The operators' admin site: Django's, with the sign-in limits of every other way in on its login,
and its sign-out recorded as the pages' is (the sockets of that session close).

``INSTALLED_APPS`` names :class:`AdminConfig` in place of ``django.contrib.admin``, so
``admin.site`` is :class:`AdminSite` and every ``ModelAdmin`` registers on it as usual.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "accounts.admin_site.AdminSite"


class AdminSite(admin.AdminSite):
    @property
    def login_form(self):
        # Lazy: the admin's forms import the user model, which this module (loaded while
        # the app registry is populated) must not.
        from accounts.admin_login import LimitedAuthenticationForm

        return LimitedAuthenticationForm

    def login(self, request, extra_context=None):
        response = super().login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        if getattr(form, "refusal", None):  # the limits refused: say so in the status too
            response.status_code, wait = form.refusal
            response["Retry-After"] = str(int(wait))
        return response

    def logout(self, request, extra_context=None):
        if request.method == "POST" and request.user.is_authenticated:
            # lazy: accounts.services imports the models, which this module must not (see login_form)
            from accounts.services import session_sign_out

            session_sign_out(request=request)  # as on the pages: her sockets re-check and close
        return super().logout(request, extra_context)
