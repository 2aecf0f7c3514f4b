"""Under /api/ every answer is JSON in API.md's error shape — unknown paths, ids too long for the router,
wrong methods, a bug's 500, a bad Host — whatever DEBUG says (Django's debug pages are HTML)."""

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path

from tests.conftest import api_for

pytestmark = pytest.mark.django_db


def broken_view(request):
    raise RuntimeError("a bug")


def plain_403_view(request):
    return HttpResponse("<h1>403 Forbidden</h1>", status=403)


urlpatterns = [
    path("api/v1/test-broken", broken_view),
    path("api/v1/test-plain-403", plain_403_view),
    path("", include("config.urls")),
]


def assert_json_error(response, status: int, code: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert set(body["error"]) == {"code", "message", "details"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


@pytest.fixture(params=[True, False], ids=["DEBUG", "no-DEBUG"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nope",
        "/api/nope",
        "/api/",
        "/api/v1/projects/99999999999999999999/claim-next",
        "/api/v1/projects/" + "9" * 400,
        "/api/v1/projects/abc",
        "/api/v2/projects",
        "/api/schema",  # no slash: no redirect that a POST would lose
    ],
)
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_an_unknown_api_path_is_a_json_404(debug, mother, path, method):
    response = getattr(api_for(mother), method)(path)

    assert_json_error(response, 404, "not_found")


def test_a_404_says_not_found_in_her_language(debug):
    response = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/api/v1/nope")

    assert response.json()["error"]["message"] == "没有找到。"


def test_a_wrong_method_is_a_json_405(debug, mother):
    response = api_for(mother).delete("/api/v1/tasks")

    assert_json_error(response, 405, "method_not_allowed")


def test_a_bug_under_api_is_a_json_500_and_is_logged(debug, settings, caplog):
    settings.ROOT_URLCONF = __name__

    response = Client(raise_request_exception=False).get("/api/v1/test-broken", HTTP_ACCEPT_LANGUAGE="en")

    assert_json_error(response, 500, "server_error")
    assert "a bug" not in response.content.decode()  # no traceback, no settings
    assert any(r.exc_info and "a bug" in str(r.exc_info[1]) for r in caplog.records)


def test_a_plain_error_page_under_api_becomes_json(debug, settings):
    settings.ROOT_URLCONF = __name__

    response = Client().get("/api/v1/test-plain-403")

    assert_json_error(response, 403, "forbidden")


def test_a_host_we_do_not_serve_is_a_json_400(debug):
    response = Client(raise_request_exception=False).get("/api/v1/tasks", HTTP_HOST="evil.example")

    assert_json_error(response, 400, "bad_request")


def test_a_body_past_the_upload_limit_is_a_json_413(debug, settings, supervisor, assembly):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = api_for(supervisor).post(
        f"/api/v1/projects/{assembly.pk}/slots", b'{"x": "' + b"y" * 2000 + b'"}', content_type="application/json"
    )

    assert_json_error(response, 413, "too_large")


def test_pages_outside_api_stay_html(debug):
    response = Client().get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
