"""ASGI entry point: HTTP through Django, WebSocket through Channels (served by daphne).

HTTP runs Django's sync handler on a few long-lived threads, one hop per request
(``config.http``); ``HOMESLOT_HTTP=django`` serves it with Django's own ASGI handler instead (its
async middleware chain), which the loop bench compares (docs/PERFORMANCE.md, issue 15)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup(set_prefix=False)

if os.environ.get("HOMESLOT_HTTP", "threads") == "django":
    from django.core.handlers.asgi import ASGIHandler as _HTTPHandler
else:
    from config.http import ThreadedHTTP as _HTTPHandler

django_asgi_app = _HTTPHandler()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from realtime.publish import RelayAttach  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402
from realtime.security import BrowserOriginValidator  # noqa: E402
from tasks.fastpath import ClaimFastPath  # noqa: E402

# HOMESLOT_CLAIM_FAST_PATH=0: claim-next through the DRF view too (the loop bench compares the two).
_fast = os.environ.get("HOMESLOT_CLAIM_FAST_PATH", "1") != "0"
http_application = ClaimFastPath(django_asgi_app) if _fast else django_asgi_app
application = RelayAttach(
    ProtocolTypeRouter(
        {
            "http": http_application,
            "websocket": BrowserOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
        }
    )
)
