"""One webhook request: the body, its Standard Webhooks signature, and the POST itself.

Signed as https://www.standardwebhooks.com says, with the ``standardwebhooks`` package: headers
``webhook-id`` (the same on every retry and replay of one event), ``webhook-timestamp`` (unix seconds,
when the request leaves) and ``webhook-signature`` (``v1,<base64>``; during a secret's rotation one
signature per secret, space-separated). Sent with the standard library's ``http.client`` to the
address ``integrations.targets.resolve`` checked (TLS still verifies the URL's own host name); a
redirect is an answer like any other non-2xx, never followed. Nothing here touches the database.
"""

import base64
import dataclasses
import datetime
import http.client
import json
import secrets
import socket
import ssl
import urllib.parse

from standardwebhooks.webhooks import Webhook

from integrations import targets

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
TIMEOUT_SECONDS = 10
USER_AGENT = "Homeslot-Webhooks/1"
_ERROR_LENGTH = 200


def secret_new() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def body_of(*, event_type: str, event_at: datetime.datetime, data: dict) -> str:
    """The JSON text sent (and signed): ``{"type", "timestamp", "data"}``; ``timestamp`` is when it happened."""
    payload = {"type": event_type, "timestamp": event_at.isoformat(), "data": data}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def headers_for(*, message_id: str, body: str, secrets_now: list[str], sent_at: datetime.datetime) -> dict:
    """The Standard Webhooks headers, signed with each of ``secrets_now`` (the current one first)."""
    at = datetime.datetime.fromtimestamp(int(sent_at.timestamp()), tz=datetime.UTC)
    signatures = " ".join(Webhook(secret).sign(message_id, at, body) for secret in secrets_now)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signatures,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What one attempt came to: the HTTP status (None when no answer came) and, unless 2xx, why not."""

    status_code: int | None
    error: str = ""

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address, whatever the host name would resolve to by now."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, *, body: str, headers: dict, timeout: float = TIMEOUT_SECONDS) -> Outcome:
    """POST ``body`` to ``url`` once; never raises for what the network or the receiver does."""
    try:
        scheme, host, port, address = targets.resolve(url)
    except targets.TargetRefused as exc:
        return Outcome(None, _short(f"refused: {exc}"))
    parts = urllib.parse.urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(host, port, address=address, timeout=timeout)
    try:
        connection.request("POST", path, body=body.encode(), headers=headers)
        response = connection.getresponse()
        response.read(4096)  # an answer's body is not kept; a little is read so the socket closes cleanly
    except TimeoutError:
        return Outcome(None, "timed out")
    except ssl.SSLError as exc:
        return Outcome(None, _short(f"TLS: {exc.reason or exc}"))
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(None, _short(f"{type(exc).__name__}: {exc}"))
    finally:
        connection.close()
    if 200 <= response.status < 300:
        return Outcome(response.status)
    return Outcome(response.status, _short(f"HTTP {response.status} {response.reason}".strip()))


def _short(text: str) -> str:
    return text if len(text) <= _ERROR_LENGTH else text[: _ERROR_LENGTH - 1] + "…"
