"""A survey's wording in other languages: kept in its YAML, checked, applied, exchanged.

In a survey file, `translations` maps a language to the survey's words in it::

    translations:
      cy:
        title: Paratoi ar gyfer fy adolygiad
        intro: Helo! ...
        thanks: Diolch! ...
        questions:
          going_well: {text: Beth sy'n mynd yn dda i ti ar hyn o bryd?}
          home_feel:
            text: Sut wyt ti'n teimlo am ble rwyt ti'n byw?
            labels: [😞 Gwael iawn, 🙁 Ddim yn dda, 😐 Iawn, 🙂 Da, 😀 Da iawn]
          who_at_meeting:
            text: Pwy hoffet ti yn dy gyfarfod?
            help: ...
            choices: {carer: Fy ngofalwr, social_worker: Fy ngweithiwr cymdeithasol}

Inside the model the words are flat, one key a string: `title`, `intro`, `thanks`,
`<question>.text`, `<question>.help`, `<question>.choices.<choice>` and
`<question>.labels.<n>` (n from 1, one a label: 5, or 11 for a 0 to 10 scale; labels
only where a question has its own; the default faces
come from the UI catalogue). The same keys are the `msgctxt` of the PO file an officer
sends to a translator (`export_po`) and reads back (`import_po`), whose `msgid` is the
English. `missing` lists what a language still lacks (`carevoice surveys check`), and
`localize` gives the survey as a young person in that language reads it: the same keys,
ids and version, so answers and board figures are the same in every language.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileError, read_po, write_po

from surveys.i18n import DEFAULT_LANGUAGE, LANGUAGES, gettext_for
from surveys.model import DEFAULT_SCALE_LABELS, Choice, Question, Survey

__all__ = [
    "ImportReport",
    "PoCheck",
    "check_po",
    "export_po",
    "import_po",
    "languages_to_check",
    "localize",
    "missing",
    "nest",
    "source_strings",
    "translatable_languages",
]

TRANSLATABLE = tuple(code for code in LANGUAGES if code != DEFAULT_LANGUAGE)
REQUIRED = ("cy",)
"""Languages every built-in survey is shipped in (councils in Wales must offer Welsh); the
others (Arabic) have the UI in their language and survey words where a council adds them."""


def languages_to_check(survey: Survey) -> tuple[str, ...]:
    """The required languages and any other the survey carries words for."""
    return tuple(dict.fromkeys((*REQUIRED, *survey.translations)))


def translatable_languages() -> tuple[str, ...]:
    """Languages a survey may carry words for (every shipped one but English)."""
    return TRANSLATABLE


def source_strings(survey: Survey) -> dict[str, str]:
    """Every string of the survey a young person reads, by translation key, in English."""
    out = {"title": survey.title, "intro": survey.intro, "thanks": survey.thanks}
    for question in survey.questions:
        out[f"{question.id}.text"] = question.text
        if question.help is not None:
            out[f"{question.id}.help"] = question.help
        for choice in question.choices:
            out[f"{question.id}.choices.{choice.id}"] = choice.label
        if question.scale_labels and question.scale_labels != DEFAULT_SCALE_LABELS:
            for number, label in enumerate(question.scale_labels, 1):
                out[f"{question.id}.labels.{number}"] = label
    return out


def missing(survey: Survey, language: str) -> list[str]:
    """The keys with no words in `language` (English never lacks any)."""
    if language == DEFAULT_LANGUAGE:
        return []
    have = survey.translations.get(language, {})
    return [key for key in source_strings(survey) if not have.get(key)]


def localize(survey: Survey, language: str | None) -> Survey:
    """The survey in `language`; anything not translated stays in English."""
    if not language or language == DEFAULT_LANGUAGE:
        return survey
    cached = survey._localized.get(language)
    if cached is not None:
        return cached
    words = survey.translations.get(language, {})
    _ = gettext_for(language)

    def say(key: str, english: str) -> str:
        return words.get(key) or english

    questions = tuple(_question(q, words, _) for q in survey.questions)
    localized = replace(
        survey,
        title=say("title", survey.title),
        intro=say("intro", survey.intro),
        thanks=say("thanks", survey.thanks),
        questions=questions,
    )
    survey._localized[language] = localized
    return localized


def _question(question: Question, words: Mapping[str, str], _: Any) -> Question:
    qid = question.id
    labels = question.scale_labels
    if labels == DEFAULT_SCALE_LABELS:
        labels = tuple(_(label) for label in labels)
    elif labels:
        labels = tuple(
            words.get(f"{qid}.labels.{n}") or label for n, label in enumerate(labels, 1)
        )
    help_text = question.help
    if help_text is not None:
        help_text = words.get(f"{qid}.help") or help_text
    return replace(
        question,
        text=words.get(f"{qid}.text") or question.text,
        help=help_text,
        choices=tuple(
            Choice(c.id, words.get(f"{qid}.choices.{c.id}") or c.label, c.flag)
            for c in question.choices
        ),
        scale_labels=labels,
    )


# ----- the YAML shape -----------------------------------------------------------------


def nest(flat: Mapping[str, str]) -> dict[str, Any]:
    """The flat keys of one language as the nested mapping a survey file holds."""
    out: dict[str, Any] = {}
    questions: dict[str, dict[str, Any]] = {}
    for key, text in flat.items():
        if "." not in key:
            out[key] = text
            continue
        qid, part, *rest = key.split(".")
        entry = questions.setdefault(qid, {})
        if part in ("text", "help"):
            entry[part] = text
        elif part == "choices":
            entry.setdefault("choices", {})[rest[0]] = text
        elif part == "labels":
            entry.setdefault("labels", {})[int(rest[0])] = text
    for entry in questions.values():
        if "labels" in entry:
            entry["labels"] = [entry["labels"][n] for n in sorted(entry["labels"])]
    if questions:
        out["questions"] = questions
    return out


def flatten(nested: Mapping[str, Any]) -> dict[str, str]:
    """The inverse of `nest` for data the loader has already checked."""
    out: dict[str, str] = {}
    for key in ("title", "intro", "thanks"):
        if key in nested:
            out[key] = nested[key]
    for qid, entry in (nested.get("questions") or {}).items():
        for part in ("text", "help"):
            if part in entry:
                out[f"{qid}.{part}"] = entry[part]
        for cid, label in (entry.get("choices") or {}).items():
            out[f"{qid}.choices.{cid}"] = label
        for number, label in enumerate(entry.get("labels") or (), 1):
            out[f"{qid}.labels.{number}"] = label
    return out


# ----- PO files for translators -------------------------------------------------------


def export_po(survey: Survey, language: str) -> bytes:
    """A PO file of the survey's words for a translator: msgctxt the key, msgid the
    English, msgstr what the survey has in `language` already (empty where missing)."""
    catalog = Catalog(
        locale=language,
        domain=survey.key,
        project=f"carevoice survey {survey.key}",
        version=str(survey.version),
        creation_date=datetime.now(UTC),
        charset="utf-8",
    )
    have = survey.translations.get(language, {})
    for key, english in source_strings(survey).items():
        catalog.add(english, have.get(key, ""), context=key)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, omit_header=False)
    return buffer.getvalue()


class ImportReport:
    """What reading a translator's PO file found."""

    def __init__(self) -> None:
        self.updated: list[str] = []
        self.unknown: list[str] = []  # keys the survey does not have
        self.changed_source: list[str] = []  # the English changed since the export
        self.still_missing: list[str] = []


def import_po(survey: Survey, language: str, data: bytes) -> tuple[Survey, ImportReport]:
    """The survey with the PO file's words for `language` (fuzzy and empty entries are left
    out); what was taken and what was not."""
    if language not in TRANSLATABLE:
        raise ValueError(f"{language!r} is not a language surveys can be translated into")
    catalog = read_po(io.BytesIO(data), locale=language)
    source = source_strings(survey)
    words = dict(survey.translations.get(language, {}))
    report = ImportReport()
    for message in catalog:
        if not message.id or message.context is None:
            continue
        key = str(message.context)
        if key not in source:
            report.unknown.append(key)
            continue
        if message.id != source[key]:
            report.changed_source.append(key)
            continue
        text = message.string if isinstance(message.string, str) else ""
        if text.strip() and not message.fuzzy:
            words[key] = text.strip()
            report.updated.append(key)
    translations = dict(survey.translations)
    translations[language] = dict(words)
    updated = replace(survey, translations=translations)
    report.still_missing = missing(updated, language)
    return updated, report


PROJECT_PREFIX = "carevoice survey "


@dataclass(frozen=True, slots=True)
class PoCheck:
    """A translator's PO file checked against a survey before anything is stored: what it
    would add and change (string keys), what it leaves out, and any reason it cannot be
    used (`problems`, for a person to read; empty when it can be imported)."""

    problems: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    report: ImportReport | None = None
    survey: Survey | None = None


def check_po(survey: Survey, language: str, data: bytes, *, max_bytes: int) -> PoCheck:
    """Check a translator's PO file is for this survey and language, is PO and not too
    large; then what importing it would add and change (nothing is stored here)."""
    if language not in TRANSLATABLE:
        return PoCheck([f"{language!r} is not a language surveys are translated into."])
    if not data:
        return PoCheck(["The file is empty. Choose the PO file the translator sent back."])
    if len(data) > max_bytes:
        return PoCheck([f"That file is larger than {max_bytes // 1000:,} KB: a survey's PO "
                        "file is much smaller. Check it is the right file."])
    try:
        catalog = read_po(io.BytesIO(data), abort_invalid=True)
    except (PoFileError, UnicodeDecodeError, ValueError):
        return PoCheck(["That file isn't a PO file (gettext, UTF-8). Upload the .po file "
                        "exported from this page, as the translator sent it back."])
    project = catalog.project or ""
    if not project.startswith(PROJECT_PREFIX) or not any(m.context for m in catalog if m.id):
        return PoCheck(["That PO file wasn't exported from carevoice for a survey (it has no "
                        "survey's name in its header). Download the survey's file from this "
                        "page and send that to the translator."])
    if project != PROJECT_PREFIX + survey.key:
        return PoCheck([f"That file is for another survey ({project.removeprefix(PROJECT_PREFIX)}"
                        f"), not {survey.key}. Nothing was changed."])
    if catalog.locale is None or str(catalog.locale) != language:
        return PoCheck([f"That file is in another language ({catalog.locale or 'none given'}), "
                        f"not {language}. Nothing was changed."])
    updated, report = import_po(survey, language, data)
    before = survey.translations.get(language, {})
    after = updated.translations.get(language, {})
    added = [key for key in report.updated if not before.get(key)]
    changed = [key for key in report.updated if before.get(key) and before[key] != after[key]]
    return PoCheck([], added, changed, report, updated)
