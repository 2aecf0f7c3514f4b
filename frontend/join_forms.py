"""The forms of joining and signing in (frontend/join.py). They only shape what she typed: whether a
code is right, a password strong enough, a declaration given, the consent current, is for the
services to say (accounts.sign_up, workers.sign_up, accounts.services, accounts.companies)."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.errors import InvalidPhone
from accounts.phones import phone_normalize

CODE_DIGITS = 6


class PhoneField(forms.CharField):
    """A mainland mobile number as people write it (spaces, dashes, +86): cleaned to E.164."""

    def __init__(self, **kwargs):
        attrs = {"inputmode": "tel", "autocomplete": "tel", "placeholder": "13800000000"}
        kwargs.setdefault("label", _("Phone number"))
        kwargs.setdefault("error_messages", {"required": _("Please enter your phone number.")})
        super().__init__(max_length=32, widget=forms.TextInput(attrs=attrs), **kwargs)

    def clean(self, value):
        value = super().clean(value)
        try:
            return phone_normalize(value)
        except InvalidPhone:
            raise forms.ValidationError(_("Please enter an 11-digit mainland mobile number.")) from None


class CodeField(forms.CharField):
    """The 6 digits of her SMS code. An empty or malformed code never reaches the service: there it
    would count as one of her five tries."""

    def __init__(self, **kwargs):
        attrs = {"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": str(CODE_DIGITS)}
        super().__init__(
            label=_("SMS code"),
            max_length=12,
            widget=forms.TextInput(attrs=attrs),
            error_messages={"required": _("Please enter the 6-digit code from the text message.")},
            **kwargs,
        )

    def clean(self, value):
        value = re.sub(r"\s", "", super().clean(value) or "")
        if not value and not self.required:
            return ""
        if not re.fullmatch(rf"\d{{{CODE_DIGITS}}}", value):
            raise forms.ValidationError(_("Please enter the 6-digit code from the text message."))
        return value


def password_field(*, label, required: bool, autocomplete: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
        error_messages={"required": _("Please choose a password.")},
    )


class SignInForm(forms.Form):
    """Phone, then a code (``mode`` "code") or a password (``mode`` "password")."""

    phone = PhoneField()
    code = CodeField(required=False)
    password = password_field(label=_("Password"), required=False, autocomplete="current-password")

    def __init__(self, *args, mode: str = "code", **kwargs):
        super().__init__(*args, **kwargs)
        self.mode = mode
        if mode == "code":
            self.fields["code"].required = True
        else:
            self.fields["password"].required = True
            self.fields["password"].error_messages["required"] = _("Please enter your password.")


class AccountForm(forms.Form):
    """What every new account gives: her number and its code, what to call her, maybe a password,
    and her agreement (the versions she saw travel as hidden fields: ``terms_version``,
    ``privacy_version``)."""

    phone = PhoneField()
    code = CodeField()
    display_name = forms.CharField(
        label=_("What should we call you?"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "nickname", "placeholder": _("e.g. 小林")}),
        error_messages={"required": _("Please tell us what to call you.")},
    )
    password = password_field(label=_("Password (optional)"), required=False, autocomplete="new-password")
    agree = forms.BooleanField(required=False)
    terms_version = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)
    privacy_version = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)

    def consent(self) -> dict:
        """What she agreed to, as the services read it: the versions on the form she ticked, or nothing."""
        data = self.cleaned_data
        if not data.get("agree"):
            return {}
        return {"terms": data.get("terms_version", ""), "privacy": data.get("privacy_version", "")}


class MotherSignUpForm(AccountForm):
    region = forms.CharField(
        label=_("Where do you live?"),
        max_length=64,
        help_text=_("Province and city, e.g. 广东省佛山市"),
        widget=forms.TextInput(attrs={"list": "regions", "autocomplete": "off"}),
        error_messages={"required": _("Please say where you live (province and city, e.g. 广东省佛山市).")},
    )
    cares = forms.BooleanField(required=False, label=_("I am caring for a child under 12"))

    field_order = ["phone", "code", "display_name", "region", "password", "cares", "agree"]


class CompanyForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=128)
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=32,
        help_text=_("18 characters, on the business licence (营业执照)"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    region = forms.CharField(
        label=_("Region"),
        max_length=64,
        help_text=_("e.g. 广东省佛山市"),
        widget=forms.TextInput(attrs={"list": "regions", "autocomplete": "off"}),
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=64)
    contact_phone = PhoneField(label=_("Contact phone"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("name", "credit_code", "region", "contact_name"):
            self.fields[name].error_messages["required"] = _("Please fill this in.")


class PasswordResetForm(forms.Form):
    phone = PhoneField()
    code = CodeField()
    new_password = password_field(label=_("New password"), required=True, autocomplete="new-password")
