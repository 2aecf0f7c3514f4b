"""A push service on this machine (the one thing outside that Web Push talks to, faked at the HTTP
boundary), and a browser's subscription keys made for real, so a test can decrypt what arrives."""

import base64
import http.server
import json
import os
import threading
from dataclasses import dataclass, field

import http_ece
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """A browser's side of a subscription: its P-256 key pair and auth secret."""

    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> str:
        return b64url(self.key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))

    def read(self, body: bytes) -> dict:
        """Decrypt an aes128gcm message as the browser would."""
        return json.loads(http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"))


def vapid_keys() -> tuple[str, str]:
    """A VAPID key pair as the settings take it: (public, private), base64url raw."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = b64url(key.private_numbers().private_value.to_bytes(32, "big"))
    public = b64url(key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))
    return public, private


class PushService:
    """Answers every POST with ``status`` (changeable) and keeps what it was sent."""

    def __init__(self):
        self.status = 201
        self.received: list[dict] = []
        service = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                service.received.append({"path": self.path, "headers": dict(self.headers), "body": body})
                self.send_response(service.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def endpoint(self, name: str = "sub") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/push/{name}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()
