"""What the OpenAPI schema says of shapes every app's serializers use: the error body of API.md and
clock times as ``HH:MM`` (``config.schema.AutoSchema`` documents each operation's errors with them)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

CLOCK_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class ErrorDetail(serializers.Serializer):
    code = serializers.CharField(help_text="A stable machine code, e.g. task_already_claimed")
    message = serializers.CharField(help_text="Readable, in the caller's language (Accept-Language)")
    details = serializers.DictField(help_text="What the code is about (fields, limits, ids)")


class ErrorOut(serializers.Serializer):
    error = ErrorDetail()


@extend_schema_field({"type": "string", "pattern": CLOCK_TIME, "example": "09:00"})
class ClockTimeField(serializers.TimeField):
    """A time of day as people write it and the API returns it: ``HH:MM`` (``HH:MM:SS`` is read too)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%H:%M")
        kwargs.setdefault("input_formats", ["%H:%M", "%H:%M:%S"])
        super().__init__(**kwargs)
