"""The care scorer on the care phrases we wrote (tests/data/sentiment/): at least 85% of
the held-out part labelled as we labelled it, and the figures the board shows
(surveys/data/sentiment_agreement.json) are what the shipped model scores now. The
human-rated sets take a minute: `python -m benchmarks.sentiment_agreement`."""

from __future__ import annotations

import json
import zlib
from collections import Counter
from pathlib import Path

import pytest

from benchmarks import sentiment_fresh
from benchmarks.sentiment_agreement import (
    FIGURES,
    RULES,
    Scored,
    accuracy_by_rule,
    beats,
    figures,
    scorers,
    with_parts,
)
from benchmarks.sentiment_data import CARE, read_care
from surveys.sentiment import SentimentLabel, SentimentModel

GOAL = 0.85


@pytest.fixture(scope="module")
def scored() -> list[Scored]:
    return with_parts(read_care())


def test_the_care_phrases_are_enough_and_split_once() -> None:
    items = read_care()
    assert len(items) >= 800
    held = [i for i in items if not i.tuning]
    assert len(held) >= 721  # the first 171, and the tenth and eleventh sessions' blind halves
    assert all(zlib.crc32(i.text.encode()) % 2 for i in held)  # split by a hash, never chosen
    texts = [i.text.lower() for i in items]
    assert len(set(texts)) == len(texts)
    counts = Counter((i.tuning, i.human.value) for i in items)
    assert min(counts.values()) >= 50  # each class in each part
    assert any("care leaver" in i.text and i.human.value == "neutral" for i in items)
    assert any(i.text == "my review got stood down again" and i.human.value == "negative"
               for i in items)  # fmt: skip


def test_held_out_care_phrases_reach_the_goal(scored: list[Scored]) -> None:
    """The first held-out part (171) went from 84.2% to 86.0% and back to 84.8% over the
    issue's rounds; 85.4% (146) in the tenth session. Three blind sets written then
    (children, teenagers, care leavers) were split by the same hash, so the held-out part
    grew to 370, of which the shipped model reads 78.6% as labelled: the new half 72.9%
    (145 of 199; 70.4% as written, before their development half and 73 lexicon phrases
    from its misses joined). Two more blind sets added 124 (79.0%, as written too), and 29
    lexicon phrases from their development half: 390 of 494 (79.0%); two sets for
    development only (338) and 40 more lexicon phrases: 391 (79.1%); feelings named as a
    topic ("we talked about my anger") hidden from TextBlob and VADER: 395 (80.0%); two
    development sets of flat facts and of tone (362) and 63 lexicon phrases: 405 (82.0%), the
    first 171 150 (87.7%); 403 (81.6%) once two phrases that only held-out rows bore out
    were taken out; two development sets of mixed answers and flat facts (372) and 71
    lexicon phrases: 405 (82.0%), the first 171 151 (88.3%). The eleventh session's two
    blind realistic sets (children, care leavers) were split by the same hash: 227 more held
    out, 192 of them (84.6%) read right as written, so 597 of 721 (82.8%); their development
    halves, two development sets of mixed answers and of flat facts and tone (459), 34
    lexicon phrases and 39 flat hedges ("its alright i suppose") as non-answers: 597 of 721
    (82.8%), the first 171 150 (87.7%), the tenth's 254, the eleventh's 193; the 4-letter
    spelling fragments of longer words as features of the label ("evicted": "#evic",
    "#vict", ...): 607 (84.2%), the first 171 153 (89.5%), the tenth's 260, the eleventh's
    194; two more development sets (flat facts; mixed answers and tone; 511), 30 lexicon
    phrases and 7 non-answers from their misses: **615 (85.3%)**, the first 171 153, the
    tenth's 265, the eleventh's 197. See tests/data/sentiment/README.md."""
    held = [s for s in scored if not s[0].tuning]
    ours = figures(held, scorers(SentimentModel.default())["ours"])
    assert ours["accuracy"] >= GOAL


FIRST_HELD_OUT = 171  # the first rows of the file held out; the rest came later
FLOOR, FIRST_FLOOR = 615, 153  # right now, of all held out and of the first 171 (150 after
# the eleventh session's retraining on 668 more development phrases, 151 before it)


def test_held_out_care_phrases_do_not_fall_below_today(scored: list[Scored]) -> None:
    """A retrained model or a new lexicon phrase must not lose ground: at least as many
    held-out phrases read right as the shipped model reads today (the goal is met by two
    phrases, so this holds the margin too)."""
    held = [s for s in scored if not s[0].tuning]
    ours = scorers(SentimentModel.default())["ours"]

    def right(chosen: list[Scored]) -> int:
        return round(figures(chosen, ours)["accuracy"] * len(chosen))

    assert right(held) >= FLOOR
    assert right(held[:FIRST_HELD_OUT]) >= FIRST_FLOOR


def test_ours_reads_the_same_by_every_common_rule(scored: list[Scored]) -> None:
    """A neutral reading is 0 and the others lie past 0.06, so VADER's rule (at least
    0.05) and TextBlob's (any sign) give our labels; the baselines' do change."""
    assert [read(x) for read in RULES.values() for x in (0.05, 0.0, -0.01)] == [
        SentimentLabel.NEUTRAL, SentimentLabel.NEUTRAL, SentimentLabel.NEUTRAL,
        SentimentLabel.POSITIVE, SentimentLabel.NEUTRAL, SentimentLabel.NEUTRAL,
        SentimentLabel.POSITIVE, SentimentLabel.NEUTRAL, SentimentLabel.NEGATIVE,
    ]  # fmt: skip
    care = accuracy_by_rule(scored, SentimentModel.default())[CARE]
    assert len({row["ours"] for row in care.values()}) == 1
    assert len({row["TextBlob"] for row in care.values()}) > 1


def test_the_board_figures_are_the_shipped_models(scored: list[Scored]) -> None:
    shipped = json.loads(FIGURES.read_text(encoding="utf-8"))
    held = [s for s in scored if not s[0].tuning]
    for name, scorer in scorers(SentimentModel.default()).items():
        assert figures(held, scorer) == shipped[CARE][name]
    assert {"tweets", "movieReviewSnippets", "amazonReviewSnippets",
            "nytEditorialSnippets"} <= set(shipped)  # fmt: skip
    ours = shipped[CARE]["ours"]
    best = max(shipped[CARE][k]["accuracy"] for k in ("TextBlob", "VADER", "mean"))
    assert ours["accuracy"] > best


def test_the_shipped_model_beats_the_others_on_every_human_rated_set() -> None:
    """Held-out figures stored by `benchmarks.sentiment_agreement --write` (the test above
    ties them to the shipped model on the care phrases): Pearson r and 3-class accuracy
    above the best of TextBlob, VADER and their mean on each set."""
    shipped = json.loads(FIGURES.read_text(encoding="utf-8"))
    for name, row in shipped.items():
        if name == CARE:
            continue
        assert row["ours"]["n"] >= 1000, name
        for metric in ("r", "accuracy"):
            assert beats(row, metric), f"{name} {metric}"


def test_fresh_sets_are_scored_as_written_and_known_texts_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh = tmp_path / "fresh.csv"
    fresh.write_text(
        "label,text\n"
        "negative,the bus to contact broke down and we missed the whole visit\n"
        "positive,my nan came to watch my match and we won\n"
        "neutral,i have football on tuesdays and thursdays\n"
        "negative,my review got stood down again\n",  # a held-out care phrase: left out
        encoding="utf-8",
    )
    assert sentiment_fresh.main([str(fresh)]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("fresh.csv: n=3  ours ") and "TextBlob" in line and "VADER" in line
    assert line.endswith("(1 already in phrases.csv or repeated, left out)")


def test_a_fresh_set_with_a_bad_label_is_a_clear_error(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.csv"
    fresh.write_text("label,text\npositive,got my keys\nhappy,yay\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"fresh\.csv:3: needs a label"):
        sentiment_fresh.main([str(fresh)])
