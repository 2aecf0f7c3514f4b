"""The forms of finance and the supervisors' workspace (the mothers' app: mother_forms.py; signing in
and joining: join_forms.py).

They only shape what a person typed; the rules stay in the services."""

import datetime
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.errors import InvalidPhone
from accounts.models import Role
from accounts.phones import phone_normalize
from ledger.periods import FIRST_DAY, LAST_DAY
from tasks import splitting
from tasks.models import Decision, Kind


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and (end < start or (end - start).days > 366 or start < FIRST_DAY or end > LAST_DAY):
            raise forms.ValidationError(_("The period runs forward and lasts at most a year."))
        return data


class ReferenceForm(forms.Form):
    reference = forms.CharField(label=_("bank reference"), max_length=64)


# --- the supervisors' workspace (frontend/supervisor.py) ---------------------------------------
# The forms only shape what a person typed; the rules (pay floor, limits, file lines) stay in the
# services, whose errors the views attach to these forms.


def _labels_from_text(text: str) -> list[str]:
    """A label set typed one per line (or separated by commas, full-width or not)."""
    return [part.strip() for part in re.split(r"[\n,，、]", text or "") if part.strip()]


class ProjectForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind of work"), choices=())
    title = forms.CharField(label=_("title"), max_length=200)
    instructions = forms.CharField(
        label=_("instructions"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Plain text: an empty line starts a new paragraph, a line starting with “- ” is a list item."),
    )
    piece_rate = forms.DecimalField(
        label=_("piece rate (yuan per unit)"), min_value=0, max_digits=10, decimal_places=4, localize=False
    )
    unit = forms.CharField(label=_("unit"), max_length=8, required=False, help_text=_("e.g. 件, 篇, 条"))
    minutes_per_unit = forms.DecimalField(
        label=_("estimated minutes per unit"), min_value=0, max_digits=7, decimal_places=2
    )
    region = forms.CharField(
        label=_("region"), max_length=64, required=False, widget=forms.TextInput(attrs={"list": "regions"})
    )
    pickup_point = forms.CharField(label=_("material pick-up point"), max_length=200, required=False)
    dropoff_point = forms.CharField(label=_("drop-off point"), max_length=200, required=False)
    claim_limit = forms.IntegerField(
        label=_("claims one mother may hold at once"), min_value=1, max_value=720, initial=2
    )
    grace_minutes = forms.IntegerField(label=_("grace period (minutes)"), min_value=0, max_value=1440, initial=30)
    review_window_hours = forms.IntegerField(label=_("review window (hours)"), min_value=1, max_value=720, initial=48)
    label_set = forms.CharField(
        label=_("label set"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One label per line (labelling projects)."),
    )

    # Labelling quality (tasks.gold, tasks.services.item_retries); left empty: as they are.
    gold_min_accuracy = forms.IntegerField(
        label=_("lowest gold accuracy (%)"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("Labelling: a hand-in with fewer gold items right is flagged first for review."),
    )
    item_retries = forms.IntegerField(
        label=_("times a rejected item goes back"),
        min_value=0,
        max_value=5,
        required=False,
        help_text=_("Labelling: items not accepted go back to the pool for another mother this many times."),
    )

    # The career path (skills/): the skill the work needs and from which level, or the skill it trains.
    skill = forms.TypedChoiceField(label=_("skill needed"), required=False, coerce=int, empty_value=None)
    min_level = forms.IntegerField(
        label=_("lowest level that may claim"), min_value=0, max_value=5, initial=0, required=False
    )
    training = forms.BooleanField(label=_("a paid training of the skill (passing gives level 1)"), required=False)
    training_pass_score = forms.IntegerField(
        label=_("pass mark (%)"), min_value=1, max_value=100, initial=80, required=False
    )
    training_attempts = forms.IntegerField(
        label=_("attempts allowed"), min_value=1, max_value=10, initial=2, required=False
    )
    rate_level_2 = forms.DecimalField(
        label=_("piece rate at level 2"), required=False, min_value=0, max_digits=10, decimal_places=4, localize=False
    )
    rate_level_3 = forms.DecimalField(
        label=_("piece rate at level 3"), required=False, min_value=0, max_digits=10, decimal_places=4, localize=False
    )

    def __init__(self, *args, editing=False, skills=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Kind.choices
        self.fields["skill"].choices = [("", _("none: open to everyone"))] + [
            (skill.pk, f"{skill.name} · {skill.company.name}") for skill in skills
        ]
        if editing:
            del self.fields["kind"]

    def career_values(self) -> dict:
        """The career terms as the project services take them (the rates by level as one mapping)."""
        data = self.cleaned_data
        rates = {str(level): str(data[f"rate_level_{level}"]) for level in (2, 3) if data.get(f"rate_level_{level}")}
        return {
            "skill": data.get("skill"),
            "min_level": data.get("min_level") or 0,
            "training": bool(data.get("training")),
            "training_pass_score": data.get("training_pass_score") or 80,
            "training_attempts": data.get("training_attempts") or 2,
            "piece_rate_by_level": rates,
        }

    def clean_label_set(self):
        return _labels_from_text(self.cleaned_data.get("label_set", ""))


class AssemblySplitForm(forms.Form):
    total_units = forms.IntegerField(label=_("total pieces"), min_value=1, max_value=10_000_000)
    units_per_task = forms.IntegerField(label=_("pieces per batch"), min_value=1, max_value=10_000_000)


class CopywritingSplitForm(forms.Form):
    briefs = forms.CharField(label=_("briefs, one per line"), required=False, widget=forms.Textarea(attrs={"rows": 8}))
    file = forms.FileField(label=_("or a text file with one brief per line"), required=False)
    min_chars = forms.IntegerField(label=_("fewest characters"), required=False, min_value=1, max_value=20000)
    max_chars = forms.IntegerField(label=_("most characters"), required=False, min_value=1, max_value=20000)
    keywords = forms.CharField(
        label=_("keywords"),
        required=False,
        max_length=300,
        help_text=_("Words every text must use, separated by commas or spaces (at most 10)."),
    )

    def clean_keywords(self):
        return [word for word in re.split(r"[,，、\s]+", self.cleaned_data.get("keywords") or "") if word]

    def terms(self) -> dict:
        """The length and keywords the briefs ask for, as the split services take them (tasks.writing)."""
        data = self.cleaned_data
        return {"min_chars": data.get("min_chars"), "max_chars": data.get("max_chars"), "keywords": data["keywords"]}

    def clean(self):
        data = super().clean()
        text = data.get("briefs") or ""
        upload = data.get("file")
        if upload is not None:
            if upload.size > splitting.MAX_FILE_BYTES:
                raise forms.ValidationError(_("The file is larger than 10 MB. Please split it into smaller files."))
            raw = upload.read()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                try:
                    text = raw.decode("gb18030")
                except UnicodeDecodeError:
                    raise forms.ValidationError(_("The file is not UTF-8 or GBK text.")) from None
        if "\x00" in text:
            line = text.count("\n", 0, text.index("\x00")) + 1
            raise forms.ValidationError(nul_message(line))
        briefs = [line.strip() for line in text.splitlines() if line.strip()]
        if not briefs:
            raise forms.ValidationError(_("Please give at least one brief."))
        data["brief_list"] = briefs
        return data


def nul_message(line: int) -> str:
    """A NUL character (often a file saved as UTF-16) can be stored in no text column."""
    return _("Line %(line)s has a NUL character, which cannot be stored. Please save the file as UTF-8 text.") % {
        "line": line
    }


class LabellingSplitForm(forms.Form):
    file = forms.FileField(label=_("CSV or JSONL file"))

    def clean_file(self):
        # Read when a form is checked (not bound at import): a test may lower the limit.
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > splitting.MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB. Please split it into smaller files."))
        return upload

    text_field = forms.CharField(label=_("text column"), max_length=64, initial="text")
    items_per_task = forms.IntegerField(label=_("items per task"), min_value=1, max_value=10_000, initial=20)
    label_set = forms.CharField(
        label=_("label set"), widget=forms.Textarea(attrs={"rows": 3}), help_text=_("One label per line.")
    )
    overlap = forms.IntegerField(
        label=_("labels per item"),
        min_value=1,
        max_value=5,
        initial=1,
        required=False,
        help_text=_("Each item is labelled by this many different mothers; the result is their majority."),
    )
    gold_field = forms.CharField(
        label=_("known-answer column"),
        max_length=64,
        required=False,
        help_text=_("Optional: rows with an answer here are gold items, mixed into every task to check the work."),
    )
    gold_rate = forms.IntegerField(
        label=_("gold items per task (%)"), min_value=1, max_value=50, initial=10, required=False
    )

    def clean_label_set(self):
        return _labels_from_text(self.cleaned_data.get("label_set", ""))

    def quality_terms(self) -> dict:
        """The overlap, and the gold column and rate when a gold column is named."""
        data = self.cleaned_data
        gold_field = (data.get("gold_field") or "").strip()
        terms = {} if data.get("overlap") is None else {"overlap": data["overlap"]}
        if gold_field:
            terms |= {"gold_field": gold_field, "gold_rate": data.get("gold_rate") or 10}
        return terms


class SlotForm(forms.Form):
    day = forms.DateField(label=_("date"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=_("from"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("to"), widget=forms.TimeInput(attrs={"type": "time"}))
    capacity = forms.IntegerField(label=_("places"), min_value=1, max_value=100_000, initial=10)


WEEKDAY_CHOICES = [
    (0, _("Mon")),
    (1, _("Tue")),
    (2, _("Wed")),
    (3, _("Thu")),
    (4, _("Fri")),
    (5, _("Sat")),
    (6, _("Sun")),
]


class SlotPatternForm(forms.Form):
    weekdays = forms.TypedMultipleChoiceField(
        label=_("weekdays"), choices=WEEKDAY_CHOICES, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    start = forms.TimeField(label=_("from"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("to"), widget=forms.TimeInput(attrs={"type": "time"}))
    weeks = forms.IntegerField(label=_("for how many weeks"), min_value=1, max_value=12, initial=4)
    capacity = forms.IntegerField(label=_("places in each slot"), min_value=1, max_value=100_000, initial=10)
    first_day = forms.DateField(label=_("starting on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_first_day(self):

        day = self.cleaned_data.get("first_day")
        if day is not None and day > timezone.localdate() + datetime.timedelta(days=366):
            raise forms.ValidationError(_("Choose a first day within the next year."))
        return day


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=())
    accepted_units = forms.IntegerField(label=_("units that pass"), required=False, min_value=0)
    reason = forms.CharField(label=_("reason the mother will read"), required=False, max_length=2000)
    reason_template = forms.CharField(required=False, max_length=16)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = Decision.choices


class InviteForm(forms.Form):
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=_("role"), choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = Role.choices

    def clean_phone(self):
        try:
            return phone_normalize(self.cleaned_data["phone"])
        except InvalidPhone:
            raise forms.ValidationError(_("Please enter an 11-digit mainland mobile number.")) from None
