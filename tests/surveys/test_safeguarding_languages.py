"""Words in other languages: Welsh is read by its own phrase book; words the net cannot
read (another script, or a survey in a language it has no phrases for) raise a quiet flag
so that a person reads them, and the young person is told nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from surveys.engine import AnswerRecorded, Engine, PromptKind, RiskFlagged, UserInput
from surveys.model import Survey
from surveys.progress import Progress
from surveys.safeguarding import UNREAD_CATEGORY, Detector, cannot_read, detect_risk
from surveys.safeguarding.evaluation import load_corpus
from tests.factories import small_survey
from tests.surveys.test_engine import at_text_question

WELSH = Path(__file__).resolve().parents[1] / "data" / "safeguarding" / "welsh.tsv"
ENGINE = Engine(help_text=lambda: "HELP: Childline 0800 1111; 999 in an emergency")


def _welsh() -> list[dict[str, str]]:
    with WELSH.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_every_welsh_risk_message_raises_its_category() -> None:
    risk = [row for row in _welsh() if row["category"] != "none"]
    assert len(risk) >= 40
    missed = [row["text"] for row in risk
              if row["category"] not in [h.category.value for h in detect_risk(row["text"])]]
    assert missed == []


def test_no_ordinary_welsh_answer_raises_an_alert() -> None:
    ordinary = [row["text"] for row in _welsh() if row["category"] == "none"]
    assert len(ordinary) >= 25
    assert [text for text in ordinary if detect_risk(text)] == []


def test_welsh_patterns_do_not_change_what_english_raises() -> None:
    for text in ("my mum hugs me when I see her", "I want to die", "I'm dying to see my mum"):
        english_only = Detector.default().detect(text)
        assert detect_risk(text) == english_only


@pytest.mark.parametrize(
    ("text", "language", "unread"),
    [
        ("أريد أن أموت", "en", True),  # Arabic
        ("ሓገዝ ደልየ", "en", True),  # Tigrinya
        ("je veux mourir", "fr", True),  # a survey in a language with no phrases
        ("nuk jam mire", "sq", True),  # Albanian
        ("I am happy with my carer", "ar", False),  # English from an Arabic speaker: read
        ("I want to die", "en", False),  # English: the net reads it
        ("dw i eisiau marw", "cy", True),  # Welsh: its book reads it only in part...
        ("dw in hapus", "cy", True),  # ...so a person reads what the book does not flag
        ("I'm fine", "cy-GB", False),
        ("👍 123 !!", "ar", False),  # nothing to read
        ("", "ar", False),
        ("my friend said مرحبا", "en", False),  # mostly Latin letters
    ],
)
def test_cannot_read(text: str, language: str, unread: bool) -> None:
    assert cannot_read(text, language) is unread


@pytest.fixture
def survey() -> Survey:
    return small_survey()


def test_a_free_text_answer_in_arabic_is_flagged_quietly_and_kept(survey: Survey) -> None:
    progress = at_text_question(survey)
    step = ENGINE.advance(survey, progress, UserInput(text="أنا بخير"))
    assert [a.category for a in step.alerts] == [UNREAD_CATEGORY]
    assert any(isinstance(e, AnswerRecorded) for e in step.events)
    assert PromptKind.HELP not in [p.kind for p in step.prompts]  # nothing to tell them


def test_a_survey_in_another_language_flags_its_free_text(survey: Survey) -> None:
    progress = at_text_question(survey)
    step = ENGINE.speaking("fr").advance(survey, progress, UserInput(text="je suis content"))
    assert [a.category for a in step.alerts] == [UNREAD_CATEGORY]
    english = ENGINE.advance(survey, progress, UserInput(text="I am happy"))
    assert english.alerts == ()


def test_one_unread_word_at_a_button_question_is_not_flagged(survey: Survey) -> None:
    opened = ENGINE.open_survey(survey, Progress()).progress
    assert ENGINE.advance(survey, opened, UserInput(text="نعم")).alerts == ()
    two = ENGINE.advance(survey, opened, UserInput(text="ساعدني الآن"))
    assert [a.category for a in two.alerts] == [UNREAD_CATEGORY]


def test_welsh_the_book_does_not_flag_goes_to_a_person_quietly(survey: Survey) -> None:
    progress = at_text_question(survey)
    welsh = ENGINE.speaking("cy")
    step = welsh.advance(survey, progress, UserInput(text="dw i'n hapus efo fy ngofalwyr"))
    assert [a.category for a in step.alerts] == [UNREAD_CATEGORY]
    assert PromptKind.HELP not in [p.kind for p in step.prompts]  # nothing to tell them
    assert welsh.advance(survey, progress, UserInput(text="I'm happy here")).alerts == ()


def test_welsh_written_blind_raises_an_alert_as_free_text(survey: Survey) -> None:
    """On Welsh nobody wrote the book from, the book alone catches fewer than two in three;
    as the answer to a free-text question of a Welsh survey, every disclosure reaches a
    person (by its category, or unread), and so does nearly every ordinary answer: the price."""
    risk = [m.text for m in load_corpus("welsh_held_out") if m.is_risk]
    assert len(risk) >= 70
    caught_by_the_book = sum(bool(detect_risk(text)) for text in risk)
    assert caught_by_the_book >= 44  # measured: 35 of 72, then 42 and 44 after two more sittings
    progress = at_text_question(survey)
    welsh = ENGINE.speaking("cy")
    silent = [t for t in risk if not welsh.advance(survey, progress, UserInput(text=t)).alerts]
    assert silent == []


def test_welsh_risk_gets_the_help_reply(survey: Survey) -> None:
    progress = at_text_question(survey)
    step = ENGINE.speaking("cy").advance(survey, progress, UserInput(text="dw i eisiau marw"))
    assert [a.category for a in step.alerts] == ["suicide"]
    assert isinstance(step.events[0], RiskFlagged)
    assert step.prompts[0].kind is PromptKind.HELP
