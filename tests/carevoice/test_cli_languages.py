"""`carevoice surveys check | export-strings | import-strings` and the terminal chat in
Welsh (issue 12)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from babel.messages.pofile import read_po

from surveys.loader import dump_survey_yaml, load_builtin_surveys
from tests.carevoice.test_cli import env as env  # the fixture
from tests.carevoice.test_cli import run


def test_surveys_check_passes_for_the_built_ins_and_names_what_is_missing(
    env: dict[str, str], tmp_path: Path
) -> None:
    code, out = run(env, "surveys", "check")
    assert code == 0, out
    assert out.count("every string translated") == len(load_builtin_surveys()) and "[cy]" in out
    survey = load_builtin_surveys()[0]
    first = survey.questions[0]
    words = {k: v for k, v in survey.translations["cy"].items() if k != f"{first.id}.text"}
    thinner = tmp_path / "thinner.yaml"
    thinner.write_text(
        dump_survey_yaml(replace(survey, translations={"cy": words})), encoding="utf-8"
    )
    code, out = run(env, "surveys", "check", str(thinner))
    assert code == 1 and f"{first.id}.text" in out and "missing" in out
    code, out = run(env, "surveys", "check", "--language", "fr")
    assert code == 2 and "not a language" in out


def test_a_survey_goes_to_a_translator_as_po_and_comes_back_as_a_new_version(
    env: dict[str, str], tmp_path: Path
) -> None:
    po = tmp_path / "feedback.cy.po"
    code, out = run(
        env, "surveys", "export-strings", "review-feedback", "--language", "cy",
        "--out", str(po),
    )  # fmt: skip
    assert code == 0 and "0 strings still to translate" in out, out
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="cy")
    title = next(m for m in catalog if m.context == "title")
    assert title.id == "How was my review?" and title.string == "Sut aeth fy adolygiad?"
    title.string = "Sut aeth yr adolygiad?"  # the translator's better words
    from babel.messages.pofile import write_po

    with po.open("wb") as handle:
        write_po(handle, catalog)
    code, out = run(env, "surveys", "import-strings", "review-feedback", str(po), "-l", "cy")
    assert code == 0 and "Stored as review-feedback v2" in out, out
    code, out = run(env, "surveys", "import-strings", "review-feedback", str(po), "-l", "cy")
    assert "Nothing new" in out


def test_the_terminal_chat_speaks_welsh(env: dict[str, str]) -> None:
    code, out = run(
        env, "chat", "--survey", "review-prep-child", "--language", "cy",
        input="Pêl-droed\n1\nlanguage en\nstop\n",  # 1: who can read the words
    )  # fmt: skip
    assert code == 0, out
    assert "Paratoi ar gyfer fy adolygiad" in out or "Helo!" in out
    assert "Beth sy'n mynd yn dda i ti ar hyn o bryd?" in out
    assert "Pwy gaiff ddarllen beth rwyt ti newydd ei ysgrifennu?" in out  # after free text
    assert "Is there anything that isn't going so well?" in out  # after `language en`
    assert "Your answers so far are saved" in out


def test_a_file_for_another_language_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    po = tmp_path / "feedback.cy.po"
    code, _ = run(env, "surveys", "export-strings", "review-feedback", "-l", "cy",
                  "--out", str(po))
    assert code == 0
    code, out = run(env, "surveys", "import-strings", "review-feedback", str(po), "-l", "ar")
    assert code == 1 and "in another language (cy)" in out, out
