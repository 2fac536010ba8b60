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
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from surveys.data_files import builtin_text, parse_yaml
from surveys.insights.english_words import BRANDS, is_english_word

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

NAME, PHONE, EMAIL, ADDRESS, PLACE, LINK, DATE, REF, SCHOOL = (
    "[name]",
    "[phone]",
    "[email]",
    "[address]",
    "[place]",
    "[link]",
    "[date]",
    "[ref]",
    "[school]",
)
TOKENS = frozenset({NAME, PHONE, EMAIL, ADDRESS, PLACE, LINK, DATE, REF, SCHOOL})


class RedactionError(ValueError):
    """A council's ref pattern or names file that cannot be used."""

# --- word lists ----------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True, slots=True)
class _Names:
    """The names list (`surveys/data/names.yaml`), lower case."""

    forenames: frozenset[str]  # any case, anywhere
    word_forenames: frozenset[str]  # also words: capitalised mid-sentence, or in context
    surnames: frozenset[str]  # any case, anywhere
    word_surnames: frozenset[str]  # also words: next to a name or in context

    @property
    def all(self) -> frozenset[str]:
        return self.forenames | self.word_forenames | self.surnames | self.word_surnames


@lru_cache(maxsize=1)
def _names_list() -> _Names:
    text, source = builtin_text("names.yaml")
    data = parse_yaml(text, source, RedactionError)
    if not isinstance(data, dict):
        raise RedactionError(f"{source}: expected the four lists of names")
    lists = {key: frozenset(str(data.get(key) or "").lower().split()) for key in (
        "forenames", "word_forenames", "surnames", "word_surnames")}  # fmt: skip
    words = lists["word_forenames"] | lists["word_surnames"]
    return _Names(
        forenames=lists["forenames"] - words,  # a name that is also a word is never any-case
        word_forenames=lists["word_forenames"],
        surnames=lists["surnames"] - words,
        word_surnames=lists["word_surnames"],
    )


# UK towns, cities and counties that are not ordinary words: any case, anywhere. Places
# that are words ("Bath", "Reading") are caught only by the "in/at/from/near X" rule.
_PLACES = _words(
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


# Capitalised words that are not names or places: they end the "in X" and "my friend X"
# rules (so "in Year 9", "at Christmas", "my carer Mum" stay as they are).
_NOT_PROPER = _words(
    """
    A An The And But Or So If As Is Was Were Are Am Be Been Has Had Have Do Did Does Not
    No Yes He She It We They You Me Him Her Them Us My Your His Our Their This That These
    Those There Here Then When What Why How Who Where Which Because Said Says Told Asked
    Always Never Sometimes Really Very Too Also Just Only Can Could Would Should Might
    Must Ok Okay Thanks Thank Please Sorry Hi Hello Bye Love Like Lol All Some Every Each
    Any First Last Next New Old Big Little Good Bad Best Time Times Life Home Homes Bed
    Town City Centre Center Park Youth Club Group Work Class Lesson Lessons Break Lunch
    January February March April May June July August September October November December
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday Weekend Weekends Spring
    Autumn Winter Christmas Easter Halloween Diwali Eid Ramadan Hanukkah Holidays Holiday
    English Maths Math Science History Geography Art Music Drama French Spanish German
    Computing Sport Sports Football Mum Mums Mam Dad Dads Nan Nana Nanna Gran Grandma
    Grandad Granddad Grandpa Auntie Aunty Aunt Uncle Brother Sister Carer Carers Foster
    Care Court School Schools College Uni University Contact Review Reviews Meeting
    Meetings Conference Panel Team Teams Social Services Children Young People Council
    Hospital Church Mosque Year Years Key Stage Lockdown Covid Corona Zoom WhatsApp
    Snapchat Instagram TikTok Facebook Google YouTube Xbox Playstation Mind Pathway Plan
    Pupil Premium Virtual High Primary Secondary Junior Juniors Infant Infants Nursery
    Sixth Form Grammar Special Boarding Catholic Community Free Upper Lower Middle Academy
    Residential Unit Secure Children's Home Homes
    """
)

_PROPER = r"(?:[A-Z]['’])?[A-Z][a-z]+(?:-[A-Z][a-z]+)*"  # "Sarah", "Sarah-Jane", "O'Neill"
_TITLES = r"(?:[Mm]r|[Mm]rs|[Mm]s|[Mm]x|[Dd]r|[Mm]iss)"
_RELATIONS = _words(
    "friend friends mate bestie bff boyfriend girlfriend partner brother bro sister sis "
    "cousin carer carers mum mam dad nan nana gran grandma grandad granddad auntie aunty "
    "aunt uncle worker iro pa adviser advisor teacher ta mentor advocate manager son "
    "daughter niece nephew husband wife fiance fiancee sw"
)
_RELATION_ADJECTIVES = _words(
    "best old new foster social key personal support youth former ex little big older younger step"
    " forster fostor socail socal soshal"  # as children of 8 to 11 spell them
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
_STRONG_STREETS = _words("street st road rd lane ln avenue ave drive crescent terrace gardens mews")
_WEAK_STREETS = _words(
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
_ADDRESS_STOPWORDS = _words(
    """
    the a an my your our their his her this that these those of to in on at by for from
    with and or down up along across over round around near past off mins minutes miles
    hours days weeks months years times more less other another different same long short
    big small little whole
    """
)
_TITLED = re.compile(
    rf"\b(?P<title>{_TITLES}\.?)\s+(?P<name>[A-Za-z][\w'’-]*\.?(?:\s+{_PROPER}(?!\w))?)"
)
_COUPLE = re.compile(  # "Mr and Mrs Oldman", "Mr & Mr Oldman", "mr n mrs oldman"
    rf"\b(?P<titles>{_TITLES}\.?\s*(?:and|&|n|\+)\s*{_TITLES}\.?)\s+(?P<name>[A-Za-z][\w'’-]*)"
)
_FAMILY = re.compile(rf"(?P<lead>\b[Tt]he\s+)(?P<name>{_PROPER})(?P<tail>\s+famil(?:y|ies)\b)")
_FAMILY_PLURAL = re.compile(  # "with the Oldmans", "at the Ashdowns' house"
    r"(?P<lead>\b(?i:with|at|to|from|by|visit|visiting|see|seeing|stay|staying|and)\s+"
    rf"(?i:the)\s+)(?P<name>{_PROPER}s)(?P<tail>['’]?)(?!\w)"
)
# Capitalised words before "family" or plurals after "with the" that are not surnames.
_NOT_FAMILIES = _words(
    """
    Whole Royal Extended Adoptive Adopted Birth Host Blended Same Real Wider Entire Step
    Kinship Own Other Foster Care Olympics Paralympics Oscars Brits Avengers Simpsons
    Beatles Smurfs Games Lakes Dales Midlands Highlands Cotswolds Alps Others Carers
    Parents Twins Girls Boys Lads Kids Staff Teachers Workers Police Cops Guys Grandparents
    """
)
_RELATED = re.compile(
    rf"(?P<lead>\b(?i:my|our|his|her|their)\s+(?:(?i:{'|'.join(_RELATIONS)})['’]s\s+)?"
    rf"(?i:(?:{'|'.join(_RELATION_ADJECTIVES)})[\s-]+)*"
    rf"(?i:{'|'.join(_RELATIONS)})\s+)"
    rf"(?P<name>{_PROPER}(?:\s+{_PROPER})?(?!\w)|[A-Z]\.|[B-HJ-Z]\b)"
)
_CALLED = re.compile(
    rf"(?P<lead>\b(?i:called|named|name\s+is|name's|names)\s+)(?P<name>{_PROPER})(?!\w)"
)
_INITIALS = re.compile(r"(?<![\w.\[])(?:[A-Z]\.){2,3}(?![A-Za-z])")
_NOT_INITIALS = _words(
    "U.K. U.S. U.S.A. E.U. N.H.S. A.M. P.M. I.D. P.E. R.E. D.T. I.T. T.V. G.P. O.K. A.S.A.P."
)
_INITIAL = re.compile(r"(?<![\w.\[])(?P<letter>[A-Z])\.(?![A-Za-z]\.)")
_INITIAL_NOT_AFTER = _words(
    "a an the grade band plan vitamin type year key stage level part section option class room "
    "block set group team size tier got"
)
_PLACE_AFTER = re.compile(
    r"\b(?i:in|at|from|near)\s+"
    r"(?P<place>[A-Z][a-z'’]+(?:(?:[ -](?:upon|on|under|le|by)[ -]|[ -])[A-Z][a-z'’]+){0,2})"
    r"(?![\w'’])"
)
_REPEATED_TOKEN = re.compile(r"(\[(name|phone|email|address|place|link|date)\])(?:[\s,-]*\[\2\])+")
_LOOK_BACK = 40  # characters looked at before a match; keeps long texts linear
_TRAILING_PUNCTUATION = ".,;:!?)'\"’”"


def first_names() -> tuple[str, ...]:
    """The list's forenames that are never ordinary words, capitalised and sorted."""
    return tuple(sorted(name.capitalize() for name in _names_list().forenames))


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
    names = _names_list()
    return (
        _word(names.forenames | names.surnames, re.IGNORECASE),
        _word({n.title() for n in names.word_forenames}),
    )

_PLACE = _word(_PLACES, re.IGNORECASE)


def _starts_sentence(text: str, index: int) -> bool:
    """Whether the word at `index` begins a sentence (or the text)."""
    window = text[max(0, index - _LOOK_BACK) : index]
    before = window.rstrip().rstrip("\"'“‘(").rstrip()
    if not before:
        return index <= _LOOK_BACK
    return before[-1] in ".!?:;\n…"


def _mid_sentence(token: str) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        return match[0] if _starts_sentence(match.string, match.start()) else token

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
        if any(w in _ADDRESS_STOPWORDS for w in words):
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
            if word.strip() not in _NOT_PROPER:
                break
            kept += word
        if kept == match["words"]:
            return match[0]
        return kept + ADDRESS

    text = _NAMED_STREET.sub(named, text)

    def lower_street(match: re.Match[str]) -> str:  # "i live on ashfield lane"
        if any(w in _ADDRESS_STOPWORDS or w in _NOT_NAMES for w in match["words"].split()):
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
            if len(bare) >= 2 and not re.fullmatch(_TITLES, bare, re.IGNORECASE):
                phrases.add(bare)
    # A name that is also a word ("Will", "Hope") only counts when written as a name.
    ambiguous = _names_list().word_forenames | _names_list().word_surnames
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
        word in _NOT_PROPER
        or word in _NOT_FAMILIES
        or word.lower() in _NOT_NAMES
        or word.lower() in _ADDRESS_STOPWORDS
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
        if first.lower() in _ADDRESS_STOPWORDS or first in _NOT_PROPER:
            return match[0]
        words = name.split()
        rest = f" {words[1]}" if len(words) == 2 and words[1] in _NOT_PROPER else ""
        return f"{title} {NAME}{rest}"

    text = _TITLED.sub(titled, text)

    def related(match: re.Match[str]) -> str:
        words = match["name"].split()
        if words[0] in _NOT_PROPER:
            return match[0]
        # "my carer Sam Smith" takes both words; "my carer Sam Said" only the first.
        name_words = 2 if len(words) == 2 and words[1] not in _NOT_PROPER else 1
        rest = match["name"][len(" ".join(words[:name_words])) :]
        return match["lead"] + NAME + rest

    text = _RELATED.sub(related, text)
    text = _CALLED.sub(
        lambda m: m[0] if m["name"] in _NOT_PROPER else m["lead"] + NAME,
        text,
    )
    text = _INITIALS.sub(lambda m: m[0] if m[0] in _NOT_INITIALS else NAME, text)

    def initial(match: re.Match[str]) -> str:
        if match["letter"] == "I":
            return match[0]
        window = match.string[max(0, match.start() - _LOOK_BACK) : match.start()]
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
        if first in _NOT_PROPER or first.removesuffix("'s").removesuffix("’s") in _NOT_PROPER:
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
    names = _names_list()
    return (
        lower in names.word_forenames
        or lower in names.word_surnames
        or lower in _NOT_NAMES
        or name.strip().title() in _NOT_PROPER
        or (lower not in names.all and len(lower) <= 3)
    )


def name_candidates(text: str) -> set[str]:
    """Words of `text` that could be a first name in the people table, capitalised as a
    name is stored ("kayleigh" -> "Kayleigh")."""
    return {
        w if w[0].isupper() else w.title()
        for w in re.findall(r"[^\W\d_][\w'’-]*", _clean(text))
        if len(w) >= 2 and w.lower() not in _NOT_NAMES
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
            if bare in _NOT_PROPER or bare.lower() in {"of", "the", "and", "&"}:
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
        if words[0] in _NOT_PROPER or all(w in _NOT_PROPER for w in words):
            return match[0]
        return match[0].replace(match["words"].rstrip(), SCHOOL, 1)

    text = _SCHOOL_IS.sub(named_school, text)
    return _MY_SCHOOL_IS.sub(named_school, text)


# --- names in context ------------------------------------------------------------------

_WORKERS = (
    r"social\s+worker|sw|iro|carers?|foster\s+(?:carers?|mum|mam|dad|parents?|family)|"
    r"(?:key|support|youth|family\s+support|personal)\s+worker|keyworker|pa|"
    r"personal\s+adviser|advis[oe]r|teacher|ta|tutor|mentor|advocate|therapist|"
    r"counsell?or|nurse|doctor|gp|manager|worker|friend|mate|bestie|bff|boyfriend|"
    r"girlfriend|partner|brother|sister|cousin|mum|mam|dad|nan|nana|gran|grandma|grandad|"
    r"auntie|aunty|aunt|uncle|step\s*(?:mum|dad|brother|sister)|son|daughter|husband|wife|"
    r"fiancee?|nanny|nannie|nanna|mummy|daddy|granny|grandpa|grampa|bruv|bruva|bruvva|"
    r"bruver|bro|sis|sista|wurker|werker|worka|frend|freind|frnd"
)
_CONTEXT = re.compile(
    r"(?P<lead>\b(?:"
    rf"(?:my|our|his|her|their|the)\s+(?:(?:{_WORKERS})['’]s\s+)?"
    rf"(?:(?:{'|'.join(sorted(_RELATION_ADJECTIVES))})[\s-]+)*"
    rf"(?:{_WORKERS})(?:'?s)?(?:\s*(?:is|was|,|:|-|–|called|named|(?:is|was)\s+called|"
    r"whose\s+name\s+is|name\s+is|is\s+named))?"
    r"|called|named|name\s+is|name's|names|i'?m\s+called|calls?\s+me|called\s+me|known\s+as|"
    r"(?:first|sur|last|full)\s*name\s+(?:is|was|:)?"
    r")\s+)(?P<name>(?:\[name\]|[\w'’-]+)(?:\s+(?:\[name\]|[\w'’-]+)){0,2})",
    re.IGNORECASE,
)
_STRONG_LEAD = re.compile(
    r"(?i)(called|named|name\s+is|name's|names|calls?\s+me|known\s+as|name\s*:?)\s+$"
)
_NOT_NAMES = _words(
    """
    a an the and or but so is was are were be been am it its it's he she they we you i me
    him her them us my your his our their this that these those there here then when what
    why how who where which because said says told asked always never sometimes really very
    too also just only can could would should will might must ok okay not no yes to of in
    on at by for from with about as if than like love likes helps helped help has have had
    do does did get gets got go goes went come comes came make makes made see sees saw
    say says know knows knew think thinks thought want wants wanted need needs needed feel
    feels felt look looks looked give gives gave take takes took listens listened listen
    cares cared care lets let tries tried works worked nice kind good great lovely brilliant
    amazing best worst bad ok alright fine rubbish horrible mean strict fair unfair new old
    different same other another all some any every each one two three four five lots lot
    much many more most less least well still now again ever already yet soon late early
    something nothing anything everything someone nobody anyone everyone thing things stuff
    bit way time times day days week weeks year years today tomorrow yesterday tonight
    she's he's they're isn't wasn't don't doesn't didn't can't won't shouldn't wouldn't
    couldn't haven't hasn't hadn't i'm i've i'd i'll you're we're its
    """
)


# Words that follow "call(s) me", "called" or "my name is" without being what someone is
# called: "my worker never calls me back", "he calls me names", "I get called names", "my
# meeting was called off", "call me when you can". (After "my name is" such a word is not
# taken for a name either, but the quote is still refused: "my name is the one and only".)
_CALLED_NOT_A_NAME = _words(
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
    if lower in _NOT_NAMES:
        return False
    if lower in _names_list().all:
        return True
    if bare[0].isupper():
        return bare not in _NOT_PROPER and bare.title() not in _NOT_PROPER
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
    names = _names_list()

    def surname(match: re.Match[str]) -> str:
        word = match["word"]
        core = re.sub(r"['’]s$", "", word)
        lower = core.lower()
        if lower in _NOT_NAMES or core in _NOT_PROPER:
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


# --- words that are not English, where a name or a place stands --------------------------

_ESTATE = re.compile(
    r"(?P<lead>\b(?i:the)\s+)(?P<name>[A-Za-z][\w'’-]+)(?P<tail>\s+(?i:estates?)\b)"
)
_NOT_ESTATES = _words(
    "housing council new old same whole big rough nice local industrial real other posh bad "
    "good next private entire social biggest worst best"
)
_HOUSE = re.compile(
    r"\b(?P<name>[A-Z][a-z'’]+)\s+(?:House|Lodge|Grange|Manor|Hall|Arms|Inn|Tavern)\b"
)  # a children's home, a pub: "Lansdowne House", "the Kings Arms"
# a person's place in a sentence: "me n kacper", "tell shayla", "shannon said"
_PERSON_SLOT = re.compile(
    r"(?P<lead>(?<!['’])\b(?i:with|and|n|tell|ask|told|asked|miss|love|see|saw|seeing|visit|"
    r"visiting|me\s+and|me\s+n)\s+|&\s*)(?P<name>[a-z][a-z'’-]{2,})\b"
    r"|^(?P<first>[a-z][a-z'’-]{2,})(?=\s+(?:said|says|told|tells|asked|asks|is|was|has|had|"
    r"helps|helped|came|comes|went|goes|lets|let|and|n|&|wants|wanted|thinks|knows|"
    rf"my\s+(?:{_WORKERS}))\b)",
    re.MULTILINE,
)
_SAINT = re.compile(
    r"\b(?i:st\.?|saint)\s+(?P<name>[A-Za-z][\w'’]+)"
    r"(?:\s+(?i:school|primary|high|academy|college|juniors|infants|rc|catholic|church))*\b"
)
_LOWER_SCHOOL = re.compile(
    r"(?<![\w\[])(?P<name>[a-z][\w'’-]+)\s+(?:primary|high|academy|college|juniors|infants"
    r"|grammar|skool|school|sixth\s+form)\b"
)
_LOWER_HOUSE = re.compile(r"(?<![\w\[])(?P<name>[a-z][\w'’-]+)\s+(?:lodge|grange|manor)\b")
_LIVING_IN = re.compile(
    r"(?P<lead>\b(?i:live|lives|living|lived|stay|stays|staying|stayed|moved|move|moves|"
    r"moving|born|grew\s+up|based|out|up|down|over|round)\s+"
    r"(?:(?i:in|to|at|near|from|back\s+to)\s+)?"
    r"|\b(?i:from|near)\s+)"
    r"(?P<place>[a-z][a-z'’-]{2,})\b"
)
# English place-name endings: a lower-case word that is not English and ends so, after
# "in", "at", "to", "near"..., is a town or village ("in audlem", "at longton")
_TOPONYM = re.compile(
    r"(?P<lead>\b(?i:in|at|to|from|near|round|around|outside|by)\s+)(?P<place>[a-z][a-z'’-]*"
    r"(?:ton|ley|leigh|ham|bury|borough|brough|wich|wick|by|ford|field|fields|port|stead|worth|"
    r"don|mouth|chester|cester|minster|well|bridge|burn|dale|stow|thorpe|hurst|wood|combe|"
    r"land|lem|bank|heath|moor|gate|head|holme|ney|sey|ington|ing|ock|caster))\b"
)
# a venue by name: "Aspire Housing", "the Grosvenor Centre", "hazelmere youth club"
_VENUE = re.compile(
    r"\b(?P<name>[A-Z][a-z'’]+)\s+(?:Centre|Center|Park|Fields|View|Club|Nursery|Surgery|"
    r"Housing|Medical\s+Centre|Leisure\s+Centre|Stadium|Arena|Farm|Hostel|Foyer)\b"
)
_LOWER_VENUE = re.compile(
    r"(?<![\w\[])(?P<name>[a-z][a-z'’-]+)\s+(?:park|fields|view|centre|youth\s+club|club|"
    r"nursery|surgery|rec)\b"
)
# a possessive before a home: "a sleepover at ellies house", "jordans house"
_WHOSE_HOUSE = re.compile(
    r"(?<![\w\[])(?P<name>[a-z][a-z-]+)(?P<tail>['’]?s)(?=\s+(?:house|flat|place|home|room)\b)"
)
_LOWER_FAMILY = re.compile(
    r"(?P<lead>\b(?i:the)\s+)(?P<name>[a-z][a-z'’-]+s)(?P<tail>['’]?)"
    r"(?=['’]|\s+(?:are|were|have|had|house|home|place|family|said|say|let|lets)\b)"
    r"|(?P<lead2>\b(?i:with|at|to|from|visit|visiting|see|seeing|stay|staying)\s+(?i:the)\s+)"
    r"(?P<name2>[a-z][a-z'’-]+s)\b"
)
# a street named with an ordinary word, after "on", "off"...: "on Park Lane", "Parliament rd"
_ON_STREET = re.compile(
    r"(?P<lead>\b(?i:on|off|along|down|up|in|at)\s+)(?P<name>[A-Z][a-z'’]+)\s+"
    r"(?:Street|Road|Lane|Avenue|Drive|Crescent|Close|Grove|Way|Terrace|Gardens|Rd|Ln|Ave|"
    r"rd|st|ln|ave)\b\.?"
)
_GENERIC_STREETS = _words("High Main")
_PLATFORMS = re.compile(
    r"(?i)\b(?:snap|snapchat|insta|instagram|ig|tiktok|discord|twitter|add\s+me)\b"
)
_HANDLE_SHAPED = re.compile(r"(?<![\w@\[./])[A-Za-z0-9]+(?:[._][A-Za-z0-9]+)+(?![\w\]/])")
_CAPITALISED = re.compile(r"(?<![\w\['’-])[^\W\d_a-z](?:[^\W\d_]|[-'’](?=[^\W\d_]))+(?![\w\]])")
_HASHTAG = re.compile(r"(?<![\w#])#(?P<tag>[^\W_][\w]*)")
_AFTER_NAME_LOWER = re.compile(r"(?<=\[name\] )(?P<word>[a-z][a-z'’-]{2,})\b")


def _foreign(word: str, *, strict: bool = False) -> bool:
    """Whether a word could only be a name or a place: not English, not a word we know.
    `strict` (for a capitalised word mid-sentence): only the lexicon's own words are
    English, not the spelling list's or near misses ("Jenny", "Hanna")."""
    core = re.sub(r"['’]s?$", "", word)
    lower = core.lower()
    return (
        len(core) >= 3
        and lower not in _NOT_NAMES
        and lower not in _ADDRESS_STOPWORDS
        and core.title() not in _NOT_PROPER
        and core.removesuffix("s").title() not in _NOT_PROPER  # "Sundays", "Carers"
        and core.title() not in _NOT_FAMILIES  # "the Simpsons"
        and re.fullmatch(_TITLES, core) is None  # "Mrs"
        and core not in BRANDS
        and word not in BRANDS
        and not is_english_word(core, misspelt=not strict, british=not strict)
    )


def _mostly_english(text: str) -> bool:
    """Whether most of a text's words are English (a Welsh or Polish answer is not)."""
    words = [w for w in re.findall(r"[^\W\d_]{2,}", text)]
    if not words:
        return True
    english = sum(is_english_word(w) for w in words)
    return english >= 0.5 * len(words)


def _named_again(original: str, text: str) -> str:
    """A capitalised word taken out somewhere in a text is taken out wherever else it stands
    capitalised: "I like living with [name]. Sue is kind." -> "... [name] is kind"."""
    if NAME not in text:
        return text
    before = Counter(_CAPITALISED.findall(original))
    after = Counter(_CAPITALISED.findall(text))
    gone = {w for w, n in before.items() if after[w] < n and w not in _NOT_PROPER}
    gone = {w for w in gone if w.lower() in _names_list().all or _foreign(w)}
    if not gone:
        return text
    pattern = re.compile(rf"(?<![\w\[])(?:{'|'.join(map(re.escape, sorted(gone)))})(?![\w\]])")
    return pattern.sub(NAME, text)


_SHORT_WORDS = _words("of to in on at my me we is it be no so up us an or do go he by as")


@lru_cache(maxsize=1024)
def _english_run(run: str) -> bool:
    """Whether `run` is English words written together ("carekids", "staysafe")."""
    if len(run) > 40:
        return False
    ends = {0}
    for end in range(1, len(run) + 1):
        if any(
            (end - start >= 3 or run[start:end] in _SHORT_WORDS)
            and is_english_word(run[start:end], misspelt=False)
            for start in ends
        ):
            ends.add(end)
    return len(run) in ends


def unknown_words(text: str) -> str:
    """Names and places that no list holds, told by where they stand and by not being
    English words (TextBlob's lexicon): "the beechwood estate", "Lansdowne House", "st
    aidans", "kingsfield primary", "moved to middlewich", "the hartigans are my foster
    family", and any capitalised word mid-sentence that is not English ("my worker is big
    Tez"). A word after a telling context is handled before this, in `_in_context`."""

    def estate(m: re.Match[str]) -> str:
        name = m["name"]
        if name.lower() in _NOT_ESTATES or (name[0].islower() and is_english_word(name)):
            return m[0]  # "the council estate"; "the moss estate" is left, "the Moss Estate" not
        return m["lead"] + PLACE + m["tail"]

    text = _ESTATE.sub(estate, text)
    text = _HOUSE.sub(lambda m: m[0] if m["name"] in _NOT_PROPER else PLACE, text)
    text = _SAINT.sub(
        lambda m: SCHOOL if _foreign(m["name"]) or m["name"][0].isupper() else m[0], text
    )
    text = _LOWER_SCHOOL.sub(lambda m: SCHOOL if _foreign(m["name"]) else m[0], text)
    text = _LOWER_HOUSE.sub(
        lambda m: m[0] if m["name"] in _ADDRESS_STOPWORDS or m["name"] in _NOT_NAMES else PLACE,
        text,
    )  # "willow lodge"
    text = _LIVING_IN.sub(
        lambda m: m["lead"] + PLACE if _foreign(m["place"]) else m[0], text
    )
    text = _TOPONYM.sub(lambda m: m["lead"] + PLACE if _foreign(m["place"]) else m[0], text)
    text = _VENUE.sub(lambda m: m[0] if m["name"] in _NOT_PROPER else PLACE, text)
    text = _LOWER_VENUE.sub(lambda m: PLACE if _foreign(m["name"]) else m[0], text)

    def whose(m: re.Match[str]) -> str:
        name = m["name"]
        if name.lower() in _names_list().forenames:
            return NAME + m["tail"]
        if is_english_word(m[0]) or len(name) < 3:
            return m[0]  # "this place", "his house", "miss home"
        if _foreign(name):
            return NAME + m["tail"]
        return m[0]

    text = _WHOSE_HOUSE.sub(whose, text)
    text = _ON_STREET.sub(
        lambda m: m[0] if m["name"] in _GENERIC_STREETS else m["lead"] + ADDRESS, text
    )
    if _PLATFORMS.search(text):  # "Snap me if u want to know more: lil.dee.x"

        def handle(m: re.Match[str]) -> str:
            letters = sum(c.isalpha() for c in m[0])
            return NAME if letters >= 4 and not is_english_word(m[0]) else m[0]

        text = _HANDLE_SHAPED.sub(handle, text)

    def family(m: re.Match[str]) -> str:
        lead, name = (m["lead"], m["name"]) if m["name"] else (m["lead2"], m["name2"])
        if not _foreign(name) or not _foreign(name[:-1]):
            return m[0]
        return lead + NAME + (m["tail"] or "")

    text = _LOWER_FAMILY.sub(family, text)

    def person(m: re.Match[str]) -> str:
        name = m["name"] or m["first"]
        if not _foreign(name):
            return m[0]
        return (m["lead"] or "") + NAME + name[len(re.sub(r"['’]s$", "", name)) :]

    text = _PERSON_SLOT.sub(person, text)

    def hashtag(m: re.Match[str]) -> str:  # "#justiceforkacper", "#TeamDafydd"
        parts = re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", m["tag"])
        english = all(p.isdigit() or _english_run(p.lower()) for p in parts)
        return m[0] if english else NAME

    text = _HASHTAG.sub(hashtag, text)
    text = _AFTER_NAME_LOWER.sub(
        lambda m: NAME if _foreign(m["word"]) else m[0], text
    )  # "[name] mcgrath keeps starting on me"

    def capitalised(m: re.Match[str]) -> str:
        word = m[0]
        shouted = word.isupper()
        if shouted and (len(word) < 5 or not word.isalpha()):
            return word  # an acronym: "CAMHS", "EHCP"
        if not _foreign(word if not shouted else word.title(), strict=not shouted):
            return word
        camel = re.search(r"[a-z][A-Z]", word) and not re.match(r"(?:Mc|Mac|O['’])", word)
        if camel:
            return word  # a product: "AirPods", "PlayStation"
        # at a sentence's start, only a double name, a name with letters English does not
        # use ("Siôn", "Łukasz") or a word before another name is surely one
        surely = (
            re.fullmatch(r"[^\W\d_a-z][^\W\d_]*-[^\W\d_a-z][^\W\d_]*", word) is not None
            or not word.isascii()
            or m.string.startswith(" " + NAME, m.end())
        )
        if _starts_sentence(m.string, m.start()) and not surely and not shouted:
            return word
        before = m.string[max(0, m.start() - 6) : m.start()].lower()
        token = PLACE if re.search(r"\b(?:in|at|from|near)\s+$", before) else NAME
        return token + (word[len(re.sub(r"['’]s$", "", word)) :])

    return _CAPITALISED.sub(capitalised, text)


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
    english = _mostly_english(original)
    text = _names(text, english=english)
    text = _places(text)
    if english:  # the rules below read "not an English word" as "a name or a place"
        text = unknown_words(text)
        text = _named_again(original, text)
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
