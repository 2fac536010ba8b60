"""Erasure leaves nothing that links a child (not in any table, nor in the SQLite files),
and leaves every board figure as it was, counted from the rows or from the rollups."""

from __future__ import annotations

import random
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text, update

from storage import audit
from storage.audit import NO_KEY_LABEL, RefHasher
from storage.board import return_rates, scorecard, sentiment_summary, top_themes
from storage.board.rollups import refresh_rollups
from storage.catalog import SurveyCatalog
from storage.conversations import ConversationService
from storage.database import Database
from storage.erasure import blank_text, delete_responses, erase_people, erase_person
from storage.tables import (
    AnswerRow,
    Base,
    InvitationRow,
    PersonRow,
    RequestRow,
    ResponseRow,
    SafeguardingAlertRow,
)
from surveys.clock import FixedClock
from surveys.engine import Command, UserInput
from surveys.errors import ConflictError, NotFoundError
from surveys.insights.periods import PeriodKind, financial_year, period_containing
from tests.factories import campaign_with_codes
from tests.storage.test_board_rollups import build

WORDS = "Zebramarmalade says my school is great"
SECRET = "Obsidianquokka only for my IRO"  # a marker the net reads as no risk
NAME = "Xanthippe"
HASHER = RefHasher(b"k" * 32)


async def answer_all(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> str:
    """Three young people invited (forms delivered); the first answers every question with
    words to look for later. Returns their reference."""
    _, codes = await campaign_with_codes(db, catalog, clock, people=3)
    async with db.transaction() as session:
        await session.execute(update(InvitationRow).values(delivered_at=clock.now()))
    await conversations.redeem(codes[0], channel="telegram", address="777001")
    steps = [
        UserInput(option="4", question_id="mood"),
        UserInput(text="1"),
        UserInput(command=Command.SKIP),
        UserInput(text="yes"),
        UserInput(text=WORDS),
        UserInput(option="shared", question_id="why_chair"),  # who may read the words
        UserInput(text=SECRET),
        UserInput(option="private", question_id="for_iro"),
    ]
    ref = "P00000-small"
    for n, step in enumerate(steps):  # keys like the demo's once were: naming the ref
        await conversations.handle(
            step, channel="telegram", address="777001", message_key=f"demo-{ref}:{n}"
        )
    async with db.transaction() as session:
        person = await session.scalar(select(PersonRow).where(PersonRow.council_ref == ref))
        assert person is not None
        person.first_name = NAME
        session.add(
            RequestRow(person_id=person.id, kind="erasure", channel="telegram",
                       created_at=clock.now(), note=f"{ref} asked by phone")
        )  # fmt: skip
        await audit.record(session, clock, actor="officer", action="export person", subject=ref)
    return ref


def sqlite_bytes(db: Database) -> dict[str, bytes]:
    path = Path(str(db.engine.url.database))
    return {
        suffix: Path(f"{path}{suffix}").read_bytes()
        for suffix in ("", "-wal", "-shm")
        if Path(f"{path}{suffix}").exists()
    }


async def table_text(db: Database) -> str:
    """Every row of every table, as text."""
    out = []
    async with db.reader() as session:
        for table in Base.metadata.sorted_tables:
            rows = await session.execute(text(f'SELECT * FROM "{table.name}"'))
            out += [repr(tuple(row)) for row in rows.all()]
    return "\n".join(out)


async def board_figures(db: Database, *, rollups: bool) -> list[Any]:
    """Every count a board reads for the years and quarters given, exactly (no suppression)."""
    out: list[Any] = []
    async with db.reader() as s:
        for period in PERIODS:
            for by in (("form", "audience"), ("form", "audience", "age_band", "quarter")):
                out.append(await return_rates(s, period, by, threshold=0, rollups=rollups))
            for group in ("question", "theme", "age_band"):
                out.append(
                    await sentiment_summary(s, period, None, group, threshold=0, rollups=rollups)
                )
            out.append(await top_themes(s, period, threshold=0, rollups=rollups))
            out.append(await scorecard(s, period, threshold=0, rollups=rollups))
        out.append(
            await sentiment_summary(s, None, None, "theme", threshold=0, today=date(2018, 3, 1))
        )
    return [[asdict(row) for row in rows] for rows in out]


PERIODS = [
    financial_year(2016),
    financial_year(2017),
    *financial_year(2017).quarters(),
    period_containing(datetime(2026, 1, 5, tzinfo=UTC), PeriodKind.YEAR),
]


@pytest.mark.slow
async def test_nothing_of_the_erased_child_is_left_in_any_table_or_file(
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    conversations: ConversationService,
) -> None:
    ref = await answer_all(db, catalog, clock, conversations)
    needles = [WORDS, SECRET, ref, NAME, "Zebramarmalade", "Obsidianquokka"]
    held = await table_text(db)
    assert all(n in held for n in needles)  # the scan finds them while they are held
    if db.is_sqlite:
        raw = b"".join(sqlite_bytes(db).values())
        assert all(n.encode() in raw for n in needles[3:])
    async with db.transaction() as session:
        await refresh_rollups(session)
    before = await board_figures(db, rollups=False)

    async with db.transaction() as session:
        summary = await erase_person(session, clock, ref, actor="dpo", hasher=HASHER)
    assert await db.checkpoint()
    assert summary.subject == HASHER.label(ref) and summary.answers_deleted >= 6

    held = await table_text(db)
    assert not [n for n in needles if n in held]
    assert HASHER.label(ref) in held  # the audit log names them by the keyed hash
    if db.is_sqlite:
        files = sqlite_bytes(db)
        assert len(files.get("-wal", b"")) == 0
        found = {s: [n for n in needles if n.encode() in raw] for s, raw in files.items()}
        assert found == {s: [] for s in files}
    assert await board_figures(db, rollups=False) == before
    async with db.transaction() as session:
        await refresh_rollups(session)
    assert await board_figures(db, rollups=True) == before


@pytest.mark.slow
async def test_every_board_figure_is_unchanged_by_erasure_and_retention(db: Database) -> None:
    rng = random.Random(10)
    await build(db, rng)
    async with db.transaction() as s:
        await refresh_rollups(s)
    before = await board_figures(db, rollups=True)
    assert await board_figures(db, rollups=False) == before
    async with db.transaction() as s:
        refs = (await s.scalars(select(PersonRow.council_ref).order_by(PersonRow.id))).all()
        chosen_people = rng.sample(list(refs), 60)
        for ref in chosen_people[:30]:  # one at a time, as an officer erases
            await erase_person(s, FixedClock(), ref, actor="test")
        at_once = chosen_people[30:]  # and together, as retention erases
        assert sorted(await erase_people(s, FixedClock(), at_once, actor="test")) == sorted(
            at_once
        )
        responses = (await s.scalars(select(ResponseRow.id).order_by(ResponseRow.id))).all()
        chosen = rng.sample(list(responses), 30)
        invitations = (
            await s.scalars(
                select(ResponseRow.invitation_id).where(
                    ResponseRow.id.in_(chosen), ResponseRow.invitation_id.is_not(None)
                )
            )
        ).all()
        await delete_responses(s, chosen, [int(i) for i in invitations])
        texts = (await s.scalars(select(AnswerRow.id).where(AnswerRow.text.is_not(None)))).all()
        await blank_text(s, rng.sample(list(texts), 40))
    assert await board_figures(db, rollups=False) == before  # counted from the rows
    assert await board_figures(db, rollups=True) == before  # changes waiting: rows again
    async with db.transaction() as s:
        assert (await refresh_rollups(s)).quarters > 0
    assert await board_figures(db, rollups=True) == before  # from the refreshed rollups


async def test_erasure_waits_for_open_alerts_and_keeps_them_without_the_child(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> None:
    ref = await answer_all(db, catalog, clock, conversations)
    async with db.transaction() as session:
        person = await session.scalar(select(PersonRow).where(PersonRow.council_ref == ref))
        assert person is not None
        alert = SafeguardingAlertRow(
            person_id=person.id, category="harm", phrase_id="hits_me", channel="telegram",
            created_at=clock.now(),
        )  # fmt: skip
        session.add(alert)
    with pytest.raises(ConflictError, match="not yet acknowledged"):
        async with db.transaction() as session:
            await erase_person(session, clock, ref, actor="dpo", hasher=HASHER)
    async with db.transaction() as session:
        row = await session.get(SafeguardingAlertRow, alert.id)
        assert row is not None
        row.acknowledged_at, row.acknowledged_by = clock.now(), "officer"
        row.note = f"Rang {NAME}'s social worker about {ref}"
    async with db.transaction() as session:  # the reference as typed, in another case
        summary = await erase_person(session, clock, f" {ref.lower()}", actor="dpo")  # no key
    assert summary.subject == NO_KEY_LABEL and summary.alerts_kept == 1
    async with db.reader() as session:
        kept = await session.get(SafeguardingAlertRow, alert.id)
        assert kept is not None and kept.person_id is None and kept.category == "harm"
        assert kept.acknowledged_by == "officer" and kept.note is not None
        assert NAME not in kept.note and ref not in kept.note
    with pytest.raises(NotFoundError):  # without a key the log cannot tell who was erased
        async with db.transaction() as session:
            await erase_person(session, clock, ref, actor="dpo")


async def test_erasing_many_at_once_leaves_anyone_with_a_waiting_alert_and_erases_the_rest(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> None:
    ref = await answer_all(db, catalog, clock, conversations)
    async with db.transaction() as session:
        people = {
            r: i for i, r in (await session.execute(select(PersonRow.id, PersonRow.council_ref)))
        }
        response = await session.scalar(
            select(ResponseRow.id).where(ResponseRow.person_id == people[ref])
        )
        session.add(  # an alert raised in the answering child's response, not yet acted on
            SafeguardingAlertRow(
                response_id=response, category="harm", phrase_id="hits_me",
                channel="telegram", created_at=clock.now(),
            )
        )  # fmt: skip
    others = sorted(r for r in people if r != ref)
    async with db.transaction() as session:
        erased = await erase_people(
            session, clock, [*people, "nobody-by-this-ref"], actor="dpo", hasher=HASHER
        )
    assert sorted(erased) == others
    held = await table_text(db)
    assert ref in held and WORDS in held  # kept until an officer acts on the alert
    assert not any(r in held for r in others)
    async with db.reader() as session:
        subjects = [r.subject for r in await audit.recent(session)]
    assert all(subjects.count(HASHER.label(r)) == 1 for r in others)  # one erasure logged each
    async with db.transaction() as session:
        await session.execute(
            update(SafeguardingAlertRow).values(acknowledged_at=clock.now(), acknowledged_by="o")
        )
    async with db.transaction() as session:
        assert await erase_people(session, clock, [ref], actor="dpo", hasher=HASHER) == [ref]
    held = await table_text(db)
    assert ref not in held and WORDS not in held and NAME not in held


def test_the_audit_hash_is_keyed_and_whole_words_only() -> None:
    assert HASHER.label("C1") != RefHasher(b"other key").label("C1")
    assert HASHER.label("C1") == HASHER.label("C1") and "C1" not in HASHER.label("C1")
    assert RefHasher(None).label("C1") == NO_KEY_LABEL
    assert audit.mentions("C1").sub("#", "C1 C10 xC1 C1. C1-2") == "# C10 xC1 #. C1-2"
    assert audit.mentions("C1", loose=True).sub("#", "demo-C1-x C10") == "demo-#-x C10"


async def test_past_audit_rows_name_the_hash_and_other_children_stay(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> None:
    ref = await answer_all(db, catalog, clock, conversations)
    async with db.transaction() as session:
        await audit.record(session, clock, actor="o", action="export person", subject=f"{ref}0")
        await erase_person(session, clock, ref, actor="dpo", hasher=HASHER)
    async with db.reader() as session:
        subjects = [r.subject for r in await audit.recent(session)]
    assert f"{ref}0" in subjects  # another child's reference is not touched
    assert subjects.count(HASHER.label(ref)) == 2  # the old read, and the erasure
    again_clock = FixedClock(clock.now() + timedelta(days=1))
    async with db.transaction() as session:
        again = await erase_person(session, again_clock, ref, actor="dpo", hasher=HASHER)
    assert again.already_erased
