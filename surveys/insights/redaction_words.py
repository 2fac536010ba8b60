"""The tokens, word lists and names list that redaction's rules share (`redaction`,
`unknown_words`): capitalised words that are not names, relations and workers, address
stop words, titles, and the names in `surveys/data/names.yaml`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from surveys.data_files import builtin_text, parse_yaml

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


def word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True, slots=True)
class Names:
    """The names list (`surveys/data/names.yaml`), lower case."""

    forenames: frozenset[str]  # any case, anywhere
    word_forenames: frozenset[str]  # also words: capitalised mid-sentence, or in context
    surnames: frozenset[str]  # any case, anywhere
    word_surnames: frozenset[str]  # also words: next to a name or in context

    @property
    def all(self) -> frozenset[str]:
        return self.forenames | self.word_forenames | self.surnames | self.word_surnames


@lru_cache(maxsize=1)
def names_list() -> Names:
    text, source = builtin_text("names.yaml")
    data = parse_yaml(text, source, RedactionError)
    if not isinstance(data, dict):
        raise RedactionError(f"{source}: expected the four lists of names")
    lists = {key: frozenset(str(data.get(key) or "").lower().split()) for key in (
        "forenames", "word_forenames", "surnames", "word_surnames")}  # fmt: skip
    words = lists["word_forenames"] | lists["word_surnames"]
    return Names(
        forenames=lists["forenames"] - words,  # a name that is also a word is never any-case
        word_forenames=lists["word_forenames"],
        surnames=lists["surnames"] - words,
        word_surnames=lists["word_surnames"],
    )



# Capitalised words that are not names or places: they end the "in X" and "my friend X"
# rules (so "in Year 9", "at Christmas", "my carer Mum" stay as they are).
NOT_PROPER = word_set(
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

PROPER = r"(?:[A-Z]['’])?[A-Z][a-z]+(?:-[A-Z][a-z]+)*"  # "Sarah", "Sarah-Jane", "O'Neill"
TITLES = r"(?:[Mm]r|[Mm]rs|[Mm]s|[Mm]x|[Dd]r|[Mm]iss)"
RELATIONS = word_set(
    "friend friends mate bestie bff boyfriend girlfriend partner brother bro sister sis "
    "cousin carer carers mum mam dad nan nana gran grandma grandad granddad auntie aunty "
    "aunt uncle worker iro pa adviser advisor teacher ta mentor advocate manager son "
    "daughter niece nephew husband wife fiance fiancee sw"
)

RELATION_ADJECTIVES = word_set(
    "best old new foster social key personal support youth former ex little big older younger step"
    " forster fostor socail socal soshal"  # as children of 8 to 11 spell them
)


ADDRESS_STOPWORDS = word_set(
    """
    the a an my your our their his her this that these those of to in on at by for from
    with and or down up along across over round around near past off mins minutes miles
    hours days weeks months years times more less other another different same long short
    big small little whole
    """
)

# Capitalised words before "family" or plurals after "with the" that are not surnames.
NOT_FAMILIES = word_set(
    """
    Whole Royal Extended Adoptive Adopted Birth Host Blended Same Real Wider Entire Step
    Kinship Own Other Foster Care Olympics Paralympics Oscars Brits Avengers Simpsons
    Beatles Smurfs Games Lakes Dales Midlands Highlands Cotswolds Alps Others Carers
    Parents Twins Girls Boys Lads Kids Staff Teachers Workers Police Cops Guys Grandparents
    """
)

LOOK_BACK = 40  # characters looked at before a match; keeps long texts linear

def starts_sentence(text: str, index: int) -> bool:
    """Whether the word at `index` begins a sentence (or the text)."""
    window = text[max(0, index - LOOK_BACK) : index]
    before = window.rstrip().rstrip("\"'“‘(").rstrip()
    if not before:
        return index <= LOOK_BACK
    return before[-1] in ".!?:;\n…"



WORKERS = (
    r"social\s+worker|sw|iro|carers?|foster\s+(?:carers?|mum|mam|dad|parents?|family)|"
    r"(?:key|support|youth|family\s+support|personal)\s+worker|keyworker|pa|"
    r"personal\s+adviser|advis[oe]r|teacher|ta|tutor|mentor|advocate|therapist|"
    r"counsell?or|nurse|doctor|gp|manager|worker|friend|mate|bestie|bff|boyfriend|"
    r"girlfriend|partner|brother|sister|cousin|mum|mam|dad|nan|nana|gran|grandma|grandad|"
    r"auntie|aunty|aunt|uncle|step\s*(?:mum|dad|brother|sister)|son|daughter|husband|wife|"
    r"fiancee?|nanny|nannie|nanna|mummy|daddy|granny|grandpa|grampa|bruv|bruva|bruvva|"
    r"bruver|bro|sis|sista|wurker|werker|worka|frend|freind|frnd"
)

NOT_NAMES = word_set(
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


