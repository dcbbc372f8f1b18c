"""What every journey test does on the phone: sign in by tapping, take the screenshots a
person looks at afterwards, and check the phone-layout rules on each page it opens.

Screenshots go to ``build/screenshots/`` (kept after ``make test``; the folder is ignored by
git). Name them ``<journey>-<nn>-<what>`` so a folder listing reads as the journey.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from core.demo import DEMO_PASSWORD

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
MIN_TARGET_PX = 44
MIN_TEXT_PX = 16

# Measured in the page: anything wider than the viewport, tap targets under 44 x 44 CSS px
# (visible links, buttons, inputs other than hidden ones), and body text under 16 px.
# An element (and what it holds) marked ``data-layout-exempt`` is left out, e.g. a print sheet.
_LAYOUT_PROBLEMS_JS = (Path(__file__).parent / "layout_probe.js").read_text(encoding="utf-8")


def sign_in(page: Page, base_url: str, phone: str, *, then: str | None = None) -> None:
    """Sign in through the login form, by tapping, as a person does."""
    page.goto(f"{base_url}/login" + (f"?next={then}" if then else ""))
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    if then:
        page.wait_for_url(f"{base_url}{then}")
    else:
        expect(page.get_by_role("status")).to_have_text("登录成功")


def layout_problems(page: Page) -> list[str]:
    """What breaks the phone-layout rules on the page, once it has loaded with its styles
    (measured any earlier, a page that is still arriving has no CSS yet)."""
    page.wait_for_load_state()
    result: Any = page.evaluate(_LAYOUT_PROBLEMS_JS, [MIN_TARGET_PX, MIN_TEXT_PX])
    return list(result)


def shot(page: Page, name: str, *, check_layout: bool = True) -> Path:
    """Save a full-page screenshot for a person to look at, after checking the layout rules."""
    if check_layout:
        problems = layout_problems(page)
        assert not problems, f"{name} ({page.url}) breaks the phone layout rules: {problems}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
