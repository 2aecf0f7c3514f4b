"""A real HTTP receiver on this machine, and webhooks allowed to reach it."""

import http.server
import json
import socket
import threading

import pytest

from integrations import services
from integrations.models import WebhookDelivery, WebhookEndpoint
from tests.snapshots import world


class Receiver:
    """An http.server in a thread on 127.0.0.1 that keeps every request it gets (body bytes and headers)
    and answers ``status`` (200 unless a test says otherwise)."""

    def __init__(self, port: int = 0):
        self.requests: list[dict] = []
        self.status = 200
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def types(self) -> list[str]:
        return [json.loads(request["body"])["type"] for request in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def loopback(settings):
    settings.HOMESLOT_WEBHOOKS_ALLOW_LOOPBACK = True


@pytest.fixture
def receiver(loopback):
    running = Receiver()
    yield running
    running.close()


def free_port() -> int:
    """A port nothing listens on now (a receiver that is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def register(admin, company, url: str, event_types=None):
    """An endpoint of ``company`` through the service: it and its secret."""
    return services.webhook_endpoint_create(
        actor=admin,
        company_id=company.pk,
        url=url,
        event_types=event_types
        or ["submission.created", "submission.reviewed", "payout.approved", "payout.paid", "results.ready"],
    )


def snapshot() -> dict:
    """``tests.snapshots.world()`` and the webhooks: what a refused change must leave as it was."""
    return {
        **world(),
        "webhooks": list(WebhookEndpoint.objects.order_by("pk").values()),
        "webhook_deliveries": list(WebhookDelivery.objects.order_by("pk").values()),
    }
