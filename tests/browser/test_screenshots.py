"""A picture of every page of the site tour (tests/site_tour.py): the mothers' pages at 360 px, the
staff's at 1366 px, in Chinese, into var/screenshots/pages/. ``make screenshots`` runs this and copies
them to docs/screenshots/pages/, where the README shows them. Each page must also load without a
server error and fit its width (a page wider than the phone is a failure, not a picture)."""

import re

import pytest

from tests.browser.pages import SHOTS, sign_in
from tests.site_tour import build_site

pytestmark = [pytest.mark.django_db(transaction=True)]

OUT = SHOTS / "pages"
WIDTHS = {"mother": (360, 740), "admin": (1366, 768), "finance": (1366, 768), "programme": (1366, 768)}


def file_name(role: str, path: str) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
    return f"{role}-{words}.png"


def test_every_page_of_the_tour_has_its_picture(asgi_server, chromium):
    site = build_site()
    OUT.mkdir(parents=True, exist_ok=True)
    taken = []
    for role, (width, height) in WIDTHS.items():
        context = chromium.new_context(locale="zh-CN", viewport={"width": width, "height": height})
        page = context.new_page()
        sign_in(page, asgi_server, site["users"][role], site["pages"][role][0])
        for path in site["pages"][role]:
            response = page.goto(asgi_server + path)
            assert response is not None and response.status < 500, path
            page.wait_for_load_state("load")
            if role == "mother":
                assert page.evaluate("document.scrollingElement.scrollWidth") <= width, path
            taken.append(OUT / file_name(role, path))
            page.screenshot(path=str(taken[-1]), full_page=True)
        context.close()
    assert len(set(taken)) == len(taken) and all(shot.stat().st_size > 1000 for shot in taken)
