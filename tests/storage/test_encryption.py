"""Free text encrypted at rest: nothing readable in the files, everything readable through
the tables, keys rotated, and a clear error without the key."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import select, text

from storage.catalog import SurveyCatalog
from storage.conversations import ConversationService
from storage.database import Database
from storage.encryption import DataKeyError, DataKeys
from storage.reencrypt import reencrypt
from storage.tables import AnswerRow, RequestRow, ResponseRow
from surveys.clock import FixedClock
from surveys.engine import UserInput
from tests.factories import campaign_with_codes
from tests.fakes import FakeScorer

WORDS = "I miss my little brother Jayden every single day"
OLD, NEW = DataKeys.new_key(), DataKeys.new_key()
CHAT = "telegram"


async def answered(db: Database, clock: FixedClock, words: str = WORDS) -> None:
    """Answer the small survey's questions up to its free text, in `words`."""
    catalog = SurveyCatalog(clock)
    conversations = ConversationService(db, catalog, FakeScorer(), clock)
    _, [code] = await campaign_with_codes(db, catalog, clock)
    await conversations.redeem(code, channel=CHAT, address="1")
    for step in (UserInput(option="4", question_id="mood"), UserInput(text="1"),
                 UserInput(text="1"), UserInput(text="yes"), UserInput(text=words)):
        await conversations.handle(step, channel=CHAT, address="1")  # fmt: skip


async def connect(path: Path, *keys: str) -> Database:
    return await Database.connect(f"sqlite:///{path}", data_keys=DataKeys(keys) if keys else None)


async def raw(db: Database) -> list[str]:
    """What the columns hold, as SQL sees them."""
    async with db.reader() as session:
        rows = (await session.execute(text(
            "SELECT a.text, a.value, r.state FROM answers a JOIN responses r "
            "ON r.id = a.response_id WHERE a.kind = 'text'"))).all()  # fmt: skip
    return [str(v) for row in rows for v in row]


def files_hold(folder: Path, words: str) -> bool:
    needle = words.encode()
    return any(needle in p.read_bytes() for p in folder.iterdir() if p.is_file())


async def test_free_text_is_unreadable_at_rest_and_read_back_through_the_tables(
    tmp_path: Path, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    db = await connect(tmp_path / "enc.db", OLD)
    await answered(db, clock)
    async with db.transaction() as session:
        session.add(RequestRow(person_id=1, kind="talk", channel=CHAT, created_at=clock.now(),
                               note="rang Jayden's foster carer"))  # fmt: skip
    stored = await raw(db)
    assert stored and all(WORDS not in v for v in stored)
    assert all(v.startswith("cv1:gAAAAA") or "cv1:gAAAAA" in v for v in stored)
    async with db.reader() as session:
        assert WORDS in (await session.scalars(select(AnswerRow.text))).all()
        values = (await session.scalars(select(AnswerRow.value))).all()
        state = await session.scalar(select(ResponseRow.state))
        note = await session.scalar(select(RequestRow.note))
    assert WORDS in values and state is not None and WORDS in str(state["answers"])
    assert note == "rang Jayden's foster carer"
    await db.dispose()
    assert not files_hold(tmp_path, WORDS) and not files_hold(tmp_path, "Jayden")
    assert OLD not in caplog.text and OLD not in repr(DataKeys([OLD]))

    without = await connect(tmp_path / "enc.db")
    with pytest.raises(DataKeyError, match="set CAREVOICE_DATA_KEY"):
        async with without.reader() as session:
            await session.scalars(select(AnswerRow.text))
    await without.dispose()


async def test_rotation_re_encrypts_with_the_first_key_and_encrypts_old_plain_text(
    tmp_path: Path, clock: FixedClock
) -> None:
    plain = await connect(tmp_path / "rot.db")
    await answered(plain, clock, "written before encryption was turned on")
    await plain.dispose()
    old = await connect(tmp_path / "rot.db", OLD)
    await answered(old, clock)
    done = await reencrypt(old)
    assert done.counts["answers.text"] == 2 and done.counts["responses.state"] == 2
    await old.dispose()

    both = await connect(tmp_path / "rot.db", NEW, OLD)  # the new key first, the old after
    assert all("written before" not in v for v in await raw(both))
    await reencrypt(both)
    await both.dispose()

    new_only = await connect(tmp_path / "rot.db", NEW)
    async with new_only.reader() as session:
        words = set((await session.scalars(select(AnswerRow.text))).all())
    assert {WORDS, "written before encryption was turned on"} <= words
    await new_only.dispose()
    old_only = await connect(tmp_path / "rot.db", OLD)
    with pytest.raises(DataKeyError, match="not in CAREVOICE_DATA_KEY"):
        async with old_only.reader() as session:
            await session.scalars(select(AnswerRow.text))
    await old_only.dispose()


def test_a_malformed_key_is_refused_without_showing_it() -> None:
    with pytest.raises(DataKeyError) as refused:
        DataKeys.parse(f"{NEW}, not-a-real-key")
    assert "key 2 of 2 is not a Fernet key" in str(refused.value)
    assert "not-a-real-key" not in str(refused.value) and NEW not in str(refused.value)
    assert DataKeys.parse("") is None and DataKeys.parse(None) is None
