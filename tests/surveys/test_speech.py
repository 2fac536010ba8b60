"""Read-aloud: what is said, which words may be made into audio, and the disk cache."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from surveys.loader import load_builtin_surveys
from surveys.speech import (
    AudioCache,
    AudioFormat,
    Speaker,
    SpeechUnavailable,
    digest,
    speakable,
    spoken_question,
)
from surveys.translations import localize
from tests.fakes import recording_espeak

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng is not installed"
)
BUILTINS = {s.key: s for s in load_builtin_surveys()}


def test_a_question_is_read_with_what_can_be_chosen() -> None:
    survey = BUILTINS["review-prep-child"]
    scale = spoken_question(survey.question("home_feel"))
    assert scale.startswith("How do you feel about where you live?")
    assert "You can say: Really bad, Not good, OK, Good, or Really good." in scale
    assert "😞" not in scale  # the emoji are shown, not said
    multi = spoken_question(survey.question("who_at_meeting"))
    assert "You can pick any of these: My carer, My social worker" in multi
    assert spoken_question(survey.question("going_well")) == survey.question("going_well").text
    ons = spoken_question(BUILTINS["wellbeing-16plus"].question("ons_life"))
    assert "0 Not at all, 1, 2" in ons and "or 10 Completely." in ons


@pytest.mark.parametrize("key", sorted(BUILTINS))
def test_every_question_option_and_message_of_a_builtin_can_be_heard(key: str) -> None:
    survey = BUILTINS[key]
    words = set(speakable(survey).values())
    assert survey.intro in words and survey.thanks in words
    for question in survey.questions:
        assert spoken_question(question) in words
        assert all(c.label in words for c in question.choices)
        if question.help:
            assert question.help in words
    assert all(digest(text) == key for key, text in speakable(survey).items())


def test_digests_are_short_stable_hex() -> None:
    assert digest("Hello") == digest("Hello") != digest("Hello.")
    assert len(digest("Hello")) == 24 and int(digest("Hello"), 16) >= 0


def test_without_espeak_nothing_is_made_and_it_says_why(tmp_path: Path) -> None:
    mute = Speaker(espeak=None)
    assert not mute.available
    assert "espeak-ng is not installed" in mute.missing
    with pytest.raises(SpeechUnavailable, match="espeak-ng"):
        mute.wav("Hello")
    survey = BUILTINS["review-feedback"]
    cache = AudioCache(tmp_path, mute)
    with pytest.raises(SpeechUnavailable):
        cache.make(survey, "en", survey.intro)
    assert not any(tmp_path.iterdir())  # no half-made file left behind


def test_a_broken_program_is_a_clear_error(tmp_path: Path) -> None:
    broken = Speaker(espeak=str(tmp_path / "no-such-espeak"))
    with pytest.raises(SpeechUnavailable, match="espeak-ng failed"):
        broken.wav("Hello")
    assert Speaker(espeak="x").format is AudioFormat.WAV  # no encoder: WAV


def test_only_words_of_the_survey_are_made(tmp_path: Path) -> None:
    survey = BUILTINS["review-feedback"]
    cache = AudioCache(tmp_path, Speaker(espeak=None))
    assert cache.get(survey, "en", digest("Say something rude")) is None
    path = cache.path(survey, "cy", digest(survey.intro), AudioFormat.OGG)
    assert path == tmp_path / "review-feedback" / "1" / "cy" / f"{digest(survey.intro)}.ogg"
    with pytest.raises(SpeechUnavailable, match="no espeak-ng voice"):
        cache.path(survey, "xx", "k", AudioFormat.WAV)  # never English audio instead


@needs_espeak
@pytest.mark.parametrize("language", ["en", "cy"])
def test_audio_is_made_once_and_kept(tmp_path: Path, language: str) -> None:
    speaker = Speaker.find()
    survey = BUILTINS["review-feedback"]
    cache = AudioCache(tmp_path, speaker)
    intro = localize(survey, language).intro
    first = cache.get(survey, language, digest(intro))
    assert first is not None and first.exists()
    expected = b"OggS" if speaker.format is AudioFormat.OGG else b"RIFF"
    assert first.read_bytes()[:4] == expected
    stamp = first.stat().st_mtime_ns
    again = cache.get(survey, language, digest(intro))
    assert again == first and first.stat().st_mtime_ns == stamp  # not made twice
    wav = cache.make(survey, language, intro, AudioFormat.WAV)
    assert wav.read_bytes()[:4] == b"RIFF" and wav.stat().st_size > first.stat().st_size
    assert not list(tmp_path.rglob("*.part"))


def test_a_welsh_question_is_made_with_the_welsh_voice_and_welsh_words(tmp_path: Path) -> None:
    program, log = recording_espeak(tmp_path)
    survey = BUILTINS["review-prep-child"]
    cache = AudioCache(tmp_path / "audio", Speaker(espeak=program))
    welsh = localize(survey, "cy").question("home_feel")
    spoken = spoken_question(welsh, "cy")
    assert spoken.startswith(welsh.text) and "You can say" not in spoken
    english = spoken_question(survey.question("home_feel"))
    assert cache.get(survey, "cy", digest(english)) is None  # English words are not Welsh
    made = cache.get(survey, "cy", digest(spoken))
    assert made is not None and made.parent.name == "cy"
    assert log.read_text(encoding="utf-8").split()[:2] == ["-v", "cy"]


def test_arabic_has_its_own_voice_and_a_language_without_one_gets_no_audio(
    tmp_path: Path,
) -> None:
    program, log = recording_espeak(tmp_path)
    speaker = Speaker(espeak=program)
    assert speaker.speaks("cy") and speaker.speaks("ar") and speaker.speaks(None)
    assert not speaker.speaks("xx") and not Speaker(espeak=None).speaks("cy")
    speaker.wav("مرحبا", "ar")
    assert log.read_text(encoding="utf-8").split()[:2] == ["-v", "ar"]
    with pytest.raises(SpeechUnavailable, match="no espeak-ng voice"):
        speaker.wav("Hello", "xx")
    assert len(log.read_text(encoding="utf-8").splitlines()) == 1  # nothing said in English
