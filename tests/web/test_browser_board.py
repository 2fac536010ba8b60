"""The board in a real browser: key messages first, at phone and desk size, axe-clean;
comparators and the cohort and team table beside the council's own figures; the print
view opens with the same sentences. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from surveys.insights.periods import PeriodKind, period_containing
from tests.web.conftest import Live
from tests.web.test_browser import (  # noqa: F401  (browser is a fixture)
    AXE,
    DESK,
    PHONE,
    SHOTS,
    axe,
    browser,
    new_page,
    pytestmark,
    sign_in,
)


@pytest.mark.parametrize(("size", "viewport"), [("phone", PHONE), ("desk", DESK)])
def test_key_messages_come_first(browser: Any, live: Live, size: str,  # noqa: F811
                                 viewport: dict[str, int]) -> None:  # fmt: skip
    watch = new_page(browser, viewport=viewport, axe=AXE.exists())
    sign_in(watch, live, live.board_key, "/board")  # no period: the latest with figures
    page = watch.page
    # the demo's latest is 2017-18, or this year once an earlier browser test (sharing the
    # live server) has had a young person send a form back
    this_year = period_containing(date.today(), PeriodKind.YEAR)
    with sqlite3.connect(live.database) as db:
        [(returned_now,)] = db.execute(
            "select count(*) from invitations where returned_at is not null"
            " and delivered_at >= ?", (this_year.start.isoformat(),)).fetchall()
    latest = this_year.label if returned_now else "2017-18"
    assert f"Corporate parenting board, {latest}" in page.inner_text("h1")
    if latest != "2017-18":
        page.goto(f"{live.url}/board?period=2017-18")
    assert "Corporate parenting board, 2017-18" in page.inner_text("h1")
    first = page.locator("main section").first
    assert first.get_attribute("id") == "key-messages"
    box = first.bounding_box()
    assert box is not None and box["y"] < viewport["height"] * 0.6  # on the first screen
    said = page.inner_text("#key-messages")
    assert "83 of the 581 consultation forms" in said and "target of 30%" in said
    assert "The three things young people wrote about most" in said
    assert page.locator("#key-messages .key-quote").count() == 3  # a quote under each
    # a quote read in the key messages is not read again under "In their own words"
    above = [re.sub(r"^.*?“|”$", "", q.inner_text().strip()).removesuffix("…")
             for q in page.locator("#key-messages .key-quote").all()]  # fmt: skip
    below = [q.inner_text().strip() for q in page.locator("ul.quotes blockquote").all()]
    assert below and all(not b.startswith(a) for a in above for b in below), (above, below)
    assert "The biggest change since 2016-17" in said
    assert "You said:" in said and "We did:" in said
    assert "General" not in said
    # a hidden figure is explained where it stands, in the sentence and under the card
    hidden = page.locator("#key-messages li", has_text="not shown (c)").first.inner_text()
    assert "5 or fewer" in hidden
    assert "no young person can be identified" in page.inner_text("#key-c-note")
    hidden_cards = 0
    for card in page.locator(".cards .card").all():
        text = card.inner_text()
        assert not (re.search(r"target \d+%", text) and "No target" in text), text
        if card.locator("a.c").count():
            hidden_cards += 1
            assert "no young person can be identified" in text
    assert hidden_cards  # the children's feedback form's returns are hidden in the demo
    assert "Compare: Cheshire East 2017-18, 14%" in page.inner_text(".glance")
    assert page.locator("#comparators tr[data-measure='return_rate:consultation:child']"
                        " [data-col='ours']").inner_text() == "14%"  # fmt: skip
    assert page.locator("#breakdown tr[data-team='North']").count() >= 1
    ages = page.locator("#by-age tr[data-age]")  # the age bands a board asks for, on the page
    assert ages.count() >= 2 and page.locator("#by-age tr[data-age='13-15']").count() >= 1
    wide = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 1, f"the page scrolls sideways by {wide}px at {size} size"
    if AXE.exists():
        violations = [v for v in axe(page) if v["impact"] in ("serious", "critical")]
        assert not violations, violations
    page.locator("#key-messages").screenshot(path=str(SHOTS / f"board-key-messages-{size}.png"))
    for part in ("glance", "comparators", "breakdown", "by-age"):
        page.locator(f"section:has(#{part}), section.{part}").first.screenshot(
            path=str(SHOTS / f"board-{part}-{size}.png"))
    watch.shot(f"board-{size}")
    watch.clean()


def test_the_print_view_opens_with_the_key_messages(browser: Any, live: Live) -> None:  # noqa: F811
    watch = new_page(browser, viewport=DESK, axe=AXE.exists())
    sign_in(watch, live, live.board_key, "/board/print?period=2017-18")
    page = watch.page
    assert page.locator("main section").first.get_attribute("id") == "key-messages"
    assert "83 of the 581" in page.inner_text("#key-messages")
    assert page.locator("#comparators").count() == 1
    if AXE.exists():
        violations = [v for v in axe(page) if v["impact"] in ("serious", "critical")]
        assert not violations, violations
    page.emulate_media(media="print")
    kept = page.evaluate(  # no heading left at a page's foot, no card or table row split
        "['main section', 'main h2', 'main .lede', 'main tr', 'main .card']"
        ".map(s => { const e = document.querySelector(s); const c = getComputedStyle(e);"
        " return [s, c.breakInside, c.breakAfter]; })"
    )
    assert [k[1] for k in kept] == ["avoid", "auto", "avoid", "avoid", "avoid"], kept
    assert kept[1][2] == "avoid" and kept[2][2] == "avoid", kept
    columns = page.evaluate("getComputedStyle(document.querySelector('.cards'))"
                            ".gridTemplateColumns.split(' ').length")
    assert columns >= 4  # the cards in one row: none alone on a page
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "board-print-key-messages.png"))
    pdf = SHOTS / "board-print-key-messages.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True, prefer_css_page_size=True)
    # each page numbered in its margin ("page 7, the scorecard"): the text of the PDF
    numbered = re.findall(rb"Page \d+ of \d+", _pdf_text(pdf))
    assert numbered and numbered[0] == b"Page 1 of " + numbered[-1].split(b" of ")[1], numbered
    watch.clean()


def _pdf_text(path: Path) -> bytes:
    """The words of a PDF, by poppler's pdftotext when it is there (else the test says why)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout


def test_on_a_phone_every_table_says_it_slides_and_keeps_its_caption_on_screen(
    browser: Any, live: Live  # noqa: F811
) -> None:
    """A councillor on a phone: a table wider than the screen slides inside its box, says so
    where it starts ("Slide sideways to see every column"), and its caption (as wide as the
    table) wraps on the screen instead of running off its right edge."""
    watch = new_page(browser, viewport=PHONE)
    sign_in(watch, live, live.board_key, "/board?period=2017-18")
    page = watch.page
    boxes = page.evaluate("""() => [...document.querySelectorAll('.table-box')].map(box => {
        const caption = box.querySelector('caption');
        return {
            id: box.getAttribute('aria-labelledby'),
            slides: box.scrollWidth > box.clientWidth + 1,
            wide: box.classList.contains('wide'),
            captionRight: caption ? caption.getBoundingClientRect().right : 0,
        };
    })""")
    assert len(boxes) >= 8
    off_screen = [box for box in boxes if box["captionRight"] > PHONE["width"]]
    unsaid = [box for box in boxes if box["slides"] and not box["wide"]]
    assert not off_screen and not unsaid, (off_screen, unsaid)
    watch.clean()
