"""Read survey definitions from YAML, check them thoroughly, and write them back.

A survey file looks like this (the comments give the rules and defaults)::

    key: review-prep-child          # ^[a-z][a-z0-9-]{1,40}$, names the survey
    version: 1                      # whole number, 1 to 1000000
    title: Getting ready for my review
    form: consultation              # consultation | feedback | wellbeing | survey
    audience: child                 # child | young_person | care_leaver
    anonymous: false                # optional, default false
    description: For IROs.          # optional, default "", for officers only
    easy: false                     # optional: for ages 4-7 and those who read little
                                    # (pictures, one question a screen, read aloud)
    stands_in_for: [review-prep-child]  # optional (easy surveys): asked instead of these
                                    # to young people under 8 or flagged easy_read
    intro: Hi! Your review is coming up...
    thanks: Thank you! Your IRO will read this before your meeting.
    questions:                      # a list, in the order they are asked
      - id: going_well              # ^[a-z][a-z0-9_]{0,30}$, unique in the survey
        kind: text                  # info | choice | multi | scale | yesno | text
        text: What's going well for you at the moment?
        theme: general              # optional, default general (see model.Theme)
        skippable: true             # optional, default true
        sensitive: false            # optional, default false
        help: A hint shown on request   # optional
        flag: private               # optional: a request to act on before the review
                                    # (advocate | chair | meeting | talk_to_iro |
                                    # talk_to_worker | private):
                                    # yesno raises it on yes, text on any words, choice,
                                    # multi and scale on any answer
        max_length: 1000            # text only, 1..4000, default 1000
        picture: happy              # optional, on questions and options: a symbol in
                                    # api/static/pictures/<name>.svg
      - id: home_feel
        kind: scale
        text: How do you feel about where you live?
        labels: [😞 Really bad, 🙁 Not good, 😐 OK, 🙂 Good, 😀 Really good]
                                    # scale only, exactly 5, default DEFAULT_SCALE_LABELS;
                                    # or 11 labels for a 0 to 10 scale
      - id: who_at_meeting
        kind: multi                 # choice and multi need `choices`, at least 2
        text: Who would you like at your meeting?
        choices:
          - {id: carer, label: My carer}     # id as for questions, unique per question
          - {id: social_worker, label: My social worker}
          - {id: advocate, label: My advocate, flag: advocate}   # optional, as above
      - id: why_not
        kind: text
        text: What would help?
        show_if:                    # optional; every condition must hold
          - {question: home_feel, at_most: 2}

A question whose answer is itself a disclosure says so with `alert_if`, one test on its
own answer (the operators below but `answered`) and a safeguarding category (default
`unsafe`): `alert_if: {equals: "no"}` on "Do you feel safe where you live?" raises an alert
and shows the help card, as words that worry are.

A condition names an earlier, answerable question and exactly one operator:
`equals: id`, `in: [ids]`, `not_in: [ids]` (choice, yesno, scale), `includes: id`
(multi), `answered: true|false` (any kind), `at_least: n`, `at_most: n` (scale, 1..5 or 0..10).
Choice values are choice ids; yesno values are `"yes"`/`"no"` (an unquoted yes/no,
which YAML reads as true/false, is taken to mean the same); scale values are 1..5 (or 0..10).

Quote text that YAML would misread: a label with a comma inside `{...}`, or a lone
yes/no/on/off. Text values have surrounding blank space removed. Every fault in a file is collected
and raised together as one `SurveyDefinitionError`, with line numbers where known.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import yaml

from surveys.errors import Fault, SurveyDefinitionError
from surveys.model import (
    DEFAULT_SCALE_LABELS,
    AlertRule,
    AnswerValue,
    Audience,
    Choice,
    Condition,
    Flag,
    Form,
    Operator,
    Question,
    QuestionKind,
    Survey,
    Theme,
)
from surveys.safeguarding.categories import RiskCategory
from surveys.translations import flatten, nest, translatable_languages

__all__ = [
    "ID_PATTERN",
    "KEY_PATTERN",
    "MAX_SURVEY_BYTES",
    "MAX_TEXT_LENGTH",
    "MAX_VERSION",
    "dump_survey_yaml",
    "load_builtin_surveys",
    "load_survey",
    "parse_survey",
    "survey_fingerprint",
    "survey_from_dict",
    "survey_to_dict",
]

ID_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,30}")
"""Question and choice ids; short, because they travel in 64-byte callback data."""
KEY_PATTERN = re.compile(r"[a-z][a-z0-9-]{1,40}")
"""Survey keys."""
MAX_TEXT_LENGTH = 4000
MAX_SURVEY_BYTES = 200_000
"""The largest survey file (the built-ins are under 10 KB)."""
MAX_DEPTH = 20
"""The deepest nesting of lists and mappings (a survey needs 8)."""
MAX_ALIASES = 100
MAX_NODES = 50_000
"""Values in a survey once aliases are expanded (so a "billion laughs" file is refused)."""
MAX_VERSION = 1_000_000
SCALE_SIZE = len(DEFAULT_SCALE_LABELS)

_SURVEY_REQUIRED = ("key", "version", "title", "form", "audience", "intro", "thanks", "questions")
_SURVEY_OPTIONAL = ("anonymous", "description", "easy", "stands_in_for", "translations")
_QUESTION_REQUIRED = ("id", "kind", "text")
_QUESTION_OPTIONAL = (
    "theme", "skippable", "sensitive", "show_if", "help", "flag", "picture", "alert_if",
)  # fmt: skip
_KIND_KEYS: Mapping[str, frozenset[QuestionKind]] = {
    "choices": frozenset({QuestionKind.CHOICE, QuestionKind.MULTI}),
    "labels": frozenset({QuestionKind.SCALE}),
    "max_length": frozenset({QuestionKind.TEXT}),
}
_CHOICE_KEYS = ("id", "label")
_CHOICE_OPTIONAL = ("flag", "picture")
PICTURE_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,40}")
"""Picture names: a symbol shipped in api/static/pictures/<name>.svg."""
_PICTURE_RULE = "use a picture's name: lowercase letters, digits and hyphens"
SCALE_SIZES = (SCALE_SIZE, 11)
"""A scale has five labels (1 to 5) or eleven (0 to 10, as the ONS wellbeing questions)."""
_OPERATORS_BY_KIND: Mapping[QuestionKind, tuple[Operator, ...]] = {
    QuestionKind.CHOICE: (Operator.EQUALS, Operator.IN, Operator.NOT_IN, Operator.ANSWERED),
    QuestionKind.YESNO: (Operator.EQUALS, Operator.IN, Operator.NOT_IN, Operator.ANSWERED),
    QuestionKind.MULTI: (Operator.INCLUDES, Operator.ANSWERED),
    QuestionKind.SCALE: (
        Operator.EQUALS,
        Operator.IN,
        Operator.NOT_IN,
        Operator.AT_LEAST,
        Operator.AT_MOST,
        Operator.ANSWERED,
    ),
    QuestionKind.TEXT: (Operator.ANSWERED,),
    QuestionKind.INFO: (),
}
_YESNO_IDS = ("yes", "no")
_MERGE_TAG = "tag:yaml.org,2002:merge"
_E = TypeVar("_E", bound=StrEnum)


# --- reading YAML with line numbers -------------------------------------------------------


class _Map(dict[Any, Any]):
    """A YAML mapping that remembers its line, each key's line and repeated keys."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[Any, int] = {}
        self.repeated: list[tuple[Any, int]] = []


class _Seq(list[Any]):
    """A YAML list that remembers its line and each item's line."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []


class _TooComplex(yaml.MarkedYAMLError):
    """The YAML passes a limit on nesting, aliases or nodes; reading stops at once."""


class _LineLoader(yaml.SafeLoader):
    """`yaml.SafeLoader` whose mappings and lists carry line numbers (1-based), and which
    stops as soon as the text nests deeper than MAX_DEPTH, uses more than MAX_ALIASES
    aliases, or would expand (aliases counted in full) past MAX_NODES nodes."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0
        self._sizes: dict[int, int] = {}  # id(node) -> nodes it expands to

    def _refuse(self, problem: str) -> NoReturn:
        mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
        raise _TooComplex(problem=problem, problem_mark=mark)

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                self._refuse(f"more than {MAX_ALIASES} aliases (*name)")
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            self._refuse(f"nested more than {MAX_DEPTH} levels deep")
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        size = 1
        if isinstance(node, yaml.SequenceNode):
            size += sum(self._sizes.get(id(child), 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            size += sum(
                self._sizes.get(id(k), 1) + self._sizes.get(id(v), 1) for k, v in node.value
            )
        if node is None:
            return None
        self._sizes[id(node)] = size
        if size > MAX_NODES:
            self._refuse(f"more than {MAX_NODES:,} values once aliases are expanded")
        return node


def _construct_map(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Iterator[_Map]:
    data = _Map(node.start_mark.line + 1)
    yield data
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.tag != _MERGE_TAG:
            key = loader.construct_object(key_node)
            line = key_node.start_mark.line + 1
            if key in seen:
                data.repeated.append((key, line))
            seen.add(key)
            data.key_lines[key] = line
    data.update(loader.construct_mapping(node))


def _construct_seq(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> Iterator[_Seq]:
    data = _Seq(node.start_mark.line + 1)
    yield data
    data.extend(loader.construct_sequence(node))
    data.item_lines = [child.start_mark.line + 1 for child in node.value]


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def _read_yaml(text: str, source: str) -> Any:
    """Parse YAML text safely; syntax errors become a SurveyDefinitionError with the line."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_SURVEY_BYTES:
        raise SurveyDefinitionError(source, [Fault("", _too_big(size))])
    try:
        data = yaml.load(text, Loader=_LineLoader)  # safe: a SafeLoader subclass
    except _TooComplex as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        fault = Fault("", f"too complex to be a survey: {exc.problem}; nothing was read", line)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = " ".join(part for part in (exc.context, exc.problem) if part) or "unreadable"
        line = mark.line + 1 if mark else None
        column = f" (column {mark.column + 1})" if mark else ""
        fault = Fault("", f"YAML syntax error: {what}{column}", line)
    except yaml.YAMLError as exc:
        fault = Fault("", f"YAML syntax error: {exc}")
    except (ValueError, OverflowError) as exc:  # e.g. an impossible date such as 2024-13-01
        fault = Fault("", f"YAML value cannot be read: {exc}")
    except RecursionError:
        fault = Fault("", "YAML is nested too deeply to read")
    else:
        nul = _first_nul(data)
        if nul is None:
            return data
        fault = Fault(nul[0], "holds a NUL character (\\0), which text may not contain", nul[1])
    raise SurveyDefinitionError(source, [fault])


def _too_big(size: int) -> str:
    return (
        f"the file is {size:,} bytes; a survey definition is at most {MAX_SURVEY_BYTES:,} "
        "bytes (is this the right file?)"
    )


def _first_nul(data: object, location: str = "") -> tuple[str, int | None] | None:
    """Where the first NUL character in a key or text value is, if any."""
    if isinstance(data, str):
        return (location, None) if "\x00" in data else None
    if isinstance(data, Mapping):
        for key, value in data.items():
            where = _join(location, str(key))
            if isinstance(key, str) and "\x00" in key:
                return location, _key_line(data, key)
            found = _first_nul(value, where)
            if found is not None:
                return found[0], found[1] or _key_line(data, key)
    elif isinstance(data, list):
        for index, item in enumerate(data):
            found = _first_nul(item, f"{location}[{index}]")
            if found is not None:
                return found[0], found[1] or _item_line(data, index)
    return None


# --- checking ------------------------------------------------------------------------------


def _key_line(mapping: object, key: object) -> int | None:
    if isinstance(mapping, _Map):
        return mapping.key_lines.get(key, mapping.line)
    return None


def _own_line(value: object) -> int | None:
    return value.line if isinstance(value, _Map | _Seq) else None


def _item_line(seq: object, index: int) -> int | None:
    if isinstance(seq, _Seq):
        return seq.item_lines[index] if index < len(seq.item_lines) else seq.line
    return None


def _join(location: str, key: str) -> str:
    return f"{location}.{key}" if location else key


def _describe(value: object) -> str:
    """A plain name for what YAML gave us, for messages."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value!r})"
    if isinstance(value, str):  # a file that is not YAML (a whole page) is not said back whole
        shown = value if len(value) <= 60 else value[:57].rstrip() + "..."
        return f"text ({shown!r})"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple | set):
        return "a list"
    return f"a {type(value).__name__}"


def _quote_hint(value: object) -> str:
    if isinstance(value, bool):
        return "; YAML reads yes/no/on/off as true/false, so put the word in quotes"
    if isinstance(value, int | float):
        return "; put it in quotes"
    return ""


def _suggest(word: object, options: Sequence[str]) -> str:
    """`" (did you mean 'x'?)"` when a close option exists, else `""`."""
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _one_of(options: Sequence[str]) -> str:
    return ", ".join(options)


@dataclass(slots=True)
class _Entry:
    """What the first pass learned about one question, for the cross-question checks."""

    index: int
    location: str
    line: int | None
    question: Question
    id_ok: bool
    kind_ok: bool
    choices_ok: bool
    conditions: list[_RawCondition]
    alert: tuple[_RawCondition, str] | None = None  # `alert_if`, read but not yet checked


@dataclass(frozen=True, slots=True)
class _RawCondition:
    location: str
    line: int | None
    question: str
    operator: Operator
    value: Any
    value_line: int | None


class _Checker:
    """Collects faults while turning loaded YAML into model objects."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []

    def fault(self, location: str, message: str, line: int | None) -> None:
        self.faults.append(Fault(location, message, line))

    # generic pieces

    def keys(
        self,
        mapping: Mapping[Any, Any],
        location: str,
        required: Sequence[str],
        optional: Sequence[str],
        misplaced: Callable[[str], str | None] = lambda key: None,
    ) -> None:
        """Report missing, unknown and repeated keys of one mapping."""
        known = [*required, *optional]
        for key in mapping:
            if key in known:
                continue
            line = _key_line(mapping, key)
            why = misplaced(key) if isinstance(key, str) else None
            if why is not None:
                self.fault(_join(location, str(key)), why, line)
            else:
                self.fault(
                    location,
                    f"unknown key {key!r}{_suggest(key, known)}; allowed: {_one_of(known)}",
                    line,
                )
        if isinstance(mapping, _Map):
            for key, line in mapping.repeated:
                self.fault(_join(location, str(key)), "this key is given twice", line)
        missing = [repr(key) for key in required if key not in mapping]
        if missing:
            noun = "key" if len(missing) == 1 else "keys"
            self.fault(
                location, f"missing required {noun} {', '.join(missing)}", _own_line(mapping)
            )

    def text(
        self,
        mapping: Mapping[Any, Any],
        key: str,
        location: str,
        default: str = "",
        allow_empty: bool = False,
    ) -> str:
        if key not in mapping:
            return default
        value = mapping[key]
        where, line = _join(location, key), _key_line(mapping, key)
        if not isinstance(value, str):
            self.fault(where, f"must be text, not {_describe(value)}{_quote_hint(value)}", line)
            return default
        stripped: str = value.strip()
        if not stripped and not allow_empty:
            self.fault(where, "must not be empty", line)
        return stripped

    def flag(self, mapping: Mapping[Any, Any], key: str, location: str, default: bool) -> bool:
        if key not in mapping:
            return default
        value = mapping[key]
        if not isinstance(value, bool):
            self.fault(
                _join(location, key),
                f"must be true or false, not {_describe(value)}",
                _key_line(mapping, key),
            )
            return default
        return value

    def whole(
        self,
        mapping: Mapping[Any, Any],
        key: str,
        location: str,
        low: int,
        high: int,
        default: int,
    ) -> int:
        if key not in mapping:
            return default
        value = mapping[key]
        where, line = _join(location, key), _key_line(mapping, key)
        span = f"from {low} to {high}"
        if not isinstance(value, int) or isinstance(value, bool):
            self.fault(where, f"must be a whole number {span}, not {_describe(value)}", line)
            return default
        if not low <= value <= high:
            self.fault(where, f"must be a whole number {span}, not {value}", line)
            return default
        return value

    def choose(
        self,
        mapping: Mapping[Any, Any],
        key: str,
        location: str,
        enum: type[_E],
        default: _E,
    ) -> tuple[_E, bool]:
        """The enum member named by `mapping[key]`, and whether it was valid."""
        if key not in mapping:
            return default, True
        value = mapping[key]
        allowed = [member.value for member in enum]
        if isinstance(value, str) and value in allowed:
            return enum(value), True
        shown = repr(value) if isinstance(value, str) else _describe(value)
        self.fault(
            _join(location, key),
            f"{shown} is not allowed; use one of {_one_of(allowed)}{_suggest(value, allowed)}",
            _key_line(mapping, key),
        )
        return default, False

    def ident(
        self,
        mapping: Mapping[Any, Any],
        key: str,
        location: str,
        pattern: re.Pattern[str],
        rule: str,
    ) -> str | None:
        if key not in mapping:
            return None
        value = mapping[key]
        where, line = _join(location, key), _key_line(mapping, key)
        if not isinstance(value, str):
            self.fault(where, f"must be text, not {_describe(value)}{_quote_hint(value)}", line)
            return None
        if not pattern.fullmatch(value):
            self.fault(where, f"{value!r} is not valid; {rule}", line)
            return None
        return value

    # the survey

    def survey(self, data: object) -> Survey | None:
        if not isinstance(data, Mapping):
            if data is None:
                self.fault("", "the file is empty; expected a survey mapping (key: value)", None)
            else:
                self.fault(
                    "",
                    f"the top level must be a mapping (key: value lines), not {_describe(data)}",
                    _own_line(data),
                )
            return None
        self.keys(data, "", _SURVEY_REQUIRED, _SURVEY_OPTIONAL)
        key = self.ident(
            data,
            "key",
            "",
            KEY_PATTERN,
            "use 2 to 41 lowercase letters, digits and hyphens, starting with a letter",
        )
        version = self.whole(data, "version", "", 1, MAX_VERSION, 1)
        title = self.text(data, "title", "")
        form, _ = self.choose(data, "form", "", Form, Form.SURVEY)
        audience, _ = self.choose(data, "audience", "", Audience, Audience.YOUNG_PERSON)
        anonymous = self.flag(data, "anonymous", "", False)
        description = self.text(data, "description", "", allow_empty=True)
        intro = self.text(data, "intro", "")
        thanks = self.text(data, "thanks", "")
        easy = self.flag(data, "easy", "", False)
        stands_in_for = self.keys_list(data, "stands_in_for")
        questions = self.questions(data)
        translations = self.translations(data, questions)
        if self.faults:
            return None
        return Survey(
            key=key or "",
            version=version,
            title=title,
            form=form,
            audience=audience,
            intro=intro,
            thanks=thanks,
            questions=questions,
            anonymous=anonymous,
            description=description,
            easy=easy,
            stands_in_for=stands_in_for,
            translations=translations,
        )

    def keys_list(self, data: Mapping[Any, Any], key: str) -> tuple[str, ...]:
        """A list of survey keys (`stands_in_for`)."""
        if key not in data:
            return ()
        value, line = data[key], _key_line(data, key)
        if not isinstance(value, list) or not all(
            isinstance(k, str) and KEY_PATTERN.fullmatch(k) for k in value
        ):
            self.fault(key, f"must be a list of survey keys, not {_describe(value)}", line)
            return ()
        return tuple(value)

    def translations(
        self, data: Mapping[Any, Any], questions: tuple[Question, ...]
    ) -> dict[str, dict[str, str]]:
        """`translations: {lang: {title, intro, thanks, questions: {id: {text, help,
        choices: {id: words}, labels: [as many words as the question has, 5 or 11]}}}}`;
        a missing string is not a fault here (`surveys.translations.missing` lists those), a
        key naming nothing is."""
        if "translations" not in data:
            return {}
        languages = data["translations"]
        where = "translations"
        if not isinstance(languages, Mapping):
            self.fault(
                where,
                f"must map a language to its words, not {_describe(languages)}",
                _key_line(data, where),
            )
            return {}
        allowed = translatable_languages()
        by_id = {q.id: q for q in questions}
        out: dict[str, dict[str, str]] = {}
        for language, words in languages.items():
            place = _join(where, str(language))
            line = _key_line(languages, language)
            if language not in allowed:
                self.fault(
                    place,
                    f"{language!r} is not a shipped language{_suggest(language, allowed)}; "
                    f"allowed: {_one_of(allowed)}",
                    line,
                )
                continue
            if not isinstance(words, Mapping):
                self.fault(place, f"must be a mapping, not {_describe(words)}", line)
                continue
            self.keys(words, place, (), ("title", "intro", "thanks", "questions"))
            for key in ("title", "intro", "thanks"):
                if key in words:
                    self.text(words, key, place)
            entries = words.get("questions") or {}
            if not isinstance(entries, Mapping):
                self.fault(
                    _join(place, "questions"),
                    f"must map question ids to their words, not {_describe(entries)}",
                    _key_line(words, "questions"),
                )
                entries = {}
            for qid, entry in entries.items():
                self.translated_question(by_id, str(qid), entry, _join(place, "questions"), entries)
            if not self.faults:
                out[str(language)] = flatten(words)
        return out

    def translated_question(
        self,
        by_id: Mapping[str, Question],
        qid: str,
        entry: object,
        place: str,
        parent: Mapping[Any, Any],
    ) -> None:
        where = _join(place, qid)
        line = _key_line(parent, qid)
        question = by_id.get(qid)
        if question is None:
            self.fault(where, f"no question {qid!r}{_suggest(qid, list(by_id))}", line)
            return
        if not isinstance(entry, Mapping):
            self.fault(where, f"must be a mapping (text, help...), not {_describe(entry)}", line)
            return
        self.keys(entry, where, (), ("text", "help", "choices", "labels"))
        for key in ("text", "help"):
            if key in entry:
                self.text(entry, key, where)
        if "help" in entry and question.help is None:
            self.fault(_join(where, "help"), "the question has no help to translate", line)
        choices = entry.get("choices")
        if choices is not None:
            ids = [c.id for c in question.choices]
            if not isinstance(choices, Mapping):
                self.fault(_join(where, "choices"), "must map choice ids to words", line)
            else:
                for cid, label in choices.items():
                    if cid not in ids:
                        self.fault(
                            _join(where, f"choices.{cid}"),
                            f"no choice {cid!r}{_suggest(cid, ids)}",
                            _key_line(choices, cid),
                        )
                    elif not isinstance(label, str) or not label.strip():
                        self.fault(_join(where, f"choices.{cid}"), "needs words", line)
        labels = entry.get("labels")
        size = len(question.scale_labels) or SCALE_SIZE  # 5, or 11 for a 0 to 10 scale
        if labels is not None and (
            not isinstance(labels, list)
            or len(labels) != size
            or not all(isinstance(x, str) and x.strip() for x in labels)
        ):
            self.fault(
                _join(where, "labels"),
                f"must be a list of {size} labels, as the question has",
                _key_line(entry, "labels"),
            )

    def questions(self, data: Mapping[Any, Any]) -> tuple[Question, ...]:
        if "questions" not in data:
            return ()
        items = data["questions"]
        if not isinstance(items, list):
            self.fault(
                "questions",
                f"must be a list of questions, not {_describe(items)}",
                _key_line(data, "questions"),
            )
            return ()
        if not items:
            self.fault("questions", "needs at least one question", _key_line(data, "questions"))
            return ()
        entries: list[_Entry] = []
        first_seen: dict[str, _Entry] = {}
        for index, item in enumerate(items):
            entry = self.question(item, index, _item_line(items, index))
            if entry is None:
                continue
            entries.append(entry)
            qid = entry.question.id
            if not entry.id_ok:
                continue
            if qid in first_seen:
                self.fault(
                    f"{entry.location}.id",
                    f"duplicate question id {qid!r}; first used at {first_seen[qid].location}",
                    _key_line(item, "id"),
                )
            else:
                first_seen[qid] = entry
        if entries and all(e.kind_ok and e.question.kind is QuestionKind.INFO for e in entries):
            self.fault("questions", "needs at least one question that takes an answer", None)
        resolved = [self.conditions(e, first_seen) for e in entries]
        self.cycles(first_seen)
        return tuple(
            replace(e.question, show_if=conditions, alert_if=self.alert_rule(e))
            for e, conditions in zip(entries, resolved, strict=True)
        )

    def question(self, item: object, index: int, line: int | None) -> _Entry | None:
        location = f"questions[{index}]"
        if not isinstance(item, Mapping):
            self.fault(
                location, f"must be a mapping (id, kind, text...), not {_describe(item)}", line
            )
            return None
        kind, kind_ok = self.choose(item, "kind", location, QuestionKind, QuestionKind.TEXT)
        kind_ok = kind_ok and "kind" in item

        def misplaced(key: str) -> str | None:
            kinds = _KIND_KEYS.get(key)
            if kinds is None:
                return None
            names = " and ".join(sorted(k.value for k in kinds))
            extra = "; the chat offers Yes and No itself" if kind is QuestionKind.YESNO else ""
            return f"only {names} questions take {key!r}, not {kind.value} questions{extra}"

        kind_keys = [k for k, kinds in _KIND_KEYS.items() if kind in kinds or not kind_ok]
        required = [*_QUESTION_REQUIRED]
        if kind_ok and kind in _KIND_KEYS["choices"]:
            required.append("choices")
        optional = [*_QUESTION_OPTIONAL, *(k for k in kind_keys if k not in required)]
        self.keys(item, location, required, optional, misplaced)

        qid = self.ident(
            item,
            "id",
            location,
            ID_PATTERN,
            "use 1 to 31 lowercase letters, digits and underscores, starting with a letter",
        )
        text = self.text(item, "text", location)
        theme, _ = self.choose(item, "theme", location, Theme, Theme.GENERAL)
        skippable = self.flag(item, "skippable", location, True)
        sensitive = self.flag(item, "sensitive", location, False)
        help_text = self.text(item, "help", location) if "help" in item else None
        flag = self.optional_flag(item, location)
        picture = self.ident(item, "picture", location, PICTURE_PATTERN, _PICTURE_RULE)
        max_length = 1000
        if kind is QuestionKind.TEXT or not kind_ok:
            max_length = self.whole(item, "max_length", location, 1, MAX_TEXT_LENGTH, 1000)
        choices: tuple[Choice, ...] = ()
        choices_ok = True
        if kind in _KIND_KEYS["choices"] or not kind_ok:
            choices, choices_ok = self.choices(item, location)
        labels: tuple[str, ...] = ()
        if kind is QuestionKind.SCALE or not kind_ok:
            labels = self.labels(item, location)
        question = Question(
            id=qid or "",
            kind=kind,
            text=text,
            choices=choices,
            skippable=skippable,
            sensitive=sensitive,
            theme=theme,
            max_length=max_length,
            scale_labels=labels if kind is QuestionKind.SCALE else (),
            help=help_text,
            flag=flag,
            picture=picture,
        )
        conditions = self.raw_conditions(item, location)
        return _Entry(
            index, location, line, question, qid is not None, kind_ok, choices_ok, conditions,
            self.raw_alert(item, location, qid or ""),
        )

    def raw_alert(
        self, item: Mapping[Any, Any], location: str, qid: str
    ) -> tuple[_RawCondition, str] | None:
        """`alert_if`: one test on the question's own answer, and the alert's category."""
        if "alert_if" not in item:
            return None
        value = item["alert_if"]
        where, line = _join(location, "alert_if"), _key_line(item, "alert_if")
        operators = [op.value for op in Operator if op is not Operator.ANSWERED]
        if not isinstance(value, Mapping):
            self.fault(
                where,
                "must be one test on this question's own answer, like {equals: \"no\"} or "
                f"{{at_most: 2, category: unsafe}}, not {_describe(value)}",
                line,
            )
            return None
        self.keys(value, where, (), [*operators, "category"])
        given = [op for op in operators if op in value]
        if len(given) != 1:
            self.fault(where, f"needs exactly one operator: {_one_of(operators)}", line)
            return None
        category = value.get("category", str(RiskCategory.UNSAFE))
        known = [str(c) for c in RiskCategory]
        if category not in known:
            self.fault(
                f"{where}.category",
                f"must be a safeguarding category: {_one_of(known)}, not {_describe(category)}",
                _key_line(value, "category") or line,
            )
            return None
        op = Operator(given[0])
        raw = _RawCondition(where, line, qid, op, value[op.value], _key_line(value, op.value))
        return raw, str(category)

    def alert_rule(self, entry: _Entry) -> AlertRule | None:
        """The checked `alert_if` of a question, or None (after a fault, if it has one)."""
        if entry.alert is None or not entry.kind_ok:
            return None
        raw, category = entry.alert
        kind = entry.question.kind
        fitting = [op for op in _OPERATORS_BY_KIND.get(kind, ()) if op is not Operator.ANSWERED]
        if raw.operator not in fitting:
            takes = f"use one of {_one_of([op.value for op in fitting])}" if fitting else (
                "only a choice, yes/no, multi or scale answer can raise one; words are read "
                "by the safeguarding net anyway")
            self.fault(
                f"{raw.location}.{raw.operator.value}",
                f"{raw.operator.value!r} does not fit a {kind.value} question; {takes}",
                raw.value_line,
            )
            return None
        value = self.condition_value(raw, entry)
        if value is None:
            return None
        return AlertRule(Condition(entry.question.id, raw.operator, value), category)

    def optional_flag(self, mapping: Mapping[Any, Any], location: str) -> Flag | None:
        """The `flag` of a question or option, if it has a valid one."""
        if "flag" not in mapping:
            return None
        flag, ok = self.choose(mapping, "flag", location, Flag, Flag.PRIVATE)
        return flag if ok else None

    def choices(self, item: Mapping[Any, Any], location: str) -> tuple[tuple[Choice, ...], bool]:
        if "choices" not in item:
            return (), False
        items = item["choices"]
        where, line = _join(location, "choices"), _key_line(item, "choices")
        if not isinstance(items, list):
            self.fault(
                where, f"must be a list of {{id, label}} choices, not {_describe(items)}", line
            )
            return (), False
        before = len(self.faults)
        if len(items) < 2:
            self.fault(where, f"needs at least 2 choices, found {len(items)}", line)
        found: list[Choice] = []
        ids: dict[str, int] = {}
        labels: dict[str, int] = {}
        for index, choice in enumerate(items):
            here, here_line = f"{where}[{index}]", _item_line(items, index)
            if not isinstance(choice, Mapping):
                self.fault(
                    here, f"must be a mapping {{id, label}}, not {_describe(choice)}", here_line
                )
                continue
            self.keys(choice, here, _CHOICE_KEYS, _CHOICE_OPTIONAL)
            cid = self.ident(
                choice,
                "id",
                here,
                ID_PATTERN,
                "use 1 to 31 lowercase letters, digits and underscores, starting with a letter",
            )
            label = self.text(choice, "label", here)
            if cid is not None:
                if cid in ids:
                    self.fault(
                        f"{here}.id",
                        f"duplicate choice id {cid!r}; first used at {where}[{ids[cid]}]",
                        _key_line(choice, "id"),
                    )
                else:
                    ids[cid] = index
            if label and label.casefold() in labels:
                self.fault(
                    f"{here}.label",
                    f"duplicate label {label!r}; first used at {where}[{labels[label.casefold()]}]",
                    _key_line(choice, "label"),
                )
            elif label:
                labels[label.casefold()] = index
            picture = self.ident(choice, "picture", here, PICTURE_PATTERN, _PICTURE_RULE)
            found.append(Choice(cid or "", label, self.optional_flag(choice, here), picture))
        return tuple(found), len(self.faults) == before

    def labels(self, item: Mapping[Any, Any], location: str) -> tuple[str, ...]:
        if "labels" not in item:
            return DEFAULT_SCALE_LABELS
        value = item["labels"]
        where, line = _join(location, "labels"), _key_line(item, "labels")
        if not isinstance(value, list) or len(value) not in SCALE_SIZES:
            got = f"{len(value)}" if isinstance(value, list) else _describe(value)
            self.fault(
                where,
                f"must be a list of exactly {SCALE_SIZE} labels (for 1 to 5) or 11 (for 0 "
                f"to 10), not {got}",
                line,
            )
            return DEFAULT_SCALE_LABELS
        labels: list[str] = []
        for index, label in enumerate(value):
            if not isinstance(label, str) or not label.strip():
                self.fault(
                    f"{where}[{index}]",
                    f"must be non-empty text, not {_describe(label)}",
                    _item_line(value, index),
                )
                continue
            labels.append(label.strip())
        return tuple(labels) if len(labels) == len(value) else DEFAULT_SCALE_LABELS

    # show_if

    def raw_conditions(self, item: Mapping[Any, Any], location: str) -> list[_RawCondition]:
        if "show_if" not in item:
            return []
        value = item["show_if"]
        where, line = _join(location, "show_if"), _key_line(item, "show_if")
        if not isinstance(value, list):
            hint = "; put '- ' before each condition" if isinstance(value, Mapping) else ""
            self.fault(where, f"must be a list of conditions, not {_describe(value)}{hint}", line)
            return []
        operators = [op.value for op in Operator]
        found: list[_RawCondition] = []
        for index, cond in enumerate(value):
            here, here_line = f"{where}[{index}]", _item_line(value, index)
            if not isinstance(cond, Mapping):
                self.fault(
                    here,
                    "must be a mapping like {question: id, equals: value}, "
                    f"not {_describe(cond)}",
                    here_line,
                )
                continue
            self.keys(cond, here, ("question",), operators)
            given = [op for op in operators if op in cond]
            if not given:
                self.fault(here, f"needs one operator: {_one_of(operators)}", here_line)
            elif len(given) > 1:
                self.fault(
                    here,
                    f"has {len(given)} operators ({_one_of(given)}); give one per condition "
                    "and add another condition for the rest",
                    here_line,
                )
            target = cond.get("question")
            if "question" in cond and not isinstance(target, str):
                self.fault(
                    f"{here}.question",
                    f"must be a question id, not {_describe(target)}",
                    _key_line(cond, "question"),
                )
                continue
            if len(given) != 1 or target is None:
                continue
            op = Operator(given[0])
            found.append(
                _RawCondition(
                    here, here_line, target, op, cond[op.value], _key_line(cond, op.value)
                )
            )
        return found

    def conditions(self, entry: _Entry, questions: Mapping[str, _Entry]) -> tuple[Condition, ...]:
        result: list[Condition] = []
        for raw in entry.conditions:
            target = questions.get(raw.question)
            where = f"{raw.location}.question"
            if target is None:
                names = [q for q in questions if questions[q].index < entry.index]
                self.fault(
                    where,
                    f"refers to {raw.question!r}, which is not a question in this survey"
                    f"{_suggest(raw.question, names or list(questions))}",
                    raw.line,
                )
                continue
            if target is entry:
                self.fault(
                    where,
                    "refers to its own question; show_if can only look at earlier questions",
                    raw.line,
                )
            elif target.index > entry.index:
                self.fault(
                    where,
                    f"refers to {raw.question!r}, which comes later ({target.location}); "
                    "show_if can only look at earlier questions",
                    raw.line,
                )
            if not target.kind_ok:
                continue
            kind = target.question.kind
            if kind is QuestionKind.INFO:
                self.fault(
                    where,
                    f"{raw.question!r} is an info message and takes no answer, "
                    "so show_if cannot test it",
                    raw.line,
                )
                continue
            fitting = _OPERATORS_BY_KIND[kind]
            if raw.operator not in fitting:
                self.fault(
                    f"{raw.location}.{raw.operator.value}",
                    f"{raw.operator.value!r} does not fit {raw.question!r}, a {kind.value} "
                    f"question; use one of {_one_of([op.value for op in fitting])}",
                    raw.value_line,
                )
                continue
            value = self.condition_value(raw, target)
            if value is not None:
                result.append(Condition(raw.question, raw.operator, value))
        return tuple(result)

    def condition_value(
        self, raw: _RawCondition, target: _Entry
    ) -> AnswerValue | tuple[AnswerValue, ...] | None:
        """The checked value of a condition, or None after reporting a fault."""
        where, line, op = f"{raw.location}.{raw.operator.value}", raw.value_line, raw.operator
        if op is Operator.ANSWERED:
            if isinstance(raw.value, bool):
                return raw.value
            self.fault(where, f"must be true or false, not {_describe(raw.value)}", line)
            return None
        if op in (Operator.IN, Operator.NOT_IN):
            if not isinstance(raw.value, list) or not raw.value:
                self.fault(
                    where,
                    f"needs a list of one or more answers, like [a, b], not {_describe(raw.value)}",
                    line,
                )
                return None
            items: list[AnswerValue] = []
            for index, part in enumerate(raw.value):
                one = self.answer(
                    part, target, f"{where}[{index}]", _item_line(raw.value, index) or line
                )
                if one is None:
                    continue
                if one in items:
                    self.fault(
                        f"{where}[{index}]",
                        f"{one!r} is listed twice",
                        _item_line(raw.value, index) or line,
                    )
                    continue
                items.append(one)
            return tuple(items) if len(items) == len(raw.value) else None
        return self.answer(raw.value, target, where, line)

    def answer(
        self, value: object, target: _Entry, where: str, line: int | None
    ) -> AnswerValue | None:
        """One answer value fitting the target question: a choice id or 1..5."""
        question = target.question
        if question.kind is QuestionKind.SCALE:
            values = question.scale_values
            if isinstance(value, int) and not isinstance(value, bool) and value in values:
                return value
            self.fault(
                where,
                f"{question.id!r} is a scale question: use a whole number from {values[0]} "
                f"to {values[-1]}, not {_describe(value)}",
                line,
            )
            return None
        if isinstance(value, bool):  # YAML 1.1 reads an unquoted yes/no as true/false
            value = "yes" if value else "no"
        if question.kind is QuestionKind.YESNO:
            ids: Sequence[str] = _YESNO_IDS
        elif target.choices_ok:
            ids = [c.id for c in question.choices]
        else:
            return value if isinstance(value, str) else None
        if isinstance(value, str) and value in ids:
            return value
        shown = repr(value) if isinstance(value, str) else _describe(value)
        self.fault(
            where,
            f"{shown} is not a choice of {question.id!r}; its choices are "
            f"{_one_of(ids)}{_suggest(value, ids)}",
            line,
        )
        return None

    def cycles(self, questions: Mapping[str, _Entry]) -> None:
        """Report loops of show_if references (questions waiting on each other)."""
        graph = {
            qid: sorted(
                {c.question for c in entry.conditions if c.question in questions} - {qid},
                key=lambda q: questions[q].index,
            )
            for qid, entry in questions.items()
        }
        reported: set[tuple[str, ...]] = set()
        state: dict[str, bool] = {}  # True while on the current path, False when done
        for root in graph:  # a depth-first walk, without recursion
            if root in state:
                continue
            path, todo = [root], [iter(graph[root])]
            state[root] = True
            while todo:
                nxt = next(todo[-1], None)
                if nxt is None:
                    state[path.pop()] = False
                    todo.pop()
                elif state.get(nxt) is True:
                    self.loop(path[path.index(nxt) :], questions, reported)
                elif nxt not in state:
                    state[nxt] = True
                    path.append(nxt)
                    todo.append(iter(graph[nxt]))

    def loop(
        self, loop: list[str], questions: Mapping[str, _Entry], reported: set[tuple[str, ...]]
    ) -> None:
        """Report one loop once, starting from its earliest question."""
        start = min(range(len(loop)), key=lambda i: questions[loop[i]].index)
        loop = loop[start:] + loop[:start]
        if tuple(loop) in reported:
            return
        reported.add(tuple(loop))
        first = questions[loop[0]]
        self.fault(
            f"{first.location}.show_if",
            f"show_if makes a loop: {' -> '.join([*loop, loop[0]])}; "
            "each question can only depend on earlier ones",
            first.conditions[0].line if first.conditions else first.line,
        )


# --- public API ----------------------------------------------------------------------------


def survey_from_dict(data: object, source: str) -> Survey:
    """Check already-loaded data (e.g. from stored JSON) and build a Survey."""
    checker = _Checker()
    survey = checker.survey(data)
    if survey is None or checker.faults:
        faults = sorted(checker.faults, key=lambda f: f.line if f.line is not None else 1 << 30)
        raise SurveyDefinitionError(source, faults)
    return survey


def parse_survey(text: str, source: str) -> Survey:
    """Parse and check YAML (or JSON) text; `source` names the file in error messages."""
    return survey_from_dict(_read_yaml(text, source), source)


def load_survey(path: Path) -> Survey:
    """Read, parse and check one survey file (a file over MAX_SURVEY_BYTES is not read)."""
    try:
        size = path.stat().st_size
        if size > MAX_SURVEY_BYTES:
            raise SurveyDefinitionError(str(path), [Fault("", _too_big(size))])
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SurveyDefinitionError(
            str(path), [Fault("", f"not UTF-8 text: {exc.reason}")]
        ) from None
    except OSError as exc:
        raise SurveyDefinitionError(
            str(path), [Fault("", f"cannot read the file: {exc.strerror}")]
        ) from None
    return parse_survey(text, str(path))


def load_builtin_surveys() -> list[Survey]:
    """The surveys shipped in `surveys/templates/*.yaml`, ordered by file name (read and
    checked once a process: they ship with the package, and surveys are immutable)."""
    return list(_builtin_surveys())


@lru_cache(maxsize=1)
def _builtin_surveys() -> tuple[Survey, ...]:
    folder = resources.files("surveys").joinpath("templates")
    surveys: list[Survey] = []
    seen: dict[str, str] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml") or not entry.is_file():
            continue
        source = f"surveys/templates/{entry.name}"
        survey = parse_survey(entry.read_text(encoding="utf-8"), source)
        if survey.key in seen:
            raise SurveyDefinitionError(
                source, [Fault("key", f"key {survey.key!r} is already used by {seen[survey.key]}")]
            )
        seen[survey.key] = source
        surveys.append(survey)
    return tuple(surveys)


def survey_to_dict(survey: Survey) -> dict[str, Any]:
    """Plain data (str, int, bool, list, dict) that `survey_from_dict` turns back into it."""
    return {
        "key": survey.key,
        "version": survey.version,
        "title": survey.title,
        "form": survey.form.value,
        "audience": survey.audience.value,
        "anonymous": survey.anonymous,
        "description": survey.description,
        "intro": survey.intro,
        "thanks": survey.thanks,
        "questions": [_question_to_dict(q) for q in survey.questions],
        # Only when set, so the fingerprints of surveys without them stay as they were.
        **({"easy": True} if survey.easy else {}),
        **({"stands_in_for": list(survey.stands_in_for)} if survey.stands_in_for else {}),
        **(
            {"translations": {lang: nest(words) for lang, words in survey.translations.items()}}
            if survey.translations
            else {}
        ),
    }


def _question_to_dict(question: Question) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": question.id,
        "kind": question.kind.value,
        "text": question.text,
        "theme": question.theme.value,
        "skippable": question.skippable,
        "sensitive": question.sensitive,
    }
    if question.help is not None:
        data["help"] = question.help
    if question.flag is not None:
        data["flag"] = question.flag.value
    if question.picture is not None:
        data["picture"] = question.picture
    if question.kind in _KIND_KEYS["choices"]:
        data["choices"] = [
            {
                "id": c.id,
                "label": c.label,
                **({"flag": c.flag.value} if c.flag else {}),
                **({"picture": c.picture} if c.picture else {}),
            }
            for c in question.choices
        ]
    if question.kind is QuestionKind.SCALE:
        data["labels"] = list(question.scale_labels)
    if question.kind is QuestionKind.TEXT:
        data["max_length"] = question.max_length
    if question.show_if:
        data["show_if"] = [
            {"question": c.question, c.operator.value: _plain(c.value)} for c in question.show_if
        ]
    if question.alert_if is not None:
        rule = question.alert_if
        data["alert_if"] = {
            rule.condition.operator.value: _plain(rule.condition.value), "category": rule.category
        }
    return data


def _plain(value: object) -> object:
    return [_plain(v) for v in value] if isinstance(value, tuple) else value


class _Dumper(yaml.SafeDumper):
    """Writes text with line breaks as `|` blocks, for readable stored copies."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_survey_yaml(survey: Survey) -> str:
    """YAML that `parse_survey` reads back into an equal Survey."""
    return yaml.dump(
        survey_to_dict(survey), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    )


def survey_fingerprint(survey: Survey) -> str:
    """sha256 (hex) of the survey's content; the version number is left out.

    Equal content gives an equal fingerprint whatever the key order or layout of the
    file; any change of wording, order or options gives a new one, so a stored survey
    whose fingerprint differs from its file must become a new version.
    """
    content = survey_to_dict(survey)
    del content["version"]
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
