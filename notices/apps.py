from django.apps import AppConfig
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = capfirst(_("notices"))

    def ready(self):
        from notices import receivers  # noqa: F401  (lazy: connects to the signals of the apps below)
