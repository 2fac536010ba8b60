"""Take personal details out of a young person's words before a board reads them.

`redact` replaces what could identify someone with a token:

    [ref]      council references: every ref the caller knows (`known_refs`, from the
               people table), ref formats the council configures (`ref_patterns`), and
               anything shaped like one (letters with 3+ digits, "ref 12345", 6+ digits,
               an NHS number)
    [email]    jess99@example.com
    [link]     https://..., www..., tiktok.com/@jess
    [name]     @handles and social media names, known names (the child's, their
               carers'), first names and surnames from `surveys/data/names.yaml`, names
               after "Mr"/"Mrs" (and "Mr and Mrs ..."), "the ... family", "with the
               ...s", "my carer ...", "my social worker is ...", "called ...",
               "my name is ...", a capitalised word after a first name, initials ("S.")
    [phone]    UK phone numbers in any spacing, the whole number or nothing
    [address]  postcodes, "flat 3", "12 High Street", "Mill Lane"
    [school]   "St Mary's Catholic High School", "Crewe Academy", "Ruskin Primary"
    [place]    UK towns and cities, counties, and capitalised words after "in", "at",
               "from" or "near" ("I live in Crewe")
    [date]     dates: full dates, day and month ("3rd May", "on 12/11"), and after
               "born"/"birthday"

Before anything is matched the text is normalised (NFKC, so full-width digits are
digits), invisible and bidirectional-override characters are removed (so "Kay\u200bleigh"
is one word) and Cyrillic or Greek look-alikes inside Latin words become Latin letters.
Known names and refs are also found spelt out ("k a y l e i g h", "DEMO C 0020").

In a text mostly in English, a word that is not English (`english_words`) standing where
a name or a place does is taken for one (`unknown_words`): "my carer shaaron", "moved to
middlewich", "big Tez"; phone numbers said in words, national insurance numbers and car
registrations go too. It is a safety net, not a guarantee: a name that is also a word, not
known, not in the list and not in a telling context ("Pat said") stays. `safe_quote`
redacts and then refuses (None) a text that still looks identifying; show nothing rather
than that. Ordinary words are left alone: "I like my meeting", "My IRO was descriptive".

    >>> redact("I got an explanation why I'm not with S. (old carer)")
    "I got an explanation why I'm not with [name] (old carer)"

Redact first, then `shorten`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

from surveys.insights.english_words import is_english_word
from surveys.insights.redaction_words import (
    ADDRESS,
    ADDRESS_STOPWORDS,
    DATE,
    EMAIL,
    LINK,
    LOOK_BACK,
    NAME,
    NOT_FAMILIES,
    NOT_NAMES,
    NOT_PROPER,
    PHONE,
    PLACE,
    PROPER,
    REF,
    RELATION_ADJECTIVES,
    RELATIONS,
    SCHOOL,
    TITLES,
    TOKENS,
    WORKERS,
    RedactionError,
    names_list,
    starts_sentence,
    word_set,
)
from surveys.insights.unknown_words import mostly_english, named_again, unknown_words

__all__ = [
    "TOKENS",
    "RedactionError",
    "check_ref_patterns",
    "first_names",
    "is_word_name",
    "name_candidates",
    "redact",
    "ref_candidates",
    "safe_quote",
    "shorten",
]

# --- word lists ----------------------------------------------------------------------


# UK towns, cities and counties that are not ordinary words: any case, anywhere. Places
# that are words ("Bath", "Reading") are caught only by the "in/at/from/near X" rule.
_PLACES = word_set(
    """
    London Manchester Birmingham Liverpool Leeds Sheffield Bristol Newcastle Sunderland
    Middlesbrough Stockton Hartlepool Darlington Durham Gateshead Northumberland Cheshire
    Crewe Macclesfield Congleton Nantwich Wilmslow Knutsford Sandbach Alsager Chester
    Warrington Wigan Bolton Oldham Rochdale Stockport Salford Preston Blackpool Blackburn
    Burnley Lancaster Carlisle Kendal Leicester Nottingham Coventry Wolverhampton Walsall
    Dudley Stafford Telford Shrewsbury Norwich Norfolk Ipswich Cambridge Oxford
    Peterborough Northampton Luton Bedford Slough Southampton Portsmouth Brighton Plymouth
    Exeter Bournemouth Swindon Gloucester Cheltenham Worcester Hereford York Bradford
    Huddersfield Halifax Wakefield Doncaster Rotherham Barnsley Grimsby Scunthorpe Redcar
    Teesside Whitby Scarborough Harrogate Blyth Morpeth Hexham Ashington Cramlington
    Cardiff Swansea Glasgow Edinburgh Aberdeen Dundee Belfast Essex Surrey Sussex
    Yorkshire Lancashire Cumbria Devon Cornwall Dorset Somerset Wiltshire Hampshire
    Berkshire Suffolk Lincolnshire Leicestershire Nottinghamshire Derbyshire
    Staffordshire Shropshire Warwickshire Solihull Wirral Birkenhead Southport Widnes
    Runcorn Northwich Winsford Thetford Dereham Cromer Lowestoft Colchester Chelmsford
    Southend Basildon Croydon Hackney Lambeth Brixton Tottenham Peckham Islington Camden
    Ealing Wembley Stoke-on-Trent Milton_Keynes St_Helens King's_Lynn Great_Yarmouth
    Ellesmere_Port Newcastle_upon_Tyne
    """
)


_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d{2}"

# --- patterns ------------------------------------------------------------------------

_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_SPOKEN_EMAIL = re.compile(  # "jay_b99 at example dot com"
    r"(?<![\w.+-])[\w.+-]+\s*(?:@|\(at\)|\[at\]|\bat\b)\s*[\w-]+"
    r"(?:\s*(?:\.|\bdot\b|\(dot\)|\[dot\])\s*(?:co|org|gov|ac|sch|nhs))?"
    r"\s*(?:\.|\bdot\b|\(dot\)|\[dot\])\s*(?:com|uk|org|net|co)\b",
    re.IGNORECASE,
)
_URL = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|(?<![a-z0-9.-])(?:[a-z0-9-]+\.)+(?:com|co\.uk|org\.uk|gov\.uk|ac\.uk|nhs\.uk|sch\.uk|org|net"
    r"|uk|io|tv|gg|ly|info|app)\b(?:/\S*)?",
    re.IGNORECASE,
)
_AT_HANDLE = re.compile(r"(?<![\w@\[])@(?:[A-Za-z0-9_]| [A-Za-z_])(?:[A-Za-z0-9_.]*[A-Za-z0-9_])?")
_PLATFORM_HANDLE = re.compile(
    r"\b(?P<lead>(?:snapchat|snap|sc|insta|instagram|ig|tiktok|tik tok|twitter|facebook|fb"
    r"|discord|xbox|psn|gamertag|kik|username|user\s?name)(?:\s+(?:name|username|handle|id|gamertag|tag))?)"
    r"(?P<sep>\s*(?:is|its|it's|it’s|:|=|-)?\s*)"
    r"(?P<handle>@?[A-Za-z0-9_.]*[A-Za-z0-9_])",
    re.IGNORECASE,
)
_NUMERIC_DATE = re.compile(
    r"(?<![\d/.-])(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?:\d{4}|\d{2})(?![\d/-]|\.\d)"
)
_ISO_DATE = re.compile(  # 2009-07-14, 2009/7/14
    r"(?<![\d/.-])(?:19|20)\d{2}[/.-](?:0?[1-9]|1[0-2])[/.-](?:0?[1-9]|[12]\d|3[01])(?![\d/-]|\.\d)"
)
_TEXT_DATE = re.compile(
    rf"\b(?:{_DAY}\s+(?:of\s+)?{_MONTH}|{_MONTH}\s+{_DAY}),?\s+{_YEAR}\b", re.IGNORECASE
)
_BIRTHDAY = re.compile(
    rf"(?P<lead>\b(?:born|birthday|b'?day|dob|d\.o\.b\.?|date of birth)"
    rf"(?:\s*(?:is|was|on|:|-))*\s*)"
    rf"(?P<date>{_DAY}\s+(?:of\s+)?{_MONTH}\b|{_MONTH}\s+{_DAY}\b|\d{{1,2}}/\d{{1,2}}\b)",
    re.IGNORECASE,
)
_DAY_MONTH = re.compile(
    rf"\b(?:(?:the\s+)?{_DAY}\s+(?:of\s+)?{_MONTH}|{_MONTH}\s+(?:the\s+)?{_DAY})\b(?!\s*%)",
    re.IGNORECASE,
)
_DAY_MONTH_NUMBERS = re.compile(
    r"(?P<lead>\b(?i:on|since|from|until|till|by|before|after|born|dob)\s+(?:the\s+)?)"
    r"(?P<a>\d{1,2})[/.](?P<b>\d{1,2})(?![\d/.])"
)
_POSTCODE = re.compile(
    r"\b(?P<out>[A-Z]{1,2}\d[A-Z\d]?)\s*(?P<in>\d[ABD-HJLNP-UW-Z]{2})\b", re.IGNORECASE
)
_SAID_POSTCODE = re.compile(  # "post code cw1 4 ab": spaced anyhow, after the word
    r"(?P<lead>\bpost\s*code(?:\s+(?:is|was))?\s*[:=-]?\s*)"
    r"(?P<code>[A-Z]{1,2}\s?\d(?:\s?[A-Z\d])?\s*\d\s*[A-Z]\s*[A-Z])\b",
    re.IGNORECASE,
)
_PHONE_RUN = re.compile(r"(?<!\d)\+?\(?\d[\d ().-]*")
_FLAT = re.compile(r"\b(?:flat|apartment|apt)\.?\s*(?:no\.?\s*)?\d+[a-z]?\b", re.IGNORECASE)
_STRONG_STREETS = word_set(
    "street st road rd lane ln avenue ave drive crescent terrace gardens mews"
)
_WEAK_STREETS = word_set(
    "close way court grove place square parade boulevard walk row rise hill green park view vale"
)
_STREETS = sorted(_STRONG_STREETS | _WEAK_STREETS, key=len, reverse=True)
_NUMBERED_STREET = re.compile(
    r"\b\d{1,4}[a-z]?,?\s+(?P<words>(?:[A-Za-z'’-]+\s+){1,3})"
    rf"(?P<kind>{'|'.join(_STREETS)})\b\.?",
    re.IGNORECASE,
)
_NAMED_STREET = re.compile(
    r"\b(?P<words>(?:[A-Z][a-z'’]+\s+){1,2})"
    rf"(?P<kind>{'|'.join(w.title() for w in _STREETS)})\b"
)
_LOWER_STREET = re.compile(
    r"(?P<lead>\b(?:on|in|at|off|to)\s+)(?P<words>(?:[a-z][a-z'’-]+\s+){1,2})"
    rf"(?P<kind>{'|'.join(sorted(_STRONG_STREETS | {'close', 'grove', 'way', 'court'}))})\b"
)
_TITLED = re.compile(
    rf"\b(?P<title>{TITLES}\.?)\s+(?P<name>[A-Za-z][\w'’-]*\.?(?:\s+{PROPER}(?!\w))?)"
)
_COUPLE = re.compile(  # "Mr and Mrs Oldman", "Mr & Mr Oldman", "mr n mrs oldman"
    rf"\b(?P<titles>{TITLES}\.?\s*(?:and|&|n|\+)\s*{TITLES}\.?)\s+(?P<name>[A-Za-z][\w'’-]*)"
)
_FAMILY = re.compile(rf"(?P<lead>\b[Tt]he\s+)(?P<name>{PROPER})(?P<tail>\s+famil(?:y|ies)\b)")
_FAMILY_PLURAL = re.compile(  # "with the Oldmans", "at the Ashdowns' house"
    r"(?P<lead>\b(?i:with|at|to|from|by|visit|visiting|see|seeing|stay|staying|and)\s+"
    rf"(?i:the)\s+)(?P<name>{PROPER}s)(?P<tail>['’]?)(?!\w)"
)
_RELATED = re.compile(
    rf"(?P<lead>\b(?i:my|our|his|her|their)\s+(?:(?i:{'|'.join(RELATIONS)})['’]s\s+)?"
    rf"(?i:(?:{'|'.join(RELATION_ADJECTIVES)})[\s-]+)*"
    rf"(?i:{'|'.join(RELATIONS)})\s+)"
    rf"(?P<name>{PROPER}(?:\s+{PROPER})?(?!\w)|[A-Z]\.|[B-HJ-Z]\b)"
)
_CALLED = re.compile(
    rf"(?P<lead>\b(?i:called|named|name\s+is|name's|names)\s+)(?P<name>{PROPER})(?!\w)"
)
_INITIALS = re.compile(r"(?<![\w.\[])(?:[A-Z]\.){2,3}(?![A-Za-z])")
_NOT_INITIALS = word_set(
    "U.K. U.S. U.S.A. E.U. N.H.S. A.M. P.M. I.D. P.E. R.E. D.T. I.T. T.V. G.P. O.K. A.S.A.P."
)
_INITIAL = re.compile(r"(?<![\w.\[])(?P<letter>[A-Z])\.(?![A-Za-z]\.)")
_INITIAL_NOT_AFTER = word_set(
    "a an the grade band plan vitamin type year key stage level part section option class room "
    "block set group team size tier got"
)
_PLACE_AFTER = re.compile(
    r"\b(?i:in|at|from|near)\s+"
    r"(?P<place>[A-Z][a-z'’]+(?:(?:[ -](?:upon|on|under|le|by)[ -]|[ -])[A-Z][a-z'’]+){0,2})"
    r"(?![\w'’])"
)
_REPEATED_TOKEN = re.compile(r"(\[(name|phone|email|address|place|link|date)\])(?:[\s,-]*\[\2\])+")
_TRAILING_PUNCTUATION = ".,;:!?)'\"’”"


def first_names() -> tuple[str, ...]:
    """The list's forenames that are never ordinary words, capitalised and sorted."""
    return tuple(sorted(name.capitalize() for name in names_list().forenames))


def _word(alternatives: Iterable[str], flags: int = 0) -> re.Pattern[str]:
    """A pattern for any of the phrases as whole words, longest first, outside tokens."""
    parts = sorted(
        (r"[\s-]+".join(re.escape(p) for p in re.split(r"[\s_-]+", a)) for a in alternatives),
        key=len,
        reverse=True,
    )
    return re.compile(rf"(?<![\w\[])(?:{'|'.join(parts)})(?![\w\]])", flags)




@lru_cache(maxsize=1)
def _name_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Names in any case (first names and surnames that are not words), and names that
    are words when capitalised ("Grace")."""
    names = names_list()
    return (
        _word(names.forenames | names.surnames, re.IGNORECASE),
        _word({n.title() for n in names.word_forenames}),
    )

_PLACE = _word(_PLACES, re.IGNORECASE)


def _mid_sentence(token: str) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        return match[0] if starts_sentence(match.string, match.start()) else token

    return replace


# --- the passes ------------------------------------------------------------------------


def _links(text: str) -> str:
    text = _EMAIL.sub(EMAIL, text)
    text = _SPOKEN_EMAIL.sub(EMAIL, text)

    def link(match: re.Match[str]) -> str:
        url = match[0]
        kept = url.rstrip(_TRAILING_PUNCTUATION)
        return LINK + url[len(kept) :]

    text = _URL.sub(link, text)
    text = _AT_HANDLE.sub(NAME, text)

    def platform(match: re.Match[str]) -> str:
        handle, sep = match["handle"], match["sep"].strip()
        looks_like_handle = (
            handle.startswith("@")
            or re.search(r"[\d_.]|[a-z][A-Z]", handle) is not None  # jess_99, xXKidXx
            or re.search(r"(?i)name|handle|id|tag", match["lead"]) is not None
            or (match["sep"].strip() != "" and not is_english_word(handle))  # tieganxo
        )
        if len(handle) < 3 or not (sep in {":", "=", "-"} or looks_like_handle):
            return match[0]
        return match["lead"] + match["sep"] + NAME

    return _PLATFORM_HANDLE.sub(platform, text)


def _dates(text: str) -> str:
    def numeric(match: re.Match[str]) -> str:
        a, b = int(match["a"]), int(match["b"])
        plausible = (1 <= a <= 31 and 1 <= b <= 12) or (1 <= a <= 12 and 1 <= b <= 31)
        return DATE if plausible else match[0]

    text = _NUMERIC_DATE.sub(numeric, text)
    text = _ISO_DATE.sub(DATE, text)
    text = _TEXT_DATE.sub(DATE, text)
    text = _BIRTHDAY.sub(lambda m: m["lead"] + DATE, text)

    def day_month(match: re.Match[str]) -> str:  # "on 12/11"; "at 10.30" is a time
        a, b = int(match["a"]), int(match["b"])
        plausible = (1 <= a <= 31 and 1 <= b <= 12) or (1 <= a <= 12 and 1 <= b <= 31)
        return match["lead"] + DATE if plausible else match[0]

    text = _DAY_MONTH_NUMBERS.sub(day_month, text)
    return _DAY_MONTH.sub(_day_month_words, text)


def _day_month_words(match: re.Match[str]) -> str:
    """"3rd May", "May 3rd": a date, but "I may 2" or "march 10 miles" is not."""
    words = match[0].split()
    month_first = not words[0][0].isdigit() and words[0].lower() != "the"
    if month_first and words[0][0].islower() and words[0].lower() in {"may", "march"}:
        return match[0]
    return DATE


def _postcodes(text: str) -> str:
    def postcode(match: re.Match[str]) -> str:
        if match["in"][1:].lower() in {
            "st",
            "nd",
            "rd",
            "th",
        }:  # "Y11 2nd": an ordinal, not a postcode
            return match[0]
        return ADDRESS

    text = _POSTCODE.sub(postcode, text)
    return _SAID_POSTCODE.sub(lambda m: m["lead"] + ADDRESS, text)


def _phone_start(run: str) -> int | None:
    """Where a phone number starts in a run of digits and separators, if it holds one: a
    "+", a "44" or a trunk "0" followed by enough digits for a UK number."""
    groups = list(re.finditer(r"\d+", run))
    digits = "".join(g[0] for g in groups)
    if run.startswith("+") and len(digits) >= 8:
        return 0
    seen = 0
    for group in groups:
        rest = digits[seen:]
        if rest.startswith("44") and len(rest) >= 11:
            national = rest[2:].removeprefix("0")
            if national[:1] in set("123789") and len(national) >= 9:
                start = group.start()
                return start - 1 if run[:start].rstrip().endswith("+") else start
        if rest.startswith("00") and len(rest) >= 10:  # international: 0044 ..., 001 ...
            return group.start()
        if rest.startswith("0") and rest[1:2] in set("123789") and len(rest) >= 10:
            return group.start()
        seen += len(group[0])
    return None


_DIGIT_WORDS = {
    "oh": "0", "o": "0", "zero": "0", "nought": "0", "one": "1", "two": "2", "three": "3",
    "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
_SPOKEN_DIGITS = re.compile(
    r"(?<![\w\[])(?:(?:double|treble|triple)\s+)?(?:oh|o|zero|nought|one|two|three|four|five|"
    r"six|seven|eight|nine|\d+)(?:[\s,-]+(?:(?:double|treble|triple)\s+)?(?:oh|o|zero|nought|"
    r"one|two|three|four|five|six|seven|eight|nine|\d+)){3,}(?![\w\]])",
    re.IGNORECASE,
)
# a national insurance number ("QQ 12 34 56 C"), a car registration ("MX68 KPT")
_NI_OR_REG = re.compile(
    r"(?<![\w\[])(?:[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]|[A-Z]{2}\d{2}\s?[A-Z]{3})(?![\w\]])"
)


def _spoken_numbers(text: str) -> str:
    """A phone number said in words, or partly: "oh seven seven double oh 900 412" (seven
    digits or more, at least one of them a word)."""

    def spoken(match: re.Match[str]) -> str:
        digits, words = "", 0
        for token in re.findall(r"(?i)double|treble|triple|[a-z]+|\d+", match[0]):
            lower = token.lower()
            if lower in ("double", "treble", "triple"):
                digits += "*" if lower == "double" else "**"
                continue
            if token.isdigit():
                digit = token
            else:
                digit, words = _DIGIT_WORDS[lower], words + 1
            while digits.endswith("*"):
                digits, digit = digits[:-1], digit + digit[-1]
            digits += digit
        return PHONE if words and len(digits) >= 7 else match[0]

    return _SPOKEN_DIGITS.sub(spoken, text)


def _phones(text: str) -> str:
    def phone(match: re.Match[str]) -> str:
        run = match[0]
        end = len(run.rstrip(" ().-"))  # after the last digit
        start = _phone_start(run[:end])
        if start is None:
            return run
        if run[:start].endswith("(") and ")" in run[start:end]:
            start -= 1  # "(01234) 567890": the bracket belongs to the number
        return run[:start] + PHONE + run[end:]

    return _PHONE_RUN.sub(phone, text)


def _addresses(text: str) -> str:
    text = _FLAT.sub(ADDRESS, text)

    def numbered(match: re.Match[str]) -> str:
        words = match["words"].lower().split()
        kind = match["kind"]
        if any(w in ADDRESS_STOPWORDS for w in words):
            return match[0]
        weak = kind.lower() in _WEAK_STREETS and not kind[0].isupper()
        if weak and all(is_english_word(w) for w in words):  # "3 different way"
            return match[0]
        return ADDRESS

    text = _NUMBERED_STREET.sub(numbered, text)

    def named(match: re.Match[str]) -> str:
        # "Like Hyde Park": leading ordinary words stay, the rest is the street.
        kept = ""
        for word in re.findall(r"\S+\s+", match["words"]):
            if word.strip() not in NOT_PROPER:
                break
            kept += word
        if kept == match["words"]:
            return match[0]
        return kept + ADDRESS

    text = _NAMED_STREET.sub(named, text)

    def lower_street(match: re.Match[str]) -> str:  # "i live on ashfield lane"
        if any(w in ADDRESS_STOPWORDS or w in NOT_NAMES for w in match["words"].split()):
            return match[0]
        return match["lead"] + ADDRESS

    return _LOWER_STREET.sub(lower_street, text)


def _known(text: str, known_names: Iterable[str]) -> str:
    phrases: set[str] = set()
    for name in known_names:
        name = name.strip()
        if not name:
            continue
        phrases.add(name)
        for part in re.split(r"\s+", name):
            bare = part.strip(".,")
            if len(bare) >= 2 and not re.fullmatch(TITLES, bare, re.IGNORECASE):
                phrases.add(bare)
    # A name that is also a word ("Will", "Hope") only counts when written as a name.
    ambiguous = names_list().word_forenames | names_list().word_surnames
    words = {p.title() for p in phrases if p.lower() in ambiguous}
    others = {p for p in phrases if p.lower() not in ambiguous}
    if words:
        text = _word(words | {w.upper() for w in words}).sub(NAME, text)
    if others:
        text = _word(others, re.IGNORECASE).sub(NAME, text)
    spelt = _spelt_out_pattern(tuple(sorted(p for p in others if len(p) >= 4)))
    return text if spelt is None else spelt.sub(NAME, text)  # "k a y l e i g h"


def _ordinary_word(word: str) -> bool:
    """A capitalised word that is not a name: "The", "Foster", "Whole", "Are"."""
    return (
        word in NOT_PROPER
        or word in NOT_FAMILIES
        or word.lower() in NOT_NAMES
        or word.lower() in ADDRESS_STOPWORDS
    )


def _families(text: str) -> str:
    """Carers named as a couple or a family: "Mr and Mrs [name]", "the [name] family",
    "with the [name]" ("the foster family", "the whole family" stay)."""

    def couple(match: re.Match[str]) -> str:
        if _ordinary_word(match["name"].rstrip("'’").title()):
            return match[0]
        return f"{match['titles']} {NAME}"

    def family(match: re.Match[str]) -> str:
        name = match["name"]
        if _ordinary_word(name) or _ordinary_word(name.removesuffix("s")):
            return match[0]
        return match["lead"] + NAME + match["tail"]

    text = _COUPLE.sub(couple, text)
    text = _FAMILY.sub(family, text)
    return _FAMILY_PLURAL.sub(family, text)


def _names(text: str, *, english: bool = True) -> str:
    text = _families(text)

    def titled(match: re.Match[str]) -> str:
        name, title = match["name"], match["title"]
        first = name.split()[0].rstrip(".")
        if title.lower() == "miss" and not first[:1].isupper():
            return match[0]
        if first.lower() in ADDRESS_STOPWORDS or first in NOT_PROPER:
            return match[0]
        words = name.split()
        rest = f" {words[1]}" if len(words) == 2 and words[1] in NOT_PROPER else ""
        return f"{title} {NAME}{rest}"

    text = _TITLED.sub(titled, text)

    def related(match: re.Match[str]) -> str:
        words = match["name"].split()
        if words[0] in NOT_PROPER:
            return match[0]
        # "my carer Sam Smith" takes both words; "my carer Sam Said" only the first.
        name_words = 2 if len(words) == 2 and words[1] not in NOT_PROPER else 1
        rest = match["name"][len(" ".join(words[:name_words])) :]
        return match["lead"] + NAME + rest

    text = _RELATED.sub(related, text)
    text = _CALLED.sub(
        lambda m: m[0] if m["name"] in NOT_PROPER else m["lead"] + NAME,
        text,
    )
    text = _INITIALS.sub(lambda m: m[0] if m[0] in _NOT_INITIALS else NAME, text)

    def initial(match: re.Match[str]) -> str:
        if match["letter"] == "I":
            return match[0]
        window = match.string[max(0, match.start() - LOOK_BACK) : match.start()]
        previous = re.search(r"([A-Za-z]+)\W*$", window)
        if previous and previous[1].lower() in _INITIAL_NOT_AFTER:
            return match[0]
        return NAME

    text = _INITIAL.sub(initial, text)
    any_case, capitalised = _name_patterns()
    text = any_case.sub(NAME, text)
    text = capitalised.sub(_mid_sentence(NAME), text)
    text = _in_context(text, english=english)
    return _next_to_names(text)


def _places(text: str) -> str:
    text = _PLACE.sub(PLACE, text)

    def after_preposition(match: re.Match[str]) -> str:
        place = match["place"]
        first = re.split(r"[ -]", place)[0]
        if first in NOT_PROPER or first.removesuffix("'s").removesuffix("’s") in NOT_PROPER:
            return match[0]
        return match[0][: match.start("place") - match.start()] + PLACE

    return _PLACE_AFTER.sub(after_preposition, text)


# --- normalising ------------------------------------------------------------------------

# Cyrillic and Greek letters that look like Latin ones: inside a word with Latin letters
# they are read as Latin, so "Kаyleigh" (Cyrillic а) is still a name.
_LOOK_ALIKES = str.maketrans(
    "аеорсухіјѕԁһӏԛԝАВЕКМНОРСТХІЈЅԌαβεικνορτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxijsdhlqwABEKMHOPCTXIJSGabeiknoptuxABEZHIKMNOPTYX",
)
_LATIN = re.compile(r"[A-Za-z]")
_WORD_RUN = re.compile(r"\w+")
_SPACES = re.compile(r"[^\S\n]+")


def _clean(text: str) -> str:
    """NFKC, without invisible characters (format controls such as zero-width spaces and
    bidirectional overrides, soft hyphens), other spaces as one space, look-alike letters
    in Latin words as Latin."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(
        " " if c in "\t\r\f\v" else c
        for c in text
        if unicodedata.category(c) not in ("Cf", "Cc") or c in "\n\t"
    )
    text = _SPACES.sub(lambda m: " " if "\n" not in m[0] else m[0], text)

    def latin(match: re.Match[str]) -> str:
        word = match[0]
        if word.isascii() or not _LATIN.search(word):
            return word
        return word.translate(_LOOK_ALIKES)

    return _WORD_RUN.sub(latin, text)


# --- references ---------------------------------------------------------------------------

_ALNUM = re.compile(r"[A-Za-z0-9]")
_GENERIC_REF = re.compile(
    r"(?<![\w@\[/.-])(?=[A-Za-z0-9/-]*[A-Za-z])(?=(?:[A-Za-z/-]*\d){3})"
    r"[A-Za-z0-9]+(?:[-/][A-Za-z0-9]+)*(?![\w\]@-]|\.\w)"
)
_UNIT = re.compile(r"\d+(?:st|nd|rd|th|s|k|m|kg|km|mph|mg|ml|pm|am|gb|mb|p)", re.IGNORECASE)
_LONG_NUMBER = re.compile(r"(?<![\w\[])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\w\]])|(?<![\w\[])\d{6,}(?!\w)")
_REF_LEAD = re.compile(
    r"(?P<lead>\b(?i:ref|reference|case(?:\s+number)?|id|client\s+(?:id|number)|number|no\.?|#)"
    r"\s*(?::|=|-|is|was)?\s*)(?P<ref>#?[A-Za-z0-9/-]*\d[A-Za-z0-9/-]*)",
)


def _spelt_out(value: str) -> str:
    """A pattern for `value`'s letters and digits in order, with at most three spaces,
    dots, dashes or such between them ("DEMO-C0020" also as "demo c 0020")."""
    chars = _ALNUM.findall(value)
    return r"[\W_]{0,3}".join(re.escape(c) for c in chars)


@lru_cache(maxsize=256)
def _spelt_out_pattern(values: tuple[str, ...]) -> re.Pattern[str] | None:
    parts = sorted({_spelt_out(v) for v in values if len(_ALNUM.findall(v)) >= 3}, key=len)
    if not parts:
        return None
    return re.compile(rf"(?<![A-Za-z0-9])(?:{'|'.join(reversed(parts))})(?![A-Za-z0-9])", re.I)


def check_ref_patterns(patterns: Iterable[str]) -> tuple[str, ...]:
    """The council's ref formats, each a regular expression; RedactionError naming the
    first that is not one (or that matches an empty text)."""
    checked = []
    for pattern in patterns:
        try:
            compiled = re.compile(pattern)
        except re.error as error:
            raise RedactionError(
                f"ref pattern {pattern!r} is not a regular expression: {error}"
            ) from None
        if compiled.fullmatch(""):
            raise RedactionError(f"ref pattern {pattern!r} matches an empty text")
        checked.append(pattern)
    return tuple(checked)


@lru_cache(maxsize=32)
def _configured(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    check_ref_patterns(patterns)
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def _refs(text: str, known_refs: Sequence[str], ref_patterns: Sequence[str]) -> str:
    spelt = _spelt_out_pattern(tuple(sorted({r.strip() for r in known_refs if r.strip()})))
    if spelt is not None:
        text = spelt.sub(REF, text)
    configured = _configured(tuple(ref_patterns))
    if configured is not None:
        text = configured.sub(REF, text)
    return text


_SPELT_DIGITS = re.compile(r"(?<![\w\[.,-])\d(?:[ -]\d){3,}(?![\w\]]|[.,]\d)")
_TOKEN = re.compile(r"[A-Za-z0-9]+")
_REF_JOINS = ("", "-", "/", " ", "_", ".")


def ref_candidates(text: str, longest: int = 4) -> set[str]:
    """What in `text` could be a council reference, as it might be stored: runs of up to
    `longest` words holding a digit, joined as written and by "-", "/", " ", "_", ".", "",
    as written, in upper and in lower case. Look these up in the people table, then pass what is
    found to `redact` as `known_refs`."""
    tokens = _TOKEN.findall(_clean(text))
    found: set[str] = set()
    for i in range(len(tokens)):
        for j in range(i + 1, min(len(tokens), i + longest) + 1):
            parts = tokens[i:j]
            if not any(c.isdigit() for p in parts for c in p):
                continue
            for join in _REF_JOINS if j - i > 1 else ("",):
                joined = join.join(parts)
                found.update((joined, joined.upper(), joined.lower()))
    return found


def is_word_name(name: str) -> bool:
    """Whether a name is also an ordinary word ("Will", "Hope", "Star"): such a name is
    taken out only where it is written as a name."""
    lower = name.strip().lower()
    names = names_list()
    return (
        lower in names.word_forenames
        or lower in names.word_surnames
        or lower in NOT_NAMES
        or name.strip().title() in NOT_PROPER
        or (lower not in names.all and len(lower) <= 3)
    )


def name_candidates(text: str) -> set[str]:
    """Words of `text` that could be a first name in the people table, capitalised as a
    name is stored ("kayleigh" -> "Kayleigh")."""
    return {
        w if w[0].isupper() else w.title()
        for w in re.findall(r"[^\W\d_][\w'’-]*", _clean(text))
        if len(w) >= 2 and w.lower() not in NOT_NAMES
    }


def _shaped_refs(text: str) -> str:
    """Anything shaped like a reference (after phone numbers and dates are taken)."""
    text = _SPELT_DIGITS.sub(REF, text)  # "0 0 2 0"
    text = _REF_LEAD.sub(lambda m: m["lead"] + REF if len(m["ref"]) >= 3 else m[0], text)
    text = _LONG_NUMBER.sub(REF, text)

    def shaped(match: re.Match[str]) -> str:
        token = match[0]
        if len(token) < 5 or _UNIT.fullmatch(token):
            return token
        return REF

    return _GENERIC_REF.sub(shaped, text)


# --- schools ------------------------------------------------------------------------------

_SCHOOL_KINDS = (
    "Academy", "High School", "High", "Primary School", "Primary", "Junior School", "Juniors",
    "Infant School", "Infants", "Secondary School", "School", "Sixth Form College",
    "Sixth Form", "College", "Grammar School", "Grammar", "Comprehensive", "UTC",
    "Pupil Referral Unit", "PRU", "Free School", "Studio School", "Prep",
)  # fmt: skip
_SCHOOL = re.compile(
    r"(?P<words>(?:\b(?:St\.?|Saint)\s+)?(?:\b(?:[A-Z][\w'’&.-]*|of|the|and|&)\s+){1,5})"
    rf"(?P<kind>{'|'.join(sorted(_SCHOOL_KINDS, key=len, reverse=True))})\b"
)
_SCHOOL_AFTER_TOKEN = re.compile(
    r"\[(?:place|name)\](?:\s+(?i:catholic|c\.?\s?of\s?e\.?|church of england|community|"
    r"primary|high|junior|infant|secondary|grammar|sixth form))*"
    r"\s+(?i:academy|high|primary|school|college|juniors|infants|grammar|comprehensive)\b"
)


_SCHOOL_IS = re.compile(
    r"(?<![\w\[])(?P<words>(?:[A-Z][\w'’-]*\s+){1,4})"
    r"(?=(?i:is|was|are)\s+(?i:my|our|the|his|her)\s+(?:(?i:new|old|last|next)\s+)?"
    r"(?i:school|college|academy|sixth\s+form)\b)"
)
_MY_SCHOOL_IS = re.compile(
    r"\b(?i:my|our|his|her)\s+(?:(?i:new|old|last|next)\s+)?(?i:school|college|academy)"
    r"\s*(?:(?i:is|was|called|,|:|-)\s*)+(?P<words>(?:[A-Z][\w'’-]*\s*){1,4})"
)


def _schools(text: str) -> str:
    def school(match: re.Match[str]) -> str:
        words = re.findall(r"\S+\s+", match["words"])
        kept = ""
        for word in words:  # "I Like Ruskin High": leading ordinary words stay
            bare = word.strip()
            if bare in NOT_PROPER or bare.lower() in {"of", "the", "and", "&"}:
                kept += word
                continue
            break
        if kept == match["words"]:
            return match[0]
        return kept + SCHOOL

    text = _SCHOOL.sub(school, text)
    text = _SCHOOL_AFTER_TOKEN.sub(SCHOOL, text)

    def named_school(match: re.Match[str]) -> str:  # "Brine Leas is my school"
        words = match["words"].split()
        if words[0] in NOT_PROPER or all(w in NOT_PROPER for w in words):
            return match[0]
        return match[0].replace(match["words"].rstrip(), SCHOOL, 1)

    text = _SCHOOL_IS.sub(named_school, text)
    return _MY_SCHOOL_IS.sub(named_school, text)


# --- names in context ------------------------------------------------------------------

_CONTEXT = re.compile(
    r"(?P<lead>\b(?:"
    rf"(?:my|our|his|her|their|the)\s+(?:(?:{WORKERS})['’]s\s+)?"
    rf"(?:(?:{'|'.join(sorted(RELATION_ADJECTIVES))})[\s-]+)*"
    rf"(?:{WORKERS})(?:'?s)?(?:\s*(?:is|was|,|:|-|–|called|named|(?:is|was)\s+called|"
    r"whose\s+name\s+is|name\s+is|is\s+named))?"
    r"|called|named|name\s+is|name's|names|i'?m\s+called|calls?\s+me|called\s+me|known\s+as|"
    r"(?:first|sur|last|full)\s*name\s+(?:is|was|:)?"
    r")\s+)(?P<name>(?:\[name\]|[\w'’-]+)(?:\s+(?:\[name\]|[\w'’-]+)){0,2})",
    re.IGNORECASE,
)
_STRONG_LEAD = re.compile(
    r"(?i)(called|named|name\s+is|name's|names|calls?\s+me|known\s+as|name\s*:?)\s+$"
)
# Words that follow "call(s) me", "called" or "my name is" without being what someone is
# called: "my worker never calls me back", "he calls me names", "I get called names", "my
# meeting was called off", "call me when you can". (After "my name is" such a word is not
# taken for a name either, but the quote is still refused: "my name is the one and only".)
_CALLED_NOT_A_NAME = word_set(
    """
    back up out in on over round around later when whenever if after before at every each
    all any anymore again sometimes often never once twice about to and or but so because
    cos coz though too a an the names name stupid ugly fat thick dumb lazy rude horrible
    mean weird crazy mad silly naughty bad good first last most more less loads lots by
    just now then today tonight tomorrow much it straight asap daily weekly late early
    myself things stuff nicknames hurtful nasty liar useless nothing anything off always
    spelt spelled said pronounced wrong written not
    """
)


def _name_like(word: str, *, strong: bool, english: bool = True) -> bool:
    """Whether a word after a telling context is a name: capitalised and not an ordinary
    capitalised word, in the names list, or (after "called", "name is") any word that is
    not an ordinary one."""
    bare = word.strip("'’-")
    if not bare or bare.startswith("[") or bare.isdigit():
        return False
    lower = bare.lower()
    if lower in NOT_NAMES:
        return False
    if lower in names_list().all:
        return True
    if bare[0].isupper():
        return bare not in NOT_PROPER and bare.title() not in NOT_PROPER
    # "my carer shaaron", "my bruver kaydun": lower case, but no English word (in a text in
    # English: in Welsh most words are not)
    foreign = english and len(bare) >= 3 and bare.isalpha() and not is_english_word(bare)
    return strong or foreign


def _in_context(text: str, *, english: bool = True) -> str:
    """Names after "my carer", "my social worker is", "called", "my name is"... in any case."""

    def named(match: re.Match[str]) -> str:
        strong = _STRONG_LEAD.search(match["lead"]) is not None
        words = match["name"].split()
        taken = 0
        for i, word in enumerate(words):
            core = re.sub(r"['’]s$", "", word)
            if strong and i == 0 and core.lower() in _CALLED_NOT_A_NAME:
                break  # "calls me back", "called names", "called off": not a name
            if core != NAME and not _name_like(core, strong=strong, english=english):
                break
            taken = i + 1
            if core != word:  # "Kayden's": a possessive ends the name
                break
        if not taken or all(w == NAME for w in words[:taken]):
            return match[0]
        head = " ".join(words[:taken])
        rest = match["name"][len(head) :] if match["name"].startswith(head) else ""
        suffix = "'s" if re.search(r"['’]s$", words[taken - 1]) else ""
        return match["lead"] + NAME + suffix + rest

    return _CONTEXT.sub(named, text)


_AFTER_NAME = re.compile(r"\[name\](?P<gap>[ -])(?P<word>[A-Za-z][\w'’-]*)")


def _next_to_names(text: str) -> str:
    """A surname (or any capitalised word that is not an ordinary one) right after a
    name is part of it: "[name] Smith", "[name] oduya" stays ("oduya" is not known)."""
    names = names_list()

    def surname(match: re.Match[str]) -> str:
        word = match["word"]
        core = re.sub(r"['’]s$", "", word)
        lower = core.lower()
        if lower in NOT_NAMES or core in NOT_PROPER:
            return match[0]
        if lower in names.surnames or lower in names.word_surnames or (
            core[0].isupper() and len(core) > 1
        ):
            return NAME + word[len(core) :]
        return match[0]

    previous = None
    while previous != text:
        previous, text = text, _AFTER_NAME.sub(surname, text)
    return text


def redact(
    text: str,
    *,
    known_names: Iterable[str] = (),
    known_refs: Sequence[str] = (),
    ref_patterns: Sequence[str] = (),
) -> str:
    """`text` with personal details replaced by tokens such as "[name]" and "[phone]".

    `known_names` are names to remove in any case wherever they appear (the young
    person's own, their carers', their worker's); each word of a full name counts too.
    `known_refs` are council references to remove however they are spelt out;
    `ref_patterns` are regular expressions for the council's reference formats."""
    text = original = _clean(text)
    text = _refs(text, known_refs, ref_patterns)
    text = _links(text)
    text = _postcodes(text)
    text = _spoken_numbers(text)  # "oh seven seven double oh 900 412"
    text = _phones(text)  # before dates, so "07700.900.123" is never half taken as a date
    text = _NI_OR_REG.sub(REF, text)  # "QQ 12 34 56 C", "MX68 KPT"
    text = _dates(text)
    text = _shaped_refs(text)
    text = _addresses(text)
    text = _schools(text)
    text = _known(text, known_names)
    english = mostly_english(original)
    text = _names(text, english=english)
    text = _places(text)
    if english:  # the rules below read "not an English word" as "a name or a place"
        text = unknown_words(text)
        text = named_again(original, text)
    text = _SCHOOL_AFTER_TOKEN.sub(SCHOOL, text)
    return _REPEATED_TOKEN.sub(r"\1", text)


_STILL_IDENTIFYING = re.compile(
    r"\d{5,}"  # a long number
    r"|\d(?:[ .-]?\d){8,}"  # a phone-length run of digits
    r"|[\w.+-]@|@ ?[A-Za-z_]"  # an email or a handle
    r"|://|\bwww\.|\.(?:com|co\.uk|org|net|uk)\b"  # a link
    r"|(?i:\bmy\s+name\s+is|\bname's|\bsurname)\s+(?!\[)\w"  # "the one and only ...": refused
    r"|(?i:\bi'?m\s+called)\s+(?!\[)(?!(?:names|off|back|up|out|in|into|on|things|by|at)\b)\w"
    rf"|(?i:\bcalls?\s+me)\s+(?!\[)(?!(?:{'|'.join(sorted(_CALLED_NOT_A_NAME))})\b)\w",
    re.IGNORECASE,
)


def safe_quote(
    text: str,
    *,
    known_names: Iterable[str] = (),
    known_refs: Sequence[str] = (),
    ref_patterns: Sequence[str] = (),
) -> str | None:
    """`redact`, then None if what is left still looks identifying: a long number, an
    email, handle or link, a known name or ref however spelt, or "my name is" followed by
    something not taken out. A quote that cannot be made safe is not shown."""
    names = [n for n in known_names if n.strip()]
    out = redact(text, known_names=names, known_refs=known_refs, ref_patterns=ref_patterns)
    if _STILL_IDENTIFYING.search(out):
        return None
    parts = [p for n in names for p in re.split(r"\s+", n.strip()) if len(p) >= 4]
    leftover = _spelt_out_pattern(tuple(sorted({*known_refs, *parts})))
    if leftover is not None and leftover.search(out):
        return None
    return out


def shorten(text: str, max_chars: int = 200) -> str:
    """`text` cut to at most `max_chars` characters at a word boundary, ending "…".

    A number is never cut in half: if the cut falls inside a run of digits, the whole
    run goes. Redact before shortening."""
    if max_chars < 1:
        raise ValueError(f"max_chars must be at least 1, got {max_chars}")
    text = text.strip()
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1]
    if not text[len(cut)].isspace():
        space = max((cut.rfind(c) for c in " \t\n"), default=-1)
        if space > 0:
            cut = cut[:space]
    rest = text[len(cut) :]
    if re.match(r"[\s().-]*\d", rest):
        cut = re.sub(r"\+?\(?\d[\d ().-]*$", "", cut)
    cut = cut.rstrip(" \t\n,;:-–—(")
    return cut + "…"
