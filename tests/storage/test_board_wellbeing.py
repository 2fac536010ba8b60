"""The board's ONS wellbeing figures: one GROUP BY, by the invitation's age band."""

from __future__ import annotations

from storage.board.wellbeing import ons_counts, ons_wellbeing
from storage.database import Database
from surveys.insights.disclosure import SUPPRESSED
from surveys.insights.periods import parse_period
from surveys.insights.wellbeing import OnsCounts
from tests.storage.board_factories import BoardData, uk

YEAR = parse_period("2017-18")
SURVEY = "wellbeing-16plus"


async def test_ons_answers_are_counted_by_age_group(db: Database) -> None:
    async with db.transaction() as s:
        b = BoardData(s)
        older = await b.forms(12, 12, at=uk(2017, 5, 1), age_band="16-17", audience="care_leaver")
        younger = await b.forms(3, 3, at=uk(2017, 5, 1), age_band="13-15")
        for n, invitation in enumerate(older):
            r = await b.response(survey=SURVEY, invitation=invitation, at=uk(2017, 5, 2))
            life = [2, 3, 8, 9][n % 4]  # half of them low (0 to 4)
            await b.answer(r, "ons_life", survey=SURVEY, kind="scale", number=life,
                           at=uk(2017, 5, 2))  # fmt: skip
            await b.answer(r, "ons_anxious", survey=SURVEY, kind="scale", number=n % 10,
                           at=uk(2017, 5, 2))  # fmt: skip
            # an answer changed: only the current one counts
            await b.answer(r, "ons_happy", survey=SURVEY, kind="scale", number=0,
                           at=uk(2017, 5, 2), superseded=uk(2017, 5, 3))  # fmt: skip
            await b.answer(r, "ons_happy", survey=SURVEY, kind="scale", number=10,
                           at=uk(2017, 5, 3))  # fmt: skip
            await b.answer(r, "ons_worthwhile", survey=SURVEY, kind="scale", at=uk(2017, 5, 3))
        for invitation in younger:
            r = await b.response(survey=SURVEY, invitation=invitation, at=uk(2017, 5, 2))
            await b.answer(r, "ons_life", survey=SURVEY, kind="scale", number=7,
                           at=uk(2017, 5, 2))  # fmt: skip
        late = await b.forms(1, 1, at=uk(2018, 5, 1), age_band="16-17")
        r = await b.response(survey=SURVEY, invitation=late[0], at=uk(2018, 5, 2))
        await b.answer(r, "ons_life", survey=SURVEY, kind="scale", number=1, at=uk(2018, 5, 2))
    async with db.reader() as s:
        counts = {(c.measure, c.group): c for c in await ons_counts(s, YEAR)}
        rows = {(r.measure, r.group): r for r in await ons_wellbeing(s, YEAR)}
    assert counts[("life_satisfaction", "16 and over")] == OnsCounts(
        "life_satisfaction", "16 and over", 12, 3 * (2 + 3 + 8 + 9), 6
    )
    anxious = counts[("anxious", "16 and over")]
    assert (anxious.respondents, anxious.low) == (12, 4)  # 6 to 10 counts: n = 6, 7, 8, 9
    assert counts[("happy", "16 and over")].total == 120  # the superseded zeros are gone
    assert ("worthwhile", "16 and over") not in counts  # skipped
    life = rows[("life_satisfaction", "16 and over")]
    assert (life.respondents, life.mean, life.low_share) == (12, 5.5, 0.5)
    assert life.national_mean == 7.7 and not life.national_checked
    young = rows[("life_satisfaction", "under 16")]
    assert (young.respondents, young.mean, young.low_share) == (SUPPRESSED, None, None)
    assert young.national_mean is None  # no published figure could be checked offline


async def test_a_small_quarter_cannot_be_worked_out_from_its_year(db: Database) -> None:
    """The year less its other quarters gave a hidden quarter's count back (issue 10)."""
    quarters = {uk(2017, 5, 2): 14, uk(2017, 8, 2): 3, uk(2017, 11, 2): 12, uk(2018, 2, 2): 9}
    async with db.transaction() as s:
        b = BoardData(s)
        for at, n in quarters.items():
            for i, invitation in enumerate(
                await b.forms(n, n, at=at, age_band="16-17", audience="care_leaver")
            ):
                r = await b.response(survey=SURVEY, invitation=invitation, at=at)
                await b.answer(r, "ons_life", survey=SURVEY, kind="scale",
                               number=[2, 8][i % 2], at=at)  # fmt: skip
    seen: dict[str, object] = {}
    lows: dict[str, object] = {}
    async with db.reader() as s:
        for label in ("2017-18", *(f"2017-18 Q{q}" for q in (1, 2, 3, 4))):
            rows = await ons_wellbeing(s, parse_period(label))
            row = next(
                r for r in rows if (r.measure, r.group) == ("life_satisfaction", "16 and over")
            )
            seen[label], lows[label] = row.respondents, row.low_share
    assert seen["2017-18 Q2"] == SUPPRESSED
    known = [v for k, v in seen.items() if k != "2017-18 Q2"]
    assert sum(isinstance(v, str) for v in known) >= 1  # a partner, or the year, is hidden too
    low_counts = {k: round(lows[k] * seen[k]) for k in seen  # type: ignore[operator]
                  if lows[k] is not None and isinstance(seen[k], int)}  # fmt: skip
    assert "2017-18 Q2" not in low_counts and len(low_counts) < 4  # no low count by difference
    assert isinstance(seen["2017-18 Q1"], int) or isinstance(seen["2017-18"], int)  # still shown
