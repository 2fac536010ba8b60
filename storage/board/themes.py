"""What young people's free text talks about most: by question theme, and by topic.

Themes are the survey's own (`answers.theme`). Topics come from a small lexicon kept as
data (`surveys/data/topics.yaml`) and are counted in SQL: the text is lower-cased with
punctuation turned into spaces, and each topic is a set of tests for " word ", all
topics in one query per period (a substring search for " word ", which is quicker than
LIKE). Answers to sensitive questions are never read. Theme counts include answers whose
text was later erased (their sentiment is kept); topics can only count text still held.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Final

import yaml
from sqlalchemy import ColumnElement, case, false, func, literal, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.board._common import SUPPRESSED, Count, Span, in_spans, prepare, rounded
from storage.tables import AnswerRow
from surveys.insights.disclosure import DEFAULT_THRESHOLD, is_small
from surveys.insights.periods import Period

__all__ = ["ThemeRow", "Topic", "load_topics", "top_themes"]

PUNCTUATION: Final = ".,!?;:'\"()-/\n\t’‘“”…&"
"""Characters that become spaces before keywords are matched (20: SQLite's parser has a
limited depth for the nested `replace` calls)."""


@dataclass(frozen=True, slots=True)
class Topic:
    """Something young people write about, found by keywords."""

    key: str
    label: str
    keywords: tuple[str, ...]


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


def _normalise(text: str) -> str:
    for char in PUNCTUATION + "*%_":
        text = text.replace(char, " ")
    return " ".join(text.lower().split())


def load_topics(path: Path | None = None) -> tuple[Topic, ...]:
    """The topic lexicon: `path`, or the built-in `surveys/data/topics.yaml`."""
    if path is None:
        return _builtin_topics()
    return _parse_topics(path.read_text(encoding="utf-8"), str(path))


@lru_cache(maxsize=1)
def _builtin_topics() -> tuple[Topic, ...]:
    source = resources.files("surveys").joinpath("data/topics.yaml")
    return _parse_topics(source.read_text(encoding="utf-8"), "surveys/data/topics.yaml")


def _parse_topics(text: str, where: str) -> tuple[Topic, ...]:
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or not isinstance(data.get("topics"), dict):
        raise ValueError(f"{where}: expected a mapping with 'topics'")
    topics = []
    for key, spec in data["topics"].items():
        keywords = spec.get("keywords") if isinstance(spec, dict) else None
        if not isinstance(keywords, list) or not keywords:
            raise ValueError(f"{where}: topic {key!r} needs a list of keywords")
        cleaned = tuple(
            _normalise(str(k).removesuffix("*")) + ("*" if str(k).endswith("*") else "")
            for k in keywords
        )
        if any(not k.strip("*") for k in cleaned):
            raise ValueError(f"{where}: topic {key!r} has an empty keyword")
        topics.append(Topic(str(key), str(spec.get("label") or key), cleaned))
    return tuple(topics)


def needle(keyword: str) -> str:
    """What to look for in ' normalised text ': the keyword as whole words, or (ending in
    "*") as the start of a word."""
    if keyword.endswith("*"):
        return f" {keyword[:-1]}"
    return f" {keyword} "


def _contains(text: Any, keyword: str, dialect: str) -> ColumnElement[bool]:
    """SQL: `text` contains the keyword's needle (a plain substring search, not LIKE)."""
    position = func.strpos if dialect == "postgresql" else func.instr
    return position(text, needle(keyword)) > 0


def normalised_text(column: Any, dialect: str) -> ColumnElement[str]:
    """SQL: ' ' + lower(text) + ' ' with punctuation turned into spaces (PostgreSQL in one
    `translate`, SQLite by nested `replace`)."""
    expression: Any = func.lower(column)
    if dialect == "postgresql":
        expression = func.translate(expression, PUNCTUATION, " " * len(PUNCTUATION))
    else:
        for char in PUNCTUATION:
            expression = func.replace(expression, char, " ")
    return literal(" ") + expression + literal(" ")  # type: ignore[no-any-return]


def written(period: Period | None) -> list[ColumnElement[bool]]:
    """Current free-text answers to questions that are not sensitive (scored when stored,
    so `polarity` is set exactly for them; erasing the text keeps it), in the period."""
    a = AnswerRow
    conditions = [a.superseded_at.is_(None), a.sensitive == false(), a.polarity.is_not(None)]
    if period is not None:
        conditions.append(in_spans(a.answered_at, [Span.of(period)]))
    return conditions


async def top_themes(
    session: AsyncSession,
    period: Period,
    limit: int = 10,
    threshold: int = DEFAULT_THRESHOLD,
    *,
    topics: Sequence[Topic] | None = None,
) -> list[ThemeRow]:
    """The `limit` themes and the `limit` topics most written about in `period`, each
    list by respondents (most first): themes, then topics."""
    dialect = await prepare(session)
    a = AnswerRow
    theme = a.theme.concat(literal_column("''")).label(
        "theme"
    )  # not the theme index: see sentiment
    themes_query = (
        select(theme, func.count(), func.count(func.distinct(a.response_id)), func.avg(a.polarity))
        .where(*written(period))
        .group_by(theme)
    )
    themes = [
        _row("theme", str(t), _label(str(t)), int(n), int(r), mean, threshold)
        for t, n, r, mean in (await session.execute(themes_query)).all()
    ]
    found = await _topic_counts(session, period, topics or load_topics(), dialect)
    topic_rows = [_row("topic", t.key, t.label, n, r, mean, threshold) for t, (n, r, mean) in found]
    return _top(themes, limit) + _top(topic_rows, limit)


async def _topic_counts(
    session: AsyncSession, period: Period, topics: Sequence[Topic], dialect: str
) -> list[tuple[Topic, tuple[int, int, float | None]]]:
    """(answers, respondents, mean polarity) of each topic, from one query."""
    if not topics:
        return []
    a = AnswerRow
    norm = (
        select(a.response_id, a.polarity, normalised_text(a.text, dialect).label("t"))
        .where(*written(period), a.text.is_not(None))
        .cte("norm")
        .prefix_with("MATERIALIZED")
    )
    flags = (
        select(
            norm.c.response_id,
            norm.c.polarity,
            *(
                case(
                    (or_(*(_contains(norm.c.t, k, dialect) for k in topic.keywords)), 1), else_=0
                ).label(f"m{i}")
                for i, topic in enumerate(topics)
            ),
        )
        .cte("flags")
        .prefix_with("MATERIALIZED")
    )
    scored = case((flags.c.polarity.is_(None), 0), else_=1)
    per_response = (
        select(
            *(
                column
                for i in range(len(topics))
                for column in (
                    func.max(flags.c[f"m{i}"]).label(f"r{i}"),
                    func.sum(flags.c[f"m{i}"]).label(f"n{i}"),
                    func.sum(flags.c[f"m{i}"] * flags.c.polarity).label(f"s{i}"),
                    func.sum(flags.c[f"m{i}"] * scored).label(f"c{i}"),
                )
            )
        )
        .group_by(flags.c.response_id)
        .subquery()
    )
    query = select(*(func.coalesce(func.sum(column), 0) for column in per_response.c))
    values = list((await session.execute(query)).one())
    out = []
    for i, topic in enumerate(topics):
        respondents, answers, total, scored_n = values[4 * i : 4 * i + 4]
        mean = float(total) / int(scored_n) if scored_n else None
        out.append((topic, (int(answers), int(respondents), mean)))
    return out


def _row(
    kind: str,
    key: str,
    label: str,
    answers: int,
    respondents: int,
    mean: float | None,
    threshold: int,
) -> tuple[int, int, ThemeRow]:
    hidden = is_small(respondents, threshold) or is_small(answers, threshold)
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
    return theme.replace("_", " ").capitalize()


def _top(rows: Sequence[tuple[int, int, ThemeRow]], limit: int) -> list[ThemeRow]:
    ranked = sorted((r for r in rows if r[0]), key=lambda r: (-r[0], -r[1], r[2].key))
    return [row for _, _, row in ranked[:limit]]
