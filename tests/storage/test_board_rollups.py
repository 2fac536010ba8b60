"""Rollups give exactly the figures counted from the rows: after a refresh, and (read
directly) while changes wait for the next one; going back, erasure, late answers and
late returns included."""

from __future__ import annotations

import asyncio
import itertools
import random
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text, update

from storage.board import (
    buckets,
    quotes,
    return_rates,
    rollups,
    scorecard,
    sentiment_summary,
    top_themes,
)
from storage.board.rollups import (
    dirty_quarters,
    is_fresh,
    refresh_once,
    refresh_rollups,
    take_refresh_lock,
)
from storage.database import Database
from storage.erasure import erase_person
from storage.tables import AnswerRow, InvitationRow, PersonRow, ResponseRow
from surveys.clock import FixedClock
from surveys.insights.periods import Period, parse_period
from tests.storage.board_factories import BoardData

PERIODS = [parse_period(p) for p in ("2016-17", "2017-18", "2017-18 Q2", "2017-18 Q4")]
WORDS = (
    "I miss my mum", "My social worker keeps changing", "school is fine", "Not sure",
    "My carer is kind", "money is tight", "I want a job", "nobody listens to me",
)  # fmt: skip
BANDS = ("8-12", "13-15", "16-17", None)
START = datetime(2016, 3, 25, tzinfo=UTC)  # a week before 2016-17 begins
DAYS = 800


def moment(rng: random.Random) -> datetime:
    return START + timedelta(days=rng.randrange(DAYS), minutes=rng.randrange(1440))


async def build(db: Database, rng: random.Random) -> None:
    """Forms sent and returned (some late, some with reviews), responses to three surveys
    with free text, scores and yes/no answers, some of them superseded."""
    async with db.transaction() as s:
        b = BoardData(s)
        invitations: list[int] = []
        for _ in range(40):
            at = moment(rng)
            form, audience = rng.choice(
                [("consultation", "child"), ("feedback_not_attended", "care_leaver")]
            )
            sent = rng.randrange(1, 12)
            invitations += await b.forms(
                sent,
                rng.randrange(sent + 1),
                at=at,
                form=form,
                audience=audience,
                age_band=rng.choice(BANDS),
                returned_at=at + timedelta(days=rng.randrange(120)),
                review_date=(at + timedelta(days=rng.randrange(-5, 60))).date(),
            )
        rng.shuffle(invitations)
        for n in range(260):
            survey = rng.choice(("survey", "wellbeing-16plus", "review-feedback"))
            at = moment(rng)
            invitation = invitations[n] if n < len(invitations) else None
            response = await b.response(survey=survey, invitation=invitation, at=at)
            for q in range(rng.randrange(1, 4)):
                late = at + timedelta(days=rng.choice((0, 0, 0, 40)), minutes=q)
                await b.answer(
                    response,
                    f"text{rng.randrange(3)}" if q else "going_well",
                    survey=survey,
                    at=late,
                    theme=rng.choice(("general", "school", "contact")),
                    text=rng.choice(WORDS),
                    polarity=rng.randrange(-8, 9) / 8,
                    sensitive=rng.random() < 0.1,
                    superseded=late if rng.random() < 0.1 else None,
                )
            if survey == "wellbeing-16plus":
                await b.answer(
                    response, "overall_wellbeing", survey=survey, at=at, kind="scale",
                    number=rng.randrange(1, 6),
                )  # fmt: skip
            question = "listened" if survey == "review-feedback" else "chair"
            await b.answer(
                response, question, survey=survey, at=at, kind="yesno",
                choice=rng.choice(("yes", "no")),
            )  # fmt: skip


async def figures(db: Database, *, rollups: bool, threshold: int) -> list[Any]:
    """Every board figure the rollups can serve, for several periods and breakdowns."""
    out: list[Any] = []
    async with db.reader() as s:
        for period in PERIODS:
            for by in (("form", "audience"), ("form", "audience", "age_band", "quarter")):
                out.append(await return_rates(s, period, by, threshold=threshold, rollups=rollups))
            for group in ("question", "theme", "age_band"):
                for survey in (None, "survey"):
                    out.append(
                        await sentiment_summary(
                            s, period, survey, group, threshold=threshold, rollups=rollups
                        )
                    )
            out.append(await top_themes(s, period, threshold=threshold, rollups=rollups))
            out.append(await scorecard(s, period, threshold=threshold, rollups=rollups))
            for group in (1, 10):
                out.append(await quotes(s, period, min_group=group, rollups=rollups))
    return [[asdict(row) for row in rows] for rows in out]


async def fresh(db: Database, period: Period) -> bool:
    async with db.reader() as s:
        return await is_fresh(s, period.previous().start, period.end_exclusive)


Direct = dict[int, list[Any]]
"""Every figure counted from the rows, by suppression threshold."""


async def same_either_way(db: Database, direct: Direct | None = None) -> Direct:
    """The rollups give the figures counted from the rows (`direct`, when the rows have not
    changed since it was counted), at two suppression thresholds; returns `direct`."""
    if direct is None:
        direct = {t: await figures(db, rollups=False, threshold=t) for t in (0, 5)}
    for threshold, expected in direct.items():
        assert await figures(db, rollups=True, threshold=threshold) == expected
    return direct


async def change(db: Database, rng: random.Random) -> None:
    """Going back, erasure, late returns and a late answer, each in an old quarter."""
    async with db.transaction() as s:
        ids = list((await s.scalars(select(AnswerRow.id).order_by(AnswerRow.id))).all())
        for answer in rng.sample(ids, 25):
            await s.execute(
                update(AnswerRow)
                .where(AnswerRow.id == answer, AnswerRow.superseded_at.is_(None))
                .values(superseded_at=datetime(2018, 1, 1, tzinfo=UTC))
            )
        unreturned = (
            await s.scalars(select(InvitationRow.id).where(InvitationRow.returned_at.is_(None)))
        ).all()
        await s.execute(
            update(InvitationRow)
            .where(InvitationRow.id.in_(rng.sample(list(unreturned), 10)))
            .values(returned_at=datetime(2018, 2, 1, tzinfo=UTC))
        )
        responses = (await s.scalars(select(ResponseRow.id).order_by(ResponseRow.id))).all()
        await s.execute(
            update(ResponseRow)
            .where(ResponseRow.id.in_(rng.sample(list(responses), 30)))
            .values(returned_at=datetime(2017, 11, 5, tzinfo=UTC))
        )
        refs = (await s.scalars(select(PersonRow.council_ref).order_by(PersonRow.id))).all()
        for ref in rng.sample(list(refs), 20):
            await erase_person(s, FixedClock(), ref, actor="test")
        b = BoardData(s, itertools.count(10**5))
        late = await b.response(survey="late", at=datetime(2017, 8, 1, tzinfo=UTC))
        await b.answer(
            late, "going_well", survey="late", at=datetime(2017, 8, 2, tzinfo=UTC),
            text="My mum", polarity=0.5,
        )  # fmt: skip


@pytest.mark.slow
async def test_rollups_give_exactly_the_direct_figures(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(2017)
    await build(db, rng)
    assert not await fresh(db, PERIODS[1])
    async with db.transaction() as s:
        done = await refresh_rollups(s)
    assert done.changes > 0 and done.quarters >= 8 and done.years >= 2
    assert all([await fresh(db, p) for p in PERIODS])
    await same_either_way(db)

    async with db.transaction() as s:  # one late return: only its quarter is counted again
        late = await s.scalar(
            select(InvitationRow.id)
            .where(
                InvitationRow.returned_at.is_(None),
                InvitationRow.delivered_at >= datetime(2017, 7, 2, tzinfo=UTC),
                InvitationRow.delivered_at < datetime(2017, 9, 29, tzinfo=UTC),
            )
            .limit(1)
        )
        assert late is not None
        await s.execute(
            update(InvitationRow)
            .where(InvitationRow.id == late)
            .values(returned_at=datetime(2017, 10, 2, tzinfo=UTC))
        )
    async with db.reader() as s:
        assert await dirty_quarters(s, date(2017, 4, 1), date(2018, 4, 1)) == [date(2017, 7, 1)]
    await same_either_way(db)

    await change(db, rng)
    assert not await fresh(db, PERIODS[1])  # read directly until the next refresh
    direct = await same_either_way(db)  # the rows do not change again below
    with monkeypatch.context() as patched:  # as with more than MANY buckets waiting:
        patched.setattr(buckets, "MANY", 0)  # the log joined, not its buckets listed
        await same_either_way(db, direct)
    assert await refresh_once(db) is not None  # on SQLite in steps (refresh_in_steps)
    assert await fresh(db, PERIODS[1])
    await same_either_way(db, direct)  # (a refresh writes rollups only, never the rows)
    async with db.transaction() as s:
        assert await refresh_rollups(s) == type(done)(0, 0, 0)


async def test_a_change_marks_only_its_own_days(db: Database) -> None:
    async with db.transaction() as s:
        b = BoardData(s)
        await b.texts([("I miss my mum", -0.5)] * 6, at=datetime(2017, 6, 1, tzinfo=UTC))
    async with db.transaction() as s:
        await refresh_rollups(s)
    async with db.transaction() as s:
        await BoardData(s, itertools.count(10**5)).texts(
            [("ok", 0.0)], survey="later", at=datetime(2018, 6, 30, 23, 30, tzinfo=UTC)
        )
    async with db.reader() as s:
        assert await is_fresh(s, date(2017, 4, 1), date(2018, 4, 1))
        assert not await is_fresh(s, date(2018, 7, 1), date(2018, 10, 1))  # UK: 1 July
        rows = await sentiment_summary(s, parse_period("2017-18"), None, "theme")
    assert rows[0].respondents == 6


async def test_refresh_once_runs_in_its_own_transaction(db: Database) -> None:
    async with db.transaction() as s:
        await BoardData(s).texts([("My mum", 0.5)] * 3)
    first = await refresh_once(db)
    assert first is not None and first.changes > 0
    assert await refresh_once(db) == type(first)(0, 0, 0)


async def test_on_sqlite_an_answer_is_stored_between_the_steps_of_a_refresh(
    db: Database, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite has one writer: a refresh in one transaction made every young person's answer
    wait for all of it. In steps, an answer waiting when a step ends goes next, and the
    figures are still exact: its change stays logged for the next refresh."""
    if backend != "sqlite":
        pytest.skip("PostgreSQL refreshes in one transaction without holding writers up")
    async with db.transaction() as s:
        data = BoardData(s)
        for month in (5, 8, 11):  # three quarters of 2017-18 to count again
            await data.texts([("My mum", 0.5)] * 3, at=datetime(2017, month, 2, tzinfo=UTC))
    steps: list[str] = []
    first_step_done = asyncio.Event()
    real = rollups._refresh_quarter

    async def counted(connection: Any, start: date) -> None:
        await real(connection, start)
        steps.append(f"quarter {start}")
        first_step_done.set()

    monkeypatch.setattr(rollups, "_refresh_quarter", counted)
    refreshing = asyncio.create_task(refresh_once(db))
    await asyncio.wait_for(first_step_done.wait(), 30)
    async with db.transaction() as s:  # a young person's answer, waiting on the writer
        await BoardData(s, itertools.count(10**5)).texts(
            [("ok", 0.0)], survey="later", at=datetime(2017, 5, 3, tzinfo=UTC)
        )
        steps.append("answer")
    done = await asyncio.wait_for(refreshing, 60)
    assert done is not None and done.quarters >= 3
    assert steps.index("answer") == 1, steps  # after the first step, not after them all
    assert not await fresh(db, parse_period("2017-18 Q1"))  # its change waits, logged
    await same_either_way(db)
    assert await refresh_once(db) is not None
    assert await fresh(db, parse_period("2017-18 Q1"))
    await same_either_way(db)


async def test_a_refresh_in_another_schema_does_not_hold_this_one_up(
    db: Database, backend: str
) -> None:
    """The refresh lock is per schema: xdist workers (and `CAREVOICE_DATABASE_SCHEMA`
    deployments) share one database, and a refresh in one schema once made a refresh in
    another skip its work (`test_a_change_marks_only_its_own_days` failed in CI)."""
    if backend != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    async with db.transaction() as s:
        await BoardData(s).texts([("My mum", 0.5)] * 3)
    async with db.engine.connect() as other:
        await other.execute(text("SET LOCAL search_path TO public"))  # another schema
        assert await take_refresh_lock(other)
        first = await refresh_once(db)
        assert first is not None and first.changes > 0
    async with db.transaction() as s:
        await BoardData(s, itertools.count(10**5)).texts([("ok", 0.0)], survey="later")
    async with db.engine.connect() as same:  # a refresh in this schema: this one waits
        assert await take_refresh_lock(same)
        assert await refresh_once(db) == type(first)(0, 0, 0)
    second = await refresh_once(db)
    assert second is not None and second.changes > 0
