"""The forms of the mothers' app (frontend/mother*.py): her profile and week, claiming, handing in,
giving back. They only shape what she typed; the rules stay in the services."""

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from core.ids import MAX_ID
from frontend.forms import WEEKDAY_CHOICES

MOTHER_WEEKDAYS = WEEKDAY_CHOICES  # the same short names as the supervisors' slot patterns
# The largest id a database row can have (a signed 64-bit key): anything above is no row of ours,
# and PostgreSQL refuses to even compare it with a key.


class MotherProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("What should we call you?"),
        max_length=64,
        error_messages={"required": _("Please tell us what to call you.")},
    )
    city = forms.CharField(
        label=_("City"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
        error_messages={"required": _("Please enter your city.")},
    )
    children_under_12 = forms.IntegerField(
        label=_("Children under 12"),
        min_value=0,
        max_value=12,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    youngest_birth_year = forms.IntegerField(
        label=_("Youngest child's birth year"),
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def clean_display_name(self):
        name = self.cleaned_data["display_name"].strip()
        if not name:
            raise forms.ValidationError(_("Please tell us what to call you."))
        return name

    def clean_city(self):
        city = self.cleaned_data["city"].strip()
        if not city:
            raise forms.ValidationError(_("Please enter your city."))
        return city

    def clean(self):
        data = super().clean()
        if data.get("children_under_12") and data.get("youngest_birth_year") is None:
            self.add_error("youngest_birth_year", _("Please enter the youngest child's birth year."))
        return data


class AvailabilityRowForm(forms.Form):
    """One line of her week: some weekdays, one time range ("Mon–Fri 09:00–11:30")."""

    days = forms.TypedMultipleChoiceField(
        label=_("Days"), choices=MOTHER_WEEKDAYS, coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    start = forms.TimeField(
        label=_("From"), required=False, widget=forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M")
    )
    end = forms.TimeField(
        label=_("To"), required=False, widget=forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M")
    )

    def clean(self):
        data = super().clean()
        days, start, end = data.get("days"), data.get("start"), data.get("end")
        if self.errors or (not days and start is None and end is None):
            return data
        if not days:
            raise forms.ValidationError(_("Please choose at least one day for this time range."))
        if start is None or end is None:
            raise forms.ValidationError(_("Please give both a start and an end time."))
        if end <= start:
            raise forms.ValidationError(_("The end time must be after the start time."))
        return data


AvailabilityFormSet = forms.formset_factory(AvailabilityRowForm, extra=0, max_num=7, absolute_max=7, validate_max=True)


class MotherClaimForm(forms.Form):
    slot = forms.IntegerField(min_value=1, max_value=MAX_ID)
    confirm_outside_availability = forms.BooleanField(required=False)
    # "Claim the next one": her newest claim when the page was drawn, so that the same form sent
    # twice (a double tap, a retry after a dropped connection) claims one task, not two.
    after = forms.IntegerField(min_value=0, max_value=MAX_ID, required=False)


class CopywritingSubmitForm(forms.Form):
    text = forms.CharField(
        label=_("Your text"),
        max_length=20000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10, "data-draft": "1"}),
        error_messages={
            "null_characters_not_allowed": _(
                "The text contains an invisible NUL character that cannot be saved. Please delete it and try again."
            )
        },
    )

    def clean_text(self):
        text = self.cleaned_data["text"]
        if not text.strip():
            raise forms.ValidationError(_("Please write the text before submitting."))
        return text


class AssemblySubmitForm(forms.Form):
    completed_units = forms.IntegerField(
        label=_("Pieces completed"),
        min_value=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"min_value": _("Please enter how many pieces you finished: at least 1.")},
    )

    def __init__(self, *args, units: int, unit: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["completed_units"]
        # In her words, not Django's "less than or equal to": the batch and what she typed.
        over = _("This batch has %(units)s %(unit)s, and you entered %(value)s. Please count again: at most %(units)s.")
        # The validator fills in %(value)s; the page's script (which keeps her chosen photos) fills in {n}.
        field.validators.append(
            MaxValueValidator(
                units, message=over % {"units": units, "unit": unit.replace("%", "%%"), "value": "%(value)s"}
            )
        )
        field.widget.attrs["max"] = units
        field.widget.attrs["data-over"] = over % {"units": units, "unit": unit, "value": "{n}"}


class LabellingSubmitForm(forms.Form):
    """One radio group per item: ``label-<item id>``."""

    def __init__(self, *args, items, label_set, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(label, label) for label in label_set]
        for item in items:
            self.fields[f"label-{item.pk}"] = forms.ChoiceField(
                label=item.text,
                choices=choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("Please choose a label for this item.")},
            )
        self.items = items

    def labels(self) -> dict:
        return {str(item.pk): self.cleaned_data[f"label-{item.pk}"] for item in self.items}


class ReleaseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you giving it back?"),
        max_length=200,
        required=False,
        error_messages={
            "max_length": _("The reason is too long."),
            "null_characters_not_allowed": _(
                "The reason contains an invisible NUL character that cannot be saved. Please type it again."
            ),
        },
    )
    family_emergency = forms.BooleanField(label=_("Family emergency"), required=False)


class NotificationSettingsForm(forms.Form):
    """Her switches per category and channel, and her quiet hours (the rules are in notices)."""

    push_reviews = forms.BooleanField(label=_("Review results"), required=False)
    push_reminders = forms.BooleanField(label=_("Reminders"), required=False)
    push_payouts = forms.BooleanField(label=_("Payouts"), required=False)
    push_other = forms.BooleanField(label=_("Other notices"), required=False)
    sms_reminders = forms.BooleanField(label=_("A task about to run out of time"), required=False)
    sms_payouts = forms.BooleanField(label=_("Payouts"), required=False)
    quiet_start = forms.TimeField(
        label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), input_formats=["%H:%M"]
    )
    quiet_end = forms.TimeField(
        label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), input_formats=["%H:%M"]
    )


class PayoutAccountForm(forms.Form):
    """Where her pay goes. Only shapes what she typed: the checks (Luhn, Alipay, the code) are the service's."""

    method = forms.ChoiceField(
        label=_("Paid to"),
        choices=[("bank", _("Bank card")), ("alipay", _("Alipay"))],
        widget=forms.RadioSelect,
        initial="bank",
    )
    account_name = forms.CharField(
        label=_("Account holder's name"),
        max_length=64,
        required=False,
        help_text=_("Your real name, as the bank or Alipay knows it."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    account_number = forms.CharField(
        label=_("Card number, or Alipay phone / e-mail"),
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"}),
    )
    bank_name = forms.CharField(
        label=_("Bank (for a bank card)"),
        max_length=64,
        required=False,
        help_text=_("e.g. 中国工商银行, 中国建设银行"),
    )
    code = forms.CharField(
        label=_("SMS code"),
        max_length=16,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
