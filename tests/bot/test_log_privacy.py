"""No invitation code, chat id, name or free text in the bot's log, even at DEBUG (as
`CAREVOICE_LOG_LEVEL=DEBUG carevoice bot` runs): python-telegram-bot logs every Bot API
call and update whole at that level, so the safety net must hold it back."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from telegram.ext import Application

from api.log_privacy import QUIET_LOGGERS, install_log_scrubbing
from storage.catalog import SurveyCatalog
from storage.database import Database
from surveys.clock import FixedClock
from tests.bot.conftest import YoungPerson
from tests.factories import campaign_with_codes
from tests.telegram_emulator import BotApiState

WORDS = "My carer Mrs Oduya shouts at me and I want to move to Nantwich"
# Nine digits: a four-digit id like 5001 turned up by chance among the records' times,
# thread and process ids that the capture writes out whole, and failed a clean run.
CHAT = 738_291_546


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name} {record.getMessage()} {record.__dict__!r}")


@pytest.fixture
def young(state: BotApiState, app: Application) -> YoungPerson:  # type: ignore[type-arg]
    return YoungPerson(state, app, CHAT)


@pytest.fixture
def capture() -> Iterator[Capture]:
    """Every record at DEBUG, from a root logger set up as `carevoice bot` sets it up."""
    root = logging.getLogger()
    names = ("", *QUIET_LOGGERS)
    levels = {name: logging.getLogger(name).level for name in names}
    for name in QUIET_LOGGERS:  # as a fresh process finds them
        logging.getLogger(name).setLevel(logging.NOTSET)
    handler = Capture()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    install_log_scrubbing()
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


async def test_a_whole_telegram_chat_at_debug_logs_no_code_chat_id_name_or_words(
    capture: Capture,
    app: Application,  # type: ignore[type-arg]
    young: YoungPerson,
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
) -> None:
    _, [code] = await campaign_with_codes(db, catalog, clock, people=1)
    await young.command("start", code)  # the notice's buttons carry the code
    await young.tap("Yes")
    for text in ("4", "1"):
        await young.say(text)
    await young.command("skip")
    await young.say("no")
    await young.say(f"I am Kayleigh. {WORDS}")
    await young.command("start", "ZZZZ-ZZZZ-ZZZZ")
    log = "\n".join(capture.lines)
    assert capture.lines, "nothing was logged: the capture is not working"
    secrets = [code, code.replace("-", ""), str(CHAT), "Kayleigh", "Oduya", "Nantwich",
               "ZZZZ-ZZZZ-ZZZZ", "ZZZZZZZZZZZZ"]  # fmt: skip
    found = {s for s in secrets if s.casefold() in log.casefold()}
    assert not found, f"{found} logged:\n{log[:5000]}"
