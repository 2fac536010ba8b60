"""Take personal details out of a young person's words before a board reads them.

`redact` replaces what could identify someone with a token:

    [email]    jess99@example.com
    [link]     https://..., www..., tiktok.com/@jess
    [name]     @handles and social media names, known names (the child's, their
               carers'), common first names, names after "Mr"/"Mrs", "my carer ...",
               "called ...", initials such as "S."
    [phone]    UK phone numbers in any spacing, the whole number or nothing
    [address]  postcodes, "flat 3", "12 High Street", "Mill Lane"
    [place]    UK towns and cities, counties, and capitalised words after "in", "at",
               "from" or "near" ("I live in Crewe")
    [date]     dates of birth: full dates, and day-and-month after "born"/"birthday"

It is a safety net, not a guarantee: a name that is not known, not in the built-in list
and not in a telling context ("Kayden said") stays. Pass `known_names`. Ordinary words are
left alone: "I like my meeting", "My IRO was descriptive".

    >>> redact("I got an explanation why I'm not with S. (old carer)")
    "I got an explanation why I'm not with [name] (old carer)"

Redact first, then `shorten`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

__all__ = ["TOKENS", "redact", "shorten"]

NAME, PHONE, EMAIL, ADDRESS, PLACE, LINK, DATE = (
    "[name]",
    "[phone]",
    "[email]",
    "[address]",
    "[place]",
    "[link]",
    "[date]",
)
TOKENS = frozenset({NAME, PHONE, EMAIL, ADDRESS, PLACE, LINK, DATE})

# --- word lists ----------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Common first names in the UK that are not also ordinary English words: matched in any
# case, anywhere.
_FIRST_NAMES = _words(
    """
    aaron abbie abby abigail adam ahmed aidan aimee aisha alan albert alesha alex
    alexander alfie ali alice amelia amir amira amy andrew angela anna anthony anya aoife
    archie aria arlo arthur ashley ava ayaan ayesha bailey beth bethany billy bilal bobby
    bradley brandon callum caitlin cameron carter charles charlie charlotte chelsea chloe
    chris christopher claire colin connor courtney craig daisy daniel danielle darcey darcy
    darren dave david declan demi dylan edward eleanor elijah elizabeth ella ellie elliot
    elliott ellis elsie emily emma erin esme ethan eva evan evelyn evie ezra fatima finley
    florence freddie freya gareth gary gemma georgia george graham hallie hamza hannah
    harley harper harrison harry harvey hassan helen henry holly hollie hugo ian ibrahim
    imogen isaac isabella isabelle isla jack jacob jade jake james jamie jane janet jasmine
    jason jasper jaxon jayden jenson jennifer jess jessica joanne jodie john jonathan
    jordan joseph josh joshua julie karen kate katherine katie kayden kayleigh keira keith
    kelly kevin khadija kieran kiera kirsty kyle lacey laura lauren layla leah leanne leo
    leon lewis lexi liam lily lisa logan lola louie louis louise luca lucas lucy luke
    maisie margaret maria mariam martin maryam mason matilda matthew megan mia michael
    michelle mike millie mohamed mohammad mohammed molly mollie muhammad naomi natalie nathan
    neil nevaeh niamh nicholas nicola nikki noah olivia ollie omar oliver oscar owen paige
    patrick paul pete peter phoebe poppy rachel reece reggie reuben rhys richard riley robert
    robyn ronnie rory rosie ruby ryan sam samuel sarah scarlett scott sean sebastian
    shannon sharon shaun sienna simon sofia sophia sophie stacey stanley stephen steve steven
    susan szymon tanya thea theo theodore thomas tia tilly toby tom tommy toni tracey
    tracy tyler victoria wayne william yusuf zachary zain zainab zara zoe
    """
)

# Names that are also ordinary words: only when capitalised in the middle of a sentence.
_WORD_NAMES = _words(
    """
    Amber Bill Carol Chase Dawn Dean Drew Faith Frank Grace Grant Guy Hope Hunter Iris Ivy
    Jay Joy Mark Max Miles Nick Pat Ray Rob Rose Skye Sky Sue Teddy Victor Violet Will
    Willow
    """
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
    Pupil Premium Virtual
    """
)

_PROPER = r"(?:[A-Z]['’])?[A-Z][a-z]+(?:-[A-Z][a-z]+)*"  # "Sarah", "Sarah-Jane", "O'Neill"
_TITLES = r"(?:[Mm]r|[Mm]rs|[Mm]s|[Mm]x|[Dd]r|Miss)"
_RELATIONS = _words(
    "friend friends mate bestie bff boyfriend girlfriend partner brother bro sister sis "
    "cousin carer carers mum mam dad nan nana gran grandma grandad granddad auntie aunty "
    "aunt uncle worker iro pa adviser advisor teacher ta mentor advocate manager son "
    "daughter niece nephew"
)
_RELATION_ADJECTIVES = _words(
    "best old new foster social key personal support youth former ex little big older younger step"
)

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d{2}"

# --- patterns ------------------------------------------------------------------------

_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_URL = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|(?<![a-z0-9.-])(?:[a-z0-9-]+\.)+(?:com|co\.uk|org\.uk|gov\.uk|ac\.uk|nhs\.uk|sch\.uk|org|net"
    r"|uk|io|tv|gg|ly|info|app)\b(?:/\S*)?",
    re.IGNORECASE,
)
_AT_HANDLE = re.compile(r"(?<![\w@\[])@[A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?")
_PLATFORM_HANDLE = re.compile(
    r"\b(?P<lead>(?:snapchat|snap|sc|insta|instagram|ig|tiktok|tik tok|twitter|facebook|fb"
    r"|discord|xbox|psn|gamertag|kik)(?:\s+(?:name|username|handle|id))?)"
    r"(?P<sep>\s*(?:is|:|=|-)?\s*)"
    r"(?P<handle>@?[A-Za-z0-9_.]*[A-Za-z0-9_])",
    re.IGNORECASE,
)
_NUMERIC_DATE = re.compile(
    r"(?<![\d/.-])(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?:\d{4}|\d{2})(?![\d/-]|\.\d)"
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
_POSTCODE = re.compile(
    r"\b(?P<out>[A-Z]{1,2}\d[A-Z\d]?)\s*(?P<in>\d[ABD-HJLNP-UW-Z]{2})\b", re.IGNORECASE
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
_RELATED = re.compile(
    rf"(?P<lead>\b(?i:my|our|his|her|their)\s+(?i:(?:{'|'.join(_RELATION_ADJECTIVES)})[\s-]+)*"
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
    "a an the grade plan vitamin type year key stage level part section option class room "
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


def _word(alternatives: Iterable[str], flags: int = 0) -> re.Pattern[str]:
    """A pattern for any of the phrases as whole words, longest first, outside tokens."""
    parts = sorted(
        (r"[\s-]+".join(re.escape(p) for p in re.split(r"[\s_-]+", a)) for a in alternatives),
        key=len,
        reverse=True,
    )
    return re.compile(rf"(?<![\w\[])(?:{'|'.join(parts)})(?![\w\]])", flags)


_FIRST_NAME = _word(_FIRST_NAMES, re.IGNORECASE)
_WORD_NAME = _word(_WORD_NAMES)
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

    def link(match: re.Match[str]) -> str:
        url = match[0]
        kept = url.rstrip(_TRAILING_PUNCTUATION)
        return LINK + url[len(kept) :]

    text = _URL.sub(link, text)
    text = _AT_HANDLE.sub(NAME, text)

    def platform(match: re.Match[str]) -> str:
        handle, sep = match["handle"], match["sep"].strip()
        looks_like_handle = handle.startswith("@") or re.search(r"[\d_.]", handle) is not None
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
    text = _TEXT_DATE.sub(DATE, text)
    return _BIRTHDAY.sub(lambda m: m["lead"] + DATE, text)


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

    return _POSTCODE.sub(postcode, text)


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
        if kind.lower() in _WEAK_STREETS and not kind[0].isupper():
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

    return _NAMED_STREET.sub(named, text)


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
    words = {p.title() for p in phrases if p.title() in _WORD_NAMES}
    others = {p for p in phrases if p.title() not in _WORD_NAMES}
    if words:
        text = _word(words | {w.upper() for w in words}).sub(NAME, text)
    if others:
        text = _word(others, re.IGNORECASE).sub(NAME, text)
    return text


def _names(text: str) -> str:
    def titled(match: re.Match[str]) -> str:
        name, title = match["name"], match["title"]
        first = name.split()[0].rstrip(".")
        if title == "Miss" and not first[:1].isupper():
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
    text = _FIRST_NAME.sub(NAME, text)
    return _WORD_NAME.sub(_mid_sentence(NAME), text)


def _places(text: str) -> str:
    text = _PLACE.sub(PLACE, text)

    def after_preposition(match: re.Match[str]) -> str:
        place = match["place"]
        first = re.split(r"[ -]", place)[0]
        if first in _NOT_PROPER or first.removesuffix("'s").removesuffix("’s") in _NOT_PROPER:
            return match[0]
        return match[0][: match.start("place") - match.start()] + PLACE

    return _PLACE_AFTER.sub(after_preposition, text)


def redact(text: str, *, known_names: Iterable[str] = ()) -> str:
    """`text` with personal details replaced by tokens such as "[name]" and "[phone]".

    `known_names` are names to remove in any case wherever they appear (the young
    person's own, their carers', their worker's); each word of a full name counts too."""
    text = _links(text)
    text = _postcodes(text)
    text = _phones(text)  # before dates, so "07700.900.123" is never half taken as a date
    text = _dates(text)
    text = _addresses(text)
    text = _known(text, known_names)
    text = _names(text)
    text = _places(text)
    return _REPEATED_TOKEN.sub(r"\1", text)


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
