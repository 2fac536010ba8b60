"""The layers of the safeguarding net one by one: normalisation, categories, the model."""

from __future__ import annotations

import json
import math

import pytest

from surveys.data_files import builtin_text
from surveys.safeguarding import (
    Detector,
    PhraseBook,
    RiskCategory,
    RiskHit,
    canonical,
    detect_risk,
)
from surveys.safeguarding.detection import MODEL_PHRASE_ID
from surveys.safeguarding.model import ModelError, RiskModel, features
from surveys.safeguarding.normalising import Spellings, SpellingsError

# ----- normalisation ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("i w@nna k!ll my$elf 2nite", "i want to kil myself tonight"),
        ("I wnt 2 d13", "i want to die"),
        ("sum1 on snap askin 4 pics", "someone on snap asking for pictures"),
        ("wish i was ded", "wish i was dead"),
        ("kms", "kil myself"),
        ("im not aloud out", "im not alowed out"),
        ("i h8 skool coz ppl r mean", "i hate schol because people are mean"),
        ("in 2 weeks", "in 2 weks"),  # a number stays a number
        ("4 days", "4 days"),
        ("my 1st day at 3pm", "my 1st day at 3pm"),
        ("r@pe", "rape"),
        ("i sh'd again", "i self harmed again"),  # the short form made a verb
        ("S/H’ing every nite", "self harming every night"),
        ("she'd like it", "shed like it"),  # only "sh" on its own
        ("i dont want to exsist", "i dont want to exist"),
        ("i keep c.u.t.t.i.n.g", "i kep cuting"),  # spelled out a letter at a time
        ("k i l l myself", "kil myself"),
        ("w-a-n-t to d*i*e", "want to die"),
        ("u r a star", "you are a star"),  # three single letters with spaces stay apart
        ("e.g. at 3 p.m.", "e g at 3 p m"),
        ("", ""),
    ],
)
def test_canonical_reads_text_speak_and_leetspeak(text: str, expected: str) -> None:
    assert canonical(text) == expected


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("I WANT 2 K1LL MYSELF!!!", "suicide"),
        ("sum1 touchd me n said its r secret", "sexual_abuse"),  # "touchd": touched
        ("hes bin askin 4 nuds", "grooming"),
        ("im n0t aloud 2 go skool", "confined"),
        ("he’s hurting me", "harmed_or_abused"),
    ],
)
def test_misspelt_and_disguised_risk_is_caught(text: str, category: str) -> None:
    assert category in [hit.category.value for hit in detect_risk(text)]


def test_spellings_file_problems_are_clear() -> None:
    with pytest.raises(SpellingsError, match="top level"):
        Spellings.from_yaml("words: {}", source="s.yaml")
    with pytest.raises(SpellingsError, match="version"):
        Spellings.from_yaml("version: 2\nwords: {u: you}", source="s.yaml")
    with pytest.raises(SpellingsError, match="one word"):
        Spellings.from_yaml("version: 1\nwords: {'a b': c}", source="s.yaml")
    with pytest.raises(SpellingsError, match="already stands for"):
        Spellings.from_yaml("version: 1\nwords: {wanna: want to, wana: want}", source="s.yaml")


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("he pulled a 🔪 on me", "harmed_or_abused"),
        ("🆘🆘 someone come pls", "help_now"),
        ("💊💊 every weekend now", "substances"),
        ("⛺ in the park till the council sort something", "homeless"),
        ("🍇 happened at my old placement", "sexual_abuse"),  # algospeak: grape, rape
    ],
)
def test_emoji_that_stand_for_a_word_are_read_as_it(text: str, category: str) -> None:
    assert category in [hit.category.value for hit in detect_risk(text)]


def test_emoji_that_mean_a_joke_or_a_feeling_are_read_as_nothing() -> None:
    assert canonical("this homework is killing me 💀😂❄️👋") == "this homework is kiling me"
    assert canonical("he pulled a 🔪") == "he puled a knife"
    assert detect_risk("that film 💀💀💀 i cant") == ()
    assert detect_risk("i love grapes 🍇 my foster mum puts them in my lunchbox") == ()


@pytest.mark.parametrize(
    ("text", "category"),
    [  # how 8 to 11 year olds spell by ear (written for this test, not from the corpus)
        ("i want to go to hevin to be wiv my granny", "suicide"),
        ("my uncle kiks me wen im norty", "harmed_or_abused"),
        ("a man online wants my pikchers", "grooming"),
        ("im promist to a man in the other country", "forced_marriage"),
        ("she burnd me with her ciggerette", "harmed_or_abused"),
    ],
)
def test_young_childrens_spellings_are_read(text: str, category: str) -> None:
    assert category in [hit.category.value for hit in detect_risk(text)]


@pytest.mark.parametrize(
    "text",
    [
        "i want to run away to the zoo and be a zookeeper",
        "our puppy is shut in the kitchen wen we go out",
        "she said shell kill me if i beat her at uno again",
    ],
)
def test_young_childrens_games_and_pets_raise_nothing(text: str) -> None:
    assert detect_risk(text) == ()


@pytest.mark.parametrize(
    ("text", "risk"),
    [  # a safe context must not hide what stands beside it (written for this test)
        ("i want to dye my hair pink", False),
        ("i want to die. my hair is a mess and everything is rubbish", True),
        ("my mum said she'll kill me if i tell everyone who i fancy", False),
        ("she says shell murder me if i tell anyone who touched me", True),
        ("can my worker help me with my cv", False),
        ("please can my pa help me, im scared hes coming back", True),
        ("i was homeless once but now ive got a flat and a cat", False),
        ("i was homeless for a bit but now im sofa surfing again", True),
        ("he kicked the door in and the lock broke, mum was screaming", True),
        ("i fell off my scooter and it bled a bit lol", False),
        ("i punched the wall and it bled", True),
        ("she said shell help me", False),
        ("he said hell help me if i send pictures", True),
        ("we played our game at lunch it was tag", False),
        ("he says its our game and i cant tell anyone", True),
    ],
)
def test_safe_contexts_hide_only_the_safe_sense(text: str, risk: bool) -> None:
    assert bool(detect_risk(text)) is risk


def test_emoji_spellings_problems_are_clear() -> None:
    spellings = Spellings.from_yaml("version: 1\nwords: {u: you}\nemoji: {'❄️': snow}")
    assert spellings.emoji == {"❄": "snow"}  # read without the variation selector
    with pytest.raises(SpellingsError, match="one emoji"):
        Spellings.from_yaml("version: 1\nwords: {u: you}\nemoji: {'🔪🔪': knife}")
    with pytest.raises(SpellingsError, match="one emoji"):
        Spellings.from_yaml("version: 1\nwords: {u: you}\nemoji: {k: knife}")
    with pytest.raises(SpellingsError, match="empty"):
        Spellings.from_yaml("version: 1\nwords: {u: you}\nemoji: {'🔪': '!!'}")
    with pytest.raises(SpellingsError, match="top level"):
        Spellings.from_yaml("version: 1\nwords: {u: you}\nemojis: {}")


def test_shipped_spellings_do_not_disagree() -> None:
    words = Spellings.default().words
    assert words["u"] == "you" and words["wana"] == "want to"
    assert all(" " not in key for key in words)


def test_patterns_are_read_with_the_same_spellings() -> None:
    book = PhraseBook.from_yaml(
        "version: 1\ncategories:\n  unsafe:\n    - id: p\n      patterns: ['u scare me']\n"
    )
    assert book.detect("you scare me") == (RiskHit(RiskCategory.UNSAFE, "p"),)
    assert book.detect("u scare me") == (RiskHit(RiskCategory.UNSAFE, "p"),)


def test_safe_contexts_in_a_council_book() -> None:
    text = (
        "version: 1\ncategories:\n  running_away:\n    - id: run\n      patterns: ['ran away']\n"
        "safe:\n  - id: pets\n    patterns: ['(dog|cat) ran away']\n"
    )
    book = PhraseBook.from_yaml(text)
    assert book.safe_ids == ("pets",)
    assert book.detect("the dog ran away") == ()
    assert book.detect("the dog ran away and then i ran away") == (
        RiskHit(RiskCategory.RUNNING_AWAY, "run"),
    )
    assert list(book.phrase_ids) == [RiskCategory.RUNNING_AWAY]


# ----- categories ---------------------------------------------------------------------


def test_every_category_has_a_plain_label_and_old_values_are_kept() -> None:
    values = {c.value for c in RiskCategory}
    assert {"self_harm", "harmed_or_abused", "unsafe", "running_away", "help_now"} <= values
    assert all(len(c.value) <= 32 for c in RiskCategory)  # safeguarding_alerts.category
    labels = [c.label for c in RiskCategory]
    assert len(set(labels)) == len(labels) and all(label[0].isupper() for label in labels)
    assert RiskCategory.FORCED_MARRIAGE.label == "Forced marriage or FGM"


def test_the_shipped_book_covers_every_category() -> None:
    assert list(PhraseBook.default().phrase_ids) == list(RiskCategory)
    assert PhraseBook.default().safe_ids


# ----- the model ----------------------------------------------------------------------


def test_features_are_words_pairs_and_pieces() -> None:
    found = features("he hit me")
    assert {"w:he", "w:hit", "w:me", "b:he hit", "b:hit me", "c: hit ", "c:hit"} <= set(found)
    assert features("") == []


def test_model_catches_what_no_phrase_was_written_for() -> None:
    text = "i stopped going to school cos they need me at home"
    assert Detector(PhraseBook.default(), None).detect(text) == ()
    hits = detect_risk(text)
    assert hits and all(hit.phrase_id == MODEL_PHRASE_ID for hit in hits)
    assert hits[0].category is not RiskCategory.HELP_NOW


@pytest.mark.parametrize(
    "text",
    [
        "are you there?",
        "All done",
        "No, keep it",
        "only time",
        "Where I live",
        "How are things at home?",
        "they never listen to me",
        "I feel safe where I live",
        "more time with my family",
        "it was ok",
        "fine thanks",
        "Meh",
    ],
)
def test_short_everyday_answers_are_not_alerts(text: str) -> None:
    """Scored with an L2 norm, half of these were alerts: two words carried all the weight."""
    assert detect_risk(text) == ()


def test_model_only_speaks_when_no_phrase_matched() -> None:
    model_alone = Detector(None, RiskModel.default())
    assert model_alone.detect("he hits me and kicks me")
    assert detect_risk("he hits me and kicks me") == (
        RiskHit(RiskCategory.HARMED_OR_ABUSED, "hit_me"),
    )


def test_model_scores_match_the_file() -> None:
    text, _ = builtin_text("safeguarding_model.json.gz")
    data = json.loads(text)
    model = RiskModel(data)
    assert 0.5 < model.threshold < 1
    empty = 1 / (1 + math.exp(-data["risk"]["intercept"]))
    assert model.probability("") == pytest.approx(empty)
    assert model.probability(canonical("i want to kill myself")) > model.threshold
    assert model.probability(canonical("i like my carers and my school")) < model.threshold


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON"),
        ("{}", "malformed"),
        (
            '{"vocabulary": ["a"], "idf": [1, 2], "risk": {"coef": [1], "intercept": 0}, '
            '"category": {"classes": ["suicide"], "intercepts": [0], "features": [], '
            '"coef": []}, "threshold": 0.5}',
            "matching lengths",
        ),
        (
            '{"vocabulary": ["a"], "idf": [1], "risk": {"coef": [1], "intercept": 0}, '
            '"category": {"classes": ["scary"], "intercepts": [0], "features": [], '
            '"coef": []}, "threshold": 0.5}',
            "malformed",
        ),
    ],
)
def test_a_broken_model_file_is_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        RiskModel.from_json(text)


@pytest.mark.parametrize(
    ("text", "category"),
    [  # the thirty-eighth sitting's kinds of miss, in words written for this test
        ("thank you for everything miss, i wont be around after friday", "suicide"),
        ("i wont need my tablets after tonight", "suicide"),
        ("i wear my jumper in summer so nobody sees the marks", "self_harm"),
        ("my cousin is 13 and shes getting married next month", "forced_marriage"),
        ("they want me to get married to a man i have never met", "forced_marriage"),
        ("im going to some city i dont even know on my own tonight, he paid the ticket",
         "criminal_exploitation"),
        ("the olders made me steal phones for them", "criminal_exploitation"),
        ("still not got my insulin from the pharmacy, carer keeps forgetting", "neglect"),
        ("my social worker doesnt know where i am staying and im not telling", "running_away"),
        ("how far could i get with no money", "running_away"),
        ("if they move me again then im gone", "running_away"),
        ("she blacked out after the laughing gas", "substances"),
    ],
)
def test_the_thirty_eighth_sittings_kinds_of_miss_are_caught(text: str, category: str) -> None:
    assert category in [hit.category.value for hit in detect_risk(text)]


@pytest.mark.parametrize(
    "text",
    [  # their ordinary twins, written for this test: none may raise an alert
        "thanks for everything this year, you have been great",
        "i wont need the flat after this weekend cos im moving into my new place",
        "i wear long sleeves in PE so no one sees my eczema",
        "my cousin is 15 and getting her ears pierced",
        "we are going to a town i never heard of for the school trip",
        "my mum told me to steal the show at the concert",
        "my carer doesnt know where i am going for my birthday surprise",
        "how do i get to college without a bus pass",
        "my mate passed out after the marathon",
        "we ran away from the rain and got soaked anyway",
        "a film where the boy runs away from home to find his dad, so sad",
        "got locked in the loo at the cinema cos the door jammed",
        "a game where you sell drugs and race cars, its dumb",
        "baby was up all night, im so tired i could die",
    ],
)
def test_the_thirty_eighth_sittings_ordinary_twins_raise_nothing(text: str) -> None:
    assert detect_risk(text) == ()


@pytest.mark.parametrize(
    ("text", "category"),
    [  # the thirty-ninth sitting's kinds of miss, in words written for this test
        ("my uncle keeps grabbing my bum when nobody is looking", "sexual_abuse"),
        ("he comes in when im in the shower and wont go out", "sexual_abuse"),
        ("i would say more but my mum is sat right next to me", "secrets"),
        ("id tell you but shes watching", "secrets"),
        ("gonna do one tonight, got my bag packed", "running_away"),
        # and what a safe context must never hide
        ("he gives me sweets and says dont tell my mum", "secrets"),
        ("my dad is going to kill me when he gets out of prison", "harmed_or_abused"),
        ("he said he will kill me when he finds me", "harmed_or_abused"),
        ("the olders in year 11 make me hold stuff for them", "criminal_exploitation"),
    ],
)
def test_the_thirty_ninth_sittings_kinds_of_miss_are_caught(text: str, category: str) -> None:
    assert category in [hit.category.value for hit in detect_risk(text)]


@pytest.mark.parametrize(
    "text",
    [  # ordinary answers with the same words, written for this test: none may raise an alert
        "my carer is gonna kill me when she sees my school report",
        "my brother shot me with his nerf gun at the park",
        "snuck some chocolate after tea dont tell my foster mum",
        "the older ones in year 10 are doing their mocks",
        "i was gonna do one more level then go to bed",
        "id tell you more but i cant remember",
        "my carer is sat next to me reading the questions to me",
    ],
)
def test_the_thirty_ninth_sittings_ordinary_twins_raise_nothing(text: str) -> None:
    assert detect_risk(text) == ()


@pytest.mark.parametrize(
    ("text", "category"),
    [  # the fortieth sitting's register (LGBTQ+ young people, online), in words written here
        ("the waiting list is years and i wont be alive in 2 years", "suicide"),
        ("been saving up my tablets for a while now", "suicide"),
        ("binding all day and i cant breathe properly when i run", "self_harm"),
        ("he says the rent is me sleeping with him", "sexual_abuse"),
        ("this guy says im mature for 13 and hell be my first", "grooming"),
        ("he wants to video call late at night when my carers are asleep", "grooming"),
        ("my cousin hit me for being gay at nans", "harmed_or_abused"),
        ("mum says theres a nice boy from back home for me", "forced_marriage"),
        ("they want to send me to a camp where they fix people like me", "confined"),
        ("someone posted my placement address online", "unsafe"),
        ("if they dont move me ill just go", "running_away"),
        ("what we talk about in our chats stays between us he said", "secrets"),
        ("he wants my pictures", "grooming"),
    ],
)
def test_the_fortieth_sittings_kinds_of_miss_are_caught(text: str, category: str) -> None:
    assert category in [hit.category.value for hit in detect_risk(text)]


@pytest.mark.parametrize(
    "text",
    [  # their ordinary twins, written for this test: none may raise an alert
        "got stabbed by the imposter again lol",
        "my carer put my drawing on the fridge",
        "i wont be alive for the party lol im so tired",
        "the tablets i have saved on my phone are for school",
        "i know where to sleep when we go camping with the scouts",
        "someone wants my photos for the school newsletter",
        "my brother beat me at fifa for being rubbish",
        "i got my tooth knocked out at football",
    ],
)
def test_the_fortieth_sittings_ordinary_twins_raise_nothing(text: str) -> None:
    assert detect_risk(text) == ()
