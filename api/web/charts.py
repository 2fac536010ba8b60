"""Charts drawn on the server as SVG shapes (no script, no inline style: CSS classes only).

Each builder returns a `Chart`: plain shapes with CSS classes, a title and a description;
the template `_charts.html` draws any chart. Every chart on a page sits beside a table
with the same figures, which is its text alternative.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from api.web.labels import percent
from surveys.insights.disclosure import SUPPRESSED

SHAPES: Final = ("circle", "square", "triangle", "diamond", "cross")


@dataclass(frozen=True, slots=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    cls: str


@dataclass(frozen=True, slots=True)
class Text:
    x: float
    y: float
    text: str
    cls: str = ""
    anchor: str = "start"


@dataclass(frozen=True, slots=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    cls: str


@dataclass(frozen=True, slots=True)
class Path:
    d: str
    cls: str


@dataclass
class Chart:
    """An SVG picture: its size, words for assistive technology, and shapes."""

    width: int
    height: int
    title: str
    desc: str
    rects: list[Rect] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)

    def legend(self, y: float, items: Sequence[tuple[str, str]], x: float = 0) -> None:
        """Swatches with their words, in a row at `y`."""
        for cls, words in items:
            if cls.startswith("line:"):
                self.lines.append(Line(x, y - 4, x + 14, y - 4, cls.removeprefix("line:")))
            else:
                self.rects.append(Rect(x, y - 11, 14, 14, cls))
            self.texts.append(Text(x + 20, y, words, "legend"))
            x += 28 + 7.5 * len(words)


@dataclass(frozen=True, slots=True)
class BarRow:
    """One row of a bar chart: a label (two lines at most) and its figures."""

    label: str
    sublabel: str
    sent: int | str | None
    returned: int | str | None
    rate: float | None = None
    target: float | None = None


def _number(value: int | str | None) -> int | None:
    return value if isinstance(value, int) else None


def _say(value: int | str | None) -> str:
    if value is None:
        return "–"
    return f"{value:,}" if isinstance(value, int) else str(value)


LABEL_W: Final = 285
BAR_W: Final = 300
WIDTH: Final = 720
PAIR_WIDTH: Final = 600
"""Charts shown beside their table are narrower, so their words stay readable."""


def sent_returned(rows: Sequence[BarRow], title: str) -> Chart:
    """Sent (outlined) with returned (filled) inside it, and the target as a tick."""
    row_h = 44
    top = 8
    height = top + row_h * len(rows) + 40
    chart = Chart(
        WIDTH, height, title,
        "Bars: forms sent, with the part returned filled in; the black tick is the target. "
        "The table beside this chart has the same figures.",
    )
    biggest = max((_number(r.sent) or 0 for r in rows), default=0) or 1
    scale = BAR_W / biggest
    for i, row in enumerate(rows):
        y = top + i * row_h
        chart.texts.append(Text(0, y + 16, row.label, "label strong"))
        chart.texts.append(Text(0, y + 33, row.sublabel, "label"))
        sent, returned = _number(row.sent), _number(row.returned)
        x0 = LABEL_W
        end = float(x0)
        if sent is not None:
            chart.rects.append(Rect(x0, y + 8, max(sent * scale, 1), 26, "bar-sent"))
            end = x0 + sent * scale
            if returned is not None:
                chart.rects.append(Rect(x0, y + 8, returned * scale, 26, "bar-returned"))
            if row.target is not None:
                tx = x0 + sent * row.target * scale
                chart.lines.append(Line(tx, y + 3, tx, y + 39, "target"))
        words = f"{_say(row.returned)} of {_say(row.sent)}"
        if row.rate is not None:
            words += f" ({percent(row.rate)})"
        chart.texts.append(Text(end + 8, y + 26, words, "value"))
    chart.legend(
        height - 10,
        [("bar-sent", "Sent"), ("bar-returned", "Returned"), ("line:target", "Target")],
        x=LABEL_W,
    )
    return chart


@dataclass(frozen=True, slots=True)
class Series:
    """A line of a trend chart: its name and a value (0 to 1) per point, None for a gap."""

    name: str
    values: tuple[float | None, ...]


def trend(series: Sequence[Series], points: Sequence[str], title: str) -> Chart:
    """Lines over quarters, each with its own colour, dash and marker shape, named in a
    legend below the plot."""
    left, top, plot_w, plot_h = 52, 14, 520, 200
    legend_top = top + plot_h + 50
    height = legend_top + 24 * len(series)
    chart = Chart(
        PAIR_WIDTH, height, title,
        "Lines: the return rate of each form by quarter. Each line has its own marker "
        "shape and dash, named in the legend. The table beside this chart has the same "
        "figures.",
    )
    found = [v for s in series for v in s.values if v is not None]
    top_value = max(found, default=0.0)
    y_max = min(1.0, max(0.2, math.ceil((top_value + 0.05) * 10) / 10))
    step = 0.1 if y_max <= 0.5 else 0.2
    ticks = [round(step * i, 2) for i in range(round(y_max / step) + 1)]

    def y_of(value: float) -> float:
        return top + plot_h - value / y_max * plot_h

    def x_of(index: int) -> float:
        if len(points) < 2:
            return left + plot_w / 2
        return left + 40 + index * (plot_w - 80) / (len(points) - 1)

    for tick in ticks:
        chart.lines.append(Line(left, y_of(tick), left + plot_w, y_of(tick), "grid"))
        chart.texts.append(Text(left - 8, y_of(tick) + 5, percent(tick), "axis", "end"))
    for i, name in enumerate(points):
        chart.texts.append(Text(x_of(i), top + plot_h + 24, name, "axis", "middle"))
    for n, line in enumerate(series):
        shape = n % len(SHAPES)
        d = ""
        pen_up = True
        for i, value in enumerate(line.values):
            if value is None:
                pen_up = True
                continue
            d += f"{'M' if pen_up else 'L'}{x_of(i):.1f},{y_of(value):.1f} "
            pen_up = False
            chart.paths.append(Path(_marker(SHAPES[shape], x_of(i), y_of(value)), f"m{shape}"))
        if d:
            chart.paths.insert(0, Path(d.strip(), f"series s{shape}"))
        y = legend_top + 24 * n
        chart.lines.append(Line(left, y - 5, left + 36, y - 5, f"series s{shape}"))
        chart.paths.append(Path(_marker(SHAPES[shape], left + 18, y - 5), f"m{shape}"))
        chart.texts.append(Text(left + 46, y, line.name, "legend"))
    return chart


def _marker(shape: str, x: float, y: float, r: float = 5) -> str:
    if shape == "circle":
        return f"M{x - r},{y} a{r},{r} 0 1,0 {2 * r},0 a{r},{r} 0 1,0 {-2 * r},0"
    if shape == "square":
        return f"M{x - r},{y - r} h{2 * r} v{2 * r} h{-2 * r} Z"
    if shape == "triangle":
        return f"M{x},{y - r - 1} L{x + r + 1},{y + r} L{x - r - 1},{y + r} Z"
    if shape == "diamond":
        return f"M{x},{y - r - 1} L{x + r + 1},{y} L{x},{y + r + 1} L{x - r - 1},{y} Z"
    return (
        f"M{x - r},{y - r} L{x + r},{y + r} M{x + r},{y - r} L{x - r},{y + r}"
    )


@dataclass(frozen=True, slots=True)
class ShareRow:
    """Shares of answers that were negative, neutral and positive for one group."""

    label: str
    negative: float | None
    neutral: float | None
    positive: float | None


def shares(rows: Sequence[ShareRow], title: str) -> Chart:
    """A 100% bar per group: negative, neutral, positive, each with its percentage."""
    row_h = 34
    top = 4
    height = top + row_h * len(rows) + 36
    chart = Chart(
        PAIR_WIDTH, height, title,
        "Bars split into the share of answers that were negative, neutral and positive, "
        "each part labelled with its percentage. The table beside this chart has the same "
        "figures.",
    )
    x0 = 130
    width = 460
    for i, row in enumerate(rows):
        y = top + i * row_h
        chart.texts.append(Text(0, y + 21, row.label, "label strong"))
        parts = (row.negative, row.neutral, row.positive)
        if any(p is None for p in parts):
            # the group may be large: it is a share of it that is 5 or fewer
            hidden = f"{SUPPRESSED}: shares hidden, one is 5 or fewer"
            chart.texts.append(Text(x0, y + 21, hidden, "value"))
            continue
        x = float(x0)
        for value, cls in zip(parts, ("neg", "neu", "pos"), strict=True):
            assert value is not None
            w = value * width
            if w > 0:
                chart.rects.append(Rect(x, y + 4, w, 26, f"share-{cls}"))
            if w >= 34:
                chart.texts.append(Text(x + w / 2, y + 22, percent(value), "inbar", "middle"))
            x += w
    chart.legend(
        height - 10,
        [("share-neg", "Negative"), ("share-neu", "Neutral"), ("share-pos", "Positive")],
        x=x0,
    )
    return chart


@dataclass(frozen=True, slots=True)
class CountRow:
    """A bar; a `heading` row names the group of bars below it instead."""

    label: str
    value: int | str | None
    heading: bool = False


def counts(rows: Sequence[CountRow], title: str, what: str) -> Chart:
    """A bar per row, longest for the biggest count; suppressed rows say "c"."""
    row_h = 30
    height = 4 + row_h * len(rows) + 8
    chart = Chart(
        PAIR_WIDTH, height, title,
        f"Bars: {what}. The table beside this chart has the same figures.",
    )
    x0, width = 210, 330
    biggest = max((_number(r.value) or 0 for r in rows), default=0) or 1
    for i, row in enumerate(rows):
        y = 4 + i * row_h
        if row.heading:
            chart.texts.append(Text(0, y + 22, row.label, "heading"))
            continue
        chart.texts.append(Text(0, y + 19, row.label, "label"))
        value = _number(row.value)
        w = 0.0 if value is None else value / biggest * width
        if value:
            chart.rects.append(Rect(x0, y + 4, w, 22, "bar-returned"))
        chart.texts.append(Text(x0 + w + 8, y + 20, _say(row.value), "value"))
    return chart
