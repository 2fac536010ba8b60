"""End to end over real HTTP on 127.0.0.1: many young people answer at once through a real
`carevoice bot` (long polling) or `carevoice serve` (webhook) process talking to the Bot API
emulator. The process is killed (SIGKILL) mid-survey and started again; everyone carries on
where they were, and the database holds every answer exactly once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from storage.catalog import SurveyCatalog
from storage.database import Database
from storage.tables import AnswerRow, InboundMessageRow, ResponseRow
from surveys.clock import SystemClock
from surveys.reach_texts import VISIBILITY_ASK, VISIBILITY_SHARED
from tests.factories import campaign_with_codes
from tests.live_server import free_port
from tests.telegram_emulator import EmulatorServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PEOPLE = 24
FIRST_USER = 70_000
QUESTIONS = ("mood", "where", "who", "chair", "why_chair", "for_iro")
INPUTS_EACH = len(QUESTIONS) + 3  # six answers, one tick before Done, two "who reads it"
WAIT = 40.0  # seconds a young person waits for the bot (a restart takes a few)
CAREVOICE = Path(sys.executable).parent / "carevoice"
SECRET = "e2e-webhook-secret_123"

JSON = dict[str, Any]


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


class BotProcess:
    """`carevoice bot` or `carevoice serve`, as a child process we can kill."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args = args
        self.env = env
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        with self.log.open("ab") as out:
            out.write(f"\n--- start {self.starts} ---\n".encode())
            self.process = subprocess.Popen(
                [str(CAREVOICE), *self.args], env=self.env, stdout=out, stderr=out
            )

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-6000:]


async def _prepare(url: str, schema: str | None = None) -> list[str]:
    db = await Database.connect(url, schema=schema)
    clock = SystemClock()
    try:
        _, codes = await campaign_with_codes(db, SurveyCatalog(clock), clock, people=PEOPLE)
    finally:
        await db.dispose()
    return codes


def _buttons(message: JSON) -> list[JSON]:
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def _who_reads(message: JSON) -> bool:
    text = str(message.get("text", ""))
    return text.startswith(VISIBILITY_ASK.split("\n")[0]) and bool(_buttons(message))


def _question(message: JSON) -> str | None:
    text = str(message.get("text", ""))
    if not text.startswith("Question ") or "✔️" in text:
        return None
    return text.split("\n", 2)[1]


class Young:
    """A simulated young person: reads the chat in the emulator and answers like a person."""

    def __init__(self, emulator: EmulatorServer, user_id: int, code: str) -> None:
        self.emu = emulator
        self.user_id = user_id
        self.code = code
        self.answered: set[str] = set()
        self.chosen: set[int] = set()  # "who may read it" messages answered
        self.typed: dict[str, str] = {}
        self.inputs = 0  # answers, ticks and choices sent (not /start or consent)

    async def wait(self, predicate: Any) -> JSON:
        """The first bot message (as it reads now, edits included) matching `predicate`."""
        return await self.emu.wait_for_message(self.user_id, predicate, timeout=WAIT)

    def tap(self, message: JSON, label: str, counted: bool = True) -> None:
        data = next(b["callback_data"] for b in _buttons(message) if label in b["text"])
        self.emu.user_presses_button(self.user_id, message["message_id"], data)
        self.inputs += counted

    def type(self, key: str, words: str) -> None:
        self.typed[key] = words
        self.emu.user_sends_text(self.user_id, words)
        self.inputs += 1

    async def take_part(self) -> None:
        self.emu.user_sends_command(self.user_id, "start", self.code)
        notice = await self.wait(lambda m: "Is that OK with you?" in m.get("text", ""))
        self.tap(notice, "Yes", counted=False)
        while True:
            message = await self.wait(
                lambda m: (
                    m.get("text") == "Thank you!"
                    or (_question(m) is not None and _question(m) not in self.answered)
                    or (_who_reads(m) and m["message_id"] not in self.chosen)
                )
            )
            if _who_reads(message):  # after their words: who may read them
                self.chosen.add(message["message_id"])
                self.tap(message, VISIBILITY_SHARED)
                continue
            question = _question(message)
            if question is None:
                return
            await self.answer(question, message)
            self.answered.add(question)

    async def answer(self, question: str, message: JSON) -> None:
        if question == "How are things?":
            self.tap(message, "Good")
        elif question == "Where should the meeting be?":
            self.tap(message, "At school")
        elif question == "Who should come?":
            self.tap(message, "My carer")
            ticked = await self.wait(
                lambda m: (
                    m.get("text", "").endswith("Who should come?")
                    and any(b["text"] == "✅ My carer" for b in _buttons(m))
                )
            )
            self.tap(ticked, "Done")
        elif question == "Would you like to chair your meeting?":
            self.tap(message, "Yes")
        elif question == "Why would you like to chair it?":
            self.type("why_chair", f"So my IRO hears me, from {self.user_id}")
        elif question == "Anything just for your IRO?":
            self.type("for_iro", f"Thanks from {self.user_id}")
        else:  # pragma: no cover
            raise AssertionError(f"unexpected question {question!r}")


async def _run_survey_with_a_crash(
    emulator: EmulatorServer, bot: BotProcess, codes: list[str]
) -> list[Young]:
    people = [Young(emulator, FIRST_USER + i, code) for i, code in enumerate(codes)]
    bot.start()
    tasks = [asyncio.create_task(p.take_part()) for p in people]
    try:
        # Kill the process once half of them are two questions in, while the rest type.
        while sum(len(p.answered) >= 2 for p in people) < PEOPLE // 2:
            assert not all(t.done() for t in tasks)
            await asyncio.sleep(0.02)
        bot.kill()
        assert sum(len(p.answered) == len(QUESTIONS) for p in people) < PEOPLE
        await asyncio.sleep(0.3)
        bot.start()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=WAIT * 2)
    except BaseException:
        for task in tasks:
            task.cancel()
        print(bot.output())
        raise
    return people


async def _check_database(url: str, people: list[Young], schema: str | None = None) -> None:
    db = await Database.connect(url, migrate=False, schema=schema)
    try:
        async with db.reader() as session:
            statuses = (await session.scalars(select(ResponseRow.status))).all()
            answers = (
                await session.execute(
                    select(ResponseRow.person_id, AnswerRow.question_id, AnswerRow.text).join(
                        ResponseRow, ResponseRow.id == AnswerRow.response_id
                    )
                )
            ).all()
            inputs = await session.scalar(select(func.count(InboundMessageRow.id)))
    finally:
        await db.dispose()
    assert sorted(statuses) == ["returned"] * PEOPLE
    assert len(answers) == PEOPLE * len(QUESTIONS)  # none lost, none twice
    by_person: dict[int, list[str]] = {}
    for person_id, question_id, _ in answers:
        by_person.setdefault(person_id, []).append(question_id)
    assert all(sorted(q) == sorted(QUESTIONS) for q in by_person.values())
    typed = {t for _, q, t in answers if q in ("why_chair", "for_iro")}
    assert typed == {text for p in people for text in p.typed.values()}
    # every input a young person sent is stored once: a prompt shown again after a worker
    # died between its commit and its HTTP answer may be answered twice, so count what
    # they sent rather than assume one of each
    assert inputs == sum(p.inputs for p in people) >= PEOPLE * INPUTS_EACH


def _env(emulator: EmulatorServer, url: str, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CAREVOICE_") and "proxy" not in key.lower()
    }
    env.update(
        CAREVOICE_TELEGRAM_TOKEN=emulator.token,
        CAREVOICE_TELEGRAM_API_URL=emulator.base_url,
        CAREVOICE_DATABASE_URL=url,
        CAREVOICE_LOG_LEVEL="WARNING",
        NO_PROXY="127.0.0.1,localhost",
        **extra,
    )
    return env


async def test_polling_bot_killed_mid_survey_loses_nothing(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'e2e.db'}"
    codes = await _prepare(url)
    bot = BotProcess(["bot"], _env(emulator, url), tmp_path / "bot.log")
    try:
        people = await _run_survey_with_a_crash(emulator, bot, codes)
    finally:
        bot.stop()
    await _check_database(url, people)
    assert bot.starts == 2


async def test_webhook_server_killed_mid_survey_loses_nothing(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'e2e.db'}"
    codes = await _prepare(url)
    port = free_port()
    env = _env(
        emulator,
        url,
        CAREVOICE_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram/webhook",
        CAREVOICE_WEBHOOK_SECRET=SECRET,
    )
    server = BotProcess(["serve", "--port", str(port)], env, tmp_path / "serve.log")
    try:
        people = await _run_survey_with_a_crash(emulator, server, codes)
    finally:
        server.stop()
    await _check_database(url, people)
    info = emulator.webhook_info()
    assert info["url"].endswith("/telegram/webhook")
    assert info["pending_update_count"] == 0
