from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class WorkerProfile(models.Model):
    """A mother who takes work: the little we need to know about her, nothing more."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="worker_profile")
    display_name = models.CharField(_("display name"), max_length=64)
    region = models.CharField(
        _("region"), max_length=64, blank=True, help_text=_("Province or city, e.g. 广东省佛山市")
    )
    city = models.CharField(_("city"), max_length=64, blank=True)
    children_under_12 = models.PositiveSmallIntegerField(_("children under 12"), default=1)
    youngest_birth_year = models.PositiveSmallIntegerField(_("youngest child's birth year"), null=True, blank=True)
    # Her quiet hours are kept with her notification choices (notices.NoticeSettings), which the
    # notices below this app read; /api/v1/me/profile still shows and takes them.
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("worker profile")
        verbose_name_plural = _("worker profiles")
        constraints = [
            models.CheckConstraint(
                condition=Q(youngest_birth_year__isnull=True) | Q(youngest_birth_year__gte=1990),
                name="worker_youngest_birth_year_plausible",
            ),
        ]

    def __str__(self):
        return self.display_name


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class AvailabilityWindow(models.Model):
    """One weekly window in which a mother can work, e.g. Monday 09:00–11:30."""

    worker = models.ForeignKey(WorkerProfile, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))

    class Meta:
        verbose_name = _("availability window")
        verbose_name_plural = _("availability windows")
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="availability_end_after_start"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="availability_weekday_range"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class PayoutMethod(models.TextChoices):
    BANK = "bank", _("bank card")
    ALIPAY = "alipay", _("Alipay")


class PayoutAccount(models.Model):
    """Where a mother's pay goes: one account per mother, its number sealed (core.sealing).

    ``number_sealed`` is opened only for the bank file of an approved batch (ledger.exports.bank_pages);
    everything else shows ``number_masked``, kept in the clear so that no page or export needs a key."""

    worker = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="payout_account")
    method = models.CharField(_("method"), max_length=8, choices=PayoutMethod.choices)
    account_name = models.CharField(_("account holder's name"), max_length=64)
    bank_name = models.CharField(_("bank"), max_length=64, blank=True)
    number_sealed = models.TextField(_("account number (sealed)"))
    number_masked = models.CharField(_("account number"), max_length=104)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("payout account")
        verbose_name_plural = _("payout accounts")
        constraints = [
            models.CheckConstraint(condition=Q(method__in=["bank", "alipay"]), name="payout_account_method"),
            models.CheckConstraint(condition=~Q(method="bank") | ~Q(bank_name=""), name="payout_account_bank_named"),
        ]

    def __str__(self):
        return f"{self.get_method_display()} {self.number_masked}"


class DeclaredRelative(models.Model):
    """A phone number of someone in her family that she declared: a peer review never pairs them.

    The phone is kept whether or not it has an account (so her answer and her list never tell her
    which numbers are registered), and matched against accounts' phones when a peer review is paired:
    an account made later with that number is covered too."""

    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="declared_relatives")
    phone = models.CharField(_("phone"), max_length=16)
    created_at = models.DateTimeField(_("declared at"), auto_now_add=True)

    class Meta:
        verbose_name = _("declared relative")
        verbose_name_plural = _("declared relatives")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["worker", "phone"], name="declared_relative_phone_unique"),
        ]
        indexes = [models.Index(fields=["phone"], name="declared_relative_phone_idx")]

    def __str__(self):
        return f"{self.worker_id} ↔ {self.phone}"
