"""Statistical disclosure control: small counts about children are never shown.

Figures about a handful of children can identify them, so official statistics about
children suppress small counts. The rules here:

1. **Primary**: a count from 1 to `threshold` (5) is suppressed, shown as "c". Zero is not
   suppressed. A rate built on a suppressed count is withheld (None).
2. **Complement**: in a part/whole pair such as `returned` of `sent`, the part not
   returned (`sent - returned`) counts children too. If it is 1 to `threshold` it would
   identify them ("all but 2 returned their form"), so `returned` is suppressed as well.
   This is the standard complement rule.
3. **Secondary**: a total a reader can see (or work out) lets them recover a single
   suppressed cell by subtraction. So wherever a total and its parts have exactly one
   suppressed value, the next-smallest non-zero part is suppressed too (the total only
   if no part can be). In a grid this runs along every row and column until stable.
4. **Audit**: finally every suppressed value is checked against all published totals
   together (exact linear algebra, so combinations of rows and columns count too); if
   one could still be worked out, another cell is suppressed and the rules run again.

What this does not do: it stops exact recovery, not narrowing a value to a range (a
full interval audit needs an optimiser); and it cannot know about figures published
elsewhere. Take totals you show from here so they carry the same suppression.

    >>> [c.shown for c in suppress_counts([40, 3, 12, 0]).cells]
    [40, 'c', 'c', 0]
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Final, Generic, TypeVar

from surveys.insights.rates import rate

__all__ = [
    "DEFAULT_THRESHOLD",
    "RETURNED_OF_SENT",
    "SUPPRESSED",
    "Cell",
    "OverTime",
    "Pair",
    "Reason",
    "SuppressedCounts",
    "SuppressedGrid",
    "is_small",
    "min_group_size_ok",
    "suppress_counts",
    "suppress_grid",
    "suppress_over_time",
    "suppress_shares",
    "suppress_table",
]

SUPPRESSED: Final = "c"
"""What a board sees in place of a suppressed count (the convention of official statistics)."""

DEFAULT_THRESHOLD: Final = 5
"""Counts from 1 to this are suppressed."""


class Reason(StrEnum):
    """Why a count is suppressed."""

    PRIMARY = "primary"  # the count itself is small
    SECONDARY = "secondary"  # hides another suppressed count from subtraction
    COMPLEMENT = "complement"  # whole minus this part is small


@dataclass(frozen=True, slots=True)
class Cell:
    """A count and, if it is suppressed, why."""

    value: int
    reason: Reason | None = None

    @property
    def suppressed(self) -> bool:
        """Whether the count must not be shown."""
        return self.reason is not None

    @property
    def shown(self) -> int | str:
        """The count, or SUPPRESSED ("c")."""
        return SUPPRESSED if self.reason is not None else self.value


@dataclass(frozen=True, slots=True)
class Pair:
    """A part and its whole in the same row (`returned` of `sent`): the complement rule
    applies to them and, if `rate_key` is set, the output gets `part / whole` under it."""

    part: str
    whole: str
    rate_key: str | None = None


RETURNED_OF_SENT: Final = Pair(part="returned", whole="sent", rate_key="rate")
"""Forms returned out of forms sent, with the return rate under "rate"."""


def is_small(n: int, threshold: int = DEFAULT_THRESHOLD) -> bool:
    """Whether a count is primary-suppressed: 1 to `threshold` (zero is not)."""
    return 1 <= n <= threshold


def min_group_size_ok(n: int, minimum: int = DEFAULT_THRESHOLD + 1) -> bool:
    """Whether a group of `n` people is big enough to show what they said (quotes, word
    clouds): at least `minimum`, by default one more than the suppression threshold."""
    if minimum < 1:
        raise ValueError(f"minimum group size must be at least 1, got {minimum}")
    return n >= minimum


# --- the engine -------------------------------------------------------------------------
#
# Every count (cells and totals alike) is a numbered position. A `_Relation` says that
# the members add up to the total and that a reader knows this (the total is published or
# can be worked out). Complements are (part, whole) positions.


@dataclass(frozen=True, slots=True)
class _Relation:
    members: tuple[int, ...]
    total: int

    @property
    def positions(self) -> tuple[int, ...]:
        return (*self.members, self.total)


# Coefficients stay Python ints while they are whole (they almost always are: every relation
# is a sum of cells with coefficients 1 and -1) and become exact Fractions only when a
# division leaves a remainder, so the arithmetic is exact either way and ints are ten times
# cheaper than Fractions.
_Number = int | Fraction
_Vector = dict[int, _Number]


def _divide(x: _Number, by: _Number) -> _Number:
    """x / by, exactly: an int when it divides evenly."""
    if isinstance(x, int) and isinstance(by, int) and x % by == 0:
        return x // by
    q = Fraction(x) / by
    return q.numerator if q.denominator == 1 else q


_Basis = dict[int, _Vector]
"""A basis in reduced row echelon form, by pivot: each row is 1 at its pivot and 0 at every
other row's pivot, so reducing a vector needs one pass over the pivots it holds."""


def _subtract(v: _Vector, factor: _Number, row: _Vector) -> None:
    """v -= factor * row, in place, dropping zeros."""
    for key, x in row.items():
        updated = v.get(key, 0) - factor * x
        if updated:
            v[key] = updated
        else:
            v.pop(key, None)


def _reduce(vector: _Vector, basis: _Basis) -> _Vector:
    """What is left of `vector` after removing its part in the span of `basis`."""
    v = dict(vector)
    for pivot in [k for k in vector if k in basis]:
        factor = v.get(pivot)
        if factor:
            _subtract(v, factor, basis[pivot])
    return v


def _basis(vectors: Sequence[_Vector]) -> _Basis:
    """A reduced echelon basis of the span of `vectors`."""
    basis: _Basis = {}
    for vector in vectors:
        v = _reduce(vector, basis)
        if not v:
            continue
        pivot = min(v)
        scale = v[pivot]
        row = {k: _divide(x, scale) for k, x in v.items()}
        for other in basis.values():  # keep every other row at 0 on the new pivot
            factor = other.get(pivot)
            if factor:
                _subtract(other, factor, row)
        basis[pivot] = row
    return basis


def _leaks(
    reasons: Sequence[Reason | None],
    relations: Sequence[_Relation],
    sensitive_pairs: Sequence[tuple[int, int]],
) -> list[tuple[int, ...]]:
    """Suppressed positions (and sensitive part/whole differences) a reader could work
    out exactly from everything shown; each leak as the positions involved."""
    hidden = {p for p, r in enumerate(reasons) if r is not None}
    equations: list[_Vector] = []
    for relation in relations:
        v: _Vector = {}
        for member in relation.members:
            if member in hidden:
                v[member] = v.get(member, 0) + 1
        if relation.total in hidden:
            v[relation.total] = v.get(relation.total, 0) - 1
        equations.append({k: x for k, x in v.items() if x})
    basis = _basis(equations)
    leaks: list[tuple[int, ...]] = []
    for p in sorted(hidden):
        if not _reduce({p: 1}, basis):
            leaks.append((p,))
    for part, whole in sensitive_pairs:
        form: _Vector = {}
        if whole in hidden:
            form[whole] = 1
        if part in hidden:
            form[part] = -1
        if not _reduce(form, basis):
            leaks.append((part, whole))
    return leaks


def _protect(
    values: Sequence[int],
    is_total: Sequence[bool],
    relations: Sequence[_Relation],
    complements: Sequence[tuple[int, int]],
    threshold: int,
) -> list[Reason | None]:
    """The reason each position is suppressed, or None where it can be shown."""
    if threshold < 0:
        raise ValueError(f"threshold cannot be negative, got {threshold}")
    reasons: list[Reason | None] = [
        Reason.PRIMARY if is_small(v, threshold) else None for v in values
    ]
    sensitive_pairs: list[tuple[int, int]] = []
    for part, whole in complements:
        if is_small(values[whole] - values[part], threshold):
            sensitive_pairs.append((part, whole))
            if reasons[part] is None:
                reasons[part] = Reason.COMPLEMENT

    lines_of: list[list[int]] = [[] for _ in values]
    for index, relation in enumerate(relations):
        for p in relation.positions:
            lines_of[p].append(index)

    def hidden_in(relation: _Relation) -> int:
        return sum(reasons[p] is not None for p in relation.positions)

    def preference(p: int) -> tuple[bool, bool, int, int, int]:
        # Non-zero before zero, cells before totals, then prefer a cell that completes
        # another line's lone suppression over one that starts a new one, then smallest.
        cost = 0
        for index in lines_of[p]:
            count = hidden_in(relations[index])
            cost += 1 if count == 0 else -1 if count == 1 else 0
        return (values[p] == 0, is_total[p], cost, values[p], p)

    def suppress_one(candidates: Sequence[int]) -> bool:
        visible = [p for p in candidates if reasons[p] is None]
        if not visible:
            return False
        reasons[min(visible, key=preference)] = Reason.SECONDARY
        return True

    while True:
        changed = True
        while changed:
            changed = False
            for relation in relations:
                if hidden_in(relation) == 1 and suppress_one(relation.positions):
                    changed = True
        leaks = _leaks(reasons, relations, sensitive_pairs)
        if not leaks:
            return reasons
        near = [p for q in leaks[0] for index in lines_of[q] for p in relations[index].positions]
        if not (suppress_one(near) or suppress_one(range(len(values)))):
            return reasons  # everything is suppressed already


def _check_count(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{where}: a count must be a whole number, got {value!r}")
    if value < 0:
        raise ValueError(f"{where}: a count cannot be negative, got {value}")
    return value


# --- one list with its total -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SuppressedCounts:
    """Counts that add up to a shown total, after suppression."""

    cells: tuple[Cell, ...]
    total: Cell

    def shown(self) -> list[int | str]:
        """The counts as a board sees them, the total last."""
        return [*(c.shown for c in self.cells), self.total.shown]


def suppress_counts(
    values: Sequence[int], *, threshold: int = DEFAULT_THRESHOLD
) -> SuppressedCounts:
    """Suppress a list of counts shown with their total (a column of a table by
    audience, say): small counts, then a partner for a lone suppressed count."""
    counts = [_check_count(v, f"value {i}") for i, v in enumerate(values)]
    n = len(counts)
    reasons = _protect(
        [*counts, sum(counts)],
        [False] * n + [True],
        [_Relation(tuple(range(n)), n)] if n else [],
        [],
        threshold,
    )
    cells = tuple(Cell(v, r) for v, r in zip(counts, reasons[:n], strict=True))
    return SuppressedCounts(cells, Cell(sum(counts), reasons[n]))


# --- shares of a whole ------------------------------------------------------------------


def suppress_shares(
    values: Sequence[int], *, threshold: int = DEFAULT_THRESHOLD
) -> tuple[bool, ...]:
    """Which of the parts of a whole (answers negative, neutral, positive) must not be
    shown as a share. The whole counts as known (a share times the group's size gives
    the count back), so each part gets the primary rule, the complement rule (the rest
    of the group is 1 to `threshold`: "all but 2 were positive") and a partner where one
    alone would be worked out as 1 minus the others."""
    counts = [_check_count(v, f"value {i}") for i, v in enumerate(values)]
    n = len(counts)
    if not n:
        return ()
    reasons = _protect(
        [*counts, sum(counts)],
        [False] * n + [True],
        [_Relation(tuple(range(n)), n)],
        [(i, n) for i in range(n)],
        threshold,
    )
    if reasons[n] is not None:  # the whole itself could not stay: hide every share
        return (True,) * n
    return tuple(r is not None for r in reasons[:n])


# --- the same counts by quarter, year and all time ----------------------------------------

Q = TypeVar("Q", bound=Hashable)
Y = TypeVar("Y", bound=Hashable)


@dataclass(frozen=True, slots=True)
class OverTime(Generic[Q, Y]):
    """Which counts to hide in each quarter, each year and all time (one flag a part)."""

    quarters: Mapping[Q, tuple[bool, ...]]
    years: Mapping[Y, tuple[bool, ...]]
    all_time: tuple[bool, ...]


def suppress_over_time(
    quarters: Mapping[Q, Sequence[int]],
    year_of: Callable[[Q], Y],
    *,
    shares: bool = False,
    threshold: int = DEFAULT_THRESHOLD,
) -> OverTime[Q, Y]:
    """Suppress counts a board can read for any quarter, any year or all time, so that no
    view, nor the difference of views (a year minus its other quarters, all time minus
    the other years), gives a hidden count back.

    `quarters` maps each quarter to its counts (one or more parts, e.g. respondents, or
    answers negative, neutral and positive); a year is the sum of its quarters and all
    time the sum of the years. With `shares`, the parts of each period add up to a known
    whole (shares are shown), so each part also gets the complement rule."""
    keys = list(quarters)
    width = len(next(iter(quarters.values()), ()))
    values: list[int] = []
    is_total: list[bool] = []
    relations: list[_Relation] = []
    complements: list[tuple[int, int]] = []

    def add(value: int, total: bool) -> int:
        values.append(value)
        is_total.append(total)
        return len(values) - 1

    def level(parts: list[int]) -> None:  # parts of one period: their whole, if shares
        if shares and len(parts) > 1:
            whole = add(sum(values[p] for p in parts), True)
            relations.append(_Relation(tuple(parts), whole))
            complements.extend((p, whole) for p in parts)

    cells: dict[Q, list[int]] = {}
    for q in keys:
        counts = [_check_count(v, f"{q!r}") for v in quarters[q]]
        if len(counts) != width:
            raise ValueError("every quarter needs the same number of counts")
        cells[q] = [add(v, False) for v in counts]
        level(cells[q])
    years: dict[Y, list[Q]] = {}
    for q in keys:
        years.setdefault(year_of(q), []).append(q)
    year_cells: dict[Y, list[int]] = {}
    for year, members in years.items():
        year_cells[year] = []
        for k in range(width):
            parts = tuple(cells[q][k] for q in members)
            total = add(sum(values[p] for p in parts), True)
            relations.append(_Relation(parts, total))
            year_cells[year].append(total)
        level(year_cells[year])
    all_cells = []
    for k in range(width):
        parts = tuple(year_cells[y][k] for y in years)
        total = add(sum(values[p] for p in parts), True)
        relations.append(_Relation(parts, total))
        all_cells.append(total)
    level(all_cells)
    reasons = _protect(values, is_total, relations, complements, threshold)

    def flags(positions: Sequence[int]) -> tuple[bool, ...]:
        return tuple(reasons[p] is not None for p in positions)

    return OverTime(
        quarters={q: flags(cells[q]) for q in keys},
        years={y: flags(c) for y, c in year_cells.items()},
        all_time=flags(all_cells),
    )


# --- a grid with row and column totals --------------------------------------------------


@dataclass(frozen=True, slots=True)
class SuppressedGrid:
    """A rows x columns table of counts after suppression, with its totals if shown."""

    cells: tuple[tuple[Cell, ...], ...]
    row_totals: tuple[Cell, ...] | None
    col_totals: tuple[Cell, ...] | None
    grand_total: Cell | None

    def shown(self) -> list[list[int | str]]:
        """The table as a board sees it: each row followed by its total (if shown), then
        the row of column totals (if shown) ending with the grand total."""
        table: list[list[int | str]] = []
        for i, row in enumerate(self.cells):
            line = [c.shown for c in row]
            if self.row_totals is not None:
                line.append(self.row_totals[i].shown)
            table.append(line)
        if self.col_totals is not None:
            line = [c.shown for c in self.col_totals]
            if self.grand_total is not None:
                line.append(self.grand_total.shown)
            table.append(line)
        return table


def suppress_grid(
    matrix: Sequence[Sequence[int]],
    *,
    with_row_totals: bool = True,
    with_col_totals: bool = True,
    threshold: int = DEFAULT_THRESHOLD,
) -> SuppressedGrid:
    """Suppress a rectangular table of counts shown with row totals and/or column totals
    (and the grand total when both are shown). Totals are suppressed too where needed."""
    grid = [
        [_check_count(v, f"row {i}, column {j}") for j, v in enumerate(row)]
        for i, row in enumerate(matrix)
    ]
    n_rows = len(grid)
    n_cols = len(grid[0]) if grid else 0
    if any(len(row) != n_cols for row in grid):
        raise ValueError("every row of the grid must have the same number of columns")

    values = [v for row in grid for v in row]
    is_total = [False] * len(values)

    def add_total(value: int) -> int:
        values.append(value)
        is_total.append(True)
        return len(values) - 1

    def cell(i: int, j: int) -> int:
        return i * n_cols + j

    relations: list[_Relation] = []
    row_pos = col_pos = None
    grand_pos: int | None = None
    if with_row_totals and n_cols:
        row_pos = [add_total(sum(row)) for row in grid]
        relations += [
            _Relation(tuple(cell(i, j) for j in range(n_cols)), row_pos[i]) for i in range(n_rows)
        ]
    if with_col_totals and n_rows:
        col_pos = [add_total(sum(row[j] for row in grid)) for j in range(n_cols)]
        relations += [
            _Relation(tuple(cell(i, j) for i in range(n_rows)), col_pos[j]) for j in range(n_cols)
        ]
    if row_pos is not None and col_pos is not None:
        grand_pos = add_total(sum(values[: n_rows * n_cols]))
        relations += [_Relation(tuple(row_pos), grand_pos), _Relation(tuple(col_pos), grand_pos)]

    reasons = _protect(values, is_total, relations, [], threshold)

    def at(p: int) -> Cell:
        return Cell(values[p], reasons[p])

    return SuppressedGrid(
        cells=tuple(tuple(at(cell(i, j)) for j in range(n_cols)) for i in range(n_rows)),
        row_totals=None if row_pos is None else tuple(at(p) for p in row_pos),
        col_totals=None if col_pos is None else tuple(at(p) for p in col_pos),
        grand_total=None if grand_pos is None else at(grand_pos),
    )


# --- rows of dicts, as the API holds them ----------------------------------------------


def suppress_table(
    rows: Sequence[Mapping[str, object]],
    *,
    count_keys: Sequence[str],
    group_keys: Sequence[str],
    pairs: Sequence[Pair] = (),
    other_groupings: Sequence[Sequence[str]] = (),
    total_label: str | None = None,
    threshold: int = DEFAULT_THRESHOLD,
) -> list[dict[str, object]]:
    """Copies of `rows` with every count that must be hidden replaced by SUPPRESSED ("c")
    and each pair's rate (if it has a `rate_key`) set to `part / whole`, or None when
    either is hidden or the whole is 0.

    Rows sharing the values of `group_keys` form a group (e.g. `("form", "period")`: one
    form's rows across audiences). For each count key, a group's rows add up to a group
    total that a reader is assumed to see or work out, so a group never has exactly one
    hidden count: if it would, the next-smallest non-zero row is hidden too (or the total).
    `other_groupings` adds more totals a reader sees, e.g. `[("audience", "period")]` for
    totals by audience across forms (the table becomes two-dimensional) or `[("period",)]`
    for a grand total. `pairs` (e.g. `[RETURNED_OF_SENT]`) apply the complement rule.

    With `total_label`, one total row per group is appended after the rows (grouping by
    grouping, groups in order of first appearance): the group's key values, the summed and
    suppressed counts and rates, and `total_label` in every other key (e.g. "audience":
    "All"). Show these rather than totals added up elsewhere, which would not be hidden.

    Raises ValueError for a missing or negative count, or a part larger than its whole."""
    groupings = [tuple(group_keys), *(tuple(g) for g in other_groupings)]
    counts = list(dict.fromkeys(count_keys))
    for pair in pairs:
        for key in (pair.part, pair.whole):
            if key not in counts:
                raise ValueError(f"pair key {key!r} is not one of the count keys {counts}")

    values: list[int] = []
    is_total: list[bool] = []
    row_pos: list[dict[str, int]] = []
    for i, row in enumerate(rows):
        positions: dict[str, int] = {}
        for key in counts:
            if key not in row:
                raise ValueError(f"row {i}: no count {key!r}")
            values.append(_check_count(row[key], f"row {i}, {key!r}"))
            is_total.append(False)
            positions[key] = len(values) - 1
        row_pos.append(positions)

    relations: list[_Relation] = []
    # (grouping, group key values, first row index, positions of its totals)
    totals: list[tuple[tuple[str, ...], tuple[object, ...], int, dict[str, int]]] = []
    for grouping in groupings:
        members: dict[tuple[object, ...], list[int]] = {}
        for i, row in enumerate(rows):
            try:
                group = tuple(row[key] for key in grouping)
            except KeyError as err:
                raise ValueError(f"row {i}: no group key {err.args[0]!r}") from None
            members.setdefault(group, []).append(i)
        for group, indices in members.items():
            positions = {}
            for key in counts:
                values.append(sum(values[row_pos[i][key]] for i in indices))
                is_total.append(True)
                positions[key] = len(values) - 1
                relations.append(_Relation(tuple(row_pos[i][key] for i in indices), positions[key]))
            totals.append((grouping, group, indices[0], positions))

    complements: list[tuple[int, int]] = []
    for positions in [*row_pos, *(t[3] for t in totals)]:
        for pair in pairs:
            part, whole = positions[pair.part], positions[pair.whole]
            if values[part] > values[whole]:
                raise ValueError(
                    f"{pair.part} ({values[part]}) is more than {pair.whole} ({values[whole]})"
                )
            complements.append((part, whole))

    reasons = _protect(values, is_total, relations, complements, threshold)

    def fill(out: dict[str, object], positions: Mapping[str, int]) -> dict[str, object]:
        for key, p in positions.items():
            out[key] = SUPPRESSED if reasons[p] is not None else values[p]
        for pair in pairs:
            if pair.rate_key is not None:
                part, whole = positions[pair.part], positions[pair.whole]
                hidden = reasons[part] is not None or reasons[whole] is not None
                out[pair.rate_key] = None if hidden else rate(values[part], values[whole])
        return out

    result = [fill(dict(row), positions) for row, positions in zip(rows, row_pos, strict=True)]
    if total_label is not None:
        label_keys = [
            key
            for key in dict.fromkeys(k for row in rows for k in row)
            if key not in counts and key not in {p.rate_key for p in pairs}
        ]
        for grouping, group, first, positions in totals:
            out: dict[str, object] = {
                key: rows[first][key] if key in grouping else total_label for key in label_keys
            }
            out.update(zip(grouping, group, strict=True))
            result.append(fill(out, positions))
    return result
