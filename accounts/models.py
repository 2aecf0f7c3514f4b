from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.phones import phone_national, phone_normalize


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, phone, password=None, **extra):
        user = self.model(phone=phone_normalize(phone), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, phone, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(phone, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with a mainland mobile number (stored E.164)."""

    phone = models.CharField(_("phone number"), max_length=16, unique=True)
    display_name = models.CharField(_("display name"), max_length=64, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("operator (admin site)"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    # Set when she deleted her account: the row stays as an anonymous shell that the ledger's
    # records still point to (their foreign keys protect it); nothing personal is left on it.
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return f"{self.display_name or ''} {phone_national(self.phone)}".strip()


class CompanyStatus(models.TextChoices):
    PENDING = "pending", _("waiting for approval")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("not approved")


class Company(models.Model):
    """An employer that publishes work on Homeslot. One that registered itself is ``pending`` until an
    operator approves it: it may prepare projects, not publish them."""

    name = models.CharField(_("name"), max_length=128, unique=True)
    # 统一社会信用代码 (GB 32100-2015, 18 characters with a check character); blank for companies an
    # operator made before companies could register themselves.
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    region = models.CharField(_("region"), max_length=64, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=16, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=CompanyStatus.choices, default=CompanyStatus.APPROVED)
    review_reason = models.CharField(_("reason given"), max_length=400, blank=True)
    reviewed_by = models.ForeignKey(
        "User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("reviewed by")
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    # Its settlement schedule: each half-month (1st–15th, 16th–end) is paid within this many days
    # after it ends; 15 at most (part-time work is settled at least every 15 days). Mothers see the date.
    settlement_days = models.PositiveSmallIntegerField(
        _("days to pay after each half-month"), default=5, validators=[MinValueValidator(1), MaxValueValidator(15)]
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"], condition=~models.Q(credit_code=""), name="company_credit_code_once"
            ),
            models.CheckConstraint(
                condition=models.Q(settlement_days__gte=1, settlement_days__lte=15),
                name="company_settlement_days_range",
            ),
        ]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", _("company admin")
    SUPERVISOR = "supervisor", _("supervisor")
    FINANCE = "finance", _("finance")


class Membership(models.Model):
    """A staff member's role in one company."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "company"], name="membership_one_role_per_company")]

    def __str__(self):
        return f"{self.user} @ {self.company} ({self.role})"


class AuditEntry(models.Model):
    """One state change: who did what to which object, and when."""

    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(_("action"), max_length=64)
    target_type = models.CharField(_("target type"), max_length=64)
    target_id = models.CharField(_("target id"), max_length=64)
    data = models.JSONField(_("data"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_type}#{self.target_id}"


class Invitation(models.Model):
    """A company admin's invitation of someone without an account, by phone: a one-time code
    goes by SMS; with it the person sets a password and joins in the invited role."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="invitations")
    phone = models.CharField(_("phone number"), max_length=16)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    invited_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(_("code (hashed)"), max_length=128)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "phone"], condition=models.Q(accepted_at__isnull=True), name="invitation_one_open"
            )
        ]

    def __str__(self):
        return f"{self.phone} → {self.company} ({self.role})"


class ApiToken(models.Model):
    """One signed-in device's API key (``Authorization: Token <key>``), kept only as its SHA-256
    digest; it lapses at ``expires_at``, which each use moves on (accounts/tokens.py)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(_("key (SHA-256)"), max_length=64, unique=True)
    label = models.CharField(_("device"), max_length=128, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.user} · {self.label or '?'}"


class AccessReason(models.TextChoices):
    SIGN_OUT = "sign_out", _("signed out")
    TOKEN_REVOKED = "token_revoked", _("token revoked")
    PASSWORD_SET = "password_set", _("password set")
    DEACTIVATED = "deactivated", _("deactivated")
    DELETED = "deleted", _("deleted")
    MEMBERSHIP_REMOVED = "membership_removed", _("removed from a company")
    ROLE_CHANGED = "role_changed", _("role changed")


class AccessChange(models.Model):
    """Something a person could do or hear may have ended (a sign-out, a revoked token, a removal, a
    changed role), written in the transaction of that change. Every server process reads new rows
    (realtime/hub.py) and has her open sockets re-check what they may hear. Kept a day."""

    # No foreign key constraint: the row outlives a deleted user, whose sockets must close too.
    user = models.ForeignKey(User, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+")
    reason = models.CharField(_("reason"), max_length=32, choices=AccessReason.choices)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("access change")
        verbose_name_plural = _("access changes")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.reason} user#{self.user_id}"


class IdempotentRequest(models.Model):
    """The first answer to a request sent with an ``Idempotency-Key`` (accounts.idempotency):
    stored in the transaction of the work it answers, so a retry gets the same answer."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("idempotency key"), max_length=200)
    endpoint = models.CharField(_("endpoint"), max_length=200)  # "POST claim-submit pk=7"
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)  # sha-256 of the canonical body
    status = models.PositiveSmallIntegerField(_("status"), null=True, blank=True)  # set before commit
    response_body = models.TextField(_("response body"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [
            models.UniqueConstraint(fields=["user", "endpoint", "key"], name="idempotent_request_once_per_key")
        ]

    def __str__(self):
        return f"{self.endpoint} {self.key}"


class CodePurpose(models.TextChoices):
    """What an SMS code is for; a code serves only its purpose."""

    SIGN_UP = "sign_up", _("sign up")
    SIGN_IN = "sign_in", _("sign in")
    RESET = "reset", _("reset the password")
    DELETE = "delete", _("delete the account")
    PAYOUT_ACCOUNT = "payout_account", _("change the payout account")


class SmsCode(models.Model):
    """A one-time code sent by SMS (accounts/codes.py): 6 digits, kept only as a keyed hash, valid a few
    minutes, used once, dead after a few wrong tries. A new code for the same number and purpose
    replaces the old one."""

    phone = models.CharField(_("phone number"), max_length=16)
    purpose = models.CharField(_("purpose"), max_length=16, choices=CodePurpose.choices)
    code_hash = models.CharField(_("code (keyed hash)"), max_length=64)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    attempts = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("SMS code")
        verbose_name_plural = _("SMS codes")
        indexes = [models.Index(fields=["phone", "purpose", "-created_at"], name="sms_code_lookup")]

    def __str__(self):
        return f"{self.purpose} {self.created_at:%Y-%m-%d %H:%M}"


class ConsentDocument(models.TextChoices):
    TERMS = "terms", _("terms of use")
    PRIVACY = "privacy", _("privacy notice")
    CAREGIVER = "caregiver", _("declaration: I care for a child under 12")


class Consent(models.Model):
    """What she agreed to or declared, which version, and when (kept as long as her account)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="consents")
    document = models.CharField(_("document"), max_length=16, choices=ConsentDocument.choices)
    version = models.CharField(_("version"), max_length=32)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["user_id", "at", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "document", "version"], name="consent_once_per_version")]

    def __str__(self):
        return f"{self.document} {self.version}"
