"""A corpus of bad input, one row per kind, across the API, CSV, YAML, the web chat and
the bot. `tests/api/test_bad_inputs.py` runs every row on SQLite and PostgreSQL: each must
get a clear 4xx (the API's error shape, with a message) and change nothing, or, for what a
young person sends, be stored with only what no store can keep taken out."""

from __future__ import annotations

import codecs
from dataclasses import dataclass

GOOD_CSV = "council_ref,cohort,age_band\nBAD-1,in_care,13-15\n"
HEAD = "key: bad\nversion: 1\ntitle: T\nform: survey\naudience: child\nintro: i\nthanks: t\n"


@dataclass(frozen=True, slots=True)
class Api:
    """A request to the API, the status and error code it must get, and nothing stored."""

    name: str
    method: str
    path: str
    status: int
    code: str
    body: bytes | None = None
    content_type: str | None = None
    role: str = "admin"


@dataclass(frozen=True, slots=True)
class Said:
    """What a young person sends as a free-text answer, and what must be stored."""

    name: str
    text: str
    stored: str


def _csv(name: str, data: bytes, status: int = 422, code: str = "invalid_import") -> Api:
    return Api(f"csv-{name}", "POST", "/api/v1/people", status, code, data, "text/csv")


def _yaml(name: str, text: str | bytes, status: int = 422, code: str = "invalid_survey") -> Api:
    body = text.encode() if isinstance(text, str) else text
    return Api(f"yaml-{name}", "POST", "/api/v1/surveys", status, code, body, "text/yaml")


API: tuple[Api, ...] = (
    # paths and queries
    Api("path-nul", "GET", "/api/v1/surveys/a%00b", 400, "nul_byte"),
    Api("path-raw-nul-ref", "POST", "/api/v1/people/A%00/erase", 400, "nul_byte"),
    Api("query-nul", "GET", "/api/v1/people?team=%00", 400, "nul_byte"),
    Api("period-nul", "GET", "/api/v1/return-rates?period=2017-18%00", 400, "nul_byte"),
    Api("period-garbage", "GET", "/api/v1/return-rates?period=yesterday", 422, "invalid_parameter"),
    Api("period-quarter-5", "GET", "/api/v1/sentiment?period=2017-18%20Q5", 422,
        "invalid_parameter"),
    Api("period-reversed-years", "GET", "/api/v1/themes?period=2018-17", 422, "invalid_parameter"),
    Api("period-huge", "GET", "/api/v1/quotes?period=" + "9" * 5000, 422, "invalid_request"),
    Api("limit-negative", "GET", "/api/v1/people?limit=-1", 422, "invalid_request"),
    Api("limit-not-a-number", "GET", "/api/v1/campaigns?limit=ten", 422, "invalid_request"),
    Api("offset-huge", "GET", "/api/v1/people?offset=99999999999999999999", 422,
        "invalid_request"),
    Api("id-not-a-number", "GET", "/api/v1/campaigns/abc", 422, "invalid_request"),
    Api("id-overflow", "GET", "/api/v1/campaigns/99999999999999999999999", 422,
        "invalid_request"),
    Api("unknown-survey", "GET", "/api/v1/surveys/no-such-survey", 404, "not_found"),
    Api("unknown-code-revoke", "POST", "/api/v1/invitations/NoSuchCode/revoke", 404,
        "invitation_unknown"),
    Api("board-key-on-people", "GET", "/api/v1/people", 403, "forbidden", role="board"),
    Api("no-key", "GET", "/api/v1/campaigns", 401, "unauthorized", role="none"),
    Api("garbage-key", "GET", "/api/v1/campaigns", 401, "unauthorized", role="garbage"),
    # the newer board endpoints: key messages, wellbeing, comparators
    Api("key-messages-period-nul", "GET", "/api/v1/key-messages?period=2017-18%00", 400,
        "nul_byte", role="board"),
    Api("key-messages-period-garbage", "GET", "/api/v1/key-messages?period=last%20year", 422,
        "invalid_parameter", role="board"),
    Api("key-messages-format-xml", "GET", "/api/v1/key-messages?format=xml", 422,
        "invalid_request", role="board"),
    Api("key-messages-unknown-param-nul", "GET", "/api/v1/key-messages?x%00=1", 400,
        "nul_byte", role="board"),
    Api("wellbeing-quarter-5", "GET", "/api/v1/wellbeing?period=2017-18%20Q5", 422,
        "invalid_parameter", role="board"),
    Api("comparators-format-pdf", "GET", "/api/v1/comparators?format=pdf", 422,
        "invalid_request", role="board"),
    # JSON bodies
    Api("json-nul-escape", "POST", "/api/v1/keys", 400, "nul_byte",
        b'{"name": "a\\u0000", "role": "board"}', "application/json"),
    Api("json-raw-nul", "POST", "/api/v1/keys", 400, "nul_byte",
        b'{"name": "a\x00", "role": "board"}', "application/json"),
    Api("json-broken", "POST", "/api/v1/keys", 422, "invalid_request",
        b'{"name": ', "application/json"),
    Api("json-deep", "POST", "/api/v1/people", 422, "invalid_request",
        b"[" * 100_000 + b"]" * 100_000, "application/json"),
    Api("json-not-a-list", "POST", "/api/v1/people", 422, "invalid_import",
        b'{"council_ref": "A"}', "application/json"),
    Api("json-wrong-role", "POST", "/api/v1/keys", 422, "invalid_request",
        b'{"name": "a", "role": "king"}', "application/json"),
    Api("json-unknown-field", "POST", "/api/v1/keys", 422, "invalid_request",
        b'{"name": "a", "role": "board", "admin": true}', "application/json"),
    Api("json-lone-surrogate-in-key", "POST", "/api/v1/keys", 400, "nul_byte",
        rb'{"name": "a", "role": "board", "\udc00": 1}', "application/json"),
    Api("wrong-method", "DELETE", "/api/v1/surveys", 405, "method_not_allowed"),
    Api("json-lone-surrogate", "POST", "/api/v1/people", 400, "nul_byte",
        b'[{"council_ref": "\\ud800", "cohort": "in_care", "age_band": "13-15"}]',
        "application/json"),
    Api("json-too-large", "POST", "/api/v1/keys", 413, "too_large",
        b'{"name": "' + b"a" * 2_000_000 + b'"}', "application/json"),
    Api("wrong-media-type", "POST", "/api/v1/people", 415, "unsupported_media_type",
        b"<people/>", "application/xml"),
    Api("form-nul", "POST", "/api/v1/keys", 400, "nul_byte", b"name=a%00b&role=board",
        "application/x-www-form-urlencoded"),
    # people CSV
    _csv("empty", b""),
    _csv("header-only", b"council_ref,cohort,age_band\n"),
    _csv("no-text-encoding", b"council_ref,cohort\n\x81\x8d\x8f,in_care\n"),
    _csv("open-quote-at-end", b'council_ref,cohort,age_band\nA-1,in_care,"13-15\n'),
    _csv("open-quote-swallows", b'council_ref,cohort,age_band\nA-1,"in_care,13-15\n'
                                b'A-2,in_care,13-15"\n'),
    _csv("nul", b"council_ref,cohort,age_band\nA-\x001,in_care,13-15\n"),
    _csv("nul-in-utf16", "council_ref,cohort,age_band\nA-\x001,in_care,13-15\n"
         .encode("utf-16")),
    _csv("unknown-column", b"council_ref,cohort,age_band,nhs_number\nA-1,in_care,13-15,1\n"),
    _csv("missing-cohort-column", b"council_ref,age_band\nA-1,13-15\n"),
    _csv("bad-cohort", b"council_ref,cohort,age_band\nA-1,fostered,13-15\n"),
    _csv("bad-date", b"council_ref,cohort,date_of_birth\nA-1,in_care,31/02/2012\n"),
    _csv("future-birth", b"council_ref,cohort,date_of_birth\nA-1,in_care,2099-01-01\n"),
    _csv("duplicate-ref", b"council_ref,cohort,age_band\nA-1,in_care,13-15\nA-1,in_care,8-12\n"),
    _csv("ref-with-spaces", b"council_ref,cohort,age_band\nA 1; DROP,in_care,13-15\n"),
    _csv("full-name", b"council_ref,cohort,age_band,first_name\nA-1,in_care,13-15,Kayleigh "
                      b"Smith 07700900123\n"),
    _csv("too-many-values", b"council_ref,cohort,age_band\nA-1,in_care,13-15,Crewe, Cheshire\n"),
    _csv("huge-field", b"council_ref,cohort,age_band\nA-1,in_care,\"" + b"9" * 200_000 + b"\"\n"),
    _csv("utf16-bad-cohort", "council_ref\tcohort\tage_band\nA-1\tnowhere\t13-15\n"
         .encode("utf-16")),
    _csv("bom-then-garbage", codecs.BOM_UTF8 + b"\xff\xfe\xfd"),
    # survey YAML
    _yaml("nested-brackets", "[" * 60_000 + "]" * 60_000),
    _yaml("billion-laughs", "a: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{b}: &{b} [{','.join([f'*{a}'] * 10)}]\n"
        for a, b in zip("abcdefgh", "bcdefghi", strict=True))),
    _yaml("too-many-aliases", "a: &x 1\n" + "".join(f"k{n}: *x\n" for n in range(200))),
    _yaml("too-large", "#" * 250_000, 413, "too_large"),
    _yaml("nul-escape", HEAD.replace("title: T", 'title: "T\\0"') + "questions: []\n"),
    _yaml("raw-nul", HEAD + "questions: [\x00]\n"),
    _yaml("not-utf8", b"title: \xff\xfe\n", 422, "invalid"),
    _yaml("tabs", HEAD + "questions:\n\t- id: a\n"),
    _yaml("not-a-mapping", "- just\n- a list\n"),
    _yaml("python-tag", "!!python/object/apply:os.system ['true']\n"),
    _yaml("duplicate-keys", HEAD + "title: again\nquestions: []\n"),
    _yaml("unknown-kind", HEAD + "questions:\n  - {id: a, kind: essay, text: q}\n"),
    _yaml("impossible-date", "key: 2024-13-01\n"),
    _yaml("empty", ""),
)

SAID: tuple[Said, ...] = (
    Said("nul", "I like my\x00 carer", "I like my carer"),
    Said("only-nul-and-words", "\x00\x00ok\x00", "ok"),
    Said("control-characters", "bell\x07 and\x1b escape", "bell and escape"),
    Said("lone-surrogate", "half \ud83d a face", "half \ufffd a face"),
    Said("html", "<script>alert(1)</script> & <b>", "<script>alert(1)</script> & <b>"),
    Said("sql", "'); DROP TABLE answers; --", "'); DROP TABLE answers; --"),
    Said("bidi-override", "I am \u202eeman ym\u202c ok", "I am \u202eeman ym\u202c ok"),
    Said("emoji-and-joiners", "👩‍👩‍👧 family 🏳️‍🌈", "👩‍👩‍👧 family 🏳️‍🌈"),
    Said("combining-marks", "Zoe\u0308 said hi", "Zoë said hi"),
    Said("newlines-and-tabs", "line one\n\tline two\r\nthree", "line one\n\tline two\r\nthree"),
    Said("right-to-left-script", "أحب مدرستي", "أحب مدرستي"),
    Said("percent-nul-text", "100%00 sure", "100%00 sure"),
)


@dataclass(frozen=True, slots=True)
class After:
    """A bad input a young person sends once they have answered (the question of who may
    read their words showing): the language switch, the visibility choice, "Not now",
    /read. The web chat sends `web` (a form) and the bot `bot` (a command with its
    arguments, or `press` with a button's data); each gets a reply, never a failure, and
    the answer before it stays stored as it was."""

    name: str
    web: dict[str, str]
    bot: tuple[str, str]


AFTER: tuple[After, ...] = (
    After("language-unknown", {"action": "language", "language": "xx"}, ("language", "xx")),
    After("language-nul", {"action": "language", "language": "cy\x00"},
          ("language", "cy\x00")),
    After("language-huge", {"action": "language", "language": "c" * 5000},
          ("language", "c" * 4000)),
    After("visibility-unknown", {"question": "for_iro", "option": "maybe"},
          ("press", "a|for_iro|maybe|x")),
    After("visibility-nul", {"question": "for_iro", "option": "shared\x00"},
          ("press", "a|for_iro|shared\x00|x")),
    After("visibility-other-question", {"question": "no-such\x00", "option": "private"},
          ("press", "a|no-such|private|x")),
    After("not-now-garbled", {"command": "not_now\x00", "question": "for_iro"},
          ("press", "n|\x00")),
    After("read-with-junk", {"command": "read", "question": "x" * 5000},
          ("read", "\x00" + "x" * 4000)),
)  # fmt: skip
