"""No invitation code, council ref, key, name or free text in any log line: a real uvicorn
server with its own logging, a whole web chat and an officer session, every record read."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import select, update

from api.app import create_app
from api.log_privacy import PathMasker, ScrubSecrets, mask_client, mask_query, scrub
from carevoice.wiring import Services
from storage.database import Database
from storage.tables import CampaignRow, PersonRow
from tests.web.conftest import Keys, sign_in
from tests.web.pages import Page
from tests.web.test_chat import Chat

FIRST_NAME = "Kayleigh"
WORDS = "My carer Mrs Oduya shouts at me and I want to move to Nantwich"
LOGGERS = ("", "uvicorn", "uvicorn.access")  # uvicorn.error propagates to uvicorn


class Capture(logging.Handler):
    """Every record, formatted as a log file would hold it, with its extra fields."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{self.format(record)} {record.__dict__!r}")


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # inside a test process: no handlers
        yield


@contextlib.asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[tuple[str, Capture]]:
    """`app` under uvicorn with its default logging (as `carevoice serve` runs it) and the
    access log on; yield its URL and a handler that saw every record."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="debug",
                            lifespan="on", ws="none", http="h11")  # fmt: skip
    capture = Capture()  # after uvicorn has set up its logging, as a log file would be
    levels = {name: logging.getLogger(name).level for name in LOGGERS}
    for name in LOGGERS:
        logging.getLogger(name).addHandler(capture)
    logging.getLogger().setLevel(logging.DEBUG)
    server = _Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not task.done(), "uvicorn stopped during startup"
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}", capture
    finally:
        server.should_exit = True
        await task
        for name, level in levels.items():
            logging.getLogger(name).removeHandler(capture)
            logging.getLogger(name).setLevel(level)


async def test_a_whole_chat_and_an_officer_session_log_no_code_ref_key_or_words(
    services: Services, db: Database, codes: list[str], keys: Keys
) -> None:
    async with db.transaction() as session:
        await session.execute(update(PersonRow).values(first_name=FIRST_NAME))
        refs = list((await session.scalars(select(PersonRow.council_ref))).all())
        campaign = await session.scalar(select(CampaignRow.id))
    app = create_app(services)
    async with serving(app) as (url, capture):
        async with httpx.AsyncClient(base_url=url) as http:  # a young person
            chat = Chat(http, codes[0])
            await chat.to_the_words()
            await chat.write(f"I am {FIRST_NAME}, ref {refs[0]}. {WORDS}")
            await chat.write(WORDS)
            assert "All done" in chat.text
            await http.get(f"/c/{codes[1]}?start={codes[1]}")
            await http.get(f"/c/{codes[2]}/typo")
        async with httpx.AsyncClient(base_url=url) as http:  # an officer
            assert (await sign_in(http, keys.officer)).status_code == 303
            assert (await http.get("/officer")).status_code == 200
            letters = await http.get(f"/officer/campaigns/{campaign}/letters")
            assert letters.status_code == 200 and codes[1] not in letters.text  # kept hashed
            form = Page.of(letters.text).form_to(f"/officer/campaigns/{campaign}/letters?page=1")
            letters = await http.post(
                form.action, data=form.data(form.button("Make the letters"))
            )  # printing makes new codes: they too must stay out of the logs
            printed = set(re.findall(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", letters.text))
            assert letters.status_code == 200 and printed
            printed |= {p.replace("-", "") for p in printed}
            await http.get(f"/c?code={min(printed)}")  # a code typed on /c
            bearer = {"Authorization": f"Bearer {keys.officer}"}
            for path in (
                f"/api/v1/invitations/{codes[1]}/qr.svg",
                f"/api/v1/campaigns/{campaign}/invitations",
                f"/api/v1/people?ref={refs[1]}&code={codes[2]}&key={keys.officer}",
                f"/api/v1/people/{refs[1]}",
                f"/api/v1/sentiment?period=2017-18 Q1&by=question&survey={refs[2]}",
            ):
                await http.get(path, headers=bearer)
            await http.post(f"/api/v1/people/{refs[1]}/erase", headers=bearer)  # 403
            await http.post(f"/api/v1/invitations/{codes[2]}/revoke", headers=bearer)
            await http.get("/api/v1/people", headers={"Authorization": f"Bearer {keys.revoked}"})
            await http.post("/signout")

    log = "\n".join(capture.lines)
    access = [line for line in capture.lines if line.startswith("uvicorn.access")]
    assert len(access) >= 20, log  # the access log was on and captured
    assert '"GET /c/{code} HTTP/1.1" 200' in log
    assert "/api/v1/people/{council_ref}/erase" in log
    assert "/api/v1/invitations/{code}/qr.svg" in log
    assert f"/officer/campaigns/{campaign}/letters" in log  # row ids stay
    assert "/api/v1/sentiment?period=2017-18 Q1&by=question&… " in log
    secrets = [*codes, *printed, *refs, keys.officer, keys.revoked,
               keys.officer.split("_", 2)[2], keys.revoked.split("_", 2)[2],
               FIRST_NAME, "Oduya", "Nantwich", "shouts"]  # fmt: skip
    found = {s for s in secrets if s.casefold() in log.casefold()}
    assert not found, f"{found} logged:\n{log}"
    bearer_lines = [line for line in capture.lines if "Bearer" in line]
    assert not bearer_lines
    assert not [line for line in access if "127.0.0.1:" in line]  # no port, no host


# --- the pieces ------------------------------------------------------------------------


@pytest.fixture
def masker(app: FastAPI) -> PathMasker:
    return PathMasker(app.routes)


@pytest.mark.parametrize(
    ("path", "masked"),
    [
        ("/c/K7Q2M9XD", "/c/{code}"),
        ("/c/K7Q2M9XD?start=K7Q2M9XD", "/c/{code}?…"),
        ("/api/v1/people/DEMO-C0020/erase", "/api/v1/people/{council_ref}/erase"),
        ("/api/v1/people/DEMO%2FC0020/erase", "/api/v1/people/{council_ref}/erase"),
        ("/api/v1/invitations/K7Q2M9XD/qr.png", "/api/v1/invitations/{code}/qr.png"),
        ("/api/v1/invitations/K7Q2M9XD/revoke", "/api/v1/invitations/{code}/revoke"),
        ("/api/v1/keys/1a2b3c4d/revoke", "/api/v1/keys/{prefix}/revoke"),
        ("/api/v1/campaigns/12/progress", "/api/v1/campaigns/12/progress"),
        ("/api/v1/campaigns/DEMO-C0020/progress", "/api/v1/campaigns/{campaign_id}/progress"),
        ("/officer/alerts/3/acknowledge", "/officer/alerts/3/acknowledge"),
        ("/api/v1/people/DEMO-C0020", "/api/v1/people/{?}"),  # no such route: only known words
        ("/DEMO-C0020", "/{?}"),
        ("/api/v1/return-rates?period=2017-18&by=form,audience&format=csv",
         "/api/v1/return-rates?period=2017-18&by=form,audience&format=csv"),
        ("/api/v1/sentiment?period=2017-18%20Q1&code=K7Q2M9XD",
         "/api/v1/sentiment?period=2017-18 Q1&…"),
        ("/board?period=Kayleigh%20Smith%20born%2003/05/2008", "/board?period=…"),
        ("/api/v1/quotes?survey=DEMO-C0020&limit=5", "/api/v1/quotes?…&limit=5"),
        ("/static/app.css", "/static/{path}"),
    ],
)  # fmt: skip
def test_paths_are_masked_against_the_routes(masker: PathMasker, path: str, masked: str) -> None:
    assert masker.mask(path) == masked


def test_query_strings_keep_only_safe_values() -> None:
    assert mask_query("period=2017-18&by=question") == "period=2017-18&by=question"
    assert mask_query("code=ABC&period=x%0Ay") == "…&period=…"
    assert mask_query("ABCD1234") == "…"
    assert mask_query("by=form,audience,team") == "by=form,audience,team"
    assert mask_query("by=kayleigh") == "by=…"  # a word that is no breakdown could be a name


def test_client_addresses_lose_their_port_and_host() -> None:
    assert mask_client("203.0.113.55:51234") == "203.0.113.0"
    assert mask_client("2001:db8:1:2::1:443") == "2001:db8:1::"
    assert mask_client("[2001:db8:1:2::1]:443") == "2001:db8:1::"
    assert mask_client("unix-socket") == "…"


def test_the_safety_net_scrubs_any_line() -> None:
    bot_token = "123456789:" + "A" * 35  # made here: no token-like literal is committed
    line = (
        "GET /c/K7Q2M9XD?code=K7Q2 Authorization: Bearer cv_1a2b3c4d_s3cr3t "
        f"POST /api/v1/people/DEMO-C0020/erase token {bot_token}"
    )
    out = scrub(line)
    for secret in ("K7Q2", "cv_1a2b3c4d_s3cr3t", "s3cr3t", "DEMO-C0020", "AAAAAAAAAAAA"):
        assert secret not in out
    assert "/c/{code}" in out and "/api/v1/people/{council_ref}/erase" in out


def test_uvicorn_access_lines_are_scrubbed_and_still_format() -> None:
    """uvicorn's AccessFormatter unpacks the record's arguments: the safety net must keep
    them a tuple (it once set them to None, and every request printed a logging error)."""
    from uvicorn.logging import AccessFormatter

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("203.0.113.0", "GET", "/c/K7Q2M9XD?code=K7Q2", "1.1", 200),
        None,
    )
    assert ScrubSecrets().filter(record)
    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s').format(record)
    assert "K7Q2" not in line
    assert "/c/{code}" in line and "200" in line


def test_uvicorn_coloured_lines_show_their_values_not_format_codes() -> None:
    """uvicorn's coloured formatter prints a record's `color_message` with the record's
    arguments: once the net had formatted the message and dropped them, a terminal showed
    "Uvicorn running on %s://%s:%d". The coloured copy must be formatted (and scrubbed) too."""
    from uvicorn.logging import DefaultFormatter

    record = logging.LogRecord(
        "uvicorn.error",
        logging.INFO,
        __file__,
        1,
        "Uvicorn running on %s://%s:%d (Press CTRL+C to quit)",
        ("http", "127.0.0.1", 8000),
        None,
    )
    record.color_message = "Uvicorn running on \x1b[1m%s://%s:%d\x1b[0m (Press CTRL+C to quit)"
    assert ScrubSecrets().filter(record)
    for colours in (True, False):
        line = DefaultFormatter("%(levelprefix)s %(message)s", use_colors=colours).format(record)
        assert "%s" not in line and "%d" not in line
        assert "127.0.0.1:8000" in line.replace("\x1b[1m", "").replace("\x1b[0m", "")

    leaky = logging.LogRecord(
        "uvicorn.error", logging.INFO, __file__, 1, "code %s", ("/c/K7Q2M9XD",), None
    )
    leaky.color_message = "code \x1b[1m%s\x1b[0m"
    assert ScrubSecrets().filter(leaky)
    coloured = DefaultFormatter("%(message)s", use_colors=True).format(leaky)
    assert "K7Q2M9XD" not in coloured
