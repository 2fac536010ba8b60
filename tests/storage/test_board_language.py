"""Boards read every language together, with the language as a breakdown (issue 12)."""

from __future__ import annotations

from sqlalchemy import select, update

from storage.board import SUPPRESSED, sentiment_summary
from storage.board.rollups import refresh_rollups
from storage.database import Database
from storage.tables import PersonRow, ResponseRow
from surveys.insights.periods import parse_period
from tests.storage.board_factories import BoardData, uk

YEAR = parse_period("2017-18")


async def _answers(db: Database, counts: dict[str, int]) -> None:
    async with db.transaction() as s:
        b = BoardData(s)
        for language, n in counts.items():
            responses = await b.texts([("good", 0.5)] * n, theme="school", at=uk(2017, 5, 1))
            people = select(ResponseRow.person_id).where(ResponseRow.id.in_(responses))
            await s.execute(
                update(PersonRow).where(PersonRow.id.in_(people)).values(language=language)
            )


async def test_sentiment_by_language_adds_up_to_everyone_and_hides_small_groups(
    db: Database,
) -> None:
    await _answers(db, {"en": 12, "cy": 9, "ar": 3})
    async with db.reader() as s:
        by_language = await sentiment_summary(s, YEAR, None, "language")
        by_theme = await sentiment_summary(s, YEAR, None, "theme")
    assert [row.group for row in by_language] == ["en", "cy", "ar"]
    en, cy, ar = by_language
    assert en.respondents == 12
    assert ar.respondents == SUPPRESSED  # 3 young people could be named
    assert cy.respondents == SUPPRESSED  # and its partner, or 24 - 12 - 9 gives it away
    [school] = by_theme
    assert school.respondents == 24  # every language together


async def test_the_language_breakdown_is_counted_from_the_rows_when_rollups_are_fresh(
    db: Database,
) -> None:
    await _answers(db, {"en": 7, "cy": 6})
    async with db.transaction() as s:
        await refresh_rollups(s)
    async with db.reader() as s:
        rows = await sentiment_summary(s, YEAR, None, "language")
    assert [(row.group, row.respondents) for row in rows] == [("en", 7), ("cy", 6)]
