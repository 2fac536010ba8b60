"""The board dashboard `/board` and its A4 print view `/board/print`.

Every figure comes from `storage.board` (SQL aggregates, already suppressed); this module
only arranges them: a chart beside each table, RAG and direction of travel as words and
icons as well as colour, and a footnote wherever a "c" appears.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Final

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from api.deps import ServicesDep
from api.web import charts
from api.web.labels import audience_label, form_label, theme_label
from api.web.render import render
from api.web.staff import BoardStaff, Staff
from storage import board, statements
from storage.board.wellbeing import ons_wellbeing
from surveys.insights.disclosure import DEFAULT_THRESHOLD, SUPPRESSED
from surveys.insights.periods import (
    Period,
    PeriodError,
    PeriodKind,
    financial_year,
    parse_period,
    period_containing,
    uk_date,
)
from surveys.sentiment import how_measured

router = APIRouter(include_in_schema=False)

FIRST_YEAR: Final = 2016
DEMO_YEAR: Final = "2017-18"
QUOTES: Final = 6
QUOTE_CHARS: Final = 200
THEMES: Final = 8
YOUNG_FORMS: Final = frozenset({"child", "young_person", "care_leaver"})


@dataclass(frozen=True, slots=True)
class TrendRow:
    """One form's return rate in each quarter (None: nothing sent that quarter)."""

    form: str
    audience: str
    cells: tuple[board.ReturnRateRow | None, ...]


@dataclass(frozen=True, slots=True)
class BoardPage:
    """Everything the dashboard shows for one period."""

    period: Period
    years: tuple[str, ...]
    quarters: tuple[str, ...]
    rates: list[board.ReturnRateRow]
    rates_chart: charts.Chart
    trend_year: str
    trend_points: tuple[str, ...]
    trend: list[TrendRow]
    trend_chart: charts.Chart
    sentiment: list[board.SentimentRow]
    sentiment_chart: charts.Chart
    themes: list[board.ThemeRow]
    topics: list[board.ThemeRow]
    themes_chart: charts.Chart
    quotes: list[board.QuoteRow]
    scorecard: list[board.ScorecardRowOut]
    threshold: int
    any_suppressed: bool
    feelings_note: str = ""  # how feelings are measured and how well that agrees with people


def _has_c(*values: object) -> bool:
    return any(v == SUPPRESSED for v in values)


def _withheld(row: board.ReturnRateRow, year: board.ReturnRateRow) -> board.ReturnRateRow:
    """A quarter of a form whose year has a hidden count: the quarters would add up to
    it, so they hide the same counts."""
    return replace(
        row,
        sent=SUPPRESSED if year.sent == SUPPRESSED else row.sent,
        returned=SUPPRESSED if year.returned == SUPPRESSED else row.returned,
        rate=None, rag=None, previous_rate=None, direction=None,
    )


async def board_page(
    session: AsyncSession,
    period: Period,
    today: date,
    *,
    quote_min_group: int = 10,
    ref_patterns: Sequence[str] = (),
) -> BoardPage:
    """The dashboard's figures for `period`, from the store's board queries."""
    current = period_containing(today, PeriodKind.YEAR)
    years = tuple(
        financial_year(y).label
        for y in range(current.start_year, min(FIRST_YEAR, period.start_year) - 1, -1)
    )
    rates = await board.return_rates(session, period)
    year = period.year
    quarterly = await board.return_rates(session, year, by=("form", "audience", "quarter"))
    sentiment = await board.sentiment_summary(session, period, None, by="theme", today=today)
    themed = await board.top_themes(session, period, limit=THEMES)
    quotes = await board.quotes(
        session, period, limit=QUOTES, min_group=quote_min_group, max_chars=QUOTE_CHARS,
        ref_patterns=ref_patterns,
    )
    scorecard = await board.scorecard(session, period)

    year_rates = rates if period == year else await board.return_rates(session, year)
    year_rows = {(r.form, r.audience): r for r in year_rates}
    points = tuple(q.label for q in year.quarters())
    cells: dict[tuple[str, str], dict[str, board.ReturnRateRow]] = {}
    for row in quarterly:
        form, audience, quarter = row.form, row.audience, row.quarter
        if form is None or audience is None or quarter not in points or quarter is None:
            continue
        whole = year_rows.get((form, audience))
        if whole is not None and _has_c(whole.sent, whole.returned):
            row = _withheld(row, whole)
        cells.setdefault((form, audience), {})[quarter] = row
    trend = [
        TrendRow(form, audience, tuple(found.get(p) for p in points))
        for (form, audience), found in cells.items()
        if audience in YOUNG_FORMS
    ]
    themes = [t for t in themed if t.kind == "theme"]
    topics = [t for t in themed if t.kind == "topic"]
    suppressed = (
        any(_has_c(r.sent, r.returned) for r in rates)
        or any(_has_c(c.sent, c.returned) for t in trend for c in t.cells if c)
        or any(_has_c(s.respondents) for s in sentiment)
        or any(None in (s.share_negative, s.share_neutral, s.share_positive) for s in sentiment)
        or any(_has_c(t.respondents, t.answers) for t in themed)
        or any(_has_c(s.q1, s.q2, s.q3, s.q4, s.value, s.last_year) for s in scorecard)
    )
    return BoardPage(
        period=period,
        years=years,
        quarters=tuple(q.label for q in period.year.quarters()),
        rates=rates,
        rates_chart=charts.sent_returned(
            [
                charts.BarRow(form_label(r.form), audience_label(r.audience), r.sent,
                              r.returned, r.rate, r.target)
                for r in rates
            ],
            f"Forms sent and returned, {period.label}",
        ),
        trend_year=year.label,
        trend_points=tuple(p.split(" ")[-1] for p in points),
        trend=trend,
        trend_chart=charts.trend(
            [
                charts.Series(
                    f"{form_label(t.form)}: {audience_label(t.audience)}",
                    tuple(c.rate if c else None for c in t.cells),
                )
                for t in trend
            ],
            tuple(p.split(" ")[-1] for p in points),
            f"Return rate by quarter, young people's forms, {year.label}",
        ),
        sentiment=sentiment,
        sentiment_chart=charts.shares(
            [
                charts.ShareRow(theme_label(s.group), s.share_negative, s.share_neutral,
                                s.share_positive)
                for s in sentiment
            ],
            f"How young people's words felt, by theme, {period.label}",
        ),
        themes=themes,
        topics=topics,
        themes_chart=charts.counts(
            [
                *([charts.CountRow("Care themes in what they wrote", None, heading=True)]
                  if topics else []),
                *(charts.CountRow(t.label, t.respondents) for t in topics),
                *([charts.CountRow("Themes of the questions", None, heading=True)]
                  if themes else []),
                *(charts.CountRow(t.label, t.respondents) for t in themes),
            ],
            f"What young people wrote about most, {period.label}",
            "young people who wrote about each theme",
        ),
        quotes=quotes,
        scorecard=scorecard,
        threshold=DEFAULT_THRESHOLD,
        any_suppressed=suppressed,
        feelings_note=how_measured(),
    )


def _period(text: str | None, today: date) -> tuple[Period, str | None]:
    """The period asked for, or this financial year and why the one asked for was not used."""
    default = period_containing(today, PeriodKind.YEAR)
    if text is None or not text.strip():
        return default, None
    if len(text) > 32:
        return default, "That period is not one we know. Showing this financial year."
    try:
        return parse_period(text), None
    except PeriodError as error:
        return default, f"{error}. Showing this financial year instead."


async def _page(
    request: Request, services: ServicesDep, staff: Staff, period: str | None, template: str
) -> Response:
    today = uk_date(services.clock.now())
    chosen, problem = _period(period, today)
    async with services.db.reader() as session:
        page = await board_page(
            session, chosen, today, quote_min_group=services.settings.quote_min_group,
            ref_patterns=services.settings.ref_patterns,
        )
        said_did = await statements.for_board(session)
        wellbeing = await ons_wellbeing(session, chosen)
    return render(
        template,
        status_code=400 if problem else 200,
        title=f"Board dashboard {chosen.label}",
        council=services.settings.council_name,
        staff=staff,
        page=page,
        problem=problem,
        demo_year=DEMO_YEAR,
        today=today,
        said_did=said_did,
        wellbeing=wellbeing,
    )


@router.get("/board")
async def board_dashboard(
    request: Request, services: ServicesDep, staff: BoardStaff, period: str | None = None
) -> Response:
    """What young people said, and how many forms came back, for one period."""
    return await _page(request, services, staff, period, "board.html")


@router.get("/board/print")
async def board_print(
    request: Request, services: ServicesDep, staff: BoardStaff, period: str | None = None
) -> Response:
    """The same figures as an A4 report for the committee pack."""
    return await _page(request, services, staff, period, "board_print.html")
