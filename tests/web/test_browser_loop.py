"""In a real browser (as tests/web/test_browser.py): the loop back to young people. An
officer makes a young person's own link; the young person, on a phone, opens it, sends
good news and reads the worker's reply; the officer's pages and the young person's page
have no serious accessibility violation (axe-core). Screenshots in test-artifacts/."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

import httpx
import pytest

from tests.web.conftest import Live
from tests.web.test_browser import (  # noqa: F401 - the module's fixture and marks
    AXE,
    DESK,
    axe,
    browser,
    new_page,
    pytestmark,
    sign_in,
)


def _active_ref(live: Live) -> str:
    with sqlite3.connect(live.database) as db:
        row = db.execute(
            "select council_ref from people where status = 'active' and erased_at is null"
            " order by id desc limit 1"
        ).fetchone()
    return str(row[0])


def test_a_young_person_messages_their_worker_and_reads_the_reply(
    browser: Any,  # noqa: F811
    live: Live,
) -> None:
    found: dict[str, list[dict[str, Any]]] = {}
    check = AXE.exists()
    staff = new_page(browser, viewport=DESK, axe=check)
    sign_in(staff, live, live.officer_key, "/officer/replies")
    officer = staff.page
    officer.wait_for_selector("#messages-h")
    if check:
        found["officer-replies"] = axe(officer)
    officer.fill("#council_ref", _active_ref(live))
    officer.get_by_role("button", name="Make their link").click()
    officer.wait_for_selector(".letter-link a")
    link = str(officer.locator(".letter-link a").get_attribute("href"))
    assert re.fullmatch(rf"{re.escape(live.url)}/talk/[A-Za-z0-9_-]+", link)
    staff.shot("officer-contact-link")

    young = new_page(browser, axe=check)  # a phone, 390 by 844
    child = young.page
    child.goto(link)
    if check:
        found["talk-notice"] = axe(child)
    young.shot("talk-notice")
    child.get_by_role("button", name="This is my link, open it").click()
    child.wait_for_selector("#send")
    child.get_by_label("Good news").check()
    child.get_by_label("Your message").fill("I got into the football team!")
    child.get_by_role("button", name="Send").click()
    child.wait_for_selector("#sent")
    assert "your message has been sent" in child.locator("#sent").inner_text()
    if check:
        found["talk-thread"] = axe(child)
    young.shot("talk-sent")

    officer.goto(f"{live.url}/officer/replies")
    item = officer.locator("li", has_text="I got into the football team!").first
    box = item.get_by_label("Your reply, in plain words for the young person")
    box.fill("That's brilliant. Well done!")
    item.get_by_role("button", name="Send reply").click()
    officer.wait_for_selector(".banner-ok")
    staff.shot("officer-replied")

    child.goto(link)
    reply = child.locator(".msg-reply").last
    assert "That's brilliant. Well done!" in reply.inner_text()
    assert "Your worker" in reply.inner_text()
    young.shot("talk-reply")

    made = httpx.post(
        f"{live.url}/api/v1/campaigns/rolling",
        json={"name": "Before my review (rolling)", "survey": "review-prep-child",
              "cohort": "in_care"},
        headers={"Authorization": f"Bearer {live.officer_key}"},
        timeout=30,
    )
    assert made.status_code == 201, made.text
    officer.goto(f"{live.url}/officer/reviews/{made.json()['id']}")
    assert "Before my review (rolling)" in officer.locator("h1").inner_text()
    if check:
        found["officer-reviews"] = axe(officer)
    staff.shot("officer-reviews")
    serious = {
        name: [v for v in violations if v["impact"] in ("serious", "critical")]
        for name, violations in found.items()
    }
    assert not any(serious.values()), serious
    if not check:
        pytest.skip(f"pages work; axe-core is not at {AXE}, so accessibility was not checked")
    young.clean()
    staff.clean()
