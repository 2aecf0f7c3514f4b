"""The Content-Security-Policy in real Chromium: every main page of the three roles (and the sign-in, the
API docs, the admin) runs under it without one violation — its scripts, styles, the photo shrunk on the
phone (a blob: image), the live socket, the service worker and the page kept for offline."""

import pytest
from PIL import Image
from playwright.sync_api import expect

from tasks import services
from tasks.models import Kind, SubmissionPhoto
from tests import factories
from tests.browser.pages import sign_in
from tests.site_tour import build_site

pytestmark = [pytest.mark.django_db(transaction=True)]

# Installed in every document before its own scripts: each violation is reported to the test.
WATCH = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolation(`${e.effectiveDirective} refused ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
});
"""


@pytest.fixture
def site(asgi_server):
    return build_site()


@pytest.fixture
def watched(chromium):
    """A new browser context whose pages report every CSP violation and CSP console error."""
    contexts, violations = [], []

    def open_page(**options):
        context = chromium.new_context(locale="zh-CN", **options)
        contexts.append(context)
        context.expose_binding(
            "__cspViolation", lambda source, text: violations.append(f"{source['page'].url}: {text}")
        )
        context.add_init_script(WATCH)
        page = context.new_page()

        def on_console(message):
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
                violations.append(f"{page.url}: console: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: violations.append(f"{page.url}: script error: {error}"))
        return page

    yield open_page, violations
    for context in contexts:
        context.close()


def settle(page) -> None:
    """The page has loaded and its deferred scripts have run."""
    page.wait_for_load_state("load")
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 200)))")


def tour(page, base: str, paths: list[str]) -> None:
    for path in paths:
        page.goto(base + path)
        settle(page)


def test_the_mothers_pages_keep_to_the_policy(asgi_server, site, watched, tmp_path):
    open_page, violations = watched
    base, mother = asgi_server, site["users"]["mother"]
    page = open_page(viewport={"width": 360, "height": 740})
    sign_in(page, base, mother, "/m/")

    tour(page, base, site["pages"]["mother"])

    # the live socket: the last task of a project, claimed by someone else, takes its card off the hall
    page.goto(f"{base}/m/")
    settle(page)
    assert page.evaluate("navigator.serviceWorker.ready.then((r) => r.active !== null)") is True
    labelling = site["claims"][Kind.LABELLING]
    card = page.locator(f"#project-{labelling.project_id}")
    assert card.get_attribute("data-left") == "1"
    services.task_claim_next(
        worker=factories.mother(),
        project_id=labelling.project_id,
        slot_id=labelling.slot_id,
        confirm_outside_availability=True,
    )
    expect(card).to_have_count(0, timeout=15_000)

    # the photo is shrunk on the phone (an <img> of a blob: URL) before it is sent
    page.goto(f"{base}/m/claims/{site['claims'][Kind.ASSEMBLY].pk}/")
    photo = tmp_path / "IMG_0001.jpg"
    Image.new("RGB", (2400, 1200), (200, 120, 40)).save(photo, format="JPEG")
    page.fill("input[name=completed_units]", "3")
    page.set_input_files("#photos", str(photo))
    page.get_by_role("button", name="交活").click()
    page.wait_for_url("**/m/claims/?submitted=*")
    assert (SubmissionPhoto.objects.get().width, SubmissionPhoto.objects.get().height) == (1600, 800)

    # offline, the page kept by the service worker is shown, under the same policy
    page.context.set_offline(True)
    page.goto(f"{base}/m/")
    page.wait_for_selector("#offline", state="visible")
    settle(page)
    page.context.set_offline(False)

    assert violations == []


def test_the_workspace_keeps_to_the_policy(asgi_server, site, watched):
    open_page, violations = watched
    base = asgi_server
    page = open_page(viewport={"width": 1280, "height": 860})
    sign_in(page, base, site["users"]["admin"], "/work/")

    tour(page, base, site["pages"]["admin"])

    # the dashboard goes live over the socket and redraws its bars (SVG, no inline style) on an event
    dashboard = site["pages"]["admin"][2]
    page.goto(base + dashboard)
    page.wait_for_selector("[data-live-state=live]", timeout=15_000)
    claim = site["claims"][Kind.ASSEMBLY]
    services.task_claim_next(
        worker=factories.mother(), project_id=claim.project_id, slot_id=claim.slot_id, confirm_outside_availability=True
    )
    expect(page.locator("#progress-cards")).to_have_attribute("data-claimed", "2", timeout=15_000)
    settle(page)

    assert violations == []


def test_the_finance_pages_keep_to_the_policy(asgi_server, site, watched):
    open_page, violations = watched
    base = asgi_server
    page = open_page(viewport={"width": 360, "height": 740})
    sign_in(page, base, site["users"]["finance"], "/finance/")

    tour(page, base, site["pages"]["finance"])

    assert violations == []


def test_the_public_pages_the_api_docs_and_the_admin_keep_to_the_policy(asgi_server, site, watched):
    open_page, violations = watched
    base = asgi_server
    page = open_page(viewport={"width": 1280, "height": 860})

    tour(page, base, site["pages"][None])
    page.goto(f"{base}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)  # rendered from the schema it fetched
    page.locator(".opblock-summary").first.click()
    settle(page)

    assert "Homeslot API" in page.inner_text(".swagger-ui .info .title")
    assert violations == []


def test_browser_waits_are_functions_the_policy_allows():
    """``wait_for_function("expr")`` makes Playwright eval the string in the page while it polls, which
    the policy refuses (an EvalError, a violation); ``"() => expr"`` is a function and runs."""
    import ast
    from pathlib import Path

    bare = []
    for path in Path(__file__).parent.glob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "wait_for_function" and node.args:
                first = node.args[0]
                text = ast.unparse(first)
                if isinstance(first, ast.Constant | ast.JoinedStr) and "=>" not in text:
                    bare.append(f"{path.name}:{node.lineno}: {text[:60]}")
    assert bare == []


def test_a_violation_would_be_seen(asgi_server, watched):
    """The watch itself works: a page that breaks the policy on purpose is reported."""
    open_page, violations = watched
    page = open_page()
    page.goto(f"{asgi_server}/signin/")
    settle(page)

    page.evaluate(
        "() => { const s = document.createElement('style'); s.textContent = 'body{}'; document.head.append(s); }"
    )
    settle(page)

    assert any("style-src" in v for v in violations), violations
