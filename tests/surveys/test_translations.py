"""Languages: the message catalogues are complete and current, every built-in survey is in
Welsh, translations load, check, apply and travel as PO files."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from importlib import resources
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from surveys import safeguarding
from surveys.engine import Engine, PromptKind, UserInput, describe_answer
from surveys.errors import PeopleImportError, SurveyDefinitionError
from surveys.i18n import LANGUAGES, format_day, gettext_for, normalize_language
from surveys.loader import (
    dump_survey_yaml,
    load_builtin_surveys,
    parse_survey,
    survey_fingerprint,
)
from surveys.office_hours import OfficeHours
from surveys.people import parse_people_csv
from surveys.progress import Progress
from surveys.translations import (
    check_po,
    export_po,
    import_po,
    localize,
    missing,
    source_strings,
)

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")


def catalogue(language: str) -> Path:
    return Path(
        str(resources.files("surveys").joinpath("locale", language, "LC_MESSAGES", "carevoice.po"))
    )


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_every_ui_string_is_translated_with_its_placeholders(language: str) -> None:
    with (ROOT / "surveys/locale/carevoice.pot").open("rb") as handle:
        template = read_po(handle)
    with catalogue(language).open("rb") as handle:
        po = read_po(handle, locale=language)
    wanted = {m.id for m in template if m.id}
    assert wanted, "the template is empty"
    for message in po:
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        source = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            assert text and text.strip(), f"{language}: no words for {source!r}"
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(source)), (
                f"{language}: placeholders differ in {source!r}"
            )
    have = {m.id for m in po if m.id}
    assert wanted - have == set(), f"{language} lacks {sorted(map(str, wanted - have))[:5]}"


def test_the_template_holds_every_string_the_code_marks(tmp_path: Path) -> None:
    """`./scripts/i18n update` was run: extracting now finds nothing the template lacks."""
    out = tmp_path / "now.pot"
    subprocess.run(
        [sys.executable, "-c", "from babel.messages.frontend import main; main()",
         "extract", "-F", "babel.cfg", "-k", "N_", "-k", "_", "-k", "gettext",
         "-k", "ngettext:1,2", "--no-location", "-o", str(out), "."],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    with out.open("rb") as handle:
        now = {m.id for m in read_po(handle) if m.id}
    with (ROOT / "surveys/locale/carevoice.pot").open("rb") as handle:
        shipped = {m.id for m in read_po(handle) if m.id}
    assert now - shipped == set(), "run ./scripts/i18n update and translate the new strings"


@pytest.mark.parametrize("survey", load_builtin_surveys(), ids=lambda s: s.key)
def test_every_built_in_survey_is_complete_in_welsh(survey: object) -> None:
    from surveys.model import Survey

    assert isinstance(survey, Survey)
    assert missing(survey, "cy") == []
    welsh = localize(survey, "cy")
    assert welsh.key == survey.key and welsh.version == survey.version
    assert [q.id for q in welsh.questions] == [q.id for q in survey.questions]
    for english, cymraeg in zip(survey.questions, welsh.questions, strict=True):
        assert [c.id for c in english.choices] == [c.id for c in cymraeg.choices]
        assert english.text != cymraeg.text or english.kind.value == "info"


def test_missing_lists_what_a_language_lacks_and_english_falls_in() -> None:
    survey = load_builtin_surveys()[0]
    words = dict(survey.translations["cy"])
    del words["title"]
    first = survey.questions[0].id
    del words[f"{first}.text"]
    partial = parse_survey(
        dump_survey_yaml(survey).split("translations:")[0], "x.yaml"
    ).__class__  # the type, to build one with fewer words below
    thinner = partial(**{**_fields(survey), "translations": {"cy": words}})
    assert missing(thinner, "cy") == ["title", f"{first}.text"]
    welsh = localize(thinner, "cy")
    assert welsh.title == survey.title  # English where a word is missing
    assert welsh.questions[0].text == survey.questions[0].text
    assert welsh.intro == survey.translations["cy"]["intro"]


def _fields(survey: object) -> dict[str, object]:
    names = ("key", "version", "title", "form", "audience", "intro", "thanks", "questions",
             "anonymous", "description")  # fmt: skip
    return {name: getattr(survey, name) for name in names}


def test_translations_round_trip_through_yaml_and_change_the_fingerprint() -> None:
    survey = load_builtin_surveys()[0]
    again = parse_survey(dump_survey_yaml(survey), "stored")
    assert again == survey and again.translations == survey.translations
    without = parse_survey(dump_survey_yaml(survey).split("translations:")[0], "x.yaml")
    assert survey_fingerprint(without) != survey_fingerprint(survey)


def test_a_translation_naming_nothing_is_refused_with_its_place() -> None:
    text = """
key: tiny
version: 1
title: Tiny
form: survey
audience: young_person
intro: Hi
thanks: Thanks
questions:
  - {id: mood, kind: yesno, text: "OK?"}
translations:
  cy:
    title: Bach
    questions:
      mod: {text: "Iawn?"}
      mood: {text: "Iawn?", choices: {"yes": Ie}}
  fr:
    title: Petit
"""
    with pytest.raises(SurveyDefinitionError) as caught:
        parse_survey(text, "tiny.yaml")
    message = str(caught.value)
    assert "translations.cy.questions.mod" in message and "did you mean 'mood'" in message
    assert "choices.yes" in message
    assert "'fr' is not a shipped language" in message


def test_a_po_file_goes_to_a_translator_and_comes_back() -> None:
    survey = load_builtin_surveys()[0]
    english_only = parse_survey(dump_survey_yaml(survey).split("translations:")[0], "x.yaml")
    po = export_po(english_only, "cy")
    assert b'msgctxt "title"' in po and b'msgstr ""' in po
    with_words = export_po(survey, "cy").decode("utf-8")
    assert survey.translations["cy"]["title"] in with_words
    back, report = import_po(english_only, "cy", with_words.encode("utf-8"))
    assert report.still_missing == [] and report.unknown == [] and report.changed_source == []
    assert back.translations["cy"] == dict(survey.translations["cy"])
    # a string whose English changed since the export is left out, and said so
    changed = with_words.replace(f'msgid "{survey.title}"', 'msgid "An older title"', 1)
    _, report = import_po(english_only, "cy", changed.encode("utf-8"))
    assert report.changed_source == ["title"] and "title" in report.still_missing


def test_every_survey_string_is_in_source_strings() -> None:
    for survey in load_builtin_surveys():
        keys = source_strings(survey)
        assert keys["title"] == survey.title
        for question in survey.questions:
            assert keys[f"{question.id}.text"] == question.text


def test_the_engine_speaks_welsh_and_stores_the_same_answers() -> None:
    survey = next(s for s in load_builtin_surveys() if s.key == "review-feedback")
    welsh = localize(survey, "cy")
    engine = Engine().speaking("cy")
    step = engine.open_survey(welsh, Progress())
    assert step.prompts[0].kind is PromptKind.INTRO
    assert step.prompts[0].text.startswith("Helo! Cest ti adolygiad")
    asked = step.prompts[-1]
    step = engine.advance(
        welsh, step.progress, UserInput(option="nope", question_id=asked.question_id)
    )
    assert step.prompts[0].text == "Dewis un o'r rhain, os gweli di'n dda."
    step = engine.advance(
        welsh, step.progress, UserInput(option="attended", question_id=asked.question_id)
    )
    assert step.events[-1].value == "attended"  # type: ignore[union-attr]
    assert [o.label for o in step.prompts[-1].options][:5] == [
        "😞 Gwael iawn",
        "🙁 Ddim yn dda",
        "😐 Iawn",
        "🙂 Da",
        "😀 Da iawn",
    ]
    question = welsh.question("listened")
    assert describe_answer(question, "yes", gettext_for("cy")) == "Ie"
    assert describe_answer(question, None, gettext_for("cy")) == "Wedi neidio drosto"


def test_the_help_reply_is_in_welsh_and_still_gives_childline_and_999() -> None:
    reply = safeguarding.help_reply("cy")
    assert reply.startswith("Diolch am ddweud wrthon ni. Dwyt ti ddim mewn trwbl.")
    assert "0800 1111" in reply and "999" in reply and "childline.org.uk" in reply
    hours = OfficeHours.parse("Mon-Fri 09:00-17:00", zone="Europe/London", bank_holidays="WLS")
    from datetime import UTC, datetime

    friday_evening = datetime(2026, 1, 9, 18, 30, tzinfo=UTC)
    assert hours.when_read(friday_evening) == "on Monday after 9am"
    assert hours.when_read(friday_evening, "cy") == "ddydd Llun ar ôl 09:00"
    welsh = help_reply_at(hours, friday_evening)
    assert "Bydd swyddog cyfranogiad yn darllen hwn ddydd Llun ar ôl 09:00." in welsh


def help_reply_at(hours: OfficeHours, at: object) -> str:
    from datetime import datetime

    assert isinstance(at, datetime)
    return safeguarding.help_reply("cy", office_hours=hours.when_read(at, "cy"))


def test_dates_and_language_names() -> None:
    assert format_day(date(2026, 3, 12), "en") == "12 March"
    assert format_day(date(2026, 3, 12), "cy") == "12 Mawrth"
    assert normalize_language("Welsh") == normalize_language(" CY-gb ") == "cy"
    assert normalize_language("Cymraeg") == "cy" and normalize_language("Klingon") is None


def test_the_people_csv_language_column_is_checked_against_the_shipped_languages() -> None:
    good = parse_people_csv(
        "council_ref,cohort,age_band,language\nA1,in_care,8-12,cy\nA2,in_care,8-12,Arabic\n"
        "A3,in_care,8-12,\n",
        source="people.csv",
        today=date(2026, 1, 5),
    )
    assert [p.language for p in good] == ["cy", "ar", None]
    with pytest.raises(PeopleImportError) as caught:
        parse_people_csv(
            "council_ref,cohort,age_band,language\nA1,in_care,8-12,fr\n",
            source="people.csv",
            today=date(2026, 1, 5),
        )
    assert "language" in str(caught.value) and "cy" in str(caught.value)


_ZERO_TO_TEN = """
key: tiny
version: 1
title: Tiny
form: wellbeing
audience: young_person
intro: Hi
thanks: Thanks
questions:
  - id: life
    kind: scale
    text: "Overall, how satisfied are you with your life nowadays?"
    labels: ["0 Not at all", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10 Completely"]
  - id: mood
    kind: scale
    text: "How are you?"
    labels: [Awful, Meh, OK, Good, Great]
translations:
  cy:
    title: Bach
    intro: Helo
    thanks: Diolch
    questions:
      life:
        text: "Yn gyffredinol, pa mor fodlon ydych chi â'ch bywyd y dyddiau hyn?"
        labels: [LIFE]
      mood:
        text: "Sut wyt ti?"
        labels: [Ofnadwy, Meh, Iawn, Da, Gwych]
"""


def test_a_zero_to_ten_scale_takes_eleven_translated_labels() -> None:
    labels = '["0 Ddim o gwbl", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10 Yn llwyr"]'
    survey = parse_survey(_ZERO_TO_TEN.replace("[LIFE]", labels), "tiny.yaml")
    assert missing(survey, "cy") == []
    assert [k for k in source_strings(survey) if k.startswith("life.labels.")] == [
        f"life.labels.{n}" for n in range(1, 12)
    ]
    welsh = localize(survey, "cy").question("life")
    assert welsh.scale_labels[0] == "0 Ddim o gwbl" and welsh.scale_labels[-1] == "10 Yn llwyr"
    assert len(welsh.scale_labels) == 11
    again = parse_survey(dump_survey_yaml(survey), "stored")
    assert again.translations == survey.translations
    _, report = import_po(survey, "cy", export_po(survey, "cy"))
    assert report.still_missing == [] and report.unknown == []


@pytest.mark.parametrize("count", [5, 10, 12])
def test_translated_labels_must_be_as_many_as_the_question_has(count: int) -> None:
    labels = "[" + ", ".join(f'"{n}"' for n in range(count)) + "]"
    with pytest.raises(SurveyDefinitionError) as caught:
        parse_survey(_ZERO_TO_TEN.replace("[LIFE]", labels), "tiny.yaml")
    message = str(caught.value)
    assert "translations.cy.questions.life.labels: must be a list of 11 labels" in message
    assert "mood" not in message  # five labels for a 1 to 5 scale are still right


def test_check_po_says_what_a_translators_file_adds_and_changes_or_why_not() -> None:
    surveys = {s.key: s for s in load_builtin_surveys()}
    feedback = surveys["review-feedback"]
    ar = export_po(feedback, "ar").replace(
        b'msgctxt "title"\nmsgid "How was my review?"\nmsgstr ""',
        'msgctxt "title"\nmsgid "How was my review?"\nmsgstr "كيف كانت مراجعتي؟"'.encode(),
    )
    checked = check_po(feedback, "ar", ar, max_bytes=100_000)
    assert checked.problems == [] and checked.added == ["title"] and checked.changed == []
    assert checked.survey is not None and checked.survey.translations["ar"]["title"]
    cy = export_po(feedback, "cy").replace(b"Sut aeth fy adolygiad?", b"Sut aeth yr adolygiad?")
    checked = check_po(feedback, "cy", cy, max_bytes=100_000)
    assert checked.added == [] and checked.changed == ["title"]
    refusals = {
        "another survey": check_po(feedback, "ar", export_po(surveys["review-prep-child"], "ar"),
                                   max_bytes=100_000),
        "another language": check_po(feedback, "ar", cy, max_bytes=100_000),
        "isn't a PO file": check_po(feedback, "ar", b"a,b\n1,2\n", max_bytes=100_000),
        "larger than": check_po(feedback, "ar", ar, max_bytes=1_000),
    }
    for reason, refused in refusals.items():
        assert refused.survey is None and reason in refused.problems[0], reason
