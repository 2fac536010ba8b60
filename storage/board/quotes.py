"""Short quotes for a board: young people's own words, with nothing that identifies them.

A quote comes only from a question that is not sensitive, from a young person who said
yes to sharing their words (`responses.share_quotes`) and did not keep that answer's
words to themselves (`answers.private`), from a survey that at least
`min_group` young people returned in the period, and never from an answer that raised a
safeguarding alert, nor from one that says nothing a board can read ("Not sure", "no":
`says_something`). The text is redacted and shortened: their own first name, every
council reference and first name in the people table that the quotes may mention (looked
up by `ref_candidates` and `name_candidates`, never all loaded), and the council's ref
formats (`ref_patterns`, CAREVOICE_REF_PATTERNS) are passed in. A quote that still looks
identifying after redaction (`safe_quote` says None) is dropped, not shown. No ids,
dates or names leave this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    bindparam,
    exists,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from storage.board._common import bucket, in_spans, prepare, rounded, spans_of, uk_midnight
from storage.board.folding import ALL_TIME, ALL_TIME_GRAIN
from storage.board.rollups import is_fresh
from storage.board.themes import written
from storage.tables import (
    AnswerRow,
    BoardAnswerCellRow,
    ErasedAnswerCellRow,
    PersonRow,
    ResponseRow,
    SafeguardingAlertRow,
    SurveyVersionRow,
)
from surveys.insights.disclosure import min_group_size_ok
from surveys.insights.periods import Period, PeriodKind, period_containing
from surveys.insights.quotable import says_something
from surveys.insights.redaction import (
    TOKENS,
    is_word_name,
    name_candidates,
    ref_candidates,
    safe_quote,
    shorten,
)

__all__ = ["QuoteRow", "quotes"]

_TOKENS = re.compile("|".join(re.escape(t) for t in sorted(TOKENS)))


@dataclass(frozen=True, slots=True)
class QuoteRow:
    """A redacted, shortened quote with what it is about and when: its quarter, or its
    year (or the period asked) where the survey's returns in the quarter are too few to
    name it."""

    text: str
    theme: str
    polarity: float | None
    survey_key: str
    quarter: str


async def eligible_surveys(
    session: AsyncSession,
    period: Period | None,
    survey_key: str | None,
    min_group: int,
    *,
    rollups: bool = True,
) -> list[str]:
    """Surveys returned by at least `min_group` young people in the period (from the
    rollups when they are fresh)."""
    returned = await _returned_in(
        session, [period] if period is not None else [], survey_key, rollups=rollups
    )
    return sorted(k for (_, k), n in returned.items() if min_group_size_ok(n, max(min_group, 1)))


async def _nameable_quarters(
    session: AsyncSession, period: Period | None, min_group: int, *, rollups: bool
) -> dict[str, set[str]]:
    """For a year asked, each of its quarters' quotable surveys (`eligible_surveys` for all
    four at once); empty for any other period (`quotes` asks as it needs)."""
    if period is None or period.quarter is not None:
        return {}
    quarters = list(period.quarters())
    named: dict[str, set[str]] = {q.label: set() for q in quarters}
    for (label, key), n in (await _returned_in(session, quarters, None, rollups=rollups)).items():
        if min_group_size_ok(n, max(min_group, 1)):
            named[label].add(key)
    return named


async def _returned_in(
    session: AsyncSession, periods: Sequence[Period], survey_key: str | None, *, rollups: bool
) -> dict[tuple[str, str], int]:
    """Young people who returned each survey (of `survey_key` alone, if given) in each of
    `periods` (contiguous, all quarters or all years; none: all time), by (period label,
    survey): from the rollups when they are fresh, else from the responses and what
    young people since erased returned."""
    labels = {p.start: p.label for p in periods}
    grain = "q" if periods and periods[0].quarter is not None else "y"
    if periods and rollups and await is_fresh(session, periods[0].start, periods[-1].end_exclusive):
        c = BoardAnswerCellRow
        cells = select(c.start, c.survey_key, c.respondents).where(
            c.grain == grain, c.start.in_(list(labels)), c.kind == "returned"
        )
        if survey_key is not None:
            cells = cells.where(c.survey_key == survey_key)
        rows = (await session.execute(cells)).all()
        return {(labels[start], str(key)): int(n) for start, key, n in rows}
    r, v = ResponseRow, SurveyVersionRow
    spans = spans_of(periods) if periods else []
    which = bucket(r.returned_at, spans) if spans else literal(0)
    query = (
        select(which, v.key, func.count(func.distinct(r.person_id)))
        .join(v, v.id == r.survey_version_id)
        .where(r.returned_at.is_not(None), *([in_spans(r.returned_at, spans)] if spans else []))
        .group_by(which, v.key)
    )
    if survey_key is not None:
        query = query.where(v.key == survey_key)
    names = [p.label for p in periods] or [ALL_TIME_LABEL]
    returned = {
        (names[int(n_period)], str(key)): int(n)
        for n_period, key, n in (await session.execute(query)).all()
    }
    e = ErasedAnswerCellRow  # young people since erased still count towards the group
    starts = list(labels) if periods else [ALL_TIME]
    erased = select(e.start, e.survey_key, e.respondents).where(
        e.grain == (grain if periods else ALL_TIME_GRAIN), e.start.in_(starts),
        e.kind == "returned",
    )
    if survey_key is not None:
        erased = erased.where(e.survey_key == survey_key)
    for start, key, n in (await session.execute(erased)).all():
        label = labels.get(start, ALL_TIME_LABEL)
        returned[label, str(key)] = returned.get((label, str(key)), 0) + int(n)
    return returned


ALL_TIME_LABEL = "all time"


async def quotes(
    session: AsyncSession,
    period: Period | None,
    survey_key: str | None = None,
    limit: int = 20,
    min_group: int = 10,
    max_chars: int = 200,
    *,
    rollups: bool = True,
    ref_patterns: Sequence[str] = (),
) -> list[QuoteRow]:
    """Up to `limit` quotes from `period` (all time when None), one survey or all, spread
    over it: the period is cut into `limit` slices, each gives its first `limit` quotable
    answers (in time order) and quotes are taken from the slices in turn. A read costs the
    same however many answers there are, and gives the same quotes each time."""
    await prepare(session)
    if limit < 1:
        return []
    surveys = await eligible_surveys(session, period, survey_key, min_group, rollups=rollups)
    if not surveys:
        return []
    a = AnswerRow
    if period is not None:
        first, last = uk_midnight(period.start), uk_midnight(period.end_exclusive)
    else:
        bounds = select(func.min(a.answered_at), func.max(a.answered_at)).where(*written(None))
        first, last = (await session.execute(bounds)).one()
        if first is None or last is None:
            return []
        last += timedelta(microseconds=1)
    step = (last - first) / limit
    edges = [first + step * i for i in range(limit)] + [last]
    params: dict[str, Any] = {"surveys": surveys}
    for i in range(limit):
        params[f"start{i}"], params[f"end{i}"] = edges[i], edges[i + 1]
    rows = (await session.execute(_statement(limit), params)).all()
    by_slice: dict[int, list[Any]] = {}
    for row in rows:
        by_slice.setdefault(int(row[-1]), []).append(row)
    # the first of each slice, then the second of each, ...: spread, however bunched
    ordered = [
        rows[n] for n in range(limit) for _, rows in sorted(by_slice.items()) if n < len(rows)
    ]
    found: list[QuoteRow] = []
    named = await _nameable_quarters(session, period, min_group, rollups=rollups)

    async def when(key: str, answered_at: Any) -> str:
        """The quarter the answer came in, or its year, whichever the survey's returns
        there are enough to name (the period asked is; a quarter of 3 returns is not)."""
        for kind in (PeriodKind.QUARTER, PeriodKind.YEAR):
            part = period_containing(answered_at, kind)
            if period is not None and part.label == period.label:
                return part.label
            if part.label not in named:
                found = await eligible_surveys(session, part, None, min_group, rollups=rollups)
                named[part.label] = set(found)
            if key in named[part.label]:
                return part.label
        return period.label if period is not None else ALL_TIME_LABEL

    for start in range(0, len(ordered), limit):  # a batch at a time: most are taken
        batch = ordered[start : start + limit]
        refs, table_names = await _people_named_in(session, [str(row[0]) for row in batch])
        for text, theme, polarity, key, answered_at, first_name, _ in batch:
            names = [first_name] if first_name else []
            names += [n for n in table_names if _mentions(str(text), n)]
            safe = safe_quote(
                str(text), known_names=names, known_refs=refs, ref_patterns=ref_patterns
            )
            if safe is None:
                continue  # could not be made safe: not shown
            clean = shorten(safe, max_chars)
            if not says_something(_TOKENS.sub(" ", clean)):
                continue  # nothing left but tokens, or nothing said ("Not sure", "no")
            quarter = await when(str(key), answered_at)
            found.append(QuoteRow(clean, str(theme), rounded(polarity, 2), str(key), quarter))
            if len(found) == limit:
                return found
    return found


_CHUNK = 500  # values in one IN (...)


def _mentions(text: str, name: str) -> bool:
    """Whether `text` has `name` as a word: capitalised, or in any case when the name is
    not also an ordinary word."""
    pattern = re.compile(rf"(?<![\w]){re.escape(name)}(?![\w])", re.IGNORECASE)
    return any(m[0][:1].isupper() or not is_word_name(name) for m in pattern.finditer(text))


async def _people_named_in(
    session: AsyncSession, texts: Iterable[str]
) -> tuple[list[str], list[str]]:
    """Council refs and first names in the people table that `texts` may mention."""
    refs: set[str] = set()
    names: set[str] = set()
    for text in texts:
        refs |= ref_candidates(text)
        names |= name_candidates(text)
    p = PersonRow
    found_refs: list[str] = []
    for chunk in _chunks(sorted(refs)):
        refs_query = select(p.council_ref).where(p.council_ref.in_(chunk))
        found_refs += [str(r) for r in (await session.scalars(refs_query)).all()]
    found_names: list[str] = []
    for chunk in _chunks(sorted(names)):
        names_query = select(p.first_name).where(p.first_name.in_(chunk)).distinct()
        found_names += [str(n) for n in (await session.scalars(names_query)).all() if n]
    return found_refs, found_names


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


@lru_cache(maxsize=16)
def _statement(slices: int) -> CompoundSelect[*tuple[Any, ...]]:
    """`slices` parts, each the first `slices` quotable answers in [start<i>, end<i>) of
    the surveys in `surveys`; built once per size (building it costs more than running it)."""
    a, r, p, s = AnswerRow, ResponseRow, PersonRow, SafeguardingAlertRow
    alerted = exists().where(
        s.response_id == a.response_id, or_(s.question_id == a.question_id, s.question_id.is_(None))
    )
    parts = [
        select(
            a.text, a.theme, a.polarity, a.survey_key, a.answered_at, p.first_name,
            literal_column(str(i)).label("slice"),
        )
        .join(r, r.id == a.response_id)
        .join(p, p.id == r.person_id)
        .where(
            *written(None),
            a.answered_at >= bindparam(f"start{i}"),
            a.answered_at < bindparam(f"end{i}"),
            a.text.is_not(None),
            a.private == false(),  # "only count it, don't show my words to anyone"
            a.survey_key.in_(bindparam("surveys", expanding=True)),
            r.share_quotes == true(),
            p.erased_at.is_(None),
            ~alerted,
        )
        .order_by(a.answered_at, a.id)
        .limit(slices)
        .subquery()
        for i in range(slices)
    ]  # fmt: skip
    return union_all(*(select(part) for part in parts))
