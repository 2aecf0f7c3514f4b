"""Files as HTTP answers (the ledger's, a project's results): ``?format=`` names the file, a file
streams as it is written (CSV, JSONL) or from the temporary file it was built in (XLSX), and a file a
background job built is streamed from disk."""

from collections.abc import AsyncIterator, Iterable

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header
from rest_framework.negotiation import BaseContentNegotiation

from core import files

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX, "jsonl": "application/x-ndjson; charset=utf-8"}
# What ``file_response`` answers, as the schema says it.
FILE_RESPONSES = {(200, "text/csv"): bytes, (200, XLSX): bytes}


class FileNegotiation(BaseContentNegotiation):
    """``?format=csv|xlsx`` names the file to build, not a DRF renderer: errors still render as JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def attachment(stream: AsyncIterator[bytes], *, kind: str, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(stream, content_type=CONTENT_TYPES[kind])
    # A Chinese project title in the name: RFC 6266's filename*=UTF-8'' form (an ASCII name stays plain).
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def file_response(
    *, kind: str, header: list[str], pages: Iterable[list], name: str, sheet: str, csv_blocks=None
) -> StreamingHttpResponse:
    """``kind`` (csv or xlsx) of ``header`` and ``pages`` of ``(value, is_text)`` rows, as an attachment
    ``name``.csv/.xlsx; ``csv_blocks``: the CSV's data rows as ready bytes (a ``COPY``), if there are."""
    if kind == "csv":
        stream = files.blocks_stream(header, csv_blocks) if csv_blocks else files.csv_stream(header, pages)
    else:
        stream = files.file_stream(files.xlsx_file(header, pages, sheet=sheet))
    return attachment(stream, kind=kind, filename=f"{name}.{kind}")


def file_download(path: str, *, kind: str, filename: str) -> StreamingHttpResponse:
    """A file a background job built, streamed from disk."""
    handle = open(path, "rb")  # noqa: SIM115 - closed by file_stream when sent
    return attachment(files.file_stream(handle), kind=kind, filename=filename)
