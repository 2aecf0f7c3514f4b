"""URL converters. ``<id:pk>`` is a database key: at most 18 digits, so an id no database can hold
(a 64-bit key stops at 9,223,372,036,854,775,807) is a 404 at the router, never an overflow in a query."""

from django.urls import register_converter


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))


register_converter(IdConverter, "id")
