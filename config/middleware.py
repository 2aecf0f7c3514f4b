"""Request-wide wiring that belongs to no one app."""

import io
import logging

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render

from core import dbfaults
from core.errors import SERVICE_UNAVAILABLE
from core.http_errors import error_body, is_api_path

logger = logging.getLogger(__name__)
MAX_REPLAYED_BODY = 1024 * 1024  # a bigger body (photos) is not kept for a second try


class DatabaseHiccups:
    """A database that cannot answer for a moment (a restart, a dropped pooled connection) must
    not be a 500. The view is run again once when the failed attempt wrote nothing; otherwise,
    or when the second try fails too, the answer is a 503 in the caller's language with
    ``Retry-After``: her phone can simply send it again (writes carry an Idempotency-Key)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD", "OPTIONS") and _replayable(request):
            request.body  # noqa: B018 - read now, so a second try can read it again
        request._homeslot_writes = tracker = dbfaults.WriteTracker()
        with dbfaults.tracking(tracker):
            return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        request._homeslot_view = (view_func, view_args, view_kwargs)

    def process_exception(self, request, exception):
        if not dbfaults.is_transient(exception):
            return None
        dbfaults.discard_broken_connection()
        tracker = getattr(request, "_homeslot_writes", None)
        view = getattr(request, "_homeslot_view", None)
        if tracker is not None and tracker.safe_to_retry and view is not None and _rewind(request):
            logger.warning("database hiccup (%s); trying %s once more", type(exception).__name__, request.path)
            view_func, args, kwargs = view
            try:
                return view_func(request, *args, **kwargs)  # rendered by Django's handler, as usual
            except Exception as again:
                if not dbfaults.is_transient(again):
                    raise
                dbfaults.discard_broken_connection()
        logger.warning("database unavailable (%s) for %s: 503", type(exception).__name__, request.path)
        return unavailable(request)


def _replayable(request) -> bool:
    """A small JSON body is kept for a second try; a form or an upload is not (reading it up
    front would change how Django and DRF parse it), so such a request gets the 503."""
    length = request.META.get("CONTENT_LENGTH") or "0"
    json_body = request.content_type == "application/json"
    # Past Django's own limit the view must see the body unread, to answer 413 as it always does.
    limit = min(MAX_REPLAYED_BODY, settings.DATA_UPLOAD_MAX_MEMORY_SIZE or MAX_REPLAYED_BODY)
    return json_body and length.isdigit() and int(length) <= limit


def _rewind(request) -> bool:
    """Make the body readable again for a second try (it was read up front when small)."""

    body = getattr(request, "_body", None)
    if body is None:
        return request.method in ("GET", "HEAD", "OPTIONS")
    request._stream = io.BytesIO(body)
    request._read_started = False
    for cached in ("_post", "_files", "_data", "_full_data"):
        request.__dict__.pop(cached, None)
    return True


def unavailable(request):
    message = dbfaults.unavailable_message()
    if is_api_path(request.path):
        response = JsonResponse(error_body(code=SERVICE_UNAVAILABLE, message=message), status=503)
    else:
        response = render(request, "frontend/error.html", {"message": message}, status=503)
    response["Retry-After"] = str(dbfaults.RETRY_AFTER_SECONDS)
    return response
