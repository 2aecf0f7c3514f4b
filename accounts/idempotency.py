"""Retry-safe requests: the ``Idempotency-Key`` header.

A client sends ``Idempotency-Key: <key>`` (1–200 visible ASCII characters, a new key for each
new action, e.g. a UUID) and may then send the very same request again — after a timeout, a
dropped connection, a server killed after it committed — and gets the first answer again (the
same status and body), with nothing done twice:

- the answer is stored in the same transaction as the work, so work that committed always has
  its answer, and work that rolled back (a refusal, a crash) has none: its retry runs again;
- the same key with a different body (its fingerprint, ``core.fingerprint``) is refused with
  ``409 idempotency_key_reused`` and nothing is written;
- keys belong to the caller and to the endpoint (the route and its ids, so ``/tasks/007/claim``
  is ``/tasks/7/claim``): another user's key, or the same key on another endpoint, is another request;
- a duplicate sent while the first is still running waits for it (the unique row the first one
  inserted) and then returns its answer; it holds no other lock meanwhile (core.locks);
- answers are kept ``HOMESLOT_IDEMPOTENCY_RETENTION_HOURS`` (48) and then pruned
  (``background.jobs.idempotent_requests_prune``).

Used by the API views of claim, claim-next, submit, release, payout drafts and adjustments
(:func:`idempotent`). The mothers' pages guard their forms otherwise: each form carries what she
last saw (her newest claim, her hand-in), and a resend that finds it already done answers that.
"""

import dataclasses
import datetime
import functools
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework.renderers import JSONRenderer

from accounts.errors import InvalidIdempotencyKey
from accounts.models import IdempotentRequest
from core.errors import IdempotencyKeyReused
from core.fingerprint import request_fingerprint

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
VALID_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")

HEADER_PARAMETER = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "Makes the request safe to send again: a retry with the same key and the same body gets the first "
        "answer (same status and body; `Idempotent-Replayed: true`); the same key with another body is "
        "`409 idempotency_key_reused`. 1–200 visible ASCII characters, new for each new action."
    ),
)


@dataclasses.dataclass(frozen=True)
class Answer:
    status: int
    body: str
    replayed: bool


def valid_key(key: str) -> str:
    if not isinstance(key, str) or not VALID_KEY.match(key):
        raise InvalidIdempotencyKey()
    return key


def answer_once(*, user, key: str, endpoint: str, fingerprint: str, run) -> Answer:
    """``run()`` → ``(status, body)`` once per user, endpoint and key; a repeat gets the kept
    answer. Only a success (2xx or 3xx) is kept; ``run`` refuses by raising, which rolls back
    the work and the key together."""
    key, endpoint = valid_key(key), endpoint[:200]
    for _attempt in range(2):
        with transaction.atomic():
            try:
                with transaction.atomic():
                    # A duplicate running at the same time waits here until the first one ends.
                    row = IdempotentRequest.objects.create(
                        user=user, key=key, endpoint=endpoint, fingerprint=fingerprint
                    )
            except IntegrityError:
                kept = IdempotentRequest.objects.filter(user=user, key=key, endpoint=endpoint).first()
                if kept is None:  # pruned in between: try once more
                    continue
                if kept.fingerprint != fingerprint:
                    raise IdempotencyKeyReused(details={"key": key}) from None
                return Answer(status=kept.status, body=kept.response_body, replayed=True)
            status, body = run()
            if 200 <= status < 400:
                IdempotentRequest.objects.filter(pk=row.pk).update(status=status, response_body=body)
            else:
                row.delete()  # nothing was done: a retry runs again
            return Answer(status=status, body=body, replayed=False)
    raise IdempotencyKeyReused(details={"key": key})


def idempotent(view_method):
    """For an API view's ``post``: with the header, its answer is kept and given again to a retry."""

    @functools.wraps(view_method)
    def post(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view_method(view, request, *args, **kwargs)
        first = {}

        def run():
            response = view_method(view, request, *args, **kwargs)
            first["response"] = response
            return response.status_code, JSONRenderer().render(response.data).decode()

        answer = answer_once(
            user=request.user,
            key=key,
            endpoint=_endpoint(request),
            fingerprint=request_fingerprint(request.data, request.query_params),
            run=run,
        )
        if not answer.replayed:
            return first["response"]
        replay = HttpResponse(answer.body, status=answer.status, content_type="application/json")
        replay[REPLAYED_HEADER] = "true"
        return replay

    return post


def _endpoint(request) -> str:
    """The method, the route and its arguments as values: one endpoint however its ids are written."""
    match = request.resolver_match
    if match is None:
        return f"{request.method} {request.path}"[:200]
    arguments = ",".join(f"{name}={value}" for name, value in sorted(match.kwargs.items()))
    return f"{request.method} {match.view_name} {arguments}"[:200]


def prune(*, now: datetime.datetime | None = None) -> int:
    """Forget answers older than the retention (a retry that late runs as a new request)."""
    cutoff = (now or timezone.now()) - datetime.timedelta(hours=settings.HOMESLOT_IDEMPOTENCY_RETENTION_HOURS)
    deleted, _by_model = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted
