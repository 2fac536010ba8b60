"""The board dashboard `/board` and its A4 print view `/board/print`.

Every figure comes from `storage.board` (SQL aggregates, already suppressed); this module
only arranges them: a chart beside each table, RAG and direction of travel as words and
icons as well as colour, and a footnote wherever a "c" appears.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import date
from enum import StrEnum
from typing import Final

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from api.board import to_csv
from api.deps import ServicesDep
from api.web import charts
from api.web.labels import audience_label, form_label, theme_label
from api.web.render import render
from api.web.staff import BoardStaff, Staff
from storage import board, statements
from storage.board.key_messages import THEMES_READ, Message, answers_period
from storage.board.wellbeing import ons_wellbeing
from storage.comparators import all_comparators
from surveys.insights.comparators import Comparator
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
class Comparison:
    """A published figure beside the council's own for the same measure (None: the
    council has no such figure; SUPPRESSED: it is hidden)."""

    label: str
    unit: str
    ours: float | str | None
    theirs: Comparator
    why: str = "not measured"  # said where `ours` is None


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
    key: board.KeyMessages
    key_items: list[tuple[Message, list[Message]]]
    comparisons: list[Comparison]
    card_comparators: dict[tuple[str | None, str | None], list[Comparator]]
    breakdown: list[board.ReturnRateRow]
    by_age: list[board.ReturnRateRow]
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


def _first_of_each_kind(rows: Sequence[board.ThemeRow], limit: int) -> list[board.ThemeRow]:
    """The first `limit` themes and the first `limit` topics, in order: what
    `top_themes(limit=limit)` returns, from a longer list it returned."""
    seen: dict[str, int] = {}
    out = []
    for row in rows:
        seen[row.kind] = seen.get(row.kind, 0) + 1
        if seen[row.kind] <= limit:
            out.append(row)
    return out


async def board_page(
    session: AsyncSession,
    period: Period,
    today: date,
    *,
    quote_min_group: int = 10,
    ref_patterns: Sequence[str] = (),
    said: Sequence[statements.Statement] | None = None,
) -> BoardPage:
    """The dashboard's figures for `period`, from the store's board queries; the key
    messages reuse the return rates, themes and statements (`said`, when given) read here."""
    current = period_containing(today, PeriodKind.YEAR)
    # the years a board can choose: those with figures, this year, and the one being read
    shown = await board.years_with_figures(session) | {current.start_year, period.start_year}
    years = tuple(
        financial_year(y).label
        for y in range(current.start_year, min(FIRST_YEAR, period.start_year) - 1, -1)
        if y in shown
    )
    rates = await board.return_rates(session, period)
    year = period.year
    quarterly = await board.return_rates(session, year, by=("form", "audience", "quarter"))
    sentiment = await board.sentiment_summary(session, period, None, by="theme", today=today)
    read = await board.top_themes(session, period, limit=max(THEMES, THEMES_READ))
    themed = _first_of_each_kind(read, THEMES)
    scorecard = await board.scorecard(session, period)
    key = await board.key_messages(
        session, period, quote_min_group=quote_min_group, ref_patterns=ref_patterns,
        rates=rates, themed=_first_of_each_kind(read, THEMES_READ), said=said,
    )  # fmt: skip
    read_above = [r.quote for r in key.raised if r.quote]
    quotes = _not_read_above(
        await board.quotes(
            session, period, limit=QUOTES + len(read_above), min_group=quote_min_group,
            max_chars=QUOTE_CHARS, ref_patterns=ref_patterns,
        ),
        read_above,
    )[:QUOTES]
    breakdown = [
        r for r in await board.return_rates(session, period, by=("audience", "cohort", "team"))
        if r.audience in YOUNG_FORMS
    ]
    by_age = [
        r for r in await board.return_rates(session, period, by=("audience", "age_band"))
        if r.audience in YOUNG_FORMS
    ]
    comparisons = _comparisons(await all_comparators(session), rates, scorecard)
    card_comparators: dict[tuple[str | None, str | None], list[Comparator]] = {}
    for c in comparisons:
        parts = c.theirs.measure.split(":")
        if parts[0] == "return_rate" and len(parts) == 3:
            card_comparators.setdefault((parts[1], parts[2]), []).append(c.theirs)

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
        feelings_note=how_measured(),
        any_suppressed=suppressed
        or any(_has_c(r.sent, r.returned) for r in (*breakdown, *by_age)),
        key=key,
        key_items=_key_items(key.messages),
        comparisons=comparisons,
        card_comparators=card_comparators,
        breakdown=breakdown,
        by_age=by_age,
    )


def _not_read_above(
    quotes: Sequence[board.QuoteRow], read_above: Sequence[str]
) -> list[board.QuoteRow]:
    """The quotes less those the key messages already read out (shortened there, so a
    quote is the same when one text, its closing "…" taken off, begins the other)."""

    def same(a: str, b: str) -> bool:
        a, b = a.removesuffix("…").rstrip(), b.removesuffix("…").rstrip()
        return a.startswith(b) or b.startswith(a)

    return [q for q in quotes if not any(same(q.text, said) for said in read_above)]


def _key_items(messages: Sequence[Message]) -> list[tuple[Message, list[Message]]]:
    """The key messages as a list, each quote under the sentence naming what it is about."""
    items: list[tuple[Message, list[Message]]] = []
    for m in messages:
        if m.kind == "quote" and items and items[-1][0].kind == "raised":
            items[-1][1].append(m)
        else:
            items.append((m, []))
    return items


def _comparisons(
    published: Sequence[Comparator],
    rates: Sequence[board.ReturnRateRow],
    scorecard: Sequence[board.ScorecardRowOut],
) -> list[Comparison]:
    """Each published figure beside the council's own for the same measure: a return
    rate of a form and audience (`return_rate:FORM:AUDIENCE`; `all:all` is every form,
    shown only when no count in it is hidden) or a scorecard row (`scorecard:REF`)."""
    by_cell = {(r.form, r.audience): r for r in rates}
    by_ref = {s.ref: s for s in scorecard}
    out = []
    for c in published:
        ours: float | str | None = None
        why = "not measured"
        parts = c.measure.split(":")
        if parts[0] == "return_rate" and len(parts) == 3:
            if parts[1:] == ["all", "all"]:
                if any(_has_c(r.sent, r.returned) for r in rates):
                    why = "not shown: part of it is hidden (c)"
                elif rates:
                    sent = sum(int(r.sent) for r in rates)
                    returned = sum(int(r.returned) for r in rates)
                    ours = returned / sent if sent else None
            elif (row := by_cell.get((parts[1], parts[2]))) is not None:
                ours = SUPPRESSED if _has_c(row.sent, row.returned) else row.rate
        elif parts[0] == "scorecard" and len(parts) == 2 and parts[1] in by_ref:
            value = by_ref[parts[1]].value
            ours = value if isinstance(value, float | str) else None
        out.append(Comparison(c.label, c.unit, ours, c, why))
    out.sort(key=lambda c: c.ours is None and c.why == "not measured")  # ours first
    return out


def _period(text: str | None, default: Period) -> tuple[Period, str | None]:
    """The period asked for, or `default` (the latest financial year with figures) and why
    the one asked for was not used."""
    if text is None or not text.strip():
        return default, None
    if len(text) > 32:
        return default, f"That period is not one we know. Showing {default.label}."
    try:
        return parse_period(text), None
    except PeriodError as error:
        return default, f"{error}. Showing {default.label} instead."


async def _chosen(
    session: AsyncSession, services: ServicesDep, period: str | None
) -> tuple[Period, str | None]:
    """The period asked for, else the latest with figures, and why the one asked for was
    not used (`_period`)."""
    latest = await board.latest_period_with_figures(session, uk_date(services.clock.now()))
    return _period(period, latest)


async def _page(
    request: Request, services: ServicesDep, staff: Staff, period: str | None, template: str
) -> Response:
    today = uk_date(services.clock.now())
    async with services.db.reader() as session:
        chosen, problem = await _chosen(session, services, period)
        said_did = await statements.for_board(session)
        page = await board_page(
            session, chosen, today, quote_min_group=services.settings.quote_min_group,
            ref_patterns=services.settings.ref_patterns, said=said_did,
        )
        wellbeing = await ons_wellbeing(session, chosen)
    # the statements that answer this period (published in it or the quarter after), as
    # the key messages read them: never a 2018 action beside 2016-17's figures
    for_period = [s for s in said_did if answers_period(s, chosen)]
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
        said_did=for_period,
        said_elsewhere=len(said_did) - len(for_period),
        wellbeing=wellbeing,
    )


@router.get("/board")
async def board_dashboard(
    request: Request, services: ServicesDep, staff: BoardStaff, period: str | None = None
) -> Response:
    """What young people said, and how many forms came back, for one period."""
    return await _page(request, services, staff, period, "board.html")


class Download(StrEnum):
    """The dashboard's tables a board member can take away as CSV."""

    RETURN_RATES = "return-rates"
    COHORT_TEAM = "cohort-team"
    AGE = "age"
    SCORECARD = "scorecard"


_DOWNLOAD_BY: Final[dict[Download, tuple[str, ...]]] = {
    Download.RETURN_RATES: ("form", "audience"),
    Download.COHORT_TEAM: ("audience", "cohort", "team"),
    Download.AGE: ("audience", "age_band"),
}


@router.get("/board/download/{table}.csv")
async def board_download(
    services: ServicesDep, staff: BoardStaff, table: Download, period: str | None = None
) -> Response:
    """One of the dashboard's tables as CSV, exactly as shown ("c" where a figure is
    hidden), for a committee report or a spreadsheet."""
    async with services.db.reader() as session:
        chosen, problem = await _chosen(session, services, period)
        if problem:
            return Response(problem, status_code=400, media_type="text/plain; charset=utf-8")
        if table is Download.SCORECARD:
            data: Sequence[object] = await board.scorecard(session, chosen)
            row_type: type = board.ScorecardRowOut
        else:
            rows = await board.return_rates(session, chosen, by=_DOWNLOAD_BY[table])
            data = rows if table is Download.RETURN_RATES else [
                r for r in rows if r.audience in YOUNG_FORMS]
            row_type = board.ReturnRateRow
    columns = [f.name for f in fields(row_type)]
    name = f"{table.value}-{chosen.label.replace(' ', '-')}"
    return Response(
        to_csv(list(data), columns), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )  # fmt: skip


@router.get("/board/print")
async def board_print(
    request: Request, services: ServicesDep, staff: BoardStaff, period: str | None = None
) -> Response:
    """The same figures as an A4 report for the committee pack."""
    return await _page(request, services, staff, period, "board_print.html")
