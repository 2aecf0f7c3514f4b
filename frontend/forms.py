from django import forms
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _

from accounts.phones import InvalidPhone, phone_normalize


class SignInForm(forms.Form):
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, request=None, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        try:
            phone = phone_normalize(data.get("phone", ""))
        except InvalidPhone:
            raise forms.ValidationError(_("Please enter an 11-digit mainland mobile number.")) from None
        self.user = authenticate(self.request, phone=phone, password=data.get("password", ""))
        if self.user is None or not self.user.is_active:
            raise forms.ValidationError(_("The phone number or the password is not right."))
        return data


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        from ledger.payouts import FIRST_DAY, LAST_DAY

        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and (end < start or (end - start).days > 366 or start < FIRST_DAY or end > LAST_DAY):
            raise forms.ValidationError(_("The period runs forward and lasts at most a year."))
        return data


class ReferenceForm(forms.Form):
    reference = forms.CharField(label=_("bank reference"), max_length=64)
