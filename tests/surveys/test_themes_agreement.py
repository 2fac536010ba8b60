"""The theme taxonomy agrees with hand-labelled answers on the held-out part: precision at
least 90% and recall at least 85% per theme (`benchmarks/themes_agreement.py` prints the
table; the labelled set and how it was written: tests/data/themes/README.md).

Themes that miss on the held-out part are listed in KNOWN_MISSES with the figure measured,
as strict expected failures: the test says so when one starts to pass, and the taxonomy
must not be tuned on the held-out part to make it pass. FLOORS holds each of them, the
themes just over a threshold and "no theme" (whose precision is not otherwise held) to the
figures measured, so a figure that gets worse fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.themes_agreement import (
    MIN_PRECISION,
    MIN_RECALL,
    NO_THEME,
    READINGS,
    Agreement,
    agreement,
    kappa,
    load,
    readings,
)
from surveys.topics import load_topics

# Held-out (3,553): 353 answers written with the first taxonomy, the held-out halves of
# twenty-four blind sets (223 and 218 on 6 December 2026, 123, 121, 109, 123, 105, 110, 110,
# 115, 124, 111, 105, 126, 122, 111, 129, 106, 115, 115, 113 and 123 from the nineteenth,
# twenty-first, twenty-fourth, twenty-sixth, twenty-ninth, thirty-first, thirty-third,
# thirty-fifth, thirty-seventh, thirty-ninth, forty-first, forty-third, forty-fifth,
# forty-seventh, forty-ninth and fifty-first to fifty-sixth sets in later sessions, the
# fifty-fourth aside) and the whole
# twenty-third and twenty-eighth sets (221 and 222, measured and never tuned on), every blind
# set written without reading the keywords. Measured after keyword fixes on development
# misses only and the theme model's second opinion (it confirms and adds where topics.yaml
# says, thresholds chosen by the rules in `python -m benchmarks.themes_train --choose` on the
# blind sets' development answers). These themes miss a goal there (none since the eleventh
# session: school's precision was 88.8%, 278 right and 35 wrong, until 13 development labels
# were corrected to the conventions, friends "at my new school" and the school nurse among
# them, and the model retrained: 90.5%, 275 and 29, recall 89.7% -> 88.7%).
KNOWN_MISSES: dict[str, str] = {}

# Held-out precision and recall as measured for every theme and for "no theme" (209 right,
# 128 wrong: an answer with a theme the keywords miss, or the model vetoes, counts against
# it): none may fall below it. Raise a floor when a figure improves. (Thresholds chosen by
# `--choose` have lowered some: the twenty-first set's lowered house rules' precision, the
# twenty-fourth's moving placement's and school's, the twenty-sixth's being listened to's
# recall, and the unweighted model of the same session (its thresholds, chosen again, fell:
# being listened to's recall 80.7% -> 67.2%, family's precision 87.8% -> 85.3%, home and
# carers' recall 83.0% -> 80.0%); the twenty-ninth and thirtieth sets' thresholds raised
# being listened to's recall 65.7% -> 83.9% and pocket money's 81.2% -> 86.6%, its precision
# falling 91.0% -> 87.4%; the thirty-first and thirty-second's took away moving placement's
# and IRO's `add_above` and gave leaving-care money a `confirm_above`: recall 88.9% -> 85.9%,
# 99.1% -> 95.5% and 91.9% -> 87.0%; the thirty-third and thirty-fourth's lowered home and
# carers' `confirm_above` to 0.2 and raised pocket money's to 0.2 (`add_above` 0.8): home and
# carers' precision 93.3% -> 90.7%, pocket money's recall 87.6% -> 80.6%; the thirty-seventh
# and thirty-eighth's `--sweep` chose class-balanced weights at C 10 again, and `--choose`
# gave it higher `confirm_above` and fewer `add_above`: school's precision 89.3% -> 92.7% and
# recall 85.9% -> 82.7%, leaving-care money's recall 86.3% -> 84.2% with its new keywords;
# the thirty-ninth and fortieth's lowered friends' `confirm_above` 0.5 -> 0.2 and school's
# 0.5 -> 0.3: on the same 2,388, friends' precision 90.6% -> 87.7%, school's 91.9% -> 87.3%
# (recall 83.2% -> 86.4%); the forty-first and forty-second's raised them again (0.5 and
# 0.4, school's `add_above` 0.8 -> 0.7) and being listened to's `confirm_above` 0.3 -> 0.5:
# on the same 2,493, friends' precision 86.9% -> 90.4%, school's 88.0% -> 88.9%, being
# listened to's recall 85.9% -> 82.6%; the forty-third and forty-fourth's model, pruned to
# words and word pairs in at least two answers, with the thresholds `--choose` gave it (being
# listened to's `add_above` gone, friends' and school's precision and being listened to's
# recall lower): on the same 2,619, the session's start 86.8%, 87.5% and 84.2%, the end
# 88.4%, 86.7% and 70.1%; the forty-fifth and forty-sixth's gave being listened to its
# `add_above` 0.9 back, IRO one, and raised school's `confirm_above` 0.3 -> 0.5: on the same
# 2,741, being listened to's recall (the start's 84.3%) 84.7%, school's precision (87.8%)
# 90.6%; the forty-seventh and forty-eighth's raised home and carers' `add_above` 0.7 -> 0.8:
# on the same 2,852, its recall (the start's 88.8%) 88.3%; the forty-ninth and fiftieth's
# took away health and feelings' `add_above` and moved home and carers' `confirm_above` 0.3
# -> 0.4 and pets' 0.3 -> 0.1: on the same 2,981, health and feelings' recall 84.2%, with
# school's and pocket money's precision under 90% again; the fifty-first and fifty-second's
# gave health and feelings its `add_above` 0.9 back, IRO's 0.9 -> 0.6 and home and carers'
# `confirm_above` 0.4 -> 0.3: on the same 3,202, health and feelings' recall (the start's
# 85.1%) 90.1%, school's precision (89.9%) 91.3%, being listened to's recall (84.4%) 84.0%;
# the fifty-third and fifty-fourth's lowered school's `confirm_above` 0.5 -> 0.3, put IRO's
# `add_above` back to 0.9 and gave leaving-care money one (0.9): on the same 3,317, school's
# precision (the round's start 392ff20: 91.5%) 88.7% and being listened to's recall (84.4%)
# 86.7%; then an `if` rule's `not` word began to stop the model's additions as an `unless`
# phrase does: on the same 3,317, school's precision 88.7% -> 89.0% and changes of worker's
# recall 93.8% -> 93.1% (one answer each); the fifty-fifth and fifty-sixth's took away
# changes of worker's and leaving-care money's `add_above` (their pooled additions at 0.9
# were 52 right and 6 wrong, 89.7%, and 9 and 2): on the same 3,553, their recall (the
# round's start cd5de86: 92.2% and 88.8%) 79.9% and 83.9%; then `--choose` took additions
# under 90% right (at least 80% and 10 right) where the theme's labels with them stay 90%
# right: home and carers' `add_above` 0.8 -> 0.7, changes of worker's 0.8, IRO's and being
# listened to's 0.9 -> 0.7, pocket money's 0.9 -> 0.8; on the same 3,553, being listened
# to's precision 94.9% -> 90.5% (recall 86.4% -> 91.6%), changes of worker's recall 79.9% ->
# 93.5% (precision 95.3% -> 91.7%), pocket money's precision 93.7% -> 91.1%; then someone
# else's animal stopped counting as a pet ("my mates dog", "my cousin has a snake"), and a
# tv licence and bank statements became leaving-care money: on the same 3,553, pets'
# precision 89.9% -> 93.1%, leaving-care money's recall 83.9% -> 84.4%; the fifty-seventh
# and fifty-eighth's gave leaving-care money an `add_above` (0.9) and lowered health and
# feelings' to 0.8: on the same 3,750, leaving-care money's recall (the round's start
# 3ac4f93: 84.3%) 90.4%, health and feelings' (91.1%) 91.8%, being listened to's precision
# (90.4%) 90.0% and recall (90.9%) 90.0%; the eleventh session's 13 development labels
# corrected to the conventions (a school named only as a place: friends there, its nurse, a
# worker visiting it): school's precision 88.8% -> 90.5%, recall 89.7% -> 88.7%, "no
# theme"'s 209 right -> 208; see docs/themes-and-feelings.md.) The newest blind
# answers are harder than the rest (micro precision 87.0%, recall 83.6% on the twenty-sixth set's
# 241 as written; 91.0% and 82.7% on the twenty-fourth's 235; 93.5% and 91.0% on the
# twenty-third's 221; 91.6% and 90.9% on the twenty-eighth's 222, never tuned on; 95.6% and 88.9%
# on the twenty-ninth's 212 as written; 90.7% and 88.0% on the thirty-first's 218; 95.4% and 89.9%
# on the thirty-third's 221; 96.9% and 87.9% on the thirty-fifth's 221; 96.2% and 85.2% on the
# thirty-seventh's 244; 94.6% and 83.5% on the thirty-ninth's 228; 95.4% and 92.1% on the
# forty-first's 260, before repeats were dropped; 92.9% and 83.4% on the forty-third's 260; 96.6%
# and 91.4% on the forty-fifth's 260; 94.5% and 89.9% on the forty-seventh's 260; 96.1% and 94.2%
# on the forty-ninth's 222; 98.2% and 92.0% on the fifty-first's 214; 98.4% and 91.3% on the
# fifty-second's 231; 95.8% and 92.3% on the fifty-third's 232; 94.2% and 89.6% on the
# fifty-fifth's 236 (younger and SEND voices); 96.0% and 86.0% on the fifty-sixth's 240 (care
# leavers); 95.5% and 92.2% on the fifty-seventh's 240 (children in care); 95.9% and 91.8% on the
# fifty-eighth's 240 (care leavers)): see docs/themes-and-feelings.md.
FLOORS = {
    "home_and_carers": (468 / 507, 468 / 515),
    "placement_moves": (148 / 161, 148 / 171),
    "family_contact": (352 / 374, 352 / 360),
    "brothers_and_sisters": (194 / 201, 194 / 194),
    "friends": (200 / 218, 200 / 207),
    "school": (275 / 304, 275 / 310),
    "health_and_feelings": (413 / 438, 413 / 450),
    "social_worker": (342 / 345, 342 / 354),
    "worker_changes": (154 / 171, 154 / 166),
    "iro_and_reviews": (263 / 271, 263 / 267),
    "being_listened_to": (306 / 340, 306 / 340),
    "house_rules": (202 / 216, 202 / 229),
    "pocket_money_and_things_to_do": (240 / 263, 240 / 266),
    "pets": (141 / 152, 141 / 145),
    "advocacy": (138 / 141, 138 / 144),
    "leaving_care_housing": (266 / 285, 266 / 301),
    "leaving_care_money": (225 / 241, 225 / 249),
    "leaving_care_work": (182 / 194, 182 / 199),
    NO_THEME: (208 / 337, 208 / 244),  # 209 until the eleventh session's relabelling
}


@pytest.fixture(scope="module")
def held_out() -> dict[str, Agreement]:
    answers = [a for a in load() if a.split == "held_out"]
    return {row.theme: row for row in agreement(answers)}


def test_the_labelled_set_is_big_enough_and_split_once() -> None:
    answers = load()
    assert len(answers) >= 300
    parts = {a.split for a in answers}
    assert parts == {"development", "held_out"}
    texts = [a.text.lower() for a in answers]
    assert len(set(texts)) == len(texts)  # no answer in both parts
    held = [a for a in answers if a.split == "held_out"]
    for topic in load_topics():  # every theme has enough held-out answers to measure
        assert sum(topic.key in a.themes for a in held) >= 10, topic.key
    assert sum(not a.themes for a in held) >= 10  # answers with no theme, not "General"


@pytest.mark.parametrize(
    "theme",
    [
        pytest.param(t.key, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[t.key]))
        if t.key in KNOWN_MISSES
        else t.key
        for t in load_topics()
    ],
)
def test_each_theme_meets_the_thresholds_on_the_held_out_part(
    theme: str, held_out: dict[str, Agreement]
) -> None:
    row = held_out[theme]
    assert row.precision >= MIN_PRECISION, f"{theme}: precision {row.precision:.1%}"
    assert row.recall >= MIN_RECALL, f"{theme}: recall {row.recall:.1%}"


def test_no_theme_is_counted_not_labelled(held_out: dict[str, Agreement]) -> None:
    assert NO_THEME in held_out and "general" not in held_out


# recall 86.7% (202 of 233) with the additions under 90% right (88.0%, 205 of 233, after
# the fifty-fifth and fifty-sixth sets; 87.8%, 194 of 221,
# after the fifty-third and fifty-fourth; 86.6%, 187 of 216,
# after the fifty-first and fifty-second; 84.4%, 173 of 205, before them, when this was a
# strict expected failure)
def test_answers_with_no_theme_are_left_without_one(held_out: dict[str, Agreement]) -> None:
    assert held_out[NO_THEME].recall >= MIN_RECALL


@pytest.mark.parametrize("theme", sorted(FLOORS))
def test_a_measured_figure_does_not_get_worse(theme: str, held_out: dict[str, Agreement]) -> None:
    assert set(KNOWN_MISSES) <= set(FLOORS)
    row = held_out[theme]
    precision, recall = FLOORS[theme]
    assert row.precision >= precision - 1e-9, f"{theme}: precision {row.precision:.1%}"
    assert row.recall >= recall - 1e-9, f"{theme}: recall {row.recall:.1%}"


def test_a_second_labellers_reading_differs_only_where_recorded() -> None:
    held = [a for a in load() if a.split == "held_out"]
    read = readings(held)
    assert [a.text for a in read["first_labeller"]] == [a.text for a in held]
    assert [a.themes for a in read["first_labeller"]] == [a.themes for a in held]
    differ = sum(a.themes != b.themes for a, b in
                 zip(read["first_labeller"], read["second_labeller"], strict=True))
    assert differ == 47  # every row of held_out_second_labeller.csv differs (34 + 13)
    known = {t.key for t in load_topics()}
    assert all(a.themes <= known for r in READINGS for a in read[r])


def test_kappa() -> None:
    assert kappa([True, False, True, False], [True, False, True, False]) == 1.0
    assert kappa([True, True, False, False], [True, False, True, False]) == 0.0
    assert kappa([False] * 4, [False] * 4) == 1.0  # no theme either way: nothing to disagree on
    assert kappa([True, True, True, False], [True, True, False, False]) == pytest.approx(0.5)


def test_each_set_is_a_file_read_in_order_and_named_by_its_set(tmp_path: Path) -> None:
    folder = tmp_path / "answers"
    folder.mkdir()
    (folder / "02_later.csv").write_text("split,themes,text\nheld_out,,ok then\n")
    (folder / "01_first.csv").write_text(
        'split,themes,text\ndevelopment,pets school,"my cat, and maths"\n'
    )
    answers = load(folder)
    assert [(a.batch, a.split, a.text) for a in answers] == [
        ("first", "development", "my cat, and maths"),
        ("later", "held_out", "ok then"),
    ]
    assert answers[0].themes == {"pets", "school"}
    assert load(folder / "02_later.csv")[0].batch == "later"  # one set's file alone


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("first.csv", "split,themes,text\nheld_out,,ok\n", "name it NN_BATCH.csv"),
        ("01_first.csv", "split,themes,text\nheld_out,dragons,ok\n", "01_first.csv:2: bad split"),
        ("01_first.csv", "split,themes,text\ntraining,,ok\n", "01_first.csv:2: bad split"),
        ("01_first.csv", "split,themes\nheld_out,pets\n", "01_first.csv:2: .*empty text"),
    ],
)
def test_a_badly_named_or_labelled_set_is_a_clear_error(
    tmp_path: Path, name: str, content: str, error: str
) -> None:
    (tmp_path / name).write_text(content)
    with pytest.raises(ValueError, match=error):
        load(tmp_path)


def test_an_empty_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no labelled answers"):
        load(tmp_path)
