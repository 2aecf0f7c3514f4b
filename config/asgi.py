"""ASGI entry point: HTTP through Django, WebSocket through Channels (served by daphne)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from realtime.publish import RelayAttach  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402
from realtime.security import BrowserOriginValidator  # noqa: E402
from tasks.fastpath import ClaimFastPath  # noqa: E402

http_application = ClaimFastPath(django_asgi_app)
application = RelayAttach(
    ProtocolTypeRouter(
        {
            "http": http_application,
            "websocket": BrowserOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
        }
    )
)
