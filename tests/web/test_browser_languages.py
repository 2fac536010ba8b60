"""Languages in a real browser at phone size: Arabic right to left (the language control,
`dir="rtl"` and `lang` on the page, messages on the reading side, nothing sideways) and
Welsh, both clean under axe-core. Shares the live demo council of `test_browser.py`."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import Live
from tests.web.test_browser import AXE, CHROMIUM, PHONE, axe, new_page, require_axe
from tests.web.test_browser import browser as browser  # the module-scoped fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}"),
]
pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

ARABIC_CODE = 8  # live.codes: unused by the other browser tests
WELSH_CODE = 9


def serious(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in found if v["impact"] in ("serious", "critical")]


def test_arabic_reads_right_to_left_at_phone_size(browser: Any, live: Live) -> None:
    watch = new_page(browser, viewport=PHONE, axe=AXE.exists())
    page = watch.page
    page.goto(f"{live.url}/c/{live.codes[ARABIC_CODE]}")
    page.get_by_role("button", name="OK, let's start").click()
    page.wait_for_selector("#answer")
    page.select_option("#language", "ar")
    page.get_by_role("button", name="Change language").click()
    page.wait_for_selector("html[dir=rtl]")
    assert page.get_attribute("html", "lang") == "ar"
    assert page.get_attribute("html", "dir") == "rtl"
    page.wait_for_selector("#answer")
    # the new messages, in Arabic, on the right: where an Arabic reader starts
    question = page.locator("#log .msg-bot").last
    box = question.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] > PHONE["width"] - 40  # flush with the right margin
    assert page.get_by_role("button", name="أحتاج مساعدة الآن").count() == 1
    progress = page.inner_text("#progress-area")
    assert "السؤال" in progress
    # nothing scrolls sideways, and the skip link and controls stay on the page
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px phone"
    watch.shot("chat-rtl-arabic-phone")
    if AXE.exists():  # without axe-core the layout is still checked (run .ci/browsers)
        assert serious(axe(page)) == []
    watch.clean()


def test_welsh_at_phone_size_is_clean_under_axe(browser: Any, live: Live) -> None:
    require_axe()
    watch = new_page(browser, viewport=PHONE, axe=True)
    page = watch.page
    page.goto(f"{live.url}/c/{live.codes[WELSH_CODE]}")
    page.get_by_role("button", name="OK, let's start").click()
    page.wait_for_selector("#answer")
    page.select_option("#language", "cy")
    page.get_by_role("button", name="Change language").click()
    page.wait_for_selector("html[lang=cy]")
    assert page.get_attribute("html", "dir") == "ltr"
    assert page.get_by_role("button", name="Mae angen help arna i nawr").count() == 1
    assert "Cwestiwn" in page.inner_text("#progress-area")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    watch.shot("chat-welsh-phone")
    assert serious(axe(page)) == []
    watch.clean()
