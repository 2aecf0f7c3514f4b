"""The API's JSON parser: DRF's, reading through :mod:`core.json_input` (no depth bomb, no NaN).

Every view parses JSON with this class: ``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]`` names it, views
that list their own parsers import it from here (tests/test_conventions.py checks).
"""

import codecs

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers

from core.errors import INVALID_JSON
from core.json_input import InvalidJSON, json_load


class InvalidJSONBody(exceptions.ParseError):
    """``400 invalid_json``: the body is not JSON (or is nested absurdly deep); ``details.reason`` says
    where, in the parser's words."""

    default_detail = _("The request body is not valid JSON.")
    default_code = INVALID_JSON

    def __init__(self, reason: str):
        super().__init__()
        self.details = {"reason": reason}


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return json_load(codecs.getreader(encoding)(stream))
        except InvalidJSON as exc:
            raise InvalidJSONBody(exc.reason) from None
