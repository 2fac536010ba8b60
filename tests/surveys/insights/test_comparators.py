"""Comparators CSV: every bad row named by line and column, nothing half read; the
shipped example is real published figures, each with its source."""

from __future__ import annotations

import pytest

from surveys.insights.comparators import (
    ComparatorImportError,
    measure_label,
    parse_comparators_csv,
    published_comparators,
)


def test_the_shipped_example_parses_with_sources() -> None:
    found = published_comparators()
    assert len(found) >= 10 and all(c.source for c in found)
    child = next(c for c in found if c.measure == "return_rate:consultation:child")
    assert (child.area, child.year, child.value) == ("Cheshire East", "2017-18", 0.14)
    assert {c.area_type for c in found} >= {"council", "region", "national"}


def test_rates_percentages_and_optional_columns() -> None:
    text = ("measure;area;year;value;source;unit\n"
            "scorecard:p1.4;Leeds;2019;3.9;Leeds board report;score\n"
            "return_rate:consultation:child;England;2019-20;0.21;DfE;rate\n")  # fmt: skip
    score, rate = parse_comparators_csv(text.encode("utf-16"), source="x.csv")
    assert (score.measure, score.unit, score.value, score.area_type) == (
        "scorecard:P1.4", "score", 3.9, "council")
    assert rate.value == 0.21 and rate.label == measure_label(rate.measure)


def test_every_bad_row_is_reported_and_nothing_is_read() -> None:
    text = (
        "measure,area,year,value,source,url\n"
        "return_rate:consultation:child,Leeds,2017-18,14%,report,\n"
        "return_rate:consultation,Leeds,2017-19,140,,ftp://x\n"
        "Bad Key!,England,2019,12%,src,\n"
        "return_rate:consultation:child,leeds,2017-18,15%,again,\n"
    )
    with pytest.raises(ComparatorImportError) as caught:
        parse_comparators_csv(text, source="bad.csv")
    faults = {(f.line, f.field) for f in caught.value.faults}
    assert {(3, "source"), (3, "measure"), (3, "year"), (3, "value"), (3, "url"),
            (4, "measure"), (5, "measure")} <= faults  # fmt: skip
    assert 2 not in {f.line for f in caught.value.faults}
    assert "nothing loaded" in str(caught.value) and "line 3, year" in str(caught.value)


def test_a_wrong_header_is_named() -> None:
    with pytest.raises(ComparatorImportError, match="colour: unknown column"):
        parse_comparators_csv("measure,area,year,value,source,colour\n", source="h.csv")
    with pytest.raises(ComparatorImportError, match="source: required column is missing"):
        parse_comparators_csv("measure,area,year,value\n", source="h.csv")
