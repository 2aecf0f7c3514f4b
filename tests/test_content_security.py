"""Every page carries a Content-Security-Policy that allows only our own origin — no inline script or
style, no eval — and its HTML needs nothing more (the browser proves it: tests/browser/test_content_security.py)."""

import re

import pytest
from django.test import Client

from tests.site_tour import build_site

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "blob:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'", "ws://testserver", "wss://testserver"],
    "manifest-src": ["'self'"],
    "worker-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle=", re.I)
EVENT_ATTRIBUTE = re.compile(r"<[a-z][^>]*\son[a-z]+=", re.I)


def policy_of(response) -> dict:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";"))}


@pytest.fixture
def site(db):
    return build_site()


def visits(site):
    for role, paths in site["pages"].items():
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        if role:
            client.force_login(site["users"][role])
        for path in paths:
            yield path, client.get(path)


def test_every_page_has_the_policy_and_needs_nothing_inline(site):
    for path, response in visits(site):
        assert response.status_code in (200, 404), (path, response.status_code)
        # the API docs alone add data: images (Swagger UI's icons)
        expected = {**POLICY, "img-src": [*POLICY["img-src"], "data:"]} if path == "/api/docs/" else POLICY
        assert policy_of(response) == expected, path
        html = response.content.decode()
        assert "<style" not in html, path
        assert INLINE_SCRIPT.findall(html) == [], path
        assert STYLE_ATTRIBUTE.findall(html) == [], path
        assert EVENT_ATTRIBUTE.findall(html) == [], path


def test_the_admin_pages_have_the_policy_too(site, admin_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client = Client()
    client.force_login(admin_user)

    for path in ("/admin/", "/admin/accounts/user/", f"/admin/accounts/user/{admin_user.pk}/change/"):
        response = client.get(path)
        assert response.status_code == 200 and policy_of(response) == POLICY, path


def test_the_service_worker_and_the_docs_script_are_ours(site):
    client = Client()
    client.force_login(site["users"]["mother"])

    worker = client.get("/m/sw.js")
    docs_script = client.get("/api/docs/?script=")

    assert policy_of(worker) == POLICY  # the worker's own fetches are held to it too
    assert docs_script.status_code == 200 and docs_script["Content-Type"] == "application/javascript"


def test_over_https_the_socket_is_wss_only(site, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    response = Client().get("/signin/", HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="testserver")

    assert policy_of(response)["connect-src"] == ["'self'", "wss://testserver"]
