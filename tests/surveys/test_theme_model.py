"""The theme model: a second opinion on what keywords find, scored as scikit-learn would."""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import replace
from pathlib import Path

import pytest
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from benchmarks import themes_train
from benchmarks.themes_agreement import load
from benchmarks.themes_train import (
    CHAR_MIN_DF,
    CLASS_WEIGHT,
    STRENGTH,
    WORD_MIN_DF,
    Setting,
    Validation,
    ValidationRun,
    choose,
    choose_add,
    choose_confirm,
    fit,
    gain,
    parse_setting,
    sweep,
    taxonomy_at,
)
from surveys.theme_model import ThemeModel, ThemeModelError, ngrams
from surveys.topics import Topic, load_topics, normalise, topics_of


def test_the_shipped_model_knows_every_built_in_theme() -> None:
    assert ThemeModel.default().themes == {t.key for t in load_topics()}
    confirmed = {t.key: t.confirm_above for t in load_topics() if t.confirm_above}
    assert confirmed == {  # python -m benchmarks.themes_train --choose gives these
        "home_and_carers": 0.3, "placement_moves": 0.4, "family_contact": 0.3, "friends": 0.5,
        "school": 0.3, "health_and_feelings": 0.1, "worker_changes": 0.4,
        "being_listened_to": 0.4, "house_rules": 0.4, "pocket_money_and_things_to_do": 0.4,
        "pets": 0.1, "leaving_care_housing": 0.2, "leaving_care_money": 0.3,
        "leaving_care_work": 0.3,
    }
    added = {t.key: t.add_above for t in load_topics() if t.add_above}
    assert added == {
        "home_and_carers": 0.7, "school": 0.8, "health_and_feelings": 0.8,
        "worker_changes": 0.8, "iro_and_reviews": 0.7, "being_listened_to": 0.7,
        "house_rules": 0.9, "pocket_money_and_things_to_do": 0.8, "leaving_care_money": 0.9,
    }


def _validation(confirm: list[tuple[float, bool]], add: list[tuple[float, bool]]) -> Validation:
    return Validation("school", tuple(confirm), tuple(add))


def test_confirm_takes_the_most_wrong_removed_net_of_right_lost_and_ties_go_lower() -> None:
    # under 0.2: 1 wrong; under 0.3: 3 wrong, 1 right (net 2); under 0.5: 4 wrong, 2 right
    first = _validation([(0.15, False), (0.25, False), (0.25, False), (0.28, True),
                         (0.45, False), (0.45, True), (0.9, True)], [])
    assert first.removed(0.3) == (3, 1)
    assert choose_confirm([first]) == 0.3  # 0.3, 0.4 and 0.5 all net 2: the lower
    # pooled with a validation where 0.3 loses two right labels, 0.2 wins
    second = _validation([(0.25, True), (0.25, True), (0.05, False)], [])
    assert choose_confirm([first, second]) == 0.2  # net 1 at 0.1, 2 at 0.2, 1 at 0.3 to 0.5
    assert choose_confirm([_validation([(0.05, False)], [])]) is None  # 1 is not enough


def test_add_takes_the_lowest_threshold_at_least_90_percent_right_and_two() -> None:
    rows = [_validation([], [(0.55, False)] + [(0.65, True)] * 9 + [(0.95, True)])]
    assert rows[0].added(0.6) == (10, 0)
    assert choose_add(rows) == 0.5  # 10 right, 1 wrong: 90.9%
    rows.append(_validation([], [(0.55, False)]))  # pooled: 10 right, 2 wrong at 0.5
    assert choose_add(rows) == 0.6
    assert choose_add([_validation([], [(0.95, True)])]) is None  # one right is too few


def test_add_at_exactly_90_percent_right_is_enough() -> None:
    rows = [_validation([], [(0.55, False)] + [(0.95, True)] * 9)]
    assert rows[0].added(0.5) == (9, 1)
    assert choose_add(rows) == 0.5


def test_add_under_90_percent_counts_where_the_theme_stays_90_percent_right() -> None:
    # additions at 0.5: 12 right, 3 wrong (80%); at 0.6 to 0.9: 9 right, 1 wrong (90%)
    added = [(0.55, True)] * 3 + [(0.55, False)] * 2 + [(0.95, True)] * 9 + [(0.95, False)]
    alone = [_validation([], added)]
    assert choose_add(alone) == 0.6  # the theme is its additions alone: 80% is too few
    # keywords that find 40 labels, 39 right: with the 15 additions, 51 of 55 (92.7%)
    sure = [_validation([(0.9, True)] * 39 + [(0.9, False)], added)]
    assert choose_add(sure) == 0.5
    # keywords that find 20, 17 right: 29 of 35 (82.9%) with them, so 90% right it must be
    unsure = [_validation([(0.9, True)] * 17 + [(0.9, False)] * 3, added)]
    assert choose_add(unsure) == 0.6
    # the confirm threshold's removals count: the three wrong ones score under 0.3
    vetoed = [_validation([(0.9, True)] * 17 + [(0.2, False)] * 3, added)]
    assert choose_confirm(vetoed) == 0.3 and choose_add(vetoed) == 0.5
    # under 80%, or fewer than 10 right, the theme's precision does not matter
    few = [_validation([(0.9, True)] * 99, [(0.55, True)] * 8 + [(0.55, False)] * 2)]
    assert choose_add(few) is None
    under = [_validation([(0.9, True)] * 99, [(0.55, True)] * 11 + [(0.55, False)] * 4)]
    assert choose_add(under) is None


# a validation whose one wrong label scores under 0.3 (and one right label over it)
_ONE_WRONG_UNDER_0_3 = ValidationRun(10, 5, [_validation([(0.25, False), (0.9, True)], [])])


def test_choose_pools_every_validation_and_says_where_topics_yaml_differs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shipped = load_topics()
    school = next(t for t in shipped if t.key == "school")
    runs: list[tuple[tuple[str, ...], tuple[str, ...]]] = []

    def validate(answers: object, topics: object, batches: tuple[str, ...],
                 later: list[str], setting: object = None) -> ValidationRun:
        runs.append((batches, tuple(later)))
        # each validation alone is one wrong label under 0.3: pooled, two, so 0.3 is chosen
        return _ONE_WRONG_UNDER_0_3

    monkeypatch.setattr(themes_train, "VALIDATIONS", ((("a",), "c1"), (("b", "c"), "c2")))
    monkeypatch.setattr(themes_train, "validate", validate)
    monkeypatch.setattr(themes_train, "taxonomy_at", lambda commit: shipped)
    monkeypatch.setattr(themes_train, "load_topics",
                        lambda: (replace(school, confirm_above=0.3, add_above=None),))
    assert choose([]) == 0
    assert runs == [(("a",), ("b", "c")), (("b", "c"), ())]  # later sets left out of training
    assert "differs" not in capsys.readouterr().out
    monkeypatch.setattr(themes_train, "load_topics",
                        lambda: (replace(school, confirm_above=0.1, add_above=None),))
    assert choose([]) == 1
    assert "differs" in capsys.readouterr().out
    pets = replace(school, key="pets", confirm_above=0.2, add_above=None)
    monkeypatch.setattr(themes_train, "load_topics", lambda: (pets,))
    assert choose([]) == 1  # a threshold no validation stands behind
    assert "pets" in capsys.readouterr().out


def test_a_setting_is_written_as_class_weights_and_c() -> None:
    assert parse_setting("balanced:10") == Setting(10.0, "balanced")
    assert parse_setting("none:20") == Setting(20.0, None)
    assert str(Setting(20.0, None)) == "none:20"
    assert parse_setting("balanced:10:1") == Setting(10.0, "balanced", 1)
    assert str(Setting(10.0, "balanced", 1)) == "balanced:10:1"  # unlike the shipped minimum
    assert str(Setting(10.0, "balanced", WORD_MIN_DF)) == "balanced:10"
    for bad in ("bogus", "none", "none:", "heavy:10", "none:0", "none:-1", "none:x",
                "none:20:0", "none:20:x", "none:20:1.5"):
        with pytest.raises(argparse.ArgumentTypeError, match="balanced:10 or none:20"):
            parse_setting(bad)


def test_gain_is_what_the_chosen_thresholds_correct() -> None:
    # confirm: 0.3 removes 3 wrong and 1 right (net 2); add: 0.5 adds 9 right and 1 wrong
    # (90%, the lowest threshold that meets the precision goal)
    rows = [_validation([(0.15, False), (0.25, False), (0.25, False), (0.28, True),
                         (0.45, False), (0.45, True), (0.9, True)],
                        [(0.55, False)] + [(0.65, True)] * 9)]
    assert gain(rows) == (2, 9, 1)
    assert gain([_validation([(0.9, True)], [(0.95, True)])]) == (0, 0, 0)  # nothing chosen


def test_sweep_trains_each_setting_and_prints_its_gain(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[object] = []

    def validate(answers: object, topics: object, batches: tuple[str, ...],
                 later: list[str], setting: object = None) -> ValidationRun:
        seen.append(setting)
        return _ONE_WRONG_UNDER_0_3

    monkeypatch.setattr(themes_train, "VALIDATIONS", ((("a",), "c1"), (("b",), "c2")))
    monkeypatch.setattr(themes_train, "validate", validate)
    monkeypatch.setattr(themes_train, "taxonomy_at", lambda commit: load_topics())
    settings = [Setting(10.0, "balanced"), Setting(20.0, None)]
    assert sweep([], settings) == 0
    assert seen == [settings[0]] * 2 + [settings[1]] * 2
    out = capsys.readouterr().out
    assert "balanced:10" in out and "none:20" in out
    assert out.splitlines()[1].split()[1:] == ["2", "0", "0", "2"]  # two wrong removed


def test_an_old_taxonomy_is_read_from_git() -> None:
    old = taxonomy_at("17f4ac0")  # the keywords before the nineteenth and twentieth sets
    assert {t.key for t in old} == {t.key for t in load_topics()}
    assert next(t for t in old if t.key == "school").confirm_above == 0.3


def test_a_commit_git_cannot_show_is_a_clear_error() -> None:
    with pytest.raises(SystemExit, match=r"git could not show topics\.yaml at 0000000"):
        taxonomy_at("0000000")


def test_scoring_in_plain_python_matches_scikit_learn() -> None:
    answers = [a for a in load() if a.split == "development"][::3]
    model = ThemeModel(json.loads(json.dumps(fit(answers, ["school"]))))
    words = TfidfVectorizer(analyzer=lambda t: ngrams(normalise(t)), sublinear_tf=True,
                            min_df=WORD_MIN_DF)
    characters = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=CHAR_MIN_DF,
        preprocessor=normalise,
    )
    texts = [a.text for a in answers]
    matrix = hstack([words.fit_transform(texts), characters.fit_transform(texts)])
    reference = LogisticRegression(C=STRENGTH, max_iter=5000, class_weight=CLASS_WEIGHT)
    reference.fit(matrix, [("school" in a.themes) for a in answers])
    texts = ["my teacher is sound", "the wifi at college is rubbish rubbish", "zzz unknown", "",
             "skool", "i"]
    expected = reference.predict_proba(
        hstack([words.transform(texts), characters.transform(texts)])
    )[:, 1]
    for text, probability in zip(texts, expected, strict=True):
        assert model.probability("school", normalise(text)) == pytest.approx(probability, abs=1e-4)


def test_a_keyword_find_the_model_disagrees_with_is_dropped() -> None:
    topics = load_topics()
    keywords_only = tuple(replace(t, confirm_above=None, add_above=None) for t in topics)
    text = "my hamster escaped in the house"
    assert "home_and_carers" in topics_of(text, keywords_only)
    assert topics_of(text, topics) == ("pets",)
    assert topics_of("my foster carer is kind and makes me laugh", topics) == ("home_and_carers",)


def test_the_model_is_not_asked_about_a_theme_without_thresholds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_model() -> ThemeModel:
        raise AssertionError("the theme model was asked")

    monkeypatch.setattr(ThemeModel, "default", staticmethod(no_model))
    worker = next(t for t in load_topics() if t.key == "social_worker")
    assert worker.confirm_above is None and worker.add_above is None
    assert topics_of("my sw is nice", (worker,)) == ("social_worker",)
    assert topics_of("the people here are lovely to me", (worker,)) == ()


def test_add_above_tags_what_the_keywords_missed_only_when_the_model_is_that_sure() -> None:
    bare = Topic("school", "School", ("school",))
    text = "my school is fine"
    missed = "the lessons are long"
    certain = ThemeModel.default().probability("school", normalise(missed))
    assert 0.1 < certain < 0.9
    assert not bare.found_in(f" {normalise(missed)} ")
    assert topics_of(missed, (bare,)) == ()
    assert topics_of(missed, (replace(bare, add_above=certain - 0.01),)) == ("school",)
    assert topics_of(missed, (replace(bare, add_above=certain + 0.01),)) == ()
    assert topics_of(text, (replace(bare, add_above=0.99),)) == ("school",)  # keywords still count


def test_one_text_is_weighed_once_for_every_theme_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    model = ThemeModel.default()
    expected = {key: model.probability(key, "my new pa left") for key in sorted(model.themes)}
    weighed = []
    original = ThemeModel._weighted

    def counting(self: ThemeModel, normalised: str) -> list[tuple[int, float]]:
        weighed.append(normalised)
        return original(self, normalised)

    monkeypatch.setattr(ThemeModel, "_weighted", counting)
    chance = model.scorer("my new pa left")
    assert {key: chance(key) for key in expected} == expected
    assert weighed == ["my new pa left"]
    topics_of("my new PA left and the school wont let me use my phone")
    assert len(weighed) == 2  # every theme the taxonomy asks the model about, one weighing


def test_the_model_adds_nothing_where_an_unless_phrase_says_it_is_not_the_theme() -> None:
    school = next(t for t in load_topics() if t.key == "school")
    for text in ["the meeting at school was ok",
                 "had the meeting at school"]:
        assert school.add_above is not None and school.ruled_out(f" {normalise(text)} ")
        assert ThemeModel.default().probability("school", normalise(text)) >= school.add_above
        assert "school" not in topics_of(text)


def test_a_text_with_one_known_n_gram_and_a_full_word_cache_score_as_expected(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = {"vocabulary": ["school"], "idf": [1.0], "char_vocabulary": [" sc", "sch"],
            "char_idf": [1.0, 2.0],
            "themes": {"school": {"coef": [2.0, 0.5, 0.25], "intercept": -1.0}}}
    words_only = ThemeModel({**data, "char_vocabulary": [], "char_idf": [],
                             "themes": {"school": {"coef": [2.0], "intercept": -1.0}}})
    assert words_only.probability("school", "school") == pytest.approx(1 / (1 + math.exp(-1.0)))
    model = ThemeModel(data)
    # " school ": one word column (1.0) and two character columns (1.0, 2.0), each block its
    # own L2 norm: 2.0 * 1 + 0.5 / sqrt(5) + 0.25 * 2 / sqrt(5)
    score = -1.0 + 2.0 + (0.5 + 0.5) / math.sqrt(5)
    expected = 1 / (1 + math.exp(-score))
    monkeypatch.setattr("surveys.theme_model._WORDS_KEPT", 1)
    for _ in range(3):  # the word cache is cleared when full: the same figure every time
        assert model.probability("school", "school") == pytest.approx(expected)
        assert model.probability("school", "my school") == pytest.approx(expected)
    # the same weights stored as whole thousandths, as the training script writes them
    scaled = ThemeModel({**data, "coef_scale": 1000,
                         "themes": {"school": {"coef": [2000, 500, 250], "intercept": -1.0}}})
    assert scaled.probability("school", "school") == model.probability("school", "school")


def test_add_above_may_not_be_under_confirm_above(tmp_path: Path) -> None:
    path = tmp_path / "topics.yaml"
    path.write_text(
        "themes:\n  school:\n    keywords: [school]\n    confirm_above: 0.6\n    add_above: 0.5\n"
    )
    with pytest.raises(ValueError, match=r"add_above \(0.5\) is below confirm_above \(0.6\)"):
        load_topics(path)


@pytest.mark.parametrize("name", ["confirm_above", "add_above"])
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1.5", "between 0 and 1"),
        ("true", "between 0 and 1"),
        ("high", "between 0 and 1"),
    ],
)
def test_model_thresholds_must_be_probabilities(
    tmp_path: Path, name: str, value: str, message: str
) -> None:
    path = tmp_path / "topics.yaml"
    path.write_text(f"themes:\n  school:\n    keywords: [school]\n    {name}: {value}\n")
    with pytest.raises(ValueError, match=f"{name} must be a probability {message}"):
        load_topics(path)


@pytest.mark.parametrize("name", ["confirm_above", "add_above"])
def test_model_thresholds_need_a_theme_the_model_knows(tmp_path: Path, name: str) -> None:
    path = tmp_path / "topics.yaml"
    path.write_text(f"themes:\n  pensions:\n    keywords: [pension]\n    {name}: 0.5\n")
    with pytest.raises(ValueError, match=f"'pensions': {name} needs the theme model"):
        load_topics(path)
    path.write_text(f"themes:\n  school:\n    keywords: [school]\n    {name}: 0.5\n")
    [school] = load_topics(path)
    assert getattr(school, name) == 0.5


@pytest.mark.parametrize(
    "text",
    ["not json", '{"vocabulary": ["a"], "idf": [1.0, 2.0], "themes": {}}',
     '{"vocabulary": ["a"], "idf": [1.0], "themes": {"x": {"coef": [], "intercept": 0}}}',
     '{"vocabulary": ["a"], "idf": [1.0]}',
     '{"vocabulary": ["a", "a"], "idf": [1.0, 1.0], "themes": {"x": {"coef": [1, 1], '
     '"intercept": 0}}}',
     '{"vocabulary": ["a"], "idf": [1.0], "coef_scale": 0, '
     '"themes": {"x": {"coef": [1], "intercept": 0}}}'],
)
def test_a_malformed_model_is_refused(text: str) -> None:
    with pytest.raises(ThemeModelError, match="theme model"):
        ThemeModel.from_json(text)


def test_a_theme_without_weights_is_a_clear_error() -> None:
    with pytest.raises(ThemeModelError, match="no weights for theme 'pensions'"):
        ThemeModel.default().probability("pensions", "my pension")
