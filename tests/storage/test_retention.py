"""Retention: each rule removes what it says when it says, through the erasure paths, holds
back what a waiting safeguarding alert needs, and leaves the board's figures as they were."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from storage import audit
from storage.audit import RefHasher
from storage.catalog import SurveyCatalog
from storage.conversations import ConversationService
from storage.database import Database
from storage.retention import RetentionPolicy, _seconds_until, enforce, plan
from storage.tables import (
    AnswerRow,
    ContactMessageRow,
    InvitationRow,
    PersonRow,
    ReplyRow,
    ResponseRow,
    SafeguardingAlertRow,
)
from surveys.clock import FixedClock
from tests.factories import person
from tests.storage.test_erasure import SECRET, WORDS, answer_all, board_figures

HASHER = RefHasher(b"r" * 32)
CLOSES_IN = 14  # days: campaign_with_codes' campaigns close two weeks after they open


async def counts(db: Database) -> dict[str, int]:
    async with db.reader() as s:
        return {
            "texts": int(await s.scalar(select(func.count()).where(AnswerRow.text.is_not(None)))
                         or 0),
            "answers": int(await s.scalar(select(func.count(AnswerRow.id))) or 0),
            "responses": int(await s.scalar(select(func.count(ResponseRow.id))) or 0),
            "invitations": int(await s.scalar(select(func.count(InvitationRow.id))) or 0),
            "people": int(await s.scalar(select(func.count(PersonRow.id))) or 0),
        }  # fmt: skip


async def test_messages_to_workers_and_replies_lose_their_words_with_the_same_rule(
    db: Database, clock: FixedClock
) -> None:
    """The daily job blanked answers' words only: a child's messages and staff replies
    were kept until the child was erased, years later (a tester's finding)."""
    someone = await person(db, clock, "MSG-1")
    async with db.transaction() as s:
        for days_ago in (800, 10):
            written = clock.now() - timedelta(days=days_ago)
            message = ContactMessageRow(person_id=someone, kind="message", channel="web",
                                        text=f"my words {days_ago}", created_at=written)
            s.add(message)
            await s.flush()
            s.add(ReplyRow(person_id=someone, contact_message_id=message.id, channel="web",
                           text=f"reply {days_ago}", written_by="Jo", created_at=written))
    words_only = RetentionPolicy(text_days=730, response_days=0, people_days=0)
    async with db.reader() as s:
        assert (await plan(s, clock, words_only)).messages == 2  # one message, one reply
    done = await enforce(db, clock, words_only, hasher=HASHER)
    assert done.messages == 2 and "2 messages" in done.summary()
    async with db.reader() as s:
        kept = (await s.scalars(select(ContactMessageRow.text))).all()
        replies = (await s.scalars(select(ReplyRow.text))).all()
    assert set(kept) == {None, "my words 10"}
    assert set(replies) == {None, "reply 10"}


async def test_words_go_two_years_after_the_campaign_closes_and_scores_stay(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> None:
    await answer_all(db, catalog, clock, conversations)
    words_only = RetentionPolicy(text_days=730, response_days=0, people_days=0)
    clock.advance(days=CLOSES_IN + 729)
    async with db.reader() as s:
        assert (await plan(s, clock, words_only)).total == 0
    clock.advance(days=2)
    async with db.reader() as s:
        planned = await plan(s, clock, words_only)
    assert planned.dry_run and planned.texts == 2 and planned.total == 2
    assert (await counts(db))["texts"] == 2  # a dry run changes nothing
    before = await board_figures(db, rollups=False)

    done = await enforce(db, clock, words_only, hasher=HASHER)
    assert not done.dry_run and done.texts == 2
    after = await counts(db)
    assert after["texts"] == 0 and after["responses"] == 1 and after["people"] == 3
    async with db.reader() as s:
        state = str((await s.scalars(select(ResponseRow.state))).one())
        assert WORDS not in state and SECRET not in state
        assert (await s.scalar(select(AnswerRow.number).where(AnswerRow.question_id == "mood")))
        logged = [r.subject for r in await audit.recent(s, action="apply retention")]
    assert logged == [done.summary()] and "words of 2 answers" in logged[0]
    assert await board_figures(db, rollups=False) == before


@pytest.mark.slow
async def test_responses_go_three_years_after_and_the_board_still_counts_them(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> None:
    await answer_all(db, catalog, clock, conversations)
    responses_only = RetentionPolicy(text_days=0, response_days=1095, people_days=0)
    before = await board_figures(db, rollups=False)
    clock.advance(days=CLOSES_IN + 1094)
    async with db.reader() as s:
        assert (await plan(s, clock, responses_only)).total == 0
    clock.advance(days=2)
    async with db.reader() as s:
        planned = await plan(s, clock, responses_only)
    assert (planned.responses, planned.invitations) == (1, 3)  # 2 never answered
    seen: list[tuple[str, int]] = []
    done = await enforce(
        db, clock, responses_only, hasher=HASHER, progress=lambda r, n: seen.append((r, n))
    )
    assert (done.responses, done.invitations) == (1, 3)
    assert sum(n for rule, n in seen if rule == "responses") == 3
    after = await counts(db)
    assert after == {"texts": 0, "answers": 0, "responses": 0, "invitations": 0, "people": 3}
    assert await board_figures(db, rollups=False) == before


async def test_people_go_a_year_after_the_council_last_listed_or_heard_from_them(
    db: Database, clock: FixedClock
) -> None:
    people_only = RetentionPolicy(text_days=0, response_days=0, people_days=365)
    await person(db, clock, "LEFT-1")
    await person(db, clock, "STAYS-2")
    alerted = await person(db, clock, "ALERT-3")
    async with db.transaction() as s:
        s.add(SafeguardingAlertRow(
            person_id=alerted, category="harm", phrase_id="p", channel="web",
            created_at=clock.now(),
        ))  # fmt: skip
    clock.advance(days=300)
    await person(db, clock, "STAYS-2")  # still on the council's list
    clock.advance(days=100)
    async with db.reader() as s:
        planned = await plan(s, clock, people_only)
    assert (planned.people, planned.held_back_people) == (1, 1)
    done = await enforce(db, clock, people_only, hasher=HASHER)
    assert done.people == 1 and done.held_back_people == 1
    async with db.reader() as s:
        refs = set((await s.scalars(select(PersonRow.council_ref))).all())
        erased = [r.subject for r in await audit.recent(s, action="erase person")]
    assert refs == {"STAYS-2", "ALERT-3"}
    assert erased == [HASHER.label("LEFT-1")]


async def test_an_alert_about_a_response_holds_back_only_the_young_person_who_wrote_it(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> None:
    """As `answer` raises them: tied to the response (and its question), not to a person."""
    people_only = RetentionPolicy(text_days=0, response_days=0, people_days=365)
    wrote = await answer_all(db, catalog, clock, conversations)  # and two who did not answer
    async with db.transaction() as s:
        response = await s.scalar(
            select(ResponseRow.id).join(PersonRow, PersonRow.id == ResponseRow.person_id)
            .where(PersonRow.council_ref == wrote)
        )  # fmt: skip
        s.add(SafeguardingAlertRow(
            response_id=response, category="harm", phrase_id="p", channel="web",
            created_at=clock.now(),
        ))  # fmt: skip
        everyone = set((await s.scalars(select(PersonRow.council_ref))).all())
    clock.advance(days=CLOSES_IN + 400)
    async with db.reader() as s:
        planned = await plan(s, clock, people_only)
    assert (planned.people, planned.held_back_people) == (len(everyone) - 1, 1)
    done = await enforce(db, clock, people_only, hasher=HASHER)
    assert (done.people, done.held_back_people) == (len(everyone) - 1, 1)
    async with db.reader() as s:
        left = set((await s.scalars(
            select(PersonRow.council_ref).where(PersonRow.erased_at.is_(None))
        )).all())  # fmt: skip
    assert wrote in left and not (everyone - {wrote}) & left


def test_the_daily_run_is_at_the_hour_in_uk_time_across_summer_time() -> None:
    london = ZoneInfo("Europe/London")
    before_change = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # clocks go forward on the 29th
    assert _seconds_until(before_change, 3, london) == timedelta(hours=14).total_seconds()
    assert _seconds_until(datetime(2026, 7, 1, 1, 0, tzinfo=UTC), 3, london) == 3600.0
    assert _seconds_until(datetime(2026, 1, 1, 3, 0, tzinfo=UTC), 3, london) == 86_400.0


def test_the_periods_read_as_plain_words() -> None:
    said = RetentionPolicy().describe()
    assert "your words 2 years after the survey closes" in said
    assert "your answers 3 years" in said and "1 year after we last hear from you" in said
    assert "until you ask us to delete them" in RetentionPolicy(0, 0, 0).describe()


def test_a_rule_turned_off_reads_as_a_sentence() -> None:
    """`serve --demo` turns the rules off; the child's page read "your words until you ask
    us to delete them after the survey closes" (issue 10 audit)."""
    assert RetentionPolicy(0, 0, 0).describe() == (
        "your words and your answers until you ask us to delete them; everything about you "
        "until you ask us to delete it"
    )
    mixed = RetentionPolicy(730, 0, 365).describe()
    assert mixed == (
        "your words 2 years after the survey closes; your answers until you ask us to "
        "delete them; everything about you 1 year after we last hear from you or the "
        "council's list last includes you"
    )


def test_the_periods_are_said_in_the_young_persons_language() -> None:
    welsh = RetentionPolicy().describe("cy")
    assert welsh.startswith("dy eiriau 2 flynedd ar ôl i'r arolwg gau") and "years" not in welsh
    arabic = RetentionPolicy(0, 0, 0).describe("ar")
    assert "حتى تطلب منا حذفها" in arabic and "until" not in arabic
    assert RetentionPolicy(45, 0, 1).describe().startswith("your words 45 days after")
    assert "everything about you 1 day after" in RetentionPolicy(45, 0, 1).describe()
