"""Is a lower-case word ordinary English, or could it be a name or a place?

Redaction takes a word that is not ordinary English for a name or a place when it stands
where one does ("my carer shaaron", "moved to middlewich", "the beechwood estate").
Ordinary English is TextBlob's own lexicon, the one its tagger reads (Brill's, from the
Brown corpus and the Penn Treebank: about 55,000 lower-case words; its capitalised entries,
the proper nouns, are left out), with the words young people in England write that it
lacks: chat spellings, British and youth words, contractions without their apostrophe, and
the brands and apps they name. The file is found without importing TextBlob (which would
load nltk).
"""

from __future__ import annotations

import importlib.util
import re
from functools import lru_cache
from pathlib import Path

from surveys.insights.redaction_words import names_list

__all__ = ["BRANDS", "is_english_word"]

# Words of young people in England that the lexicon lacks (checked against it).
_EXTRA = """
    im ive id ill youre youve theyre theyve weve wed hes shes thats whats wheres theres
    dont doesnt didnt cant couldnt wont wouldnt shouldnt isnt wasnt werent arent aint
    havent hasnt hadnt mustnt lets ya yea yeah yep yup nah nope naw aye innit init bruv
    bruh fam mate mates mum mums mam mams mummy nan nans nana nanna nanny grandad granda
    grampa grandpa gran granny telly uni footy peng bare mardy skint chuffed gutted knackered
    buzzin buzzing sound safe proper dead mint lush tbh tbf idk idc imo omg ngl fr rn bc
    cos coz cus cuz pls plz thx ty ok okay lol lmao btw hmu smh wtf ffs jk irl dm dms pm
    sw sws iro iros pa pas lac cla sgo ehcp camhs pep peps uasc yot cin cp nhs gp gps
    sen senco ta tas pe re dt ict gcse gcses alevel alevels btec btecs sats ucas ofsted
    kinship respite contact placement placements pathway leaver leavers careleaver
    whatsapp snapchat snap insta instagram tiktok youtube facebook fb discord xbox ps4 ps5
    playstation fortnite roblox minecraft netflix spotify google iphone android maccies
    maccys mcdonalds greggs tesco asda aldi lidl primark nandos kfc costa starbucks subway
    argos amazon morrisons sainsburys iceland poundland wetherspoons boots superdrug
    childline kooth barnardos nspcc samaritans jobcentre
    vape vapes vaping wifi online offline selfie selfies emoji emojis meme memes gaming
    gamer youtuber vlog sleepover sleepovers homework coursework bestie besties bff
    stepmum stepdad stepbrother stepsister halfbrother halfsister carer keyworker
    caseworker counsellor counselling fostering adopter learnt spelt semi indy hostel
    bursary netball unsupervised supervised becos becoz bcos bcoz rly realy rlly dosnt
    wiv skool skools skl lyk luv gud wen wot wat ur sum1 summat owt nowt nuffin nothin
    sumthin somethin gonna gotta wanna kinda sorta dunno lemme gimme tho thru
    mon tue tues wed weds thu thur thurs fri sat sun jan feb mar apr jun jul aug sep sept
    oct nov dec hostels rugby telly bedsit bedsits curfew footie quid fiver tenner karate
    hairdressing fortnightly nite resi trauma traumatic traumatise traumatised traumatising
    retraumatise retraumatised retraumatising safeguarding
    polish romanian somali arabic urdu punjabi bengali tigrinya amharic kurdish pashto dari
    farsi persian turkish albanian vietnamese portuguese italian lithuanian latvian slovak
    czech hungarian bulgarian ukrainian russian gujarati tamil hindi mandarin cantonese
    swahili yoruba igbo eritrean ethiopian sudanese afghan syrian iraqi iranian welsh irish
    scottish english british chinese indian thai italian mexican greek japanese korean
    african caribbean jamaican nigerian ghanaian pakistani bangladeshi filipino european
    asian american french spanish german dutch
    england scotland wales ireland britain uk france spain germany italy portugal poland
    romania albania greece turkey cyprus malta belgium holland netherlands denmark sweden
    norway finland russia ukraine lithuania latvia estonia hungary bulgaria croatia serbia
    kosovo slovakia czechia austria switzerland america usa canada mexico jamaica brazil
    nigeria ghana somalia sudan eritrea ethiopia kenya uganda egypt morocco libya tunisia
    syria iraq iran afghanistan pakistan india bangladesh china japan vietnam thailand
    philippines australia dubai spain tenerife majorca lanzarote benidorm disneyland
    colour colours favourite favourites honour behaviour neighbour neighbours centre
    theatre programme travelling cancelled organised realise realised apologise
    """

# Brand, app and game names young people write capitalised mid-sentence ("I got a
# PlayStation"): never a person or a place.
_BRAND_NAMES = """
    McDonald's McDonalds Mcdonalds Maccies Maccys Greggs Tesco Asda Aldi Lidl Primark
    Nando's Nandos Costa Starbucks Subway Domino's Dominos Netflix Spotify Roblox
    Minecraft Fortnite Pokemon Nintendo PlayStation Playstation Xbox Snapchat Snap
    TikTok Tiktok Instagram Insta YouTube Youtube WhatsApp Whatsapp Discord Twitch
    Amazon Argos Nike Adidas Apple iPhone Iphone Samsung Android Uber Deliveroo Disney
    Marvel Lego Barbie Boots Superdrug Morrisons Sainsbury's Sainsburys Iceland
    Poundland Wetherspoons Childline Kooth Barnardo's Barnardos Ofsted Jobcentre
    Facebook Google Messenger Zoom Teams Duolingo Tesco's Asda's Aldi's Lidl's Greggs'
    Vinted Depop Shein Temu AirPods Airpods
"""
BRANDS = frozenset(_BRAND_NAMES.split())


# British endings the lexicon spells the American way: "organise", "colour", "centre".
_SPELLINGS = {"is": "iz", "ys": "yz", "our": "or", "tre": "ter", "ogue": "og"}
_AMERICAN = re.compile(
    r"(?<=[a-z])(?:is|ys)(?=e|ing|ation)|our(?=s?$|ed|ing|ful|ite)|tre(?=s?$)|ogue(?=s?$)"
)


_PREFIX = re.compile(r"(?:re|un|dis|non|over|under|mis|pre|self|semi|anti|ex|co)-?")


@lru_cache(maxsize=1)
def _lexicon() -> Path:
    """TextBlob's tagger lexicon, found without importing TextBlob."""
    spec = importlib.util.find_spec("textblob")
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    lexicon = next((Path(f, "en", "en-lexicon.txt") for f in folders), None)
    if lexicon is None or not lexicon.is_file():
        raise RuntimeError("TextBlob's English lexicon is missing: reinstall textblob")
    return lexicon


@lru_cache(maxsize=1)
def _words() -> frozenset[str]:
    """The lexicon's lower-case words, and the words young people write that it lacks."""
    lexicon = _lexicon()
    words = {
        line.split(" ", 1)[0]
        for line in lexicon.read_text(encoding="utf-8").splitlines()
        if line[:1].islower()
    }
    return frozenset(words | set(_EXTRA.split()) | {b.lower() for b in BRANDS})


@lru_cache(maxsize=1)
def _british_words() -> frozenset[str]:
    """TextBlob's spelling list (Project Gutenberg, Wiktionary, the British National
    Corpus): British words the tagger's lexicon lacks ("hostel", "rugby"). It is all in
    lower case, people's names from the books too ("mary", "tyler"), so the names in
    `surveys/data/names.yaml` are taken out of it."""
    spelling = _lexicon().with_name("en-spelling.txt")
    words = {
        word
        for word, _, count in (
            line.partition(" ") for line in spelling.read_text(encoding="utf-8").splitlines()
        )
        if word[:1].isalpha() and count.strip().isdigit() and int(count) >= 2
    }  # seen once: mostly names and places of the books and lists ("cheadle", "crewe")
    return frozenset(words - names_list().all)


@lru_cache(maxsize=65536)  # the rules ask about the same words several times a text
def is_english_word(word: str, *, misspelt: bool = True, british: bool = True) -> bool:
    """Whether `word` (any case) is ordinary English: in the lexicon as a lower-case word,
    or with a plural or possessive ending taken off ("carers", "mum's"), or in the list of
    young people's words above. Names and places mostly are not ("shaaron", "middlewich").
    With `misspelt`, a word of five letters or more one letter from an English word, and not
    in the names list, is that word misspelt ("promisd", "reely"). Without `british`, only
    the tagger's lexicon and the lists here count: the spelling list has seen names in its
    books ("jenny", "lorraine"), which a capitalised word mid-sentence is likely to be."""
    lower = word.lower().replace("’", "'")
    words = _words()
    if lower in words or lower.replace("'", "") in words:
        return True
    if british and lower in _british_words():
        return True
    american = _AMERICAN.sub(lambda m: _SPELLINGS[m[0]], lower)  # the lexicon's spelling
    if american != lower and american in words:
        return True
    prefix = _PREFIX.match(lower)  # "retraumatising", "unsupervised", "overthinking"
    rest = lower[prefix.end() :] if prefix else ""
    if len(rest) >= 4 and is_english_word(rest, misspelt=misspelt, british=british):
        return True
    for ending in ("'s", "s'", "s", "es", "ies"):
        if lower.endswith(ending) and len(lower) > len(ending) + 2:
            stem = lower[: -len(ending)] + ("y" if ending == "ies" else "")
            if stem in words:
                return True
    # a long word one letter from an English one is that word misspelt ("promisd", "reely");
    # short names are one letter from many words ("kev", "kaz"), so only from five letters
    if not misspelt or len(lower) < 5 or not lower.isalpha() or lower in names_list().all:
        return False
    return any(w in words for w in _one_off(lower))


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _one_off(word: str) -> set[str]:
    """Every word one edit from `word`: a letter dropped, swapped, changed or added."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return (
        {a + b[1:] for a, b in splits if b}
        | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
        | {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
        | {a + c + b for a, b in splits for c in _LETTERS}
    )
