"""Topic tags (`answer_topics`): written with the answer, gone when it is superseded or
its text erased, so they are always what the board counts."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, func, select, update

from storage.board.topics import retag_all, tags_are_stale
from storage.catalog import SurveyCatalog
from storage.conversations import ConversationService
from storage.database import Database
from storage.erasure import apply_retention, erase_person
from storage.tables import AnswerRow, AnswerTopicRow, BoardChangeRow, PersonRow, ThemeTaggingRow
from surveys.clock import FixedClock
from surveys.engine import Command, UserInput
from surveys.topics import tagging_fingerprint
from tests.factories import campaign_with_codes
from tests.storage.board_factories import BoardData

CHAT = "telegram"


async def tags(db: Database) -> list[tuple[str, str]]:
    async with db.reader() as s:
        rows = await s.execute(
            select(AnswerRow.question_id, AnswerTopicRow.topic)
            .join(AnswerRow, AnswerRow.id == AnswerTopicRow.answer_id)
            .order_by(AnswerRow.id, AnswerTopicRow.topic)
        )
        return [(str(q), str(t)) for q, t in rows.all()]


async def test_answers_are_tagged_when_stored_and_untagged_when_superseded(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> None:
    _, [code] = await campaign_with_codes(db, catalog, clock)
    await conversations.redeem(code, channel=CHAT, address="7")
    steps = [
        UserInput(option="4", question_id="mood"),
        UserInput(text="1"),
        UserInput(command=Command.SKIP),
        UserInput(text="yes"),
        UserInput(text="My mum would be proud"),
    ]
    for n, step in enumerate(steps):
        await conversations.handle(step, channel=CHAT, address="7", message_key=str(n))
    assert await tags(db) == [("why_chair", "family_contact")]
    await conversations.handle(
        UserInput(command=Command.BACK), channel=CHAT, address="7", message_key="b"
    )
    await conversations.handle(
        UserInput(text="So my school listens"), channel=CHAT, address="7", message_key="c"
    )
    assert await tags(db) == [("why_chair", "being_listened_to"), ("why_chair", "school")]
    await conversations.handle(
        UserInput(text="I miss my mum"), channel=CHAT, address="7", message_key="d"
    )  # sensitive (for the IRO alone): no tags
    assert len(await tags(db)) == 2


async def test_erasing_text_removes_its_tags(db: Database, clock: FixedClock) -> None:
    async with db.transaction() as s:
        b = BoardData(s)
        old = await b.texts([("I miss my mum", -0.4)], at=datetime(2017, 6, 1, tzinfo=UTC))
        await b.texts([("My school is fine", 0.1)], at=datetime(2025, 12, 1, tzinfo=UTC))
        await b.texts([("My dad is kind", 0.6)], at=datetime(2025, 12, 2, tzinfo=UTC))
    assert len(await tags(db)) == 3
    async with db.transaction() as s:
        await apply_retention(s, clock, older_than_days=365)
    assert sorted(t for _, t in await tags(db)) == ["family_contact", "school"]
    async with db.transaction() as s:
        ref = await s.scalar(select(PersonRow.council_ref).order_by(PersonRow.id.desc()).limit(1))
        assert ref is not None and old
        await erase_person(s, clock, ref, actor="test")
    assert [t for _, t in await tags(db)] == ["school"]


async def test_retag_all_replaces_old_keys_with_the_taxonomys(db: Database) -> None:
    async with db.transaction() as s:
        b = BoardData(s)
        await b.texts([("I miss my mum", -0.4), ("they take my phone at bedtime", -0.3)])
        await b.texts([("my dog", 0.3)], sensitive=True)  # never read
        await s.execute(update(AnswerTopicRow).values(topic="seeing_family"))  # an old key
        await s.execute(BoardChangeRow.__table__.delete())
    assert {t for _, t in await tags(db)} == {"seeing_family"}
    async with db.transaction() as s:
        assert await retag_all(s) == 2
    assert sorted(t for _, t in await tags(db)) == ["family_contact", "house_rules"]
    async with db.reader() as s:  # the next refresh rebuilds the theme figures
        assert await s.scalar(select(func.count()).select_from(BoardChangeRow)) >= 1


async def test_tags_from_another_taxonomy_are_noticed_until_answers_are_tagged_again(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> None:
    """A fresh database records what tags its answers; tags from an older taxonomy or
    theme model (another fingerprint, or none kept) are stale until `retag_all`."""
    _, [code] = await campaign_with_codes(db, catalog, clock)
    await conversations.redeem(code, channel=CHAT, address="7")
    for n, step in enumerate([UserInput(option="4", question_id="mood"), UserInput(text="1"),
                              UserInput(command=Command.SKIP), UserInput(text="yes"),
                              UserInput(text="My mum would be proud")]):
        await conversations.handle(step, channel=CHAT, address="7", message_key=str(n))
    async with db.reader() as s:
        assert not await tags_are_stale(s)
        assert (await s.get(ThemeTaggingRow, 1)) is not None
    async with db.transaction() as s:
        await s.execute(update(ThemeTaggingRow).values(fingerprint="an older release"))
    async with db.reader() as s:
        assert await tags_are_stale(s)
    async with db.transaction() as s:
        await s.execute(delete(ThemeTaggingRow))
    async with db.reader() as s:
        assert await tags_are_stale(s)  # tags, and nothing kept to say what made them
    async with db.transaction() as s:
        await retag_all(s)
    async with db.reader() as s:
        assert not await tags_are_stale(s)
        row = await s.get(ThemeTaggingRow, 1)
        assert row is not None and row.fingerprint == tagging_fingerprint()
