"""ONS personal wellbeing: figures suppressed as elsewhere, beside cited national figures."""

from __future__ import annotations

import pytest

from surveys.insights.disclosure import SUPPRESSED
from surveys.insights.wellbeing import (
    AGE_GROUPS,
    MEASURES,
    OnsCounts,
    age_group,
    is_low,
    load_national,
    wellbeing_figures,
)


def test_the_national_figures_are_data_with_a_source_and_say_if_checked() -> None:
    national = load_national(year_starting=2017)
    for group in AGE_GROUPS:
        for measure in MEASURES:
            figure = national[(measure.key, group)]
            assert figure.source and figure.population
            if figure.mean is not None:
                assert 0 <= figure.mean <= 10
    # only what was read in a stored source is checked, and it says where it was read
    checked = {key for key, f in national.items() if f.checked}
    assert checked == {("happy", "16 and over")}
    happy = national[("happy", "16 and over")]
    assert happy.mean == 7.52 and happy.where and "Main points" in happy.where
    assert happy.url and "april2018tomarch2019" in happy.url
    assert national[("life_satisfaction", "16 and over")].source.startswith(
        "Personal well-being in the UK: April 2017 to March 2018"
    )
    assert national[("life_satisfaction", "under 16")].mean is None  # not invented


def test_each_year_gets_its_own_figure_else_the_nearest_earlier_one() -> None:
    def adults(year: int | None) -> dict[str, tuple[float | None, bool, str]]:
        found = load_national(year_starting=year)
        return {
            m.key: (
                found[(m.key, "16 and over")].mean,
                found[(m.key, "16 and over")].checked,
                found[(m.key, "16 and over")].source,
            )
            for m in MEASURES
        }

    assert adults(2018)["happy"][:2] == (7.56, True) and adults(2018)["anxious"][:2] == (2.87, True)
    assert "2018-19" in adults(2018)["anxious"][2]  # read in the 2019-20 bulletin, for 2018-19
    assert adults(2019)["anxious"][:2] == (3.05, True)
    assert adults(2020)["anxious"][:2] == (3.05, True)  # nothing for 2020-21: the year before
    latest = adults(2022)
    assert latest["life_satisfaction"][:2] == (7.45, True)
    assert latest["worthwhile"][:2] == (7.73, True)
    assert latest["happy"][:2] == (7.39, False)  # read only in a press report: unchecked
    assert adults(None) == latest == adults(2030)
    assert adults(2010)["happy"][0] == 7.52  # before any figure: the earliest one
    for year in (2010, 2017, 2022, None):  # children: nothing invented in any year
        assert load_national(year_starting=year)[("happy", "under 16")].mean is None


def test_a_checked_figure_is_shown_as_checked() -> None:
    text = """
sources:
  s: {title: T, publisher: P, year: 2020-21, url: "https://example.org/t"}
figures:
  - {measure: happy, group: "under 16", population: kids, source: s, mean: 7.1,
     low_share: 0.1, checked: true, where: table 1}
"""
    national = load_national(text)
    rows = wellbeing_figures([], national)
    happy = next(r for r in rows if (r.measure, r.group) == ("happy", "under 16"))
    assert happy.national_mean == 7.1 and happy.national_checked
    assert happy.national_source == "T, P, 2020-21 (table 1)"


def test_age_groups_and_the_share_that_counts() -> None:
    assert age_group("8-12") == age_group("13-15") == age_group("under 8") == "under 16"
    assert age_group("16-17") == age_group("22-25") == "16 and over"
    assert age_group(None) is None and age_group("unknown") is None
    assert is_low("life_satisfaction", 4) and not is_low("life_satisfaction", 5)
    assert is_low("anxious", 6) and not is_low("anxious", 5)  # high anxiety counts


@pytest.mark.parametrize(
    ("n", "low", "shown", "mean", "share"),
    [
        (0, 0, 0, None, None),
        (3, 1, SUPPRESSED, None, None),  # 1 to 5 answered: nothing but "c"
        (5, 0, SUPPRESSED, None, None),
        (20, 2, 20, 6.0, None),  # 2 with low scores could be identified
        (20, 17, 20, 6.0, None),  # all but 3 low: the complement identifies them
        (20, 0, 20, 6.0, 0.0),
        (20, 10, 20, 6.0, 0.5),
    ],
)
def test_small_numbers_are_suppressed(
    n: int, low: int, shown: int | str, mean: float | None, share: float | None
) -> None:
    counts = [OnsCounts("life_satisfaction", "16 and over", n, 6 * n, low)]
    rows = wellbeing_figures(counts, load_national(year_starting=2017))
    row = next(r for r in rows if (r.measure, r.group) == ("life_satisfaction", "16 and over"))
    assert (row.respondents, row.mean, row.low_share) == (shown, mean, share)
    assert len(rows) == len(MEASURES) * len(AGE_GROUPS)
    assert row.national_mean == 7.7 and row.national_checked is False


def test_a_checked_figure_must_say_where_it_was_read() -> None:
    text = """
sources:
  s: {title: T, publisher: P, url: "https://example.org", year: 2020}
figures:
  - {measure: happy, group: "16 and over", population: adults, source: s, mean: 7.1,
     low_share: null, checked: true}
"""
    with pytest.raises(ValueError, match="where"):
        load_national(text)
