"""Fake SMS providers at the HTTP boundary: a local ``http.server`` thread that answers as Aliyun's
Dysmsapi or Tencent Cloud's SMS API does, records what the SDK really sent, and checks its signature
the way the provider would (recomputed here from the providers' published algorithms, with the secret)."""

import contextlib
import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit


@dataclass
class SeenRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    raw_body: bytes
    signature_valid: bool = False
    body: dict = field(default_factory=dict)


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def _canonical_headers(request: SeenRequest, signed: str) -> str:
    return "".join(f"{name}:{request.headers.get(name, '').strip()}\n" for name in signed.split(";"))


class FakeProvider:
    SECRET = "test-secret"

    def __init__(self, *, refuse: str | None = None, status: int = 200, refuse_number: str | None = None):
        self.refuse, self.status, self.refuse_number = refuse, status, refuse_number
        self.requests: list[SeenRequest] = []
        self.endpoint = ""

    def answer(self, request: SeenRequest) -> tuple[int, dict]:
        raise NotImplementedError


class FakeAliyun(FakeProvider):
    """Dysmsapi 2017-05-25 SendSms, signed ACS3-HMAC-SHA256 (the V3 request signature)."""

    def verify(self, request: SeenRequest) -> bool:
        algorithm, _, fields = request.headers.get("authorization", "").partition(" ")
        parts = dict(part.split("=", 1) for part in fields.split(",") if "=" in part)
        signed = parts.get("SignedHeaders", "")
        needed = {
            "host",
            "x-acs-action",
            "x-acs-version",
            "x-acs-date",
            "x-acs-signature-nonce",
            "x-acs-content-sha256",
        }
        if algorithm != "ACS3-HMAC-SHA256" or not needed <= set(signed.split(";")):
            return False
        if request.headers.get("x-acs-content-sha256") != _sha256_hex(request.raw_body):
            return False
        query = "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in sorted(request.query.items()))
        canonical = "\n".join(
            [
                request.method,
                request.path,
                query,
                _canonical_headers(request, signed),
                signed,
                _sha256_hex(request.raw_body),
            ]
        )
        to_sign = f"ACS3-HMAC-SHA256\n{_sha256_hex(canonical.encode('utf-8'))}"
        expected = hmac.new(self.SECRET.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, parts.get("Signature", ""))

    def answer(self, request: SeenRequest) -> tuple[int, dict]:
        request_id = f"REQ-{len(self.requests)}"
        if not request.signature_valid:
            return 400, {
                "Code": "SignatureDoesNotMatch",
                "Message": "Specified signature is not matched.",
                "RequestId": request_id,
            }
        if self.refuse:
            # Like the real one, the words may quote the number: the backend must not log them as they are.
            words = f"{request.query.get('PhoneNumbers')} refused by the fake"
            return self.status, {"Code": self.refuse, "Message": words, "RequestId": request_id}
        return 200, {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": request_id}


class FakeTencent(FakeProvider):
    """SMS 2021-01-11 SendSms, signed TC3-HMAC-SHA256."""

    def verify(self, request: SeenRequest) -> bool:
        algorithm, _, fields = request.headers.get("authorization", "").partition(" ")
        parts = dict(part.strip().split("=", 1) for part in fields.split(",") if "=" in part)
        signed = parts.get("SignedHeaders", "")
        if algorithm != "TC3-HMAC-SHA256" or not {"content-type", "host"} <= set(signed.split(";")):
            return False
        _secret_id, date, service, terminator = [*parts.get("Credential", "").split("/"), "", "", "", ""][:4]
        timestamp = request.headers.get("x-tc-timestamp", "0")
        if date != datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d") or terminator != "tc3_request":
            return False
        canonical = "\n".join(
            [
                request.method,
                request.path,
                "",
                _canonical_headers(request, signed),
                signed,
                _sha256_hex(request.raw_body),
            ]
        )
        scope = f"{date}/{service}/tc3_request"
        to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{_sha256_hex(canonical.encode('utf-8'))}"
        key = _hmac(_hmac(_hmac(f"TC3{self.SECRET}".encode(), date), service), "tc3_request")
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        return service == "sms" and hmac.compare_digest(expected, parts.get("Signature", ""))

    def answer(self, request: SeenRequest) -> tuple[int, dict]:
        request_id = f"req-{len(self.requests)}"
        if not request.signature_valid:
            error = {
                "Code": "AuthFailure.SignatureFailure",
                "Message": "The provided credentials could not be validated.",
            }
            return 200, {"Response": {"Error": error, "RequestId": request_id}}
        if self.refuse:
            return 200, {
                "Response": {"Error": {"Code": self.refuse, "Message": "refused by the fake"}, "RequestId": request_id}
            }
        statuses = [
            {
                "SerialNo": "2645:3215864591716",
                "PhoneNumber": phone,
                "Fee": 1,
                "SessionContext": "",
                "IsoCode": "CN",
                "Code": self.refuse_number or "Ok",
                "Message": "refused by the fake" if self.refuse_number else "send success",
            }
            for phone in request.body.get("PhoneNumberSet", [])
        ]
        return 200, {"Response": {"SendStatusSet": statuses, "RequestId": request_id}}


@contextlib.contextmanager
def fake_provider(kind: type[FakeProvider], **behaviour):
    """Serve ``kind`` on 127.0.0.1 (a free port) for the block; ``fake.endpoint`` is its ``http://`` address."""
    fake = kind(**behaviour)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw_body = self.rfile.read(length)
            url = urlsplit(self.path)
            request = SeenRequest(
                method="POST",
                path=url.path,
                query=dict(parse_qsl(url.query, keep_blank_values=True)),
                headers={name.lower(): value for name, value in self.headers.items()},
                raw_body=raw_body,
            )
            if raw_body and "json" in request.headers.get("content-type", ""):
                request.body = json.loads(raw_body)
            request.signature_valid = fake.verify(request)
            status, answer = fake.answer(request)
            fake.requests.append(request)
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format, *args):  # the test's output stays quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.endpoint = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="fake-sms-provider", daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
