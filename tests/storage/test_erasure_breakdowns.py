"""Erasing young people changes no board figure in any breakdown: by form, audience, age
band, cohort, team, language and quarter, counted from the rows and from the rollups,
exactly and as a board sees them (suppressed)."""

from __future__ import annotations

import random
from dataclasses import asdict
from typing import Any

import pytest
from sqlalchemy import select, update

from storage.board import return_rates, scorecard, sentiment_summary, top_themes
from storage.board.return_rates import DIMENSIONS
from storage.board.rollups import refresh_rollups
from storage.database import Database
from storage.erasure import erase_person
from storage.tables import PersonRow
from surveys.clock import FixedClock
from surveys.insights.periods import parse_period
from tests.storage.test_board_rollups import build

PERIODS = [parse_period(p) for p in ("2016-17", "2017-18", "2017-18 Q2")]
BREAKDOWNS = [
    *((d,) for d in DIMENSIONS),
    *((d, "quarter") for d in DIMENSIONS if d != "quarter"),
    *(("form", "audience", d) for d in ("cohort", "team", "age_band")),
    ("audience", "cohort", "team"),  # the dashboard's
    DIMENSIONS,
]
TEAMS = ("East", "West", "North", "")
LANGUAGES = ("en", "cy", "ar")


async def figures(db: Database, *, rollups: bool) -> list[Any]:
    """Every figure of every breakdown, exact (threshold 0) and as a board reads it."""
    out: list[Any] = []
    async with db.reader() as s:
        for period in PERIODS:
            for by in BREAKDOWNS:
                for threshold in (0, 5):
                    out.append(await return_rates(s, period, by, threshold, rollups=rollups))
            for group in ("question", "theme", "age_band", "language"):
                for threshold in (0, 5):
                    out.append(
                        await sentiment_summary(s, period, None, group, threshold, rollups=rollups)
                    )
            out.append(await top_themes(s, period, threshold=0, rollups=rollups))
            out.append(await scorecard(s, period, threshold=0, rollups=rollups))
    return [[asdict(row) for row in rows] for rows in out]


@pytest.mark.slow
async def test_no_breakdown_moves_when_young_people_are_erased(db: Database) -> None:
    rng = random.Random(16)
    await build(db, rng)
    async with db.transaction() as s:
        people = (await s.scalars(select(PersonRow.id).order_by(PersonRow.id))).all()
        for person in people:
            await s.execute(
                update(PersonRow)
                .where(PersonRow.id == person)
                .values(
                    team=rng.choice(TEAMS),
                    cohort=rng.choice(("in_care", "care_leaver")),
                    language=rng.choice(LANGUAGES),
                )
            )
    async with db.transaction() as s:
        await refresh_rollups(s)
    before = await figures(db, rollups=True)
    assert await figures(db, rollups=False) == before
    async with db.transaction() as s:
        refs = (await s.scalars(select(PersonRow.council_ref).order_by(PersonRow.id))).all()
        for ref in rng.sample(list(refs), 40):
            await erase_person(s, FixedClock(), ref, actor="test")
    assert await figures(db, rollups=False) == before  # counted from the rows
    assert await figures(db, rollups=True) == before  # changes waiting: rows again
    async with db.transaction() as s:
        assert (await refresh_rollups(s)).quarters > 0
    assert await figures(db, rollups=True) == before  # from the refreshed rollups
