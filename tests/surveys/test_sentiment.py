"""Sentiment scoring: the learned care scorer fixes TextBlob's known misses and needs no
NLTK corpora."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.sentiment import (
    CLASSES,
    DENSE,
    LABEL_MARGIN,
    NEGATIVE_BELOW,
    POSITIVE_ABOVE,
    CareScorer,
    LexiconError,
    ModelError,
    Parts,
    SentimentLabel,
    SentimentModel,
    SentimentScore,
    SentimentScorer,
    TextBlobScorer,
    VaderScorer,
    YouthLexicon,
    care_polarity,
    default_scorer,
    how_measured,
    label_for,
    score_text,
    social_marks,
    tokens,
)

NEG, NEU, POS = SentimentLabel.NEGATIVE, SentimentLabel.NEUTRAL, SentimentLabel.POSITIVE
LIKE = "I like my meeting"
COMPLAINT = "Time could have been discussed – had to change things to be able to attend"


@pytest.fixture(scope="module")
def textblob() -> TextBlobScorer:
    return TextBlobScorer()


@pytest.fixture(scope="module")
def vader() -> VaderScorer:
    return VaderScorer()


def test_textblob_alone_gets_the_seed_quotes_wrong(textblob: TextBlobScorer) -> None:
    assert textblob.score(LIKE) == SentimentScore(0.0, 0.0, NEU)
    assert textblob.score(COMPLAINT).label is POS


def test_care_scorer_gets_the_seed_quotes_right() -> None:
    assert score_text(LIKE).label is POS
    assert score_text(COMPLAINT).label is NEG


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("not happy", NEG),
        ("I'm not happy with my placement", NEG),
        ("they never listen to me", NEG),
        ("I was not listened to", NEG),
        ("my social worker listened to me", POS),
        ("it was not boring", POS),
        ("I don't understand why I moved again", NEG),
        ("changed my social worker again", NEG),
        ("too many changes", NEG),
        ("I miss my mum", NEG),
        ("My IRO was descriptive", POS),
        ("I know what the SGO is now", POS),
        ("my carer is kind and helpful", POS),
        ("I feel safe where I live", POS),
        ("my foster carer is peng at cooking", POS),
        ("The meeting was at 4pm in the school library", NEU),
    ],
)
def test_care_answers(text: str, label: SentimentLabel) -> None:
    assert score_text(text).label is label


@pytest.mark.parametrize("text", ["", "   ", "😀😀", "👍", "!!! ...", "\n"])
def test_no_words_is_neutral_zero(text: str, textblob: TextBlobScorer, vader: VaderScorer) -> None:
    for scorer in (default_scorer(), textblob, vader):
        assert scorer.score(text) == SentimentScore(0.0, 0.0, NEU)
    assert score_text(text) == SentimentScore(0.0, 0.0, NEU)


def test_label_thresholds() -> None:
    assert (NEGATIVE_BELOW, POSITIVE_ABOVE) == (-0.05, 0.05)
    assert label_for(-0.0501) is NEG
    assert label_for(-0.05) is NEU
    assert label_for(0.0) is NEU
    assert label_for(0.05) is NEU
    assert label_for(0.0501) is POS


def test_score_validates_and_clamps() -> None:
    with pytest.raises(ValueError, match="polarity"):
        SentimentScore(1.5, 0.0, POS)
    with pytest.raises(ValueError, match="subjectivity"):
        SentimentScore(0.0, -0.1, NEU)
    assert SentimentScore.of(3.0, 2.0) == SentimentScore(1.0, 1.0, POS)
    assert SentimentScore.of(float("nan"), 0.5) == SentimentScore(0.0, 0.5, NEU)


def test_scorers_meet_the_protocol(textblob: TextBlobScorer, vader: VaderScorer) -> None:
    scorers: list[SentimentScorer] = [textblob, vader, default_scorer()]
    for scorer in scorers:
        assert scorer.score("I love it").label is POS
        assert scorer.score("I hate it").label is NEG


def test_textblob_is_straight(textblob: TextBlobScorer) -> None:
    assert textblob.score("It was a great day") == SentimentScore(0.8, 0.75, POS)


def test_deterministic() -> None:
    texts = [LIKE, COMPLAINT, "meh", "i'm sooo bored of this"]
    first = [score_text(t) for t in texts]
    assert [score_text(t) for t in texts] == first
    assert [CareScorer().score(t) for t in texts] == first


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_ranges_for_any_text(text: str) -> None:
    score = score_text(text)
    assert -1.0 <= score.polarity <= 1.0
    assert 0.0 <= score.subjectivity <= 1.0
    assert score.label is label_for(score.polarity)


def test_long_text() -> None:
    text = ("My carer is kind but the meeting was boring and too long. " * 200)[:10_000]
    score = score_text(text)  # scored whole (how fast is for benchmarks/, not a test)
    assert -1.0 <= score.polarity <= 1.0


def test_works_without_nltk_corpora(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Any NLTK data lookup (punkt, wordnet, brown ...) fails; scoring must not need one."""
    nltk = pytest.importorskip("nltk")

    def no_corpora(*args: object, **kwargs: object) -> None:
        raise LookupError("NLTK data is not installed here")

    monkeypatch.setattr(nltk.data, "path", [str(tmp_path)])
    monkeypatch.setattr(nltk.data, "find", no_corpora)
    monkeypatch.setattr(nltk.data, "load", no_corpora)
    from textblob import TextBlob
    from textblob.exceptions import MissingCorpusError

    with pytest.raises(MissingCorpusError):  # the patch bites: punkt is out of reach
        _ = TextBlob("One. Two.").sentences
    scorer = CareScorer()
    assert scorer.score(LIKE).label is POS
    assert scorer.score(COMPLAINT + ". Second sentence! Third?").label is NEG


def test_nothing_heavy_at_import() -> None:
    code = textwrap.dedent(
        """
        import sys
        import surveys.sentiment
        heavy = {"textblob", "vaderSentiment", "nltk", "sqlalchemy", "fastapi", "telegram"}
        print(sorted(m for m in sys.modules if m.split(".")[0] in heavy))
        surveys.sentiment.score_text("I like my meeting")
        adapters = {"sqlalchemy", "fastapi", "telegram"}
        print(sorted(m for m in sys.modules if m.split(".")[0] in adapters))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.stdout.split("\n")[:2] == ["[]", "[]"]


# ----- the learned model ---------------------------------------------------------------


def test_untrained_model_is_neutral_and_labels_follow_the_class() -> None:
    parts = Parts(0.8, 0.9, 0.9, 0.7, 0.0, 0.6, 0.5, 4, 1.0)
    assert len(parts.dense()) == len(DENSE)
    polarity, label = SentimentModel.untrained().predict(parts, tokens("I love it"))
    assert label is NEG  # all classes tie at zero: the first wins, polarity follows it
    assert polarity < NEGATIVE_BELOW
    model = SentimentModel.default()
    for text in ("I love my carers", "my review got stood down again", "I am a care leaver"):
        score = CareScorer(model).score(text)
        assert score.label is label_for(score.polarity)


def test_a_neutral_reading_is_zero_and_a_side_is_past_every_common_threshold() -> None:
    """Whatever rule a reader applies to the polarity (ours: beyond 0.05; VADER's: at
    least 0.05; TextBlob's: any sign), it gives the label the scorer gave."""
    seen = set()
    for text in ("My review is on Tuesday", "I am a care leaver", "I love my carers",
                 "my review got stood down again", "it was ok i suppose", "fine"):
        score = score_text(text)
        seen.add(score.label)
        if score.label is NEU:
            assert score.polarity == 0.0, text
        else:
            assert abs(score.polarity) >= POSITIVE_ABOVE + 0.01, text
    assert seen == {NEG, NEU, POS}


def test_facts_of_care_are_neutral_and_hidden_from_general_scorers() -> None:
    lexicon = YouthLexicon.default()
    hidden = lexicon.without_facts("I am a Care Leaver in foster care")
    assert hidden.split() == ["I", "am", "a", "in"]
    for text in ("I am a care leaver", "I'm in foster care", "I'm looked after"):
        assert score_text(text).label is NEU, text
    assert score_text("my review got stood down again").label is NEG


@pytest.mark.parametrize(
    "text",
    ["idk", "nah", "Not sure.", "no", "N/A", "dunno", "nothing really", "I don't know",
     "not sure yet", "No, not really.", "no questions", "Can't think of anything!"],
)
def test_a_non_answer_is_neutral_whatever_a_lone_word_reads_as(text: str) -> None:
    assert YouthLexicon.default().says_nothing(text)
    assert score_text(text) == SentimentScore.of(0.0, 0.0), text


@pytest.mark.parametrize(
    ("text", "label"),
    [("no one listens to me", NEG), ("nothing bad to say about them", POS), ("no, never", None)],
)
def test_only_a_whole_answer_is_a_non_answer(text: str, label: SentimentLabel | None) -> None:
    assert not YouthLexicon.default().says_nothing(text)
    if label is not None:
        assert score_text(text).label is label, text


def test_the_benchmarks_measure_what_the_scorer_gives() -> None:
    scorer = CareScorer()
    for text in ("idk", "my review got stood down again", "no complaints"):
        parts = scorer.parts(text)
        assert parts is not None
        assert label_for(care_polarity(scorer.model, parts, text)) is scorer.score(text).label


@pytest.mark.parametrize(
    ("text", "marked"),
    [
        ("@someone that was great", 1.0),
        ("best day #happy", 1.0),
        ("shame :(", 1.0),
        ("lol no", 1.0),
        ("see https://example.org", 1.0),
        ("my review is at 7:30", 0.0),
        ("I am a care leaver", 0.0),
        ("the meeting was fine.", 0.0),
        ("hollow words", 0.0),
    ],
)
def test_social_marks(text: str, marked: float) -> None:
    assert social_marks(text) == marked
    parts = CareScorer().parts(text)
    assert parts is not None and parts.markers == marked
    assert parts.dense()[DENSE.index("marks")] == marked


def test_tokens_are_words_and_pairs() -> None:
    assert tokens("Didn't LIKE it") == [
        "didnt", "like", "it", "didnt like", "like it", "~like", "~it", "#didn", "#idnt"
    ]  # fmt: skip
    negated = [t for t in tokens("not bad, but the taxi is late") if t.startswith("~")]
    assert negated == ["~bad"]  # "," ends the reach
    assert "~late" not in tokens("nobody came and the taxi was late")  # and "and"


def test_tokens_carry_the_spelling_fragments_of_longer_words() -> None:
    fragments = [t for t in tokens("got evicted in 2019, sad") if t.startswith("#")]
    assert fragments == ["#evic", "#vict", "#icte", "#cted"]  # not "got", "sad" or "2019"
    assert {"#evic", "#vict"} <= set(tokens("the eviction letter"))  # a form it may not know


def test_a_text_is_scored_as_each_linear_part_scores_it() -> None:
    """`predict` looks each word up once for every score; the same as each part alone."""
    model, scorer = SentimentModel.default(), CareScorer()
    for text in ("I got evicted and my PA never rang", "my carers are lush", "its ok", "idk"):
        parts = scorer.parts(text)
        assert parts is not None
        words, dense = tokens(text), parts.dense()
        label = max(CLASSES, key=lambda c: model.classes[c](dense, words))
        polarity, predicted = model.predict(parts, words)
        assert predicted is label
        expected = max(-1.0, min(1.0, model.polarity(dense, words)))
        if label is NEU:
            expected = 0.0
        elif label is POS:
            expected = max(expected, POSITIVE_ABOVE + LABEL_MARGIN)
        else:
            expected = min(expected, NEGATIVE_BELOW - LABEL_MARGIN)
        assert polarity == pytest.approx(expected)


def test_model_file_is_checked() -> None:
    with pytest.raises(ModelError, match="version 1"):
        SentimentModel.from_json('{"version": 2}')
    with pytest.raises(ModelError, match="not a sentiment model"):
        SentimentModel.from_json("[]")
    with pytest.raises(ModelError, match="not a sentiment model"):
        SentimentModel.from_json("{")


def test_how_measured_reads_the_figures_it_is_given() -> None:
    row = {"TextBlob": {"n": 100, "accuracy": 0.5}, "VADER": {"n": 100, "accuracy": 0.6},
           "ours": {"n": 100, "accuracy": 0.7}}  # fmt: skip
    care = {"ours": {"n": 40, "accuracy": 0.875}}
    sentence = how_measured({"tweets": row, "movies": row, "care_phrases": care})
    assert "On 200 texts" in sentence and "70% of the time" in sentence
    assert "50% for TextBlob and 60% for VADER" in sentence
    assert "on 40 answers" in sentence and "88% of the time" in sentence
    assert how_measured({}).startswith("Feelings are read by") and "%" not in how_measured({})
    assert "%" in how_measured()  # the shipped figures


# ----- the youth lexicon --------------------------------------------------------------


@pytest.fixture(scope="module")
def lexicon() -> YouthLexicon:
    return YouthLexicon(
        {"like my meeting": 0.6, "i like": 0.4, "kind": 0.5, "kind of": 0.0, "boring": -0.5},
        negators=["not", "never", "don't"],
        breakers=["but"],
    )


@pytest.mark.parametrize(
    ("text", "valence", "coverage"),
    [
        ("I like my meeting", 0.6, 0.75),  # the longer phrase wins
        ("I like it", 0.4, 2 / 3),
        ("it was kind of ok", None, 0.0),  # "kind of" only blocks "kind"
        ("not boring", 0.375, 0.5),
        ("it was never really that boring", 0.375, 1 / 6),
        ("not long but boring", -0.5, 0.25),  # "but" ends the negation's reach
        ("I DON'T like my meeting", -0.45, 0.6),
        ("sooo boooring", -0.5, 0.5),
        ("", None, 0.0),
    ],
)
def test_lexicon_assess(
    lexicon: YouthLexicon, text: str, valence: float | None, coverage: float
) -> None:
    found, covered = lexicon.assess(text)
    assert found == (None if valence is None else pytest.approx(valence))
    assert covered == pytest.approx(coverage)


def test_default_lexicon_loads() -> None:
    valence, coverage = YouthLexicon.default().assess(COMPLAINT)
    assert valence is not None and valence < 0
    assert coverage > 0.25


def test_custom_lexicon_file(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.yaml"
    path.write_text("version: 1\nnegators: [not]\nphrases:\n  proper mint: 0.7\n", "utf-8")
    lexicon = YouthLexicon.from_path(path)
    valence, coverage = lexicon.assess("it was proper mint")
    assert (valence, coverage) == (0.7, 0.5)
    scorer = CareScorer(lexicon=lexicon)
    assert scorer.score("proper mint").label is POS


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("phrases: [", "not valid YAML"),
        ("version: 2\nphrases: {}", "version: 1"),
        ("version: 1\nphrase: {}", "unknown keys"),
        ("version: 1\nphrases: {good: 2}", "outside -1..1"),
        ("version: 1\nphrases: {good: yes}", "must be a number"),
        ("version: 1\nphrases: {'!!': 0.5}", "no words"),
        ("version: 1\nphrases: {Good: 0.5, good: 0.4}", "are the same"),
        ("version: 1\nnegators: [not at all]\nphrases: {}", "single words"),
        ("version: 1\nnegators: not\nphrases: {}", "list of words"),
        ("version: 1\nnon_answers: [idk, no]\nphrases: {}", "quote yes and no"),
        ("version: 1\nnon_answers: ['', idk]\nphrases: {}", "must have words"),
    ],
)
def test_bad_lexicon_is_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(LexiconError, match=message) as raised:
        YouthLexicon.from_yaml(text, source="lexicon.yaml")
    assert str(raised.value).startswith("lexicon.yaml")


def test_missing_lexicon_file(tmp_path: Path) -> None:
    with pytest.raises(LexiconError, match="cannot read"):
        YouthLexicon.from_path(tmp_path / "nope.yaml")
