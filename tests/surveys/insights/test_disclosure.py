"""Statistical disclosure control: primary, complement and secondary suppression."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.insights.disclosure import (
    RETURNED_OF_SENT,
    SUPPRESSED,
    Cell,
    Pair,
    Reason,
    is_small,
    min_group_size_ok,
    suppress_counts,
    suppress_grid,
    suppress_table,
)

P, S, C = Reason.PRIMARY, Reason.SECONDARY, Reason.COMPLEMENT

# --- an independent check: can a reader work out a hidden value from the totals? -------
#
# Each relation says: these positions add up to that one. A hidden position x is
# determined exactly when adding the unit vector e_x to the equations (restricted to the
# hidden positions) does not raise their rank.

Relation = tuple[Sequence[int], int]


def _rank(rows: list[list[Fraction]]) -> int:
    m = [list(r) for r in rows]
    rank, width = 0, len(m[0]) if m else 0
    for col in range(width):
        pivot = next((i for i in range(rank, len(m)) if m[i][col]), None)
        if pivot is None:
            continue
        m[rank], m[pivot] = m[pivot], m[rank]
        for i in range(len(m)):
            if i != rank and m[i][col]:
                f = m[i][col] / m[rank][col]
                m[i] = [a - f * b for a, b in zip(m[i], m[rank], strict=True)]
        rank += 1
    return rank


def recoverable(
    hidden: set[int], relations: Sequence[Relation], forms: Sequence[Mapping[int, int]] = ()
) -> list[object]:
    """Hidden positions (and linear forms over positions) fixed by the relations."""
    order = sorted(hidden)
    col = {p: i for i, p in enumerate(order)}

    def vector(coefficients: Mapping[int, int]) -> list[Fraction]:
        v = [Fraction(0)] * len(order)
        for p, c in coefficients.items():
            if p in col:
                v[col[p]] += c
        return v

    equations = []
    for members, total in relations:
        coefficients: dict[int, int] = defaultdict(int)
        for m in members:
            coefficients[m] += 1
        coefficients[total] -= 1
        equations.append(vector(coefficients))
    base = _rank(equations) if equations and order else 0
    found: list[object] = []
    for p in order:
        if _rank([*equations, vector({p: 1})]) == base:
            found.append(p)
    for form in forms:
        v = vector(form)
        if not any(v) or _rank([*equations, v]) == base:
            found.append(dict(form))
    return found


def grid_relations(n_rows: int, n_cols: int) -> tuple[list[Relation], int]:
    """Positions: cells row by row, then row totals, column totals, grand total."""
    cells = n_rows * n_cols
    row_t = [cells + i for i in range(n_rows)]
    col_t = [cells + n_rows + j for j in range(n_cols)]
    grand = cells + n_rows + n_cols
    relations: list[Relation] = []
    relations += [([i * n_cols + j for j in range(n_cols)], row_t[i]) for i in range(n_rows)]
    relations += [([i * n_cols + j for i in range(n_rows)], col_t[j]) for j in range(n_cols)]
    relations += [(row_t, grand), (col_t, grand)]
    return relations, grand + 1


def flatten(grid_cells: Sequence[Sequence[Cell]], *more: Sequence[Cell]) -> list[Cell]:
    return [c for row in grid_cells for c in row] + [c for group in more for c in group]


# --- primary -------------------------------------------------------------------------


def test_suppressed_marker_is_c() -> None:
    assert SUPPRESSED == "c"
    assert Cell(3, P).shown == "c" and Cell(3).shown == 3
    assert Cell(3, P).suppressed and not Cell(3).suppressed


@pytest.mark.parametrize(("n", "small"), [(0, False), (1, True), (5, True), (6, False)])
def test_is_small(n: int, small: bool) -> None:
    assert is_small(n) is small


def test_primary_one_to_five_not_zero_or_six() -> None:
    result = suppress_counts([0, 1, 5, 6])
    assert [c.reason for c in result.cells] == [None, P, P, None]
    assert result.shown() == [0, "c", "c", 6, 12]  # two hidden: nothing to add


def test_threshold_is_configurable() -> None:
    assert suppress_counts([4, 40, 50], threshold=3).shown() == [4, 40, 50, 94]
    assert suppress_counts([4, 40, 50], threshold=0).shown() == [4, 40, 50, 94]
    with pytest.raises(ValueError):
        suppress_counts([4], threshold=-1)


# --- secondary, one dimension --------------------------------------------------------


def test_lone_suppressed_cell_gets_next_smallest_non_zero_partner() -> None:
    result = suppress_counts([40, 3, 12, 0, 25])
    assert result.shown() == [40, "c", "c", 0, 25, 80]
    assert result.cells[2].reason is S
    assert not result.total.suppressed


def test_no_partner_needed_when_total_is_suppressed() -> None:
    result = suppress_counts([3, 0, 0])
    assert result.shown() == ["c", 0, 0, "c"]
    assert result.total.reason is P


def test_ties_are_broken_by_position() -> None:
    assert suppress_counts([3, 10, 10]).shown() == ["c", "c", 10, 23]


def test_nothing_to_do() -> None:
    assert suppress_counts([10, 20, 0]).shown() == [10, 20, 0, 30]
    assert suppress_counts([]).shown() == [0]


# --- grids ----------------------------------------------------------------------------


def test_two_dimensional_iterates_until_stable() -> None:
    grid = suppress_grid([[3, 20, 30], [40, 50, 60], [70, 80, 90]])
    assert grid.shown() == [
        ["c", "c", 30, 53],
        ["c", "c", 60, 150],
        [70, 80, 90, 240],
        [113, 150, 180, 443],
    ]
    reasons = [[c.reason for c in row] for row in grid.cells]
    assert reasons[0][:2] == [P, S] and reasons[1][:2] == [S, S]


def test_grid_can_suppress_totals_when_it_must() -> None:
    grid = suppress_grid([[3, 0], [10, 20]])
    assert grid.row_totals is not None and grid.row_totals[0].reason is P  # total of 3
    cells = flatten(
        grid.cells, grid.row_totals, grid.col_totals or (), [grid.grand_total or Cell(0)]
    )
    hidden = {i for i, c in enumerate(cells) if c.suppressed}
    relations, _ = grid_relations(2, 2)
    assert recoverable(hidden, relations) == []


def test_grid_without_totals_only_needs_primary() -> None:
    grid = suppress_grid([[3, 20], [40, 50]], with_row_totals=False, with_col_totals=False)
    assert grid.shown() == [["c", 20], [40, 50]]
    assert grid.row_totals is None and grid.col_totals is None and grid.grand_total is None


def test_grid_with_column_totals_only() -> None:
    grid = suppress_grid([[3, 20], [40, 50]], with_row_totals=False)
    assert grid.shown() == [["c", 20], ["c", 50], [43, 70]]
    assert grid.grand_total is None


def test_grid_rejects_ragged_or_bad_input() -> None:
    with pytest.raises(ValueError, match="same number"):
        suppress_grid([[1, 2], [3]])
    with pytest.raises(ValueError, match="negative"):
        suppress_grid([[1, -2]])
    with pytest.raises(ValueError, match="whole number"):
        suppress_grid([[1, True]])


def test_audit_catches_what_lines_alone_miss() -> None:
    # Two separate 2x2 rectangles of hidden cells joined by one more hidden cell: every
    # row and column has two or three hidden cells, yet adding up rows 0-1 and taking away
    # columns 0-1 gives the joining cell exactly. The engine's audit must notice.
    from surveys.insights.disclosure import _leaks, _Relation

    relations, size = grid_relations(4, 4)
    engine_relations = [_Relation(tuple(m), t) for m, t in relations]
    hidden_cells = {(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (0, 2)}
    hidden = {i * 4 + j for i, j in hidden_cells}
    reasons = [P if p in hidden else None for p in range(size)]
    leaks = _leaks(reasons, engine_relations, [])
    assert leaks == [(2,)]
    assert recoverable(hidden, relations) == [2]


def test_the_basis_stays_exact_when_a_division_leaves_a_remainder() -> None:
    # Whole coefficients are kept as ints; 2a + b and a + 3b need a division by 2 (then 5)
    # on the way, and together they still pin down a alone, exactly.
    from surveys.insights.disclosure import _basis, _reduce

    one = _basis([{0: 2, 1: 1}])
    assert one == {0: {0: 1, 1: Fraction(1, 2)}}
    assert _reduce({0: 1}, one) == {1: Fraction(-1, 2)}  # a alone is not known
    both = _basis([{0: 2, 1: 1}, {0: 1, 1: 3}])
    assert both == {0: {0: 1}, 1: {1: 1}}
    assert all(type(x) is int for row in both.values() for x in row.values())
    assert _reduce({0: 1}, both) == {} and _reduce({0: 5, 1: -2}, both) == {}


def test_grid_needs_the_audit() -> None:
    # Row and column rules alone leave row 1 as [6, c, c, c | 16] with the cell holding 4
    # recoverable from the columns; the audit suppresses one more cell.
    matrix = [[44, 3, 19, 2], [6, 5, 4, 1], [1, 45, 4, 51], [1, 43, 40, 47]]
    grid = suppress_grid(matrix)
    assert grid.shown()[1] == ["c", "c", "c", "c", 16]
    cells = flatten(
        grid.cells, grid.row_totals or (), grid.col_totals or (), [grid.grand_total or Cell(0)]
    )
    hidden = {i for i, c in enumerate(cells) if c.suppressed}
    relations, _ = grid_relations(4, 4)
    assert recoverable(hidden, relations) == []


small_or_large = st.one_of(st.integers(0, 7), st.integers(0, 60))


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda cols: st.lists(
            st.lists(small_or_large, min_size=cols, max_size=cols), min_size=1, max_size=4
        )
    )
)
def test_grid_property_no_cell_can_be_recovered(matrix: list[list[int]]) -> None:
    grid = suppress_grid(matrix)
    assert grid.row_totals is not None and grid.col_totals is not None
    assert grid.grand_total is not None
    cells = flatten(grid.cells, grid.row_totals, grid.col_totals, [grid.grand_total])
    # Primary: no visible 1-5; zero is never primary.
    for c in cells:
        assert not (c.shown != "c" and 1 <= c.value <= 5)
        assert c.reason is not P or 1 <= c.value <= 5
    # Every row and column, with its total, has 0 or at least 2 hidden values.
    n_rows, n_cols = len(matrix), len(matrix[0])
    relations, _ = grid_relations(n_rows, n_cols)
    for members, total in relations:
        count = sum(cells[p].suppressed for p in [*members, total])
        assert count != 1
    # And nothing can be worked out from all the totals together.
    hidden = {i for i, c in enumerate(cells) if c.suppressed}
    assert recoverable(hidden, relations) == []


# --- tables of rows, as the API holds them ---------------------------------------------


def _rows(
    spec: Sequence[tuple[str, str, int, int]], period: str = "2017-18"
) -> list[dict[str, object]]:
    return [
        {"form": form, "audience": audience, "period": period, "sent": sent, "returned": returned}
        for form, audience, sent, returned in spec
    ]


def _table(
    rows: list[dict[str, object]],
    *,
    other_groupings: Sequence[Sequence[str]] = (),
    total_label: str | None = None,
) -> list[dict[str, object]]:
    return suppress_table(
        rows,
        count_keys=("sent", "returned"),
        group_keys=("form", "period"),
        pairs=[RETURNED_OF_SENT],
        other_groupings=other_groupings,
        total_label=total_label,
    )


def test_table_rates_and_nothing_hidden() -> None:
    out = _table(_rows([("consultation", "child", 581, 83), ("consultation", "parent", 823, 89)]))
    assert out[0] == {
        "form": "consultation",
        "audience": "child",
        "period": "2017-18",
        "sent": 581,
        "returned": 83,
        "rate": 83 / 581,
    }
    assert out[1]["returned"] == 89


def test_table_lone_small_row_in_a_form_gets_a_partner_in_the_same_form() -> None:
    rows = _rows(
        [
            ("consultation", "child", 40, 12),
            ("consultation", "young_person", 30, 4),
            ("consultation", "care_leaver", 20, 9),
            ("feedback", "child", 50, 7),
            ("feedback", "care_leaver", 60, 8),
        ]
    )
    out = _table(rows)
    assert [r["returned"] for r in out] == [12, "c", "c", 7, 8]
    assert [r["sent"] for r in out] == [40, 30, 20, 50, 60]
    assert out[1]["rate"] is None and out[2]["rate"] is None
    assert out[0]["rate"] == 12 / 40
    assert rows[1]["returned"] == 4  # the input is not changed


def test_table_complement_rule() -> None:
    # 27 of 30 returned: the 3 who did not return would be identified.
    out = _table(_rows([("consultation", "child", 30, 27), ("consultation", "parent", 40, 20)]))
    assert out[0]["returned"] == "c" and out[0]["sent"] == 30
    assert out[0]["rate"] is None
    assert out[1]["returned"] == "c"  # partner, so the group total cannot give it away


def test_table_complement_of_a_small_whole() -> None:
    # Sent to 4, none returned: "none of the 4" is about those 4 children.
    out = _table(_rows([("feedback", "care_leaver", 4, 0), ("feedback", "parent", 50, 3)]))
    assert out[0]["sent"] == "c" and out[0]["returned"] == "c"
    assert out[1]["returned"] == "c"


def test_table_with_total_rows() -> None:
    rows = _rows([("consultation", "child", 40, 12), ("consultation", "young_person", 30, 4)])
    rows += _rows([("consultation", "child", 50, 20)], period="2018-19")
    out = _table(rows, total_label="All")
    assert len(out) == 5
    total_1718, total_1819 = out[3], out[4]
    assert total_1718 == {
        "form": "consultation",
        "audience": "All",
        "period": "2017-18",
        "sent": 70,
        "returned": 16,
        "rate": 16 / 70,
    }
    # A group of one row: its total is the row itself.
    assert total_1819["sent"] == 50 and total_1819["audience"] == "All"


def test_table_single_row_group_hides_its_total_too() -> None:
    out = _table(_rows([("feedback", "parent", 50, 3)]), total_label="All")
    assert out[0]["returned"] == "c"
    assert out[1]["returned"] == "c"  # otherwise the total gives the row away


def test_table_two_way_with_audience_totals() -> None:
    rows = _rows(
        [
            ("consultation", "child", 40, 3),
            ("consultation", "parent", 60, 30),
            ("feedback", "child", 50, 20),
            ("feedback", "parent", 70, 40),
        ]
    )
    out = _table(rows, other_groupings=[("audience", "period")], total_label="All")
    returned = [r["returned"] for r in out[:4]]
    assert returned == ["c", "c", "c", "c"]  # a 2x2 of returned: rows and columns both
    totals = out[4:]
    assert [(t["form"], t["audience"]) for t in totals] == [
        ("consultation", "All"),
        ("feedback", "All"),
        ("All", "child"),
        ("All", "parent"),
    ]


def test_table_custom_pair_without_rate() -> None:
    rows = [{"group": "a", "n": 10, "yes": 8}, {"group": "a", "n": 20, "yes": 10}]
    out = suppress_table(
        rows, count_keys=["n", "yes"], group_keys=["group"], pairs=[Pair("yes", "n")]
    )
    assert out[0]["yes"] == "c" and out[1]["yes"] == "c"
    assert "rate" not in out[0]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"form": "a", "period": "p", "sent": -1, "returned": 0}], "negative"),
        ([{"form": "a", "period": "p", "sent": 5, "returned": 6}], "more than"),
        ([{"form": "a", "period": "p", "sent": 5}], "no count"),
        ([{"period": "p", "sent": 5, "returned": 1}], "no group key"),
        ([{"form": "a", "period": "p", "sent": 5.0, "returned": 1}], "whole number"),
    ],
)
def test_table_errors(rows: list[dict[str, object]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _table(rows)


def test_table_pair_keys_must_be_counts() -> None:
    with pytest.raises(ValueError, match="count keys"):
        suppress_table([], count_keys=["sent"], group_keys=["form"], pairs=[RETURNED_OF_SENT])


FORMS = ["consultation", "feedback", "wellbeing"]
AUDIENCES = ["child", "young_person", "care_leaver", "parent"]
PERIODS = ["2017-18", "2018-19"]


@st.composite
def tables(draw: st.DrawFn) -> list[dict[str, object]]:
    keys = draw(
        st.lists(
            st.tuples(st.sampled_from(FORMS), st.sampled_from(AUDIENCES), st.sampled_from(PERIODS)),
            min_size=1,
            max_size=8,
            unique=True,
        )
    )
    rows: list[dict[str, object]] = []
    for form, audience, period in keys:
        sent = draw(small_or_large)
        returned = draw(st.integers(0, sent))
        rows.append(
            {
                "form": form,
                "audience": audience,
                "period": period,
                "sent": sent,
                "returned": returned,
            }
        )
    return rows


@settings(max_examples=150, deadline=None)
@given(tables(), st.booleans())
def test_table_property_every_group_has_none_or_two_hidden(
    rows: list[dict[str, object]], two_way: bool
) -> None:
    groupings: list[tuple[str, ...]] = [("form", "period")]
    if two_way:
        groupings.append(("audience", "period"))
    out = _table(rows, other_groupings=groupings[1:], total_label="All")
    body, totals = out[: len(rows)], out[len(rows) :]

    for row, original in zip(body, rows, strict=True):
        for key in ("sent", "returned"):
            shown = row[key]
            assert shown == "c" or shown == original[key]
            assert not (isinstance(shown, int) and 1 <= shown <= 5)
        if row["sent"] != "c" and row["returned"] != "c":
            assert not 1 <= int(str(row["sent"])) - int(str(row["returned"])) <= 5
            expected = None if original["sent"] == 0 else original["returned"] / original["sent"]  # type: ignore[operator]
            assert row["rate"] == expected
        else:
            assert row["rate"] is None

    # Positions for the independent audit: each (row, key) and each (total, key).
    index: dict[tuple[int, str], int] = {}
    for i in range(len(out)):
        for key in ("sent", "returned"):
            index[(i, key)] = len(index)
    hidden = {
        index[(i, k)] for i, row in enumerate(out) for k in ("sent", "returned") if row[k] == "c"
    }
    relations: list[Relation] = []
    t = len(rows)
    for grouping in groupings:
        groups: dict[tuple[object, ...], list[int]] = defaultdict(list)
        for i, row in enumerate(rows):
            groups[tuple(row[k] for k in grouping)].append(i)
        for members in groups.values():
            for key in ("sent", "returned"):
                shown_members = [out[i][key] for i in members] + [out[t][key]]
                assert sum(v == "c" for v in shown_members) != 1  # the stated property
                relations.append(([index[(i, key)] for i in members], index[(t, key)]))
            t += 1
    assert t == len(out)
    # Small "not returned" counts must not be recoverable either.
    forms = [
        {index[(i, "sent")]: 1, index[(i, "returned")]: -1}
        for i, row in enumerate(out)
        if 1 <= _value(rows, totals, i, "sent") - _value(rows, totals, i, "returned") <= 5
    ]
    assert recoverable(hidden, relations, forms) == []


def _value(rows: list[dict[str, object]], totals: list[dict[str, object]], i: int, key: str) -> int:
    """The true value behind output row `i` (totals recomputed from the input rows)."""
    if i < len(rows):
        return int(str(rows[i][key]))
    total = totals[i - len(rows)]
    return sum(
        int(str(r[key]))
        for r in rows
        if all(total[k] == r[k] for k in ("form", "audience", "period") if total[k] != "All")
    )


def test_min_group_size_for_quotes() -> None:
    assert not min_group_size_ok(0)
    assert not min_group_size_ok(5)
    assert min_group_size_ok(6)
    assert min_group_size_ok(10, minimum=10)
    assert not min_group_size_ok(9, minimum=10)
    with pytest.raises(ValueError):
        min_group_size_ok(3, minimum=0)


# --- shares and the same counts over time -----------------------------------------------


def test_shares_hide_small_parts_their_complements_and_a_partner() -> None:
    from surveys.insights.disclosure import suppress_shares

    assert suppress_shares([1, 2, 4]) == (True, True, True)  # issue 10: 1, 2, 4 of 7
    assert suppress_shares([8, 9, 20]) == (False, False, False)
    assert suppress_shares([2, 30, 30]) == (True, True, False)  # 2 alone is 1 minus the rest
    assert suppress_shares([10, 0, 10]) == (False, False, False)  # zero is not hidden
    assert suppress_shares([20, 3, 0]) == (True, True, False)  # 20 is "all but 3"


def test_over_time_a_year_minus_its_quarters_gives_nothing_back() -> None:
    from surveys.insights.disclosure import suppress_over_time

    quarters = {("2017", 1): [3], ("2017", 2): [9], ("2017", 3): [12], ("2018", 1): [20]}
    result = suppress_over_time(quarters, lambda q: q[0])
    assert result.quarters[("2017", 1)] == (True,)
    assert result.quarters[("2017", 2)] == (True,)  # the partner
    assert result.quarters[("2017", 3)] == (False,)
    assert result.years == {"2017": (False,), "2018": (False,)}
    assert result.all_time == (False,)
    # one year of 4 alone: all time minus the other year would give it back
    lone = suppress_over_time({("2016", 1): [4], ("2017", 1): [30]}, lambda q: q[0])
    assert lone.years["2016"] == (True,)
    assert lone.years["2017"] == (True,) or lone.all_time == (True,)


def test_over_time_with_shares_protects_each_part() -> None:
    from surveys.insights.disclosure import suppress_over_time

    quarters = {("2017", 1): [2, 10, 10], ("2017", 2): [10, 10, 10]}
    result = suppress_over_time(quarters, lambda q: q[0], shares=True)
    assert result.quarters[("2017", 1)][0]  # the 2
    assert sum(result.quarters[("2017", 1)]) >= 2  # and a partner in its quarter
    # the year's negatives minus the second quarter's must not give the 2 back
    assert result.quarters[("2017", 2)][0] or result.years["2017"][0]
