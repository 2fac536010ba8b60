"""Tables on the command line that never cut a reference, a date, an id or a code.

Rich fits a table to the terminal by narrowing its columns, and when that is not enough
it cuts every cell short with `…`: `DEMO-N00…`, `2026-12-…`, `consult…`. A `Listing` says
which columns hold free text (a survey's title, a comparator's source): only those wrap.
Every other column is as wide as its longest value, its heading wrapping between words
if it is longer, and is never cut. When even that does not fit the terminal (or the 80
columns of output that is not a terminal), the table is drawn as wide as it needs: the
terminal wraps the lines, nothing is lost.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Column, Table
from rich.text import Text

FREE_TEXT_MIN = 12
"""The narrowest a free-text column is drawn: its longest word, up to this (a longer word
folds onto the next line)."""

GAP = 2
"""Spaces between two columns (a rule under each heading marks them)."""


def _longest_word(text: str) -> int:
    return max((cell_len(word) for word in text.split()), default=0)


@dataclass
class Listing:
    """Rows to print as a table. `headings` in order; `free` the ones of free text, which
    may wrap; every other column keeps its values whole."""

    headings: tuple[str, ...]
    free: frozenset[str] = frozenset()
    rows: list[tuple[str, ...]] = field(default_factory=list)
    keyed: frozenset[str] = frozenset()
    """Free columns whose values start with a line that is never cut (a survey's key above
    its title): the column is never narrower than the longest such line."""
    spaced: bool = False
    """A blank line between rows, for rows of more than one line."""

    def add_row(self, *cells: str) -> None:
        if len(cells) != len(self.headings):
            raise ValueError(f"{len(cells)} cells for {len(self.headings)} columns")
        self.rows.append(tuple(cells))

    def _values(self, index: int) -> Iterable[str]:
        return (row[index] for row in self.rows)

    def whole_width(self, index: int) -> int:
        """A column that is never cut: its longest value, or its heading's longest word."""
        values = [cell_len(line) for v in self._values(index) for line in v.splitlines()]
        return max([*values, _longest_word(self.headings[index]), 1])

    def first_lines(self, index: int) -> int:
        """The longest first line of a keyed column's values (0 for any other column)."""
        if self.headings[index] not in self.keyed:
            return 0
        return max((cell_len(v.splitlines()[0]) for v in self._values(index) if v), default=0)

    def least_width(self) -> int:
        """The narrowest the table can be drawn with nothing cut."""
        widths = [
            max(
                min(FREE_TEXT_MIN, max([_longest_word(h), *map(_longest_word, self._values(i))])),
                self.first_lines(i),
            )
            if h in self.free else self.whole_width(i)
            for i, h in enumerate(self.headings)
        ]
        return sum(widths) + GAP * (len(widths) - 1)

    def table(self) -> Table:
        columns = [
            Column(heading, overflow="fold", min_width=self.first_lines(i) or None)
            if heading in self.free
            else Column(heading, width=self.whole_width(i))  # a fixed width is never narrowed
            for i, heading in enumerate(self.headings)
        ]
        table = Table(*columns, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False,
                      padding=(0, GAP - 1, 0, 0), leading=1 if self.spaced else 0)
        for row in self.rows:
            table.add_row(*(
                cell if heading in self.free else Text(cell, no_wrap=True, overflow="ignore")
                for heading, cell in zip(self.headings, row, strict=True)
            ))
        return table

    def print(self, console: Console) -> None:
        """Print to `console`, no narrower than the table needs to keep its values whole
        (a terminal wraps the lines of a wider one; nothing is lost)."""
        before = console.width
        console.width = max(before, self.least_width())  # print(width=) cannot go wider
        try:
            console.print(self.table())
        finally:
            console.width = before
