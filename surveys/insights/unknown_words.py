"""Names and places that no list holds, told by where they stand in a sentence and by not
being English words (`english_words`): "my carer shaaron", "the beechwood estate", "moved
to middlewich", "big Tez". Only for a text mostly in English (`mostly_english`)."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from surveys.insights.english_words import BRANDS, is_english_word
from surveys.insights.redaction_words import (
    ADDRESS,
    ADDRESS_STOPWORDS,
    NAME,
    NOT_FAMILIES,
    NOT_NAMES,
    NOT_PROPER,
    PLACE,
    SCHOOL,
    TITLES,
    WORKERS,
    names_list,
    starts_sentence,
    word_set,
)

_ESTATE = re.compile(
    r"(?P<lead>\b(?i:the)\s+)(?P<name>[A-Za-z][\w'’-]+)(?P<tail>\s+(?i:estates?)\b)"
)
_NOT_ESTATES = word_set(
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
    rf"my\s+(?:{WORKERS}))\b)",
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
_GENERIC_STREETS = word_set("High Main")
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
        and lower not in NOT_NAMES
        and lower not in ADDRESS_STOPWORDS
        and core.title() not in NOT_PROPER
        and core.removesuffix("s").title() not in NOT_PROPER  # "Sundays", "Carers"
        and core.title() not in NOT_FAMILIES  # "the Simpsons"
        and re.fullmatch(TITLES, core) is None  # "Mrs"
        and core not in BRANDS
        and word not in BRANDS
        and not is_english_word(core, misspelt=not strict, british=not strict)
    )


def mostly_english(text: str) -> bool:
    """Whether most of a text's words are English (a Welsh or Polish answer is not)."""
    words = re.findall(r"[^\W\d_]{2,}", text)
    if not words:
        return True
    english = sum(is_english_word(w) for w in words)
    return english >= 0.5 * len(words)


def named_again(original: str, text: str) -> str:
    """A capitalised word taken out somewhere in a text is taken out wherever else it stands
    capitalised: "I like living with [name]. Sue is kind." -> "... [name] is kind"."""
    if NAME not in text:
        return text
    before = Counter(_CAPITALISED.findall(original))
    after = Counter(_CAPITALISED.findall(text))
    gone = {w for w, n in before.items() if after[w] < n and w not in NOT_PROPER}
    gone = {w for w in gone if w.lower() in names_list().all or _foreign(w)}
    if not gone:
        return text
    pattern = re.compile(rf"(?<![\w\[])(?:{'|'.join(map(re.escape, sorted(gone)))})(?![\w\]])")
    return pattern.sub(NAME, text)


_SHORT_WORDS = word_set("of to in on at my me we is it be no so up us an or do go he by as")


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


def _possessive(word: str) -> str:
    """The "'s" a word ends with, kept after its token: "Kayden's" -> "'s"."""
    return word[len(re.sub(r"['’]s$", "", word)) :]


def _where_foreign(pattern: re.Pattern[str], group: str, token: str, text: str) -> str:
    """Each match of `pattern` whose `group` is not English becomes `token`, after the
    match's "lead" group where it has one ("moved to " + "[place]")."""

    def replace(m: re.Match[str]) -> str:
        if not _foreign(m[group]):
            return m[0]
        return (m.groupdict().get("lead") or "") + token

    return pattern.sub(replace, text)


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
    text = _HOUSE.sub(lambda m: m[0] if m["name"] in NOT_PROPER else PLACE, text)
    text = _SAINT.sub(
        lambda m: SCHOOL if _foreign(m["name"]) or m["name"][0].isupper() else m[0], text
    )
    text = _where_foreign(_LOWER_SCHOOL, "name", SCHOOL, text)
    text = _LOWER_HOUSE.sub(
        lambda m: m[0] if m["name"] in ADDRESS_STOPWORDS or m["name"] in NOT_NAMES else PLACE,
        text,
    )  # "willow lodge"
    text = _where_foreign(_LIVING_IN, "place", PLACE, text)
    text = _where_foreign(_TOPONYM, "place", PLACE, text)
    text = _VENUE.sub(lambda m: m[0] if m["name"] in NOT_PROPER else PLACE, text)
    text = _where_foreign(_LOWER_VENUE, "name", PLACE, text)

    def whose(m: re.Match[str]) -> str:
        name = m["name"]
        if name.lower() in names_list().forenames:
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
        return (m["lead"] or "") + NAME + _possessive(name)

    text = _PERSON_SLOT.sub(person, text)

    def hashtag(m: re.Match[str]) -> str:  # "#justiceforkacper", "#TeamDafydd"
        parts = re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", m["tag"])
        english = all(p.isdigit() or _english_run(p.lower()) for p in parts)
        return m[0] if english else NAME

    text = _HASHTAG.sub(hashtag, text)
    text = _where_foreign(_AFTER_NAME_LOWER, "word", NAME, text)  # "[name] mcgrath keeps"

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
        if starts_sentence(m.string, m.start()) and not surely and not shouted:
            return word
        before = m.string[max(0, m.start() - 6) : m.start()].lower()
        token = PLACE if re.search(r"\b(?:in|at|from|near)\s+$", before) else NAME
        return token + _possessive(word)

    return _CAPITALISED.sub(capitalised, text)
