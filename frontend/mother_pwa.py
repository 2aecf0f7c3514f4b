"""The installable app: its manifest and its service worker, both served under /m/ so that the
worker's scope covers the whole app (a worker can only control pages below its own URL)."""

import json

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

# Bump when the shell changes: the worker then drops the caches of the old one.
SHELL_VERSION = "m-shell-5"


@require_GET
def manifest(request):
    body = {
        "name": _("Homeslot mom jobs"),
        "short_name": "妈妈岗",
        "lang": "zh-Hans",
        "start_url": reverse("m-hall"),
        "scope": "/m/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b4235a",
        "icons": [
            {"src": static("frontend/mother/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("frontend/mother/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("frontend/mother/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/manifest+json")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_GET
def service_worker(request):
    # The browser fetches the worker without the page's language preferences: use her chosen
    # language (the switch's cookie), else Chinese; never the worker fetch's Accept-Language.
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    with translation.override(language):
        return _service_worker()


def _service_worker():
    script = render_to_string(
        "frontend/mother/sw.js",
        {
            "version": SHELL_VERSION,
            "hall": reverse("m-hall"),
            "style": static("frontend/mother.css"),
            "queue": static("frontend/mother_queue.js"),
            "icon": static("frontend/mother/icon-192.png"),
            "app_name": json.dumps("妈妈岗", ensure_ascii=False),
            "shell": json.dumps(
                [
                    static("frontend/mother.js"),
                    static("frontend/mother_queue.js"),
                    static("frontend/mother.css"),  # her pages' styles: kept, so a page kept offline looks as it did
                    static("frontend/mother/icon-192.png"),
                    reverse("m-manifest"),
                ]
            ),
            "not_sent_text": json.dumps(
                _(
                    "The network dropped, so what you just tapped may not have gone through. "
                    "Go back and tap it again when you are online: it is never done twice."
                ),
                ensure_ascii=False,
            ),
            "back_text": json.dumps(_("Back to the task hall"), ensure_ascii=False),
            "nothing_kept_text": json.dumps(
                _(
                    "The network is down, and this page was not kept on this phone. Please try again when you are online."
                )
            ),
        },
    )
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    # The browser checks for a new worker on each visit; never let a cache pin an old one.
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/m/"
    return response
