from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CompanyStanding(models.Model):
    """A company's 妈妈岗 standard over the last 90 days, measured from the platform's records by
    ``standards.services.standings_update`` (hourly): what the task cards and the company page show
    without measuring again on every view."""

    company = models.OneToOneField("accounts.Company", on_delete=models.CASCADE, related_name="standing")
    measured_at = models.DateTimeField(_("measured at"))
    window_start = models.DateTimeField(_("from"))
    # Each indicator as standards.indicators measured it (key, value, threshold, met, events, enough).
    indicators = models.JSONField(_("indicators"), default=list)
    badge = models.BooleanField(_("妈妈岗规范企业"), default=False)
    # When the badge was last earned (kept while it is held, cleared when it is lost).
    badge_since = models.DateTimeField(_("badge held since"), null=True, blank=True)

    class Meta:
        verbose_name = _("company standing")
        verbose_name_plural = _("company standings")

    def __str__(self):
        return f"{self.company_id} {'badge' if self.badge else '-'} @ {self.measured_at:%Y-%m-%d %H:%M}"


class ProgrammeObserver(models.Model):
    """A public programme's read-only account (人社, 妇联 offices): aggregated, anonymised figures of
    the regions it is made for, and nothing else. Made by an operator in the admin."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="programme")
    body = models.CharField(_("public body"), max_length=128, help_text=_("e.g. 广东省妇女联合会"))
    # Provinces or cities as mothers name them ("广东省", "佛山市"): a mother counts in a region she
    # lives in (standards.regions.within).
    regions = models.JSONField(_("regions"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("programme observer")
        verbose_name_plural = _("programme observers")

    def __str__(self):
        return f"{self.body} ({', '.join(self.regions)})"
