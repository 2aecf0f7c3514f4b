"""Database keys as clients send them: ``MAX_ID``, an id typed into a form, and the URL converter
``<id:pk>`` (registered when this module is imported; each urls.py that routes ``<id:…>`` imports it).
``<id:pk>`` is at most 18 digits, so an id no database can hold (a 64-bit key stops at
9,223,372,036,854,775,807) is a 404 at the router, never an overflow in a query."""

from django.urls import register_converter

MAX_ID = 2**63 - 1  # the largest key a 64-bit column holds (PostgreSQL bigint, SQLite integer)


def id_or_none(raw) -> int | None:
    """An id typed into a query string or a form: ASCII digits that fit a database key, else None
    (``"²".isdigit()`` is true but ``int("²")`` fails, and a database cannot compare with a huge one)."""
    raw = str(raw or "").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19 or int(raw) > MAX_ID:
        return None
    return int(raw)


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))


register_converter(IdConverter, "id")
