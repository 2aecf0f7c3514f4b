"""What the browser tests do on every page: sign in, check the page fits a phone, keep a screenshot."""

from pathlib import Path
from urllib.parse import quote

from tests import factories

# Screenshots of the last run; the README's (docs/screenshots/) are chosen from here.
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def sign_in(page, base: str, user, next_path: str) -> None:
    """Sign in through the real form and wait until the page asked for (or where / sends them)."""
    page.goto(f"{base}/signin/?mode=password&next={quote(next_path)}")
    page.fill("input[name=phone]", user.phone[3:])
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: url.startswith(base + next_path.split("?")[0]))


def fits_the_phone(page) -> bool:
    """Nothing wider than the 360 px screen: no sideways scrolling."""
    return page.evaluate("document.scrollingElement.scrollWidth") <= 360


def shot(page, name: str, *, full_page: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)
