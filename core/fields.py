"""DRF fields for what a client sends: integers as JSON numbers, database keys in range."""

import re

from django.http import QueryDict
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from core.ids import MAX_ID


class StrictIntegerField(serializers.IntegerField):
    """An integer as JSON sends it, and nothing else: DRF's own field takes ``"100"``, ``"1_000"``,
    ``"١٠٠"`` (Arabic-Indic digits), ``100.0`` and ``" 7 "`` — a string a client built by accident
    becomes money or a count. With ``forms=True`` a form or multipart body (which can only send
    text) may give plain ASCII digits; a JSON body never may. Bounded by ``MAX_ID`` either way, so
    no database overflows on it."""

    default_error_messages = {"strict": gettext_lazy("A whole number is required (a JSON number, not text).")}
    _FORM_DIGITS = re.compile(r"-?[0-9]{1,19}")

    def __init__(self, *, forms: bool = False, **options):
        options.setdefault("min_value", -MAX_ID)
        options.setdefault("max_value", MAX_ID)
        super().__init__(**options)
        self.forms = forms

    def to_internal_value(self, data):
        if type(data) is int:  # bool is a subclass of int, and not a number anyone means
            return data
        if self.forms and isinstance(data, str) and self._FORM_DIGITS.fullmatch(data) and self._from_a_form():
            return int(data)
        self.fail("strict")

    def _from_a_form(self) -> bool:
        return isinstance(getattr(self.root, "initial_data", None), QueryDict)


def IdField(**options):
    """A database key sent in a request body: a positive integer any database can hold, so an id
    out of range is a 400 with the field named, not an overflow inside a query."""
    return StrictIntegerField(forms=True, min_value=1, max_value=MAX_ID, **options)
