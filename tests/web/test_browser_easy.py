"""The easy survey in a real browser at phone size: pictures, big faces, one question a
screen, read aloud; axe-core clean on every screen, nothing wider than the phone.

Its own small server (a fresh SQLite file, two young people invited to the child's
consultation: one under 8, one flagged easy_read), so it does not wait for the demo
council. Screenshots go to test-artifacts/screenshots/easy-*.png.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from carevoice.wiring import build_services
from services.settings import Settings
from storage import campaigns as campaign_store
from storage.people import import_people
from surveys.people import Cohort, PersonRecord
from tests.demo_council import in_a_thread
from tests.live_server import free_port, live_server
from tests.web.test_browser import (  # noqa: F401 - `browser` is a fixture
    AXE,
    CHROMIUM,
    PHONE,
    answer_key,
    axe,
    browser,
    new_page,
    require_axe,
    wait_for_next,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}"),
]


@dataclass(frozen=True)
class EasyServer:
    url: str
    codes: dict[str, str]


async def _invite(settings: Settings) -> dict[str, str]:
    services = await build_services(settings)
    try:
        clock = services.clock
        people = [
            PersonRecord("EASY-5", Cohort.IN_CARE, age_band="under 8"),
            PersonRecord("EASY-R", Cohort.IN_CARE, age_band="13-15", easy_read=True),
        ]
        async with services.db.transaction() as session:
            await import_people(session, people, clock)
            campaign = await campaign_store.create_campaign(
                session, services.catalog, clock, name="easy", survey_key="review-prep-child",
                opens_at=clock.now() - timedelta(hours=1),
                closes_at=clock.now() + timedelta(days=14),
                audience=campaign_store.CohortFilter(cohort="in_care"),
            )  # fmt: skip
            chosen = await campaign_store.select_people(
                session, campaign_store.CohortFilter(), clock.now().date()
            )
            summary = await campaign_store.issue_invitations(session, campaign, chosen, clock)
        return {c.council_ref: c.code for c in summary.codes}
    finally:
        await services.close()


@pytest.fixture(scope="module")
def easy_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EasyServer]:
    folder = tmp_path_factory.mktemp("easy")
    port = free_port()
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{folder / 'easy.db'}",
        public_url=f"http://127.0.0.1:{port}",
        council_name="Demo Council",
        data_dir=str(folder / "data"),
    )
    codes = in_a_thread(lambda: asyncio.run(_invite(settings)))
    with live_server(settings, port) as url:
        yield EasyServer(url, codes)


def _fits_the_phone(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways: {width}px"


def test_the_easy_survey_on_a_phone(browser: Any, easy_server: EasyServer) -> None:  # noqa: F811
    require_axe()
    watch = new_page(browser, axe=True)
    page = watch.page
    page.goto(f"{easy_server.url}/c/{easy_server.codes['EASY-5']}")
    assert page.locator(".notice-pictures img").count() == 4  # the easy-read notice
    assert not page.locator(".notice-more").first.evaluate("d => d.open")  # the rest folded
    assert not page.locator("#pin").is_visible()  # an optional PIN, folded away too
    watch.shot("easy-0-notice")
    if AXE.exists():
        violations = [v for v in axe(page) if v["impact"] in ("serious", "critical")]
        assert not violations, violations
    page.get_by_role("button", name="OK, let's start").click()
    page.wait_for_selector("#answer")
    assert page.locator("h1").inner_text() == "My meeting"
    assert "easy" in str(page.locator("body").get_attribute("class"))
    found: dict[str, list[dict[str, Any]]] = {}
    screens = 0
    while page.locator("#answer").count() and screens < 20:
        screens += 1
        html = page.inner_html("#answer-area")
        assert page.locator(".question-picture img").count() == 1, html  # every question
        if shutil.which("espeak-ng"):
            player = page.locator("audio.read-aloud__player")
            assert player.count() == 1 and player.get_attribute("autoplay") is not None
            source = page.locator("audio.read-aloud__player source").first.get_attribute("src")
            heard = page.request.get(f"{easy_server.url}{source}")
            assert heard.status == 200 and heard.body()[:4] == b"OggS"
        kind = next(
            c.removeprefix("answer-")
            for c in str(page.locator("#answer").get_attribute("class")).split()
            if c.startswith("answer-")
        )
        if screens in (1, 5, 6, 8):
            found[f"easy-{screens}-{kind}"] = axe(page)
            watch.shot(f"easy-{screens}-{kind}")
            _fits_the_phone(page)
        before = answer_key(page)
        if kind == "scale":
            faces = page.locator("#answer .btn-picture img")
            assert faces.count() == 5
            box = page.locator("#answer .btn-picture").first.bounding_box()
            assert box is not None and box["height"] >= 100 and box["width"] >= 60  # big faces
            page.get_by_role("button", name="Happy", exact=True).click()
        elif kind == "yesno":
            assert page.locator("#answer .btn-picture img").count() == 2
            page.get_by_role("button", name="Yes", exact=True).click()
        elif kind == "multi":
            assert page.locator("#answer .tick-picture img").count() == 6
            page.locator(".tick", has_text="My carer").click()
            page.get_by_role("button", name="Done").click()
        elif kind == "text":
            page.fill("#text", "I like my cat")
            page.get_by_role("button", name="Send").click()
        else:
            page.locator("#answer .btn-option").first.click()
        wait_for_next(page, before)
    assert "All done" in page.inner_text("#answer-area")
    watch.shot("easy-9-thanks")
    serious = {
        name: [v for v in violations if v["impact"] in ("serious", "critical")]
        for name, violations in found.items()
    }
    assert not any(serious.values()), serious
    watch.clean()


def test_easy_read_young_people_get_it_too(browser: Any, easy_server: EasyServer) -> None:  # noqa: F811
    watch = new_page(browser, js=False)
    page = watch.page
    page.goto(f"{easy_server.url}/c/{easy_server.codes['EASY-R']}")
    page.get_by_role("button", name="OK, let's start").click()
    page.wait_for_selector("#answer")
    assert page.locator("h1").inner_text() == "My meeting"
    assert page.locator(".question-picture img").count() == 1
    _fits_the_phone(page)
    watch.shot("easy-no-javascript")
    watch.clean()


