from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FairworkConfig(AppConfig):
    name = "fairwork"
    verbose_name = _("Fair work")
