"""In a real browser: headless Chromium from Debian's packages, driven by Playwright.

One uvicorn server on a demo council serves every test here (`live` in conftest). A young
person completes a survey with the mouse, with the keyboard alone, and with JavaScript
off; the board page shows the seed's table; axe-core finds no serious or critical
accessibility violation on any page. Screenshots go to test-artifacts/screenshots/.

Needs /usr/bin/chromium (`.ci/browsers` installs it, and axe-core into .cache/axe).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from storage.invitation_codes import code_hash
from surveys.insights.rates import as_percent
from tests.seed import seed_rows
from tests.web.conftest import Live

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CAREVOICE_CHROMIUM", "/usr/bin/chromium"))
AXE = Path(
    os.environ.get("CAREVOICE_AXE", ROOT / ".cache/axe/node_modules/axe-core/axe.min.js")
)
SHOTS = ROOT / "test-artifacts" / "screenshots"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}
BAD_TEXT = '<img src=x onerror="window.__pwned=1"> I like my meeting'

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"no Chromium at {CHROMIUM}: run .ci/browsers (apt-get install chromium)",
    ),
]
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed: pip install -e '.[dev]'"
)
Page = Any  # playwright's Page, typed loosely so the module imports without it


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium with a fresh profile (Playwright makes a new user data dir each launch)."""
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


class Watch:
    """A page, with every console error and CSP violation it raised kept for the end."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        self.loads: list[str] = []  # whole pages loaded, and failed or refused requests
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("requestfailed", lambda r: self.loads.append(f"failed {r.method} {r.url}"))
        page.on("response", self._response)
        page.on("load", lambda p: self.loads.append(f"page load {p.url}"))

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.loads.append(f"{response.status} {response.request.method} {response.url}")

    def _console(self, message: Any) -> None:
        text = message.text
        if message.type == "error" or "Content Security Policy" in text:
            self.problems.append(f"{message.type}: {text}")

    def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def clean(self) -> None:
        assert not self.problems, self.problems


def new_page(browser: Any, *, viewport: dict[str, int] = PHONE, js: bool = True,
             axe: bool = False) -> Watch:
    context = browser.new_context(viewport=viewport, java_script_enabled=js)
    if axe:
        context.add_init_script(path=str(AXE))  # not subject to the page's CSP
    return Watch(context.new_page())


def answer_key(page: Page) -> str:
    """The message key of the answer form now shown ("" when there is none)."""
    found = page.locator("#answer input[name=key]")
    return str(found.get_attribute("value")) if found.count() else ""


def wait_for_next(page: Page, before: str) -> None:
    """Wait until the chat shows a new answer form (or none: the end)."""
    page.wait_for_function(
        "before => { const k = document.querySelector('#answer input[name=key]');"
        " return !k || k.value !== before; }",
        arg=before,
    )


def kind_of(page: Page) -> str:
    classes = str(page.locator("#answer").get_attribute("class"))
    return next(c.removeprefix("answer-") for c in classes.split() if c.startswith("answer-"))


def status_of(live: Live, code: str) -> str | None:
    with sqlite3.connect(live.database) as db:
        row = db.execute(
            "select r.status from responses r join invitations i on i.id = r.invitation_id"
            " where i.code = ?",
            (code_hash(code),),
        ).fetchone()
    return None if row is None else str(row[0])


def test_a_young_person_completes_a_survey_with_the_mouse(browser: Any, live: Live) -> None:
    watch = new_page(browser)
    page = watch.page
    code = live.codes[0]
    page.goto(f"{live.url}/c/{code}")
    watch.shot("chat-1-privacy-notice")
    page.get_by_role("button", name="OK, let's start").click()
    page.wait_for_selector("#answer")
    watch.shot("chat-2-first-question")
    steps = 0
    while page.locator("#answer").count() and steps < 40:
        before = answer_key(page)
        kind = kind_of(page)
        if kind == "text":
            page.fill("#text", BAD_TEXT if steps == 0 else "Football on Saturdays")
            page.get_by_role("button", name="Send").click()
        elif kind == "multi":
            page.locator(".tick").first.click()
            page.get_by_role("button", name="Done").click()
        elif kind == "scale":
            page.get_by_role("button", name="Good", exact=True).click()
        else:
            page.locator("#answer .btn-option").first.click()
        wait_for_next(page, before)
        steps += 1
        if steps == 4:
            watch.shot("chat-3-scale")
            page.get_by_role("button", name="I need help now").click()
            page.wait_for_selector(".help-card")
            assert "Childline" in page.locator(".help-card").last.inner_text()
            watch.shot("chat-4-help")
            before = answer_key(page)
            page.get_by_role("button", name="Carry on").click()  # after help: carry on
            wait_for_next(page, before)
    assert page.locator(".msg-thanks").count() == 1
    assert "All done" in page.inner_text("#answer-area")
    assert page.evaluate("window.__pwned") is None
    assert page.get_by_text(BAD_TEXT).count() >= 1  # shown as text, not run
    watch.shot("chat-5-thanks")
    watch.clean()
    assert status_of(live, code) == "returned"


def test_a_young_person_completes_a_survey_with_the_keyboard_alone(
    browser: Any, live: Live
) -> None:
    watch = new_page(browser)
    page = watch.page
    code = live.codes[1]
    page.goto(f"{live.url}/c/{code}")

    def focused() -> dict[str, str]:
        return dict(page.evaluate(
            "() => { const e = document.activeElement; const s = getComputedStyle(e);"
            " return {tag: e.tagName, text: (e.innerText || e.value || '').trim(),"
            " type: e.type || '', ring: s.boxShadow + ' ' + s.outlineStyle}; }"
        ))

    def tab_to(text: str, limit: int = 40) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            now = focused()
            if now["tag"] in ("BODY", "HTML"):  # past the last control: the page's own text
                continue
            if text.casefold() in now["text"].casefold():
                assert now["ring"] != "none none", f"no visible focus on {now}"
                return
        raise AssertionError(f"Tab never reached {text!r}")

    def in_answer() -> bool:
        return bool(page.evaluate("() => !!document.activeElement.closest('#answer')"))

    tab_to("let's start")
    page.keyboard.press("Enter")
    page.wait_for_selector("#answer")
    tab_to("Skip to your answer")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    steps = 0
    while page.locator("#answer").count() and steps < 40:
        # the skip link, then the script, put focus there (a whole page load in `loads`
        # after the first means the script fell back to a plain post)
        assert in_answer(), (steps, focused(), watch.loads)
        before = answer_key(page)
        kind = kind_of(page)
        if kind == "text":
            page.keyboard.type("My IRO was descriptive")
            tab_to("Send")
            page.keyboard.press("Enter")
        elif kind == "multi":
            page.keyboard.press("Space")
            tab_to("Done")
            page.keyboard.press("Enter")
        else:
            page.keyboard.press("Enter")
        wait_for_next(page, before)
        steps += 1
    assert page.locator(".msg-thanks").count() == 1
    watch.shot("chat-6-keyboard-done")
    watch.clean()
    assert status_of(live, code) == "returned"


def test_when_the_script_falls_back_to_a_plain_post_focus_returns_to_the_answer(
    browser: Any, live: Live
) -> None:
    """The script sends answers with fetch; when that fails (a network blip, a slow box)
    it posts the form plainly and the whole page comes back. A keyboard or screen reader
    user then lands on the answer again, not at the top of the page."""
    watch = new_page(browser)
    page = watch.page
    code = live.codes[20]  # unused by the other browser tests
    page.goto(f"{live.url}/c/{code}")
    page.get_by_role("button", name="OK, let's start").click()
    page.wait_for_selector("#answer")

    def no_fetch(route: Any) -> None:
        if route.request.resource_type == "fetch":
            route.abort()
        else:
            route.continue_()

    page.route("**/*", no_fetch)
    before = answer_key(page)
    page.fill("#text", "Seeing my nan")
    page.get_by_role("button", name="Send").click()
    wait_for_next(page, before)
    page.wait_for_load_state()
    assert any(line.startswith("failed POST") for line in watch.loads), watch.loads
    assert page.evaluate("() => window.location.hash") == "#answer-area"
    assert page.evaluate("() => !!document.activeElement.closest('#answer')")
    assert page.locator("text=Seeing my nan").count() == 1  # stored once, shown once
    assert status_of(live, code) == "in_progress"


def test_a_double_click_or_back_on_the_notice_still_lands_in_the_chat(
    browser: Any, live: Live
) -> None:
    """Starting binds the chat to a new session id; a second click on "OK, let's start",
    or the Back button and the button again, must not end on "Carry on where you were"
    or "Please try that again"."""
    watch = new_page(browser)
    page = watch.page
    page.goto(f"{live.url}/c/{live.codes[24]}")  # unused by the other browser tests
    page.get_by_role("button", name="OK, let's start").dblclick()
    page.wait_for_selector("#answer")
    page.go_back()
    page.wait_for_load_state()
    if page.get_by_role("button", name="OK, let's start").count():
        page.get_by_role("button", name="OK, let's start").click()
        page.wait_for_load_state()
    page.wait_for_selector("#answer")
    seen = page.locator("main").inner_text()
    assert "Carry on where you were" not in seen and "Please try that again" not in seen
    watch.shot("chat-start-again")


def test_the_chat_works_with_javascript_off(browser: Any, live: Live) -> None:
    watch = new_page(browser, js=False)
    page = watch.page
    code = live.codes[2]
    page.goto(f"{live.url}/c/{code}")
    page.get_by_role("button", name="OK, let's start").click()
    page.fill("#text", "Seeing my nan")
    page.get_by_role("button", name="Send").click()
    page.wait_for_selector("text=Seeing my nan")
    page.get_by_role("button", name="My IRO and worker can read this").click()  # who reads it
    page.get_by_role("button", name="Skip this one").click()
    page.wait_for_selector("text=Skipped")
    page.get_by_role("button", name="Stop for now").click()
    page.get_by_role("button", name="Carry on").click()
    # with JavaScript off the button posts a form: wait for the next page to load
    page.wait_for_load_state()
    page.locator("#answer").wait_for()
    assert page.locator("#answer").count() == 1
    watch.shot("chat-7-no-javascript")
    watch.clean()
    assert status_of(live, code) == "in_progress"


def sign_in(watch: Watch, live: Live, key: str, next_path: str) -> None:
    page = watch.page
    page.goto(f"{live.url}/signin?next={next_path}")
    page.fill("#key", key)
    page.keyboard.press("Enter")
    # "**/path" would also match "/signin?next=/path" before the form is answered
    page.wait_for_url(lambda url: "/signin" not in url and url.endswith(next_path))


def test_the_board_shows_the_seed_table(browser: Any, live: Live) -> None:
    watch = new_page(browser, viewport=DESK)
    sign_in(watch, live, live.board_key, "/board?period=2017-18")
    page = watch.page
    for row in seed_rows():
        line = page.locator(
            f'#return-rates tr[data-form="{row["form"]}"][data-audience="{row["audience"]}"]'
        )
        sent = line.locator('[data-col="sent"]').inner_text().replace(",", "")
        returned = line.locator('[data-col="returned"]').get_attribute("data-value")
        rate = line.locator('[data-col="rate"]').inner_text()
        assert sent == row["sent"], row
        if int(row["returned"]) <= 5:
            assert returned == "c" and rate == "–", row
        else:
            assert returned == row["returned"], row
            assert rate == f"{as_percent(int(row['returned']) / int(row['sent']))}%", row
    assert page.locator("#note-c").is_visible()
    watch.shot("board-2017-18")
    watch.clean()


def test_no_serious_accessibility_violations(browser: Any, live: Live) -> None:
    require_axe()
    found: dict[str, list[dict[str, Any]]] = {}
    young = new_page(browser, axe=True)
    code = live.codes[3]
    pages: list[tuple[Watch, str, str]] = [(young, f"/c/{code}", "axe-chat-notice")]
    staff = new_page(browser, viewport=DESK, axe=True)
    staff.page.goto(f"{live.url}/signin")
    found["axe-signin"] = axe(staff.page)
    staff.shot("signin")
    sign_in(staff, live, live.officer_key, "/board")
    for watch, path, name in pages:
        watch.page.goto(live.url + path)
        found[name] = axe(watch.page)
    young.page.get_by_role("button", name="OK, let's start").click()
    young.page.wait_for_selector("#answer")
    found["axe-chat-question"] = axe(young.page)
    young.page.get_by_role("button", name="I need help now").click()
    young.page.wait_for_selector(".help-card")
    found["axe-chat-help"] = axe(young.page)
    young.shot("axe-chat-help")
    for path, name in [
        ("/board?period=2017-18", "axe-board"),
        ("/board/print?period=2017-18", "axe-board-print"),
        ("/officer", "axe-officer"),
    ]:
        staff.page.goto(live.url + path)
        found[name] = axe(staff.page)
        staff.shot(name)
    letters = staff.page.locator("a", has_text="Letters").first.get_attribute("href")
    staff.page.goto(f"{live.url}{letters}")
    found["axe-letters"] = axe(staff.page)
    staff.shot("officer-letters")
    staff.page.emulate_media(media="print")
    staff.page.goto(f"{live.url}/board/print?period=2017-18")
    staff.shot("board-print-as-printed")
    staff.page.pdf(path=str(SHOTS / "board-print.pdf"), format="A4", print_background=True)
    serious = {
        name: [v for v in violations if v["impact"] in ("serious", "critical")]
        for name, violations in found.items()
    }
    assert not any(serious.values()), serious
    young.clean()
    staff.clean()


def require_axe() -> None:
    """Skip the calling test where axe-core is not installed (`.ci/browsers` installs it)."""
    if not AXE.exists():
        pytest.skip(f"axe-core is not at {AXE}: run .ci/browsers (npm install axe-core)")


def axe(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations of WCAG 2.0-2.2 A and AA (and best practice) on the page,
    once every animation (new messages fade in) has finished."""
    page.evaluate("() => Promise.all(document.getAnimations().map(a => a.finished))")
    return list(page.evaluate(
        """async () => {
          const result = await axe.run(document, {runOnly: {type: 'tag', values:
            ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}});
          return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
        }"""
    ))


def test_the_api_docs_work_offline_under_the_csp(browser: Any, live: Live) -> None:
    """/docs draws every operation from local files: no request leaves the server, and
    the CSP blocks nothing (a CDN-loaded page would be blank on a council network)."""
    watch = new_page(browser, viewport={"width": 1280, "height": 900})
    outside: list[str] = []
    watch.page.on("request", lambda r: outside.append(r.url)
                  if not r.url.startswith((live.url, "data:", "blob:")) else None)
    watch.page.goto(f"{live.url}/docs")
    watch.page.wait_for_selector(".opblock-summary", timeout=20_000)
    assert watch.page.locator(".opblock-summary").count() >= 30
    assert outside == []


def test_redoc_draws_offline_under_its_csp(browser: Any, live: Live) -> None:
    """/redoc draws the operations from local files (under the pages' CSP its inline
    styles were blocked and the page stayed blank), and nothing comes from elsewhere: its
    one outside image (Redocly's logo) is blocked by the CSP before it is asked for."""
    watch = new_page(browser, viewport={"width": 1280, "height": 900})
    fetched: list[str] = []
    watch.page.on("requestfinished", lambda r: fetched.append(r.url)
                  if not r.url.startswith((live.url, "data:", "blob:")) else None)
    watch.page.goto(f"{live.url}/redoc")
    watch.page.wait_for_selector("[data-section-id^='operation']", timeout=30_000)
    assert watch.page.locator("[data-section-id^='operation']").count() >= 30
    assert fetched == []


def test_after_a_disclosure_the_help_stays_in_view_on_a_phone(browser: Any, live: Live) -> None:
    watch = new_page(browser)  # 390 x 844
    page = watch.page
    page.goto(f"{live.url}/c/{live.codes[5]}")
    page.get_by_role("button", name="OK, let's start").click()
    page.wait_for_selector("#answer")
    page.get_by_role("button", name="I need help now").click()
    page.wait_for_selector(".help-card")
    focused = page.evaluate("document.activeElement && document.activeElement.className")
    assert focused == "help-card"  # focus on the help, not on the next question
    card = page.locator(".help-card").last.bounding_box()
    assert card is not None and 0 <= card["y"] < 844  # on screen
    assert "0800 1111" in page.locator(".help-card").last.inner_text()
    assert "stop for now" in page.inner_text("#log").casefold()
    assert page.get_by_role("button", name="Carry on").count() == 1
    assert page.locator("#answer-area button[value=stop]").count() == 1
    watch.shot("chat-8-after-disclosure-phone")
    page.get_by_role("button", name="Carry on").click()
    page.wait_for_selector("#answer fieldset, #answer textarea")
    watch.clean()

    officer = new_page(browser, viewport=DESK)
    with sqlite3.connect(live.database) as db:
        [alert_id] = db.execute("select max(id) from safeguarding_alerts").fetchone()
    sign_in(officer, live, live.officer_key, f"/officer/alerts/{alert_id}")
    text = officer.page.inner_text("main")
    assert "pressed “I need help now”" in text and "What they were told" in text
    assert "0800 1111" in text and "History" in text
    officer.shot("officer-alert")
    officer.clean()


def test_without_javascript_the_page_opens_at_the_help(browser: Any, live: Live) -> None:
    watch = new_page(browser, js=False)
    page = watch.page
    page.goto(f"{live.url}/c/{live.codes[6]}")
    page.get_by_role("button", name="OK, let's start").click()
    page.get_by_role("button", name="I need help now").click()
    page.wait_for_selector(".help-card")
    assert page.url.endswith("#help")
    card = page.locator("#help").bounding_box()
    assert card is not None and 0 <= card["y"] < 844
    page.get_by_role("button", name="Stop for now").click()
    page.wait_for_selector("text=Your answers so far are saved")
    watch.clean()


def test_a_long_paste_is_not_cut_without_a_word(browser: Any, live: Live) -> None:
    watch = new_page(browser)  # 390 x 844
    page = watch.page
    page.goto(f"{live.url}/c/{live.codes[21]}")  # unused elsewhere
    page.get_by_role("button", name="OK, let's start").click()
    page.wait_for_selector("#answer")
    for _ in range(40):
        if kind_of(page) == "text":
            break
        before = answer_key(page)
        page.get_by_role("button", name="Skip this one").click()
        wait_for_next(page, before)
    limit = int(str(page.locator("#text").get_attribute("data-limit")))
    long = "We went to the park and played football after school. " * (limit // 50 + 4)
    page.locator("#text").focus()
    page.keyboard.insert_text(long)  # as a paste arrives
    assert page.input_value("#text") == long  # not cut where they cannot see
    over = len(long) - limit
    assert page.inner_text(".counter") == f"{over} characters too many"
    assert page.locator("#text").get_attribute("aria-invalid") == "true"
    watch.shot("chat-9-long-paste-phone")
    before = answer_key(page)
    page.get_by_role("button", name="Send").click()
    wait_for_next(page, before)
    assert "Could you make it a bit shorter?" in page.inner_text("#log")
    assert page.input_value("#text") == long  # kept, to be shortened
    page.fill("#text", "")  # the count grouped as the hint writes the limit
    assert page.inner_text(".counter") == f"{limit:,} characters left"
    assert f"up to {limit:,} characters" in page.inner_text("#text-hint")
    page.fill("#text", "Shorter now")
    assert "characters left" in page.inner_text(".counter")
    watch.clean()


def test_at_200_percent_zoom_on_a_phone_nothing_runs_off_the_side(
    browser: Any, live: Live
) -> None:
    # 200% zoom on a 390 px phone is a 195 px wide page (WCAG 1.4.10, reflow)
    watch = new_page(browser, viewport={"width": 195, "height": 422})
    page = watch.page
    page.goto(f"{live.url}/c/{live.codes[22]}")  # unused elsewhere
    page.get_by_role("button", name="OK, let's start").click()
    page.wait_for_selector("#answer")
    seen: set[str] = set()
    while page.locator("#answer").count() and len(seen) < 40:
        kind = kind_of(page)
        if kind not in seen:
            seen.add(kind)
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= 195, (kind, wide)
            outside = page.evaluate(
                "[...document.querySelectorAll('#answer .tick, #answer .btn, #answer .counter')]"
                ".filter(e => { const r = e.getBoundingClientRect();"
                " return r.right > 195 || r.left < 0; }).length"
            )
            assert outside == 0, kind
            watch.shot(f"chat-zoom-{kind}")
        skip = page.get_by_role("button", name="Skip this one")
        if not skip.count():
            break
        before = answer_key(page)
        skip.click()
        wait_for_next(page, before)
    assert {"scale", "multi"} <= seen, seen
    watch.clean()


def test_words_typed_but_not_sent_survive_a_reload_of_the_tab(
    browser: Any, live: Live
) -> None:
    watch = new_page(browser)
    page = watch.page
    page.goto(f"{live.url}/c/{live.codes[23]}")  # unused elsewhere
    page.get_by_role("button", name="OK, let's start").click()
    page.wait_for_selector("#answer")
    while kind_of(page) != "text":
        before = answer_key(page)
        page.get_by_role("button", name="Skip this one").click()
        wait_for_next(page, before)
    question = page.locator("#answer input[name=question]").get_attribute("value")
    # the script keeps a draft once it has taken the box on (data-counted): typing in the
    # moment between the box appearing and that is a race no person's fingers win
    page.wait_for_selector("#text[data-counted]")
    page.locator("#text").press_sequentially("I want to say that my")
    page.reload()
    page.wait_for_selector("#text[data-counted]")
    assert page.input_value("#text") == "I want to say that my"  # kept in this tab
    page.locator("#text").press_sequentially(" room is cold")
    before = answer_key(page)
    page.get_by_role("button", name="Send").click()
    wait_for_next(page, before)
    kept = page.evaluate("Object.keys(window.sessionStorage)")
    assert not [k for k in kept if k.endswith(f":{question}")]  # sent: nothing kept
    other = watch.page.context.new_page()  # another tab keeps nothing of it
    other.goto(f"{live.url}/c/{live.codes[23]}")
    assert other.evaluate("Object.keys(window.sessionStorage)") == []
    watch.clean()
