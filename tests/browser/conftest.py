"""Real Chromium (Debian's package, driven by Playwright) on a phone-sized viewport."""

import os
import shutil

import pytest


def chromium_path() -> str | None:
    return os.environ.get("HOMESLOT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def chromium():
    """Module-scoped: Playwright's sync API keeps an event loop running in this thread while it
    is open, which other tests (``async_to_sync``) must not inherit."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    path = chromium_path()
    if path is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    # Playwright's sync API runs its own event loop; Django must allow ORM calls beside it.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def phone(chromium):
    """A new browser context the size of a cheap Android phone, in Chinese."""
    contexts = []

    def open_page():
        context = chromium.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", accept_downloads=True)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
