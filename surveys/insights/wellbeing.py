"""The ONS personal wellbeing questions: the board's figures beside national ones.

The "How am I getting on" check-in asks the four ONS questions (0 to 10). A board sees,
per question and age group, how many answered, the mean score and the share with low
scores (0 to 4; for anxiety the share with high anxiety, 6 to 10, as ONS reports them),
beside the published national figure for that age group, kept as data with its source
and year (`surveys/data/wellbeing_national.yaml`). Small numbers are suppressed as
everywhere: 1 to 5 respondents hide the group's mean and share, and a share is hidden
when the young people inside or outside it are 1 to 5.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Final

from surveys.data_files import builtin_text, parse_yaml
from surveys.insights.disclosure import (
    DEFAULT_THRESHOLD,
    SUPPRESSED,
    is_small,
    suppress_over_time,
    suppress_shares,
)

__all__ = [
    "AGE_GROUPS",
    "MEASURES",
    "QUESTION_IDS",
    "NationalFigure",
    "OnsCounts",
    "WellbeingFigure",
    "age_group",
    "is_low",
    "load_national",
    "protect_over_year",
    "wellbeing_figures",
]


@dataclass(frozen=True, slots=True)
class Measure:
    """One ONS measure and the question that asks it."""

    key: str
    question_id: str
    label: str
    share_words: str  # what the share counts
    high_is_good: bool


MEASURES: Final = (
    Measure("life_satisfaction", "ons_life", "Life satisfaction", "low (0 to 4)", True),
    Measure("worthwhile", "ons_worthwhile", "Things I do are worthwhile", "low (0 to 4)", True),
    Measure("happy", "ons_happy", "Happy yesterday", "low (0 to 4)", True),
    Measure("anxious", "ons_anxious", "Anxious yesterday", "high anxiety (6 to 10)", False),
)
"""The four ONS personal wellbeing measures and the questions that ask them."""
QUESTION_IDS: Final = tuple(m.question_id for m in MEASURES)
AGE_GROUPS: Final = ("under 16", "16 and over")
"""The board's age groups, each compared with the national figure for that age."""
_UNDER_16: Final = frozenset({"under 8", "8-12", "13-15"})


def age_group(band: str | None) -> str | None:
    """The comparison group of an age band (None when the band is not known)."""
    if band is None or band == "unknown":
        return None
    return AGE_GROUPS[0] if band in _UNDER_16 else AGE_GROUPS[1]


def is_low(measure_key: str, score: int) -> bool:
    """Whether a score counts in the measure's share (low, or high anxiety)."""
    return score >= 6 if measure_key == "anxious" else score <= 4


@dataclass(frozen=True, slots=True)
class NationalFigure:
    """A published figure, with where it came from; `mean` None when not known here."""

    measure: str
    group: str
    population: str
    mean: float | None
    low_share: float | None
    checked: bool
    source: str  # title, publisher and year, in words
    url: str | None
    where: str | None = None  # the table or page of the source a checked figure was read in


def load_national(
    text: str | None = None, *, year_starting: int | None = None
) -> dict[tuple[str, str], NationalFigure]:
    """The national figure for each (measure, age group) from the shipped data file: for
    the financial year starting in `year_starting` if one is known, else the nearest
    earlier year, else the nearest later one (None: the latest known)."""
    source = "surveys/data/wellbeing_national.yaml"
    if text is None:
        text, source = builtin_text("wellbeing_national.yaml")
    data: Any = parse_yaml(text, source, ValueError)
    sources: Mapping[str, Mapping[str, Any]] = data["sources"]
    candidates: dict[tuple[str, str], list[tuple[int, NationalFigure]]] = {}
    for item in data["figures"]:
        cited = sources[item["source"]]
        if item["checked"] and not (item.get("where") and cited.get("url")):
            raise ValueError(
                f"{source}: a checked figure ({item['measure']}, {item['group']}) must say "
                "`where` in its source it was read, and the source its url"
            )
        covers = item.get("year", cited.get("year"))
        year = f", {covers}" if covers else ""
        figure = NationalFigure(
            measure=item["measure"],
            group=item["group"],
            population=item["population"],
            mean=item["mean"],
            low_share=item["low_share"],
            checked=bool(item["checked"]),
            source=f"{cited['title']}, {cited['publisher']}{year}",
            url=cited.get("url"),
            where=item.get("where"),
        )
        starts = int(str(covers)[:4]) if covers else 0
        candidates.setdefault((item["measure"], item["group"]), []).append((starts, figure))
    return {key: _nearest(found, year_starting) for key, found in candidates.items()}


def _nearest(found: list[tuple[int, NationalFigure]], year: int | None) -> NationalFigure:
    """The figure for `year`, else the nearest earlier, else the nearest later; a known
    figure is preferred to one marked not known (mean null)."""
    known = [pair for pair in found if pair[1].mean is not None] or found
    if year is None:
        return max(known, key=lambda pair: pair[0])[1]
    earlier = [pair for pair in known if pair[0] <= year]
    if earlier:
        return max(earlier, key=lambda pair: pair[0])[1]
    return min(known, key=lambda pair: pair[0])[1]


@dataclass(frozen=True, slots=True)
class OnsCounts:
    """What the store counted for one measure and group: respondents, the sum of their
    scores and how many scored in the measure's share."""

    measure: str
    group: str
    respondents: int
    total: int
    low: int
    hide_respondents: bool = False  # hidden to protect another view (another quarter)
    hide_share: bool = False


@dataclass(frozen=True, slots=True)
class WellbeingFigure:
    """One row a board reads: our young people beside the national figure."""

    measure: str
    label: str
    group: str
    respondents: int | str  # "c" when 1 to 5
    mean: float | None  # withheld when respondents are suppressed
    share_words: str
    low_share: float | None  # withheld when the share could identify young people
    high_is_good: bool
    national_mean: float | None
    national_low_share: float | None
    national_population: str | None
    national_source: str | None
    national_checked: bool


def wellbeing_figures(
    counts: Sequence[OnsCounts],
    national: Mapping[tuple[str, str], NationalFigure] | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    *,
    year_starting: int | None = None,
) -> list[WellbeingFigure]:
    """Every measure for every age group, suppressed, with its national comparator (for
    the financial year starting in `year_starting`, or the nearest one published)."""
    national = load_national(year_starting=year_starting) if national is None else national
    by_key = {(c.measure, c.group): c for c in counts}
    rows: list[WellbeingFigure] = []
    for group in AGE_GROUPS:
        for m in MEASURES:
            c = by_key.get((m.key, group), OnsCounts(m.key, group, 0, 0, 0))
            n = c.respondents
            hidden = is_small(n, threshold) or c.hide_respondents
            share_hidden = (
                hidden
                or c.hide_share
                or any(suppress_shares([c.low, n - c.low], threshold=threshold))
            )
            ref = national.get((m.key, group))
            rows.append(
                WellbeingFigure(
                    measure=m.key,
                    label=m.label,
                    group=group,
                    respondents=SUPPRESSED if hidden else n,
                    mean=None if hidden or not n else round(c.total / n, 1),
                    share_words=m.share_words,
                    low_share=None if share_hidden or not n else round(c.low / n, 3),
                    high_is_good=m.high_is_good,
                    national_mean=ref.mean if ref else None,
                    national_low_share=ref.low_share if ref else None,
                    national_population=ref.population if ref else None,
                    national_source=_cited(ref),
                    national_checked=ref.checked if ref else False,
                )
            )
    return rows


def protect_over_year(
    by_quarter: Mapping[date, Sequence[OnsCounts]],
    chosen: Collection[date],
    threshold: int = DEFAULT_THRESHOLD,
) -> list[OnsCounts]:
    """The counts of the `chosen` quarters (one, or all four for the year) of one financial
    year, added up, each marked with what must be hidden so that neither this view nor its
    difference from the year's other views gives a count of 1 to `threshold` back.

    `by_quarter` holds each quarter of the year (a missing one counts as nothing)."""
    quarters = list(by_quarter)
    whole_year = set(chosen) >= set(quarters)
    keys = {(c.measure, c.group) for cells in by_quarter.values() for c in cells}
    found: list[OnsCounts] = []
    for measure, group in sorted(keys):
        cell = {
            q: next((c for c in by_quarter[q] if (c.measure, c.group) == (measure, group)),
                    OnsCounts(measure, group, 0, 0, 0))
            for q in quarters
        }  # fmt: skip
        answered = suppress_over_time(
            {q: (c.respondents,) for q, c in cell.items()}, lambda _: 0, threshold=threshold
        )
        low = suppress_over_time(
            {q: (c.low, c.respondents - c.low) for q, c in cell.items()},
            lambda _: 0,
            shares=True,
            threshold=threshold,
        )
        picked = [cell[q] for q in quarters if q in chosen]
        if whole_year:
            hide_n, hide_low = answered.years[0][0], any(low.years[0])
        else:
            hide_n = any(answered.quarters[q][0] for q in quarters if q in chosen)
            hide_low = any(any(low.quarters[q]) for q in quarters if q in chosen)
        added = OnsCounts(
            measure,
            group,
            respondents=sum(c.respondents for c in picked),
            total=sum(c.total for c in picked),
            low=sum(c.low for c in picked),
        )
        found.append(replace(added, hide_respondents=hide_n, hide_share=hide_n or hide_low))
    return found


def _cited(ref: NationalFigure | None) -> str | None:
    """Where a national figure comes from, with the place in it that was read."""
    if ref is None:
        return None
    return f"{ref.source} ({ref.where})" if ref.where else ref.source
