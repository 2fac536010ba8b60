"""Taking personal details out of quotes before a board reads them."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.insights.redaction import TOKENS, redact, shorten


def test_seed_quote() -> None:
    assert (
        redact("I got an explanation why I'm not with S. (old carer)")
        == "I got an explanation why I'm not with [name] (old carer)"
    )


@pytest.mark.parametrize(
    "text",
    [
        # quoted to the board (Cheshire East, 2017-18)
        "I like my meeting",
        "My IRO was descriptive",
        "I know what the SGO is now",
        "Time could have been discussed – had to change things to be able to attend",
        # ordinary words that look like names, places, numbers or addresses
        "I will go to my review",
        "I hope my social worker stays",
        "Will you help me?",
        "I miss my mum",
        "Miss you",
        "I got a C.",
        "in the U.K. it is different",
        "we do P.E. on monday",
        "we met in Year 9 at School",
        "at Christmas I went to Nan's",
        "I'm in Care and in Year 11",
        "I'd like more say in my Pathway Plan",
        "It's 5 minutes down the road",
        "my mum lives 10 miles down the road",
        "I have 3 brothers and 2 sisters",
        "In 2017-18 we had 194 of 722 back",
        "The meeting was at 10.30 in March",
        "I may 2 things",
        "numbers 0.5 1.5 2.5 3.5 4.5",
        "my snap is private",
        "oh snap that was bad",
        "we use the WhatsApp group",
        "I was at McDonald's",
        "I like Bath time",
        "Y11 2nd term",
        "Meet @ 5pm",
        "My PA helps me with money",
        "Grace is nice",  # a word-name at the start of a sentence is left
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("email me at jess.smith99@gmail.com please", "email me at [email] please"),
        ("JESS@EXAMPLE.CO.UK", "[email]"),
    ],
)
def test_emails(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ring me on 07700 900123", "ring me on [phone]"),
        ("07700-900-456.", "[phone]."),
        ("07700900123", "[phone]"),
        ("0770 090 0123", "[phone]"),
        ("my number is +44 7700 900123", "my number is [phone]"),
        ("call +44 (0)7700 900123 now", "call [phone] now"),
        ("+447700900123", "[phone]"),
        ("home is (01270) 686000", "home is [phone]"),
        ("01270 686000", "[phone]"),
        ("020 7946 0018 is the office", "[phone] is the office"),
        ("0161 496 0000", "[phone]"),
        ("ring 0800 123 456", "ring [phone]"),
        ("I'm 15 07700900123", "I'm 15 [phone]"),
        ("tel:07700900123", "tel:[phone]"),
        ("call me (07700 900123)", "call me ([phone])"),
        ("call 07700 900123 07700 900456 thanks", "call [phone] thanks"),
        ("my nan's number 01270 123456, ring her", "my nan's number [phone], ring her"),
    ],
)
def test_phone_numbers(text: str, expected: str) -> None:
    assert redact(text) == expected


@given(
    st.sampled_from(["07", "01", "02", "+44 7", "+44 1", "0044 7"]),
    st.lists(st.integers(0, 9), min_size=9, max_size=9),
    st.lists(st.sampled_from(["", " ", "-", "."]), min_size=9, max_size=9),
)
def test_no_digit_of_a_phone_number_survives(
    prefix: str, digits: list[int], separators: list[str]
) -> None:
    number = prefix + "".join(sep + str(d) for sep, d in zip(separators, digits, strict=True))
    out = redact(f"text me on {number} ok")
    assert out == "text me on [phone] ok"
    assert not re.search(r"\d", out)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I live at 12 High Street", "I live at [address]"),
        ("12 park road", "[address]"),
        ("flat 3, 12 high street", "[address]"),
        ("Flat 3b", "[address]"),
        ("I live on Mill Lane now", "I live on [address] now"),
        ("I Like Hyde Park", "I Like [address]"),
        ("my postcode is CW1 2AB", "my postcode is [address]"),
        ("ts1 2aa", "[address]"),
        ("I live at 12 High Street, Crewe, CW1 2AB", "I live at [address], [place], [address]"),
    ],
)
def test_addresses_and_postcodes(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see https://example.com/page. ok", "see [link]. ok"),
        ("go to www.mindofmyown.org.uk!", "go to [link]!"),
        ("tiktok.com/@jess", "[link]"),
        ("follow @jess_99 on insta", "follow [name] on insta"),
        ("my snap: jess_99", "my snap: [name]"),
        ("add my insta jess.x", "add my insta [name]"),
    ],
)
def test_links_and_handles(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I was born on 03/05/2008", "I was born on [date]"),
        ("born 3rd May 2008", "born [date]"),
        ("DOB: 3.5.08", "DOB: [date]"),
        ("my birthday is 3rd May", "my birthday is [date]"),
        ("on May 3rd, 2008", "on [date]"),
        ("The meeting was at 10.30 on 12/11", "The meeting was at 10.30 on [date]"),
        ("review on 12 March", "review on [date]"),
        ("since the 3rd of may", "since [date]"),
    ],
)
def test_dates_of_birth(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I saw Sarah at contact", "I saw [name] at contact"),
        ("sarah helped me", "[name] helped me"),
        ("Jack helps me", "[name] helps me"),
        ("Thank you Sarah!", "Thank you [name]!"),
        ("I saw Grace today", "I saw [name] today"),
        ("me and Will went", "me and [name] went"),
        ("my carer Dave is great", "my carer [name] is great"),
        ("my social worker Kayden Smith said no", "my social worker [name] said no"),
        ("My PA Steve helps", "My PA [name] helps"),
        ("I like my IRO Sarah-Jane", "I like my IRO [name]"),
        ("my friend Kayden's dog", "my friend [name]'s dog"),
        ("Mrs Jones is kind", "Mrs [name] is kind"),
        ("Mr Smith And Mrs Jones", "Mr [name] And Mrs [name]"),
        ("Mr. S. came", "Mr. [name] came"),
        ("a girl called Kayden", "a girl called [name]"),
        ("J.B. was there", "[name] was there"),
        ("At Kayden's house", "At [name]'s house"),
    ],
)
def test_names(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_known_names() -> None:
    out = redact(
        "kayden said Smith and Mrs Hope were there; I hope WILL and Will come, but I will not",
        known_names=["Kayden Smith", "Mrs Hope", "Will"],
    )
    assert out == (
        "[name] said [name] and Mrs [name] were there; I hope [name] and [name] come, "
        "but I will not"
    )


def test_known_names_are_escaped_and_blank_ones_ignored() -> None:
    out = redact("O'Neill and jo came", known_names=["O'Neill", " ", "Jo"])
    assert out == "[name] and [name] came"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I live in Crewe", "I live in [place]"),
        ("i live in crewe with my foster carers", "i live in [place] with my foster carers"),
        ("I moved from Milton Keynes to stoke-on-trent", "I moved from [place] to [place]"),
        ("London is big", "[place] is big"),
        ("at Mum's in Bath", "at Mum's in [place]"),
        ("I'm from Poland", "I'm from [place]"),
        ("I am in Year 11 at Crewe Academy", "I am in Year 11 at [school]"),
        ("we stay near Tarporley", "we stay near [place]"),
    ],
)
def test_places(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_tokens_are_the_documented_ones() -> None:
    assert {
        "[name]", "[phone]", "[email]", "[address]", "[place]", "[link]", "[date]", "[ref]",
        "[school]",
    } == TOKENS  # fmt: skip


def test_redacting_twice_changes_nothing_more() -> None:
    text = "Sam (07700 900123, sam@x.com) lives at 12 High Street in Crewe, born 1/2/2008"
    once = redact(text)
    assert once == "[name] ([phone], [email]) lives at [address] in [place], born [date]"
    assert redact(once) == once


# --- shorten --------------------------------------------------------------------------


def test_short_text_is_unchanged() -> None:
    assert shorten("I like my meeting") == "I like my meeting"
    assert shorten("  padded  ") == "padded"
    assert shorten("x" * 200) == "x" * 200


def test_cut_at_a_word_boundary() -> None:
    text = "I got an explanation why I'm not with my old carer any more"
    out = shorten(text, 30)
    assert out == "I got an explanation why I'm…"
    assert len(out) <= 30


def test_cut_drops_trailing_punctuation() -> None:
    assert shorten("one two, three four", 10) == "one two…"


def test_one_long_word_is_cut_hard() -> None:
    assert shorten("a" * 50, 10) == "a" * 9 + "…"


def test_cut_never_leaves_half_a_number() -> None:
    assert shorten("call me on 07700 900123 please", 20) == "call me on…"
    assert shorten("call me on 07700900123 please", 20) == "call me on…"


def test_shorten_rejects_silly_lengths() -> None:
    with pytest.raises(ValueError):
        shorten("text", 0)


@given(st.text(alphabet="ab 01.-", max_size=300), st.integers(1, 250))
def test_shorten_never_exceeds_the_limit(text: str, limit: int) -> None:
    out = shorten(text, limit)
    assert len(out) <= limit
    if len(text.strip()) > limit:
        assert out.endswith("…")


@given(st.text(max_size=400))
def test_redact_takes_any_text(text: str) -> None:
    out = redact(text)
    assert isinstance(out, str)
    assert not re.search(r"\b0[1237]\d{9}\b", out)  # no whole UK number survives


# --- refs, schools, context, invisible characters, refusing ---------------------------


def test_the_issue_example_names_no_one() -> None:
    text = "My name is Kayleigh Smith and my ref is DEMO-C0020, ring me on 07700 900123"
    assert redact(text) == "My name is [name] and my ref is [ref], ring me on [phone]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("it's demo c0020 on the letter", "it's [ref] on the letter"),
        ("d-e-m-o c 0 0 2 0", "[ref]"),
        ("my number is CE 104233", "my number is [ref]"),
        ("reference 55123", "reference [ref]"),
        ("NHS 943 476 5919", "NHS [ref]"),
    ],
)
def test_known_and_configured_refs(text: str, expected: str) -> None:
    assert redact(text, known_refs=["DEMO-C0020"], ref_patterns=[r"CE\s?\d{6}"]) == expected


def test_council_ref_patterns_are_checked() -> None:
    from surveys.insights.redaction import RedactionError, check_ref_patterns

    assert check_ref_patterns([r"CE\d{6}"]) == (r"CE\d{6}",)
    with pytest.raises(RedactionError, match="not a regular expression"):
        check_ref_patterns(["CE(\\d"])
    with pytest.raises(RedactionError, match="empty"):
        check_ref_patterns([r"\d*"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my social worker is called sarah green", "my social worker is called [name]"),
        ("my carer Dave Oduya shouts", "my carer [name] shouts"),
        ("my name is zuzanna kowalczyk", "my name is [name]"),
        ("Kay\u200bleigh said", "[name] said"),
        ("\u202eSar\u2069ah\u202c is kind", "[name] is kind"),
        ("\u041a\u0430yleigh is here", "[name] is here"),
        ("I go to St Mary's Catholic High School", "I go to [school]"),
        ("i go to sandbach high school", "i go to [school]"),
        ("my birthday is the 3rd of May", "my birthday is [date]"),
        ("snap @ jessx", "snap [name]"),
        ("mail jay_b99 at example dot com", "mail [email]"),
    ],
)
def test_names_schools_dates_in_context_and_hidden(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_a_quote_that_cannot_be_made_safe_is_refused() -> None:
    from surveys.insights.redaction import safe_quote

    assert safe_quote("I like my meeting") == "I like my meeting"
    assert safe_quote("my name is the one and only Jessamyn-Rae") is None
    assert safe_quote("k a y l e i g h", known_names=["Kayleigh"]) == "[name]"
    assert safe_quote("I am 12345 in the queue") is None  # a long number left: refused
    assert safe_quote("everyone calls me shortz") == "everyone calls me [name]"  # a nickname
    assert safe_quote("my carer calls me sweetie") is None  # a pet name left: refused
    # what a worker or carer does is not what a young person is called
    for words in ("My social worker never calls me back", "he calls me names at school",
                  "she calls me stupid", "my PA calls me every week", "call me when you can",
                  "I get called names at school", "my meeting was called off again",
                  "im called names at school"):
        assert safe_quote(words) == words


def test_ref_candidates_cover_the_ways_a_ref_is_stored() -> None:
    from surveys.insights.redaction import name_candidates, ref_candidates

    found = ref_candidates("my ref is demo c0020, ring me")
    assert {"DEMO-C0020", "demo-c0020", "DEMOC0020", "DEMO/C0020", "C0020"} <= found
    assert all(any(ch.isdigit() for ch in c) for c in found)  # only runs holding a digit
    assert "Kayleigh" in name_candidates("kayleigh and me") and "And" not in name_candidates(
        "kayleigh and me"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I live with Mr and Mrs Oldman", "I live with Mr and Mrs [name]"),
        ("Mr & Mr Oldman are great", "Mr & Mr [name] are great"),
        ("I live with the Oldman family", "I live with the [name] family"),
        ("I have been with the Oldmans for 2 years", "I have been with the [name] for 2 years"),
        ("I like living with the foster family", "I like living with the foster family"),
        ("the whole family came", "the whole family came"),
        ("The Foster family took me out", "The Foster family took me out"),
        ("Mr and Mrs are not what I call them", "Mr and Mrs are not what I call them"),
    ],
)
def test_carers_named_as_a_couple_or_a_family_lose_their_surname(
    text: str, expected: str
) -> None:
    assert redact(text) == expected
