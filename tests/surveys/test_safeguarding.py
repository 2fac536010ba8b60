"""Safeguarding phrase detection: what is flagged, what is not, and how fast."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from surveys.data_files import builtin_text
from surveys.safeguarding import (
    DEFAULT_OFFICE_HOURS,
    HELP_MESSAGE,
    PhraseBook,
    PhraseBookError,
    RiskCategory,
    RiskHit,
    detect_risk,
    help_reply,
    is_help_request,
    normalise,
)
from surveys.safeguarding.phrases import BUILTIN_BOOKS

SUICIDE = RiskCategory.SUICIDE
SELF_HARM = RiskCategory.SELF_HARM
HARMED = RiskCategory.HARMED_OR_ABUSED
UNSAFE = RiskCategory.UNSAFE
RUNNING = RiskCategory.RUNNING_AWAY
HELP = RiskCategory.HELP_NOW

# Realistic answers that must be flagged, with the category that must be among the hits.
# They cover each category, text-speak, misspellings, case, punctuation and emoji.
POSITIVES: list[tuple[str, str]] = [
    ("i have bruises everywhere", "harmed_or_abused"),  # short answers the net once missed
    ("i got beaten", "harmed_or_abused"),
    ("im always hungry", "neglect"),
    ("I want to kill myself", "suicide"),
    ("kms", "suicide"),
    ("i wanna kms lol", "suicide"),
    ("I wanna die", "suicide"),
    ("sometimes i just want to die", "suicide"),
    ("i keep cutting myself", "self_harm"),
    ("I cut myself again last night", "self_harm"),
    ("I've been hurting myself", "self_harm"),
    ("nobody would miss me", "suicide"),
    ("no one would miss me if i was gone", "suicide"),
    ("I WANT TO KILL MYSELF", "suicide"),
    ("i want to kil my self", "suicide"),
    ("i want 2 kill myslef", "suicide"),
    ("I wish I was dead", "suicide"),
    ("been feeling sucidal", "suicide"),
    ("thinking about suicide", "suicide"),
    ("i want to end my life", "suicide"),
    ("gonna unalive myself", "suicide"),
    ("I don't want to be here anymore", "suicide"),
    ("everyone would be better off without me", "suicide"),
    ("self harm again 😔", "self_harm"),
    ("I want to die!!!!!!", "suicide"),
    ("i wanna diee", "suicide"),
    ("i took loads of pills", "self_harm"),
    ("I can't do this anymore", "suicide"),
    ("i feel like killing myself", "suicide"),
    ("I just want to disappear", "suicide"),
    ("she's hurting me", "harmed_or_abused"),
    ("he forced me", "harmed_or_abused"),
    ("I'm really scared.", "unsafe"),
    ("he hits me", "harmed_or_abused"),
    ("she hurts me", "harmed_or_abused"),
    ("my carer's boyfriend hurts me", "harmed_or_abused"),
    ("my dad hit me", "harmed_or_abused"),
    ("he touched me", "sexual_abuse"),
    ("he touches me when no one is there", "sexual_abuse"),
    ("they kicked me", "harmed_or_abused"),
    ("He HITS me!!!", "harmed_or_abused"),
    ("she slaps me when I'm late", "harmed_or_abused"),
    ("someone touched me down there", "sexual_abuse"),
    ("he made me do stuff I didn't want to", "sexual_abuse"),
    ("a man online asked me for nudes", "grooming"),
    ("I'm being bullied at school", "harmed_or_abused"),
    ("my mum's boyfriend beats me up", "harmed_or_abused"),
    ("they lock me in my room", "confined"),
    ("I don't feel safe", "unsafe"),
    ("I do not feel safe at home", "unsafe"),
    ("i dont really feel safe", "unsafe"),
    ("not safe", "unsafe"),
    ("I’m not safe here", "unsafe"),
    ("I'm scared to go home", "unsafe"),
    ("im scared of my step dad", "unsafe"),
    ("it feels unsafe", "unsafe"),
    ("he said he's going to kill me", "harmed_or_abused"),
    ("I'm not sure I feel safe", "unsafe"),
    ("Im not ok at home", "unsafe"),
    ("they make me carry stuff for them", "criminal_exploitation"),
    ("I have nowhere to sleep tonight", "homeless"),
    ("i met him online and he wants to meet", "grooming"),
    ("I'm going to run away", "running_away"),
    ("I ran away last week", "running_away"),
    ("thinking about running away", "running_away"),
    ("I'm going to leave and not come back", "running_away"),
    ("i'm gonna go missing", "running_away"),
    ("I wanna runaway", "running_away"),
    ("im never coming back", "running_away"),
    ("I need help now", "help_now"),
    ("help me", "help_now"),
    ("HELP", "help_now"),
    ("sos", "help_now"),
    ("please help", "help_now"),
    ("I need help", "help_now"),
    ("help me please 😭", "help_now"),
    ("S.O.S.", "help_now"),
    ("pleeeease help", "help_now"),
    ("get me out of here", "help_now"),
    ("ｈｅｌｐ ｍｅ", "help_now"),
    ("my uncle does stuff to me and says its our secret", "sexual_abuse"),
    ("someone online asked for pics", "grooming"),
    ("nobody would care if i wasnt here", "suicide"),
    ("wish i was ded", "suicide"),
    ("my dad hits me with a belt", "harmed_or_abused"),
    ("ive got bruises from my stepmum", "harmed_or_abused"),
    ("he hits my mum and i hear it", "domestic_abuse"),
    ("there's no food in the house", "neglect"),
    ("i get left on my own all night", "neglect"),
    ("i owe them money and have to work it off", "criminal_exploitation"),
    ("he said not to tell anyone", "secrets"),
    ("they keep me off school", "confined"),
    ("im getting evicted and ive got nowhere to go", "homeless"),
    ("they're making me marry my cousin", "forced_marriage"),
    ("i drink every night to forget", "substances"),
    ("i sh when things get bad", "self_harm"),
    ("i keep c.u.t.t.i.n.g myself", "self_harm"),
    ("I'm s0 d0ne, w@nna d13", "suicide"),
    ("I DON'T FEEL SAFE", "unsafe"),
    ("i dont feel safe", "unsafe"),
    ("I don`t feel safe", "unsafe"),
    ("k̶m̶s̶", "suicide"),
    ("send pics or he will share the other ones", "grooming"),
    ("my landlord says i can pay rent in other ways", "sexual_abuse"),
    ("i get locked in", "confined"),
    ("nobody cares about me", "suicide"),
    ("the electric has been off for a week", "neglect"),
    ("some men moved into my flat", "criminal_exploitation"),
    ("ive given all my stuff away to my mates", "suicide"),
    ("ive decided how im going to do it", "suicide"),
    ("i wont be at my review cos i wont be here", "suicide"),
    ("the babysitter plays a game where we take our clothes off", "sexual_abuse"),
    ("i have to wear long sleeves so school dont see", "harmed_or_abused"),
    # staying out late, owing people: still raised after three patterns were narrowed
    ("I stay out till 2 and nobody says anything", "running_away"),
    ("stayed out till 4 in the morning again", "running_away"),
    ("i stay out till the police find me", "running_away"),
    ("I have to pay back my debt or they said theyll hurt me", "criminal_exploitation"),
    ("i have to pay back my phone to them", "criminal_exploitation"),
    ("im in debt to this guy from the estate", "criminal_exploitation"),
    ("in debt to a girl from the estate and she wants me to hold stuff",
     "criminal_exploitation"),
]

# Answers that must not be flagged.
NEGATIVES: list[str] = [
    "bruises all over from rugby lol",
    "i got beaten at football",
    "they made me a birthday cake",
    "I cut my hair",
    "I feel safe at home",
    "my carer helps me",
    "we ran a race",
    "I would kill for pizza",
    "I like my meeting",
    "My IRO was descriptive",
    "I'm dying to see my mum at Christmas",
    "I'm so happy with my placement",
    "my social worker listens to me",
    "I got an explanation why I'm not with my old carer",
    "The meeting was boring lol",
    "I want to dye my hair blue",
    "I scored a goal and we won",
    "my mum hugs me when I see her",
    "I feel safe and happy",
    "I'm scared of spiders",
    "I'd like to see my brother more",
    "Can my PA come to my meeting",
    "I like running and swimming",
    "The help at school was good",
    "My carer helped me with my homework",
    "I want to go to college and get a job",
    "that film was sick",
    "I came back from holiday yesterday",
    "my foster carer is kind and I feel safe there",
    "I'm safe",
    "I hit the ball really far",
    "I was scared at first but now I'm fine",
    "No, I feel safe",
    "nothing worries me, I feel safe",
    "my mum is coming to get me on Saturday",
    "I'm scared of my exams",
    "it hurts me when they don't listen",
    "my brother beat me at FIFA",
    "I need help with my money",
    "This homework is killing me",
    "I'm dead 😂😂",
    "my carer hurt her back lifting the shopping",
    "I could murder a pizza",
    "I don't feel unsafe at all",
    "i locked myself out but my carer came back quick",
    "my brother hit me with a pillow in a pillow fight",
    "i was homeless before but i have my own flat now",
    "my mum has bruises from her fall but she is ok now",
    "i want to be left alone when im revising",
    # everyday answers three patterns once flagged (a curfew, a gas bill, a phone contract)
    "curfew is 10 but all my mates can stay out till 11",
    "i can stay out till 9 now im 14",
    "in debt with my gas bill",
    "need to pay off my phone contract",
    "i want to pay off my credit card before christmas",
]

# Decided: flagged on purpose. Negation never removes a hit where it could hide a real
# disclosure: a false alarm costs a minute.
FLAGGED_ON_PURPOSE: list[tuple[str, str]] = [
    ("I don't want to kill myself", "suicide"),
    ("I cut myself shaving", "self_harm"),
    ("I walked 5 kms", "suicide"),
]

# Safe contexts (the phrase book's `safe` list) blank out everyday idioms, and only those:
# each harmless text on the left is quiet, and the risk on the right is still caught.
SAFE_CONTEXTS: list[tuple[str, str, str]] = [
    ("the dog ran away", "I ran away", "running_away"),
    ("hit me up on snap", "he hit me up against the wall", "harmed_or_abused"),
    ("I have never felt so safe", "I have never felt safe", "unsafe"),
    ("can you help me with my homework", "can you help me", "help_now"),
    ("I'm dying to see my sister", "I'm dying inside and want to die", "suicide"),
    ("my carer hurt her back lifting the shopping", "he hurt me", "harmed_or_abused"),
    ("school is killing me lol", "he is going to kill me", "harmed_or_abused"),
    ("we did a lesson about county lines", "im doing county lines", "criminal_exploitation"),
    ("My UC got cut", "they are going to cut me in the summer", "forced_marriage"),
    ("IRO didnt explain why my contact got cut", "my cousin got cut over there", "forced_marriage"),
    ("boxing keeps me out of trouble", "he keeps me in", "confined"),
    ("i cant have sleepovers unless their parents get police checked", "ring the police",
     "help_now"),
    ("our puppy is called max and he sleeps on my bed every night", "he sleeps in my bed",
     "sexual_abuse"),
    ("my advocate said the things i was too scared to say", "i am too scared to say what happened",
     "secrets"),
    ("someone help me get a job", "please help me", "help_now"),
    ("i walked out of the meeting cos they kept on about mum", "i ran away from my placement",
     "running_away"),
    ("the video call with my iro kept cutting out", "i keep cutting", "self_harm"),
    ("the jobcentre threatened to sanction my universal credit", "they threatened me",
     "harmed_or_abused"),
    ("my dad relapsed last month and its hard", "i relapsed last night", "self_harm"),
    ("my electric is on an emergency meter again", "its an emergency please help", "help_now"),
    ("the hostel staff threaten to give you notice if youre late back",
     "he threatened to kill me", "harmed_or_abused"),
    ("we cant have anyone round after 10 at the flat", "im not allowed to see anyone",
     "confined"),
]


def categories(text: str) -> list[str]:
    return [hit.category.value for hit in detect_risk(text)]


@pytest.mark.parametrize(("text", "category"), POSITIVES)
def test_flags_risk(text: str, category: str) -> None:
    assert category in categories(text)


@pytest.mark.parametrize("text", NEGATIVES)
def test_does_not_flag_everyday_answers(text: str) -> None:
    assert detect_risk(text) == ()


@pytest.mark.parametrize(("text", "category"), FLAGGED_ON_PURPOSE)
def test_flags_ambiguous_answers_on_purpose(text: str, category: str) -> None:
    assert category in categories(text)


@pytest.mark.parametrize(("harmless", "risk", "category"), SAFE_CONTEXTS)
def test_safe_contexts_quiet_only_the_idiom(harmless: str, risk: str, category: str) -> None:
    assert detect_risk(harmless) == ()
    assert category in categories(risk)


def test_tables_are_big_enough_and_cover_every_category() -> None:
    assert len(POSITIVES) >= 40
    assert len(NEGATIVES) >= 25
    assert {category for _, category in POSITIVES} == {c.value for c in RiskCategory}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I feel safe", ()),
        ("I don't feel safe", (RiskHit(UNSAFE, "not_safe"),)),
        ("i dont really feel safe at all", (RiskHit(UNSAFE, "not_safe"),)),
        ("I'm not sure I feel safe", (RiskHit(UNSAFE, "not_safe"),)),
        ("I feel safe, I'm not scared", ()),
    ],
)
def test_negation_only_where_safe(text: str, expected: tuple[RiskHit, ...]) -> None:
    assert detect_risk(text) == expected


def test_one_hit_per_category_in_category_order() -> None:
    text = "help me!! he hits me and i want to run away, i want to kill myself. kms. he hit me"
    assert detect_risk(text) == (
        RiskHit(SUICIDE, "kill_myself"),
        RiskHit(HARMED, "hit_me"),
        RiskHit(RUNNING, "run_away"),
        RiskHit(HELP, "help_me"),
    )
    assert detect_risk(text) == detect_risk(text)


def test_earliest_phrase_in_a_category_wins() -> None:
    assert detect_risk("i wanna die, i want to kill myself") == (RiskHit(SUICIDE, "want_to_die"),)


def test_hit_never_holds_the_text() -> None:
    assert [f.name for f in dataclasses.fields(RiskHit)] == ["category", "phrase_id"]
    (hit,) = detect_risk("my secret: he touched me")
    assert "secret" not in repr(hit)
    with pytest.raises(dataclasses.FrozenInstanceError):
        hit.phrase_id = "x"  # type: ignore[misc]


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "😀👍🙂", "...!!!", "💀😂"])
def test_no_words_no_hits(text: str) -> None:
    assert detect_risk(text) == ()
    assert not is_help_request(text)


def test_an_sos_emoji_alone_is_a_call_for_help() -> None:
    assert is_help_request("🆘")
    assert [hit.category.value for hit in detect_risk("🆘🆘")] == ["help_now"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I DON’T feel safe!!! 😢 Sooo scared", "i dont fel safe so scared"),
        ("kill-myself", "kil myself"),
        ("ｋｍｓ", "kms"),
        ("Kïll  MYSELF_now", "kil myself now"),
        ("k̶m̶s̶", "kms"),
        ("don`t", "dont"),
        ("", ""),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I need help now", True),
        ("help me", True),
        ("HELP!!!", True),
        ("pls help", True),
        ("I need help.", True),
        ("i need someone to talk to now", True),
        ("sos", True),
        ("my carer helps me", False),
        ("I need help with my CV", False),
        ("the help at school was good", False),
        ("he hits me", False),  # a risk, but not a request: detect_risk flags it
    ],
)
def test_is_help_request(text: str, expected: bool) -> None:
    assert is_help_request(text) is expected


def test_long_text_is_still_found() -> None:
    """Throughput is measured in `python -m benchmarks.safeguarding`; here, only the answer."""
    filler = "My IRO was descriptive and my carer is kind, school is ok. " * 200
    text = (filler + "i want to run away")[-10_000:]
    assert len(text) == 10_000
    assert categories(text) == ["running_away"]


# ----- the reply ------------------------------------------------------------------------


def test_help_reply_is_kind_and_honest() -> None:
    reply = help_reply()
    assert reply == HELP_MESSAGE
    assert "not in trouble" in reply
    assert "999" in reply
    assert "Childline" in reply and "0800 1111" in reply
    assert f"will read this {DEFAULT_OFFICE_HOURS}." in reply
    assert "not watched all the time" in reply


def test_help_reply_office_hours() -> None:
    reply = help_reply(office_hours="  within a day  ")
    assert "A participation officer will read this within a day." in reply
    with pytest.raises(ValueError, match="office_hours"):
        help_reply(office_hours="  ")


# ----- phrase books ----------------------------------------------------------------------

COUNCIL_BOOK = """
version: 1
slots:
  place: [the unit, my flat]
categories:
  unsafe:
    - id: scared_of_place
      patterns: ["(scared|afraid) (of|in) {place}"]
  suicide:
    - id: kill_myself
      patterns: ["(end|ending) me"]
"""


def test_custom_phrase_book(tmp_path: Path) -> None:
    path = tmp_path / "council.yaml"
    path.write_text(COUNCIL_BOOK, encoding="utf-8")
    council = PhraseBook.from_path(path)
    assert council.detect("I'm SCARED in the unit") == (RiskHit(UNSAFE, "scared_of_place"),)
    assert council.detect("I want to kill myself") == ()
    both = PhraseBook.default().extended(council)
    assert both.detect("scared of my flat") == (RiskHit(UNSAFE, "scared_of_place"),)
    assert both.detect("kms") == (RiskHit(SUICIDE, "kill_myself"),)
    assert both.detect("thinking about ending me") == (RiskHit(SUICIDE, "kill_myself"),)
    assert detect_risk("scared of my flat", book=both) == both.detect("scared of my flat")
    assert "scared_of_place" in both.phrase_ids[UNSAFE]


@pytest.mark.parametrize(
    ("pattern", "extra"),
    [
        ("hit(s)? me", ["hit me", "hits me"]),
        ("he * hurts me", ["he hurts me", "he really really hurts me", "he, my dad, hurts me"]),
        ("^ (please)? help $", ["help", "please help!"]),
        ("(some )?help now", ["help now", "some help now"]),
        ("i (really)? need you", ["i need you", "i really need you"]),
    ],
)
def test_pattern_language_matches(pattern: str, extra: list[str]) -> None:
    book = PhraseBook.from_yaml(
        f"version: 1\ncategories:\n  unsafe:\n    - id: p\n      patterns: [{pattern!r}]\n"
    )
    for text in extra:
        assert book.detect(text) == (RiskHit(UNSAFE, "p"),), text


@pytest.mark.parametrize(
    ("pattern", "absent"),
    [
        ("hit(s)? me", ["white mess", "hitme", "shit me"]),
        ("he * hurts me", ["he was ok and then it was bad and it hurts me"]),
        ("^ (please)? help $", ["please help me", "i help"]),
    ],
)
def test_pattern_language_does_not_match(pattern: str, absent: list[str]) -> None:
    book = PhraseBook.from_yaml(
        f"version: 1\ncategories:\n  unsafe:\n    - id: p\n      patterns: [{pattern!r}]\n"
    )
    for text in absent:
        assert book.detect(text) == (), text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version: [", "not valid YAML"),
        ("- just a list", "expected a mapping"),
        ("version: 2\ncategories: {}", "version: must be 1"),
        ("version: 1\ncategory: {}", "unknown keys"),
        ("version: 1\ncategories:\n  scary: [{id: a, patterns: [x]}]", "unknown category"),
        ("version: 1\ncategories:\n  unsafe: [{id: a, pattern: [x]}]", "exactly the keys"),
        ("version: 1\ncategories:\n  unsafe: [{id: A b, patterns: [x]}]", "id must be"),
        ("version: 1\ncategories:\n  unsafe: [{id: a, patterns: []}]", "non-empty list"),
        (
            "version: 1\ncategories:\n  unsafe: [{id: a, patterns: [x]}, {id: a, patterns: [y]}]",
            "used twice",
        ),
        ("version: 1\ncategories:\n  unsafe: [{id: a, patterns: ['(a|(b))']}]", "nested"),
        ("version: 1\ncategories:\n  unsafe: [{id: a, patterns: ['(a']}]", "without"),
        ("version: 1\ncategories:\n  unsafe: [{id: a, patterns: ['{who} hit']}]", "unknown slot"),
        ("version: 1\ncategories:\n  unsafe: [{id: a, patterns: ['(maybe)?']}]", "match nothing"),
        ("version: 1\ncategories:\n  unsafe: [{id: a, patterns: ['a ^ b']}]", "must come first"),
        ("version: 1\ncategories:\n  unsafe: [{id: a, patterns: ['a*b']}]", "on its own"),
        ("version: 1\nslots: {who: ['(a|b)']}\ncategories: {}", "plain words"),
    ],
)
def test_bad_phrase_book_is_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(PhraseBookError, match=message) as raised:
        PhraseBook.from_yaml(text, source="council.yaml")
    assert str(raised.value).startswith("council.yaml")


def test_bad_phrase_book_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(PhraseBookError, match=r"missing\.yaml: cannot read"):
        PhraseBook.from_path(missing)
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\ncategories:\n  unsafe:\n    - id: x\n", encoding="utf-8")
    with pytest.raises(PhraseBookError, match=r"broken\.yaml: categories\.unsafe\[0\]"):
        PhraseBook.from_path(broken)


def test_default_book_has_every_category() -> None:
    assert list(PhraseBook.default().phrase_ids) == list(RiskCategory)


@pytest.mark.parametrize("name", BUILTIN_BOOKS)
def test_the_shipped_books_pass_every_check(name: str) -> None:
    """`PhraseBook.default()` skips compiling each pattern alone at start: checked here, with
    every check a council's own book gets, and every regex of the shipped books compiled."""
    text, source = builtin_text(name)
    assert PhraseBook.from_yaml(text, source=source).compile_all().phrase_ids
    assert PhraseBook.default().compile_all().detect("i want to kill myself")


def test_a_regex_is_compiled_when_its_first_word_turns_up() -> None:
    book = PhraseBook.from_yaml(
        "version: 1\ncategories:\n  unsafe:\n    - id: p\n      patterns: [hits me, scared of]\n"
    )
    matchers = {head: m for table in (book._heads,) for head, (m,) in table.items()}
    assert {head: m.regex for head, m in matchers.items()} == {"hits": None, "scared": None}
    assert book.detect("im scared of the dark") == (RiskHit(UNSAFE, "p"),)
    assert matchers["scared"].regex is not None and matchers["hits"].regex is None


def test_imports_nothing_heavy() -> None:
    code = textwrap.dedent(
        """
        import sys
        from surveys.safeguarding import detect_risk
        detect_risk("he hits me")
        heavy = {"sqlalchemy", "fastapi", "telegram", "nltk", "textblob"}
        print(sorted(m for m in sys.modules if m.split(".")[0] in heavy))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.stdout.strip() == "[]"
