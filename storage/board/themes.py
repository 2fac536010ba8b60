"""What young people's free text talks about most: by question theme, and by topic.

Themes are the survey's own (`answers.theme`); the catch-all "general" is never shown as
one. Topics are the care themes of a taxonomy kept as data (`surveys/data/topics.yaml`,
what children in care talk about); each answer is tagged when it is stored
(`answer_topics`, see `storage.board.topics`), so a period's topics are one GROUP BY over
the tags' index. Answers to sensitive questions are never read. Theme counts include
answers whose text was later erased (their sentiment is kept); topics count text still
held, plus what erased or expired text added (`storage.board.folding`), so erasing and
retention change no count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, false, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.board._common import SUPPRESSED, Count, Span, bucket, in_spans, prepare, rounded
from storage.board.history import answer_quarters, protect_quarters
from storage.board.rollups import answer_cells, contiguous
from storage.tables import AnswerRow, AnswerTopicRow
from surveys.insights.disclosure import DEFAULT_THRESHOLD, is_small
from surveys.insights.periods import Period
from surveys.topics import Topic, load_topics, needle

__all__ = ["ThemeRow", "Topic", "load_topics", "needle", "top_themes"]

GENERAL = "general"  # the survey's catch-all question theme: not a theme a board is shown
Figures = tuple[int, int, float | None]  # answers, respondents, mean polarity
Pair = tuple[int, int]  # answers, respondents


@dataclass(frozen=True, slots=True)
class ThemeRow:
    """A theme (`kind` "theme") or keyword topic ("topic"): text answers about it, the
    respondents who wrote them and their mean polarity; 1 to 5 is suppressed."""

    kind: str
    key: str
    label: str
    answers: Count
    respondents: Count
    mean_polarity: float | None


def written(period: Period | None) -> list[ColumnElement[bool]]:
    """Current free-text answers to questions that are not sensitive (scored when stored,
    so `polarity` is set exactly for them; erasing the text keeps it), in the period."""
    a = AnswerRow
    conditions = [a.superseded_at.is_(None), a.sensitive == false(), a.polarity.is_not(None)]
    if period is not None:
        conditions.append(in_spans(a.answered_at, [Span.of(period)]))
    return conditions


async def theme_counts(session: AsyncSession, period: Period) -> dict[str, Figures]:
    """(answers, respondents, mean polarity) of each theme in `period`, straight from
    the answers."""
    a = AnswerRow
    theme = a.theme.concat(literal_column("''")).label("theme")  # not the theme index
    query = (
        select(theme, func.count(), func.count(func.distinct(a.response_id)), func.avg(a.polarity))
        .where(*written(period))
        .group_by(theme)
    )
    return {
        str(t): (int(n), int(r), None if m is None else float(m))
        for t, n, r, m in (await session.execute(query)).all()
    }


async def topic_counts(session: AsyncSession, period: Period) -> dict[str, Figures]:
    """(answers, respondents, mean polarity) of each topic in `period`, from the tags."""
    t = AnswerTopicRow
    query = (
        select(
            t.topic, func.count(), func.count(func.distinct(t.response_id)), func.avg(t.polarity)
        )
        .where(in_spans(t.answered_at, [Span.of(period)]))
        .group_by(t.topic)
    )
    return {
        str(k): (int(n), int(r), None if m is None else float(m))
        for k, n, r, m in (await session.execute(query)).all()
    }


async def _from_cells(
    session: AsyncSession, period: Period, kind: str, *, erased: bool = False
) -> dict[str, Figures]:
    grain = "y" if period.quarter is None else "q"
    return {
        grp: (n, respondents, total / n if n else None)
        for _, grp, respondents, n, total, _, _ in await answer_cells(
            session, grain, [period.start], kind, None, erased=erased
        )
    }


async def _with_erased(
    session: AsyncSession, period: Period, kind: str, counted: dict[str, Figures]
) -> dict[str, Figures]:
    """Figures counted from the rows plus what erased young people wrote
    (`storage.board.folding`)."""
    out = dict(counted)
    for key, (n, respondents, mean) in (
        await _from_cells(session, period, kind, erased=True)
    ).items():
        n0, r0, m0 = out.get(key, (0, 0, None))
        total = (m0 or 0.0) * n0 + (mean or 0.0) * n
        out[key] = (n0 + n, r0 + respondents, total / (n0 + n) if n0 + n else None)
    return out


async def top_themes(
    session: AsyncSession,
    period: Period,
    limit: int = 10,
    threshold: int = DEFAULT_THRESHOLD,
    *,
    topics: Sequence[Topic] | None = None,
    rollups: bool = True,
) -> list[ThemeRow]:
    """The `limit` themes and the `limit` topics (of `topics`, default the lexicon's)
    most written about in `period`, each list by respondents (most first): themes, then
    topics. Read from the rollups, exact while a change waits (`rollups=False`: never)."""
    await prepare(session)
    if rollups:  # exact even while a change waits (buckets)
        by_theme = await _from_cells(session, period, "theme")
        found = await _from_cells(session, period, "topic")
    else:
        by_theme = await _with_erased(session, period, "theme", await theme_counts(session, period))
        found = await _with_erased(session, period, "topic", await topic_counts(session, period))
    hidden_themes = _hidden_over_time(await _history(session, "theme", rollups), period, threshold)
    hidden_topics = _hidden_over_time(await _history(session, "topic", rollups), period, threshold)
    themes = [
        _row("theme", key, _label(key), *figures, threshold, key in hidden_themes)
        for key, figures in by_theme.items()
        if key != GENERAL
    ]
    topic_rows = [
        _row(
            "topic",
            topic.key,
            topic.label,
            *found[topic.key],
            threshold,
            topic.key in hidden_topics,
        )
        for topic in (load_topics() if topics is None else topics)
        if topic.key in found
    ]
    return _top(themes, limit) + _top(topic_rows, limit)


async def _history(
    session: AsyncSession, kind: str, rollups: bool
) -> dict[str, dict[date, Pair]]:
    """(answers, respondents) of each theme or topic in every quarter, all time: from the
    rollup cells (exact while a change waits, by bucket), or from the rows."""
    a = AnswerRow
    spans = await answer_quarters(session, rollups=rollups)
    if not spans:
        return {}
    dirty = [] if rollups else [s.start for s in spans]
    out: dict[str, dict[date, Pair]] = {}
    clean = [s.start for s in spans if s.start not in set(dirty)]
    if clean:
        for day, grp, respondents, n, _, _, _ in await answer_cells(
            session, "q", clean, kind, None
        ):
            out.setdefault(grp, {})[day] = (n, respondents)
    for run in contiguous(dirty):
        if kind == "theme":
            inner = (
                select(bucket(a.answered_at, run).label("q"),
                       a.theme.concat(literal_column("''")).label("grp"), a.response_id)
                .where(*written(None), in_spans(a.answered_at, run))
                .subquery()
            )  # fmt: skip
        else:
            t = AnswerTopicRow
            inner = (
                select(bucket(t.answered_at, run).label("q"), t.topic.label("grp"), t.response_id)
                .where(in_spans(t.answered_at, run))
                .subquery()
            )
        query = select(
            inner.c.q, inner.c.grp, func.count(), func.count(func.distinct(inner.c.response_id))
        ).group_by(inner.c.q, inner.c.grp)
        for q, grp, n, respondents in (await session.execute(query)).all():
            out.setdefault(str(grp), {})[run[int(q)].start] = (int(n), int(respondents))
    if dirty:  # counted from the rows: add what erased young people wrote, as the cells do
        for day, grp, respondents, n, _, _, _ in await answer_cells(
            session, "q", list(dirty), kind, None, erased=True
        ):
            n0, r0 = out.setdefault(grp, {}).get(day, (0, 0))
            out[grp][day] = (n0 + n, r0 + respondents)
    return out


def _hidden_over_time(
    history: Mapping[str, Mapping[date, Pair]], period: Period, threshold: int
) -> set[str]:
    """Keys whose figures for `period` must be hidden so that no quarter, year or
    difference of them gives a hidden count back."""
    hidden = set()
    for key, quarters in history.items():
        flags = protect_quarters(
            tuple(sorted(quarters.items())), shares=False, threshold=threshold
        )
        view = flags.years if period.quarter is None else flags.quarters
        if any(view.get(period.start, ())):
            hidden.add(key)
    return hidden


def _row(
    kind: str,
    key: str,
    label: str,
    answers: int,
    respondents: int,
    mean: float | None,
    threshold: int,
    hidden_over_time: bool = False,
) -> tuple[int, int, ThemeRow]:
    hidden = is_small(respondents, threshold) or is_small(answers, threshold) or hidden_over_time
    row = ThemeRow(
        kind=kind,
        key=key,
        label=label,
        answers=SUPPRESSED if hidden else answers,
        respondents=SUPPRESSED if hidden else respondents,
        mean_polarity=None if hidden or mean is None else rounded(float(mean)),
    )
    return respondents, answers, row


def _label(theme: str) -> str:
    return theme.replace("_", " ").capitalize()  # never "General": that theme is not shown


def _top(rows: Sequence[tuple[int, int, ThemeRow]], limit: int) -> list[ThemeRow]:
    ranked = sorted((r for r in rows if r[0]), key=lambda r: (-r[0], -r[1], r[2].key))
    return [row for _, _, row in ranked[:limit]]
