"""Names and places no list holds, told by where they stand and by not being English
(`surveys.insights.unknown_words`), seen through `redact` as a board's quotes are; and the
English words in those places that must stay."""

from __future__ import annotations

import pytest

from surveys.insights.redaction import redact
from surveys.insights.unknown_words import mostly_english


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my carer shaaron lets him on the sofa", "my carer [name] lets him on the sofa"),
        ("i wont to see my bruver kaydun", "i wont to see my bruver [name]"),
        ("a flat on the beechwood estate, not safe", "a flat on the [place] estate, not safe"),
        ("since I moved to Lansdowne House", "since I moved to [place]"),
        ("The Kings Arms is where he drinks", "The [place] is where he drinks"),
        ("i go to st aidans now", "i go to [school] now"),
        ("i was at kingsfield primary til year 5", "i was at [school] til year 5"),
        ("moved to middlewich and i dont know anyone", "moved to [place] and i dont know anyone"),
        ("the hartigans are my foster family", "the [name] are my foster family"),
        ("moving in with the fenwicks was the worst", "moving in with the [name] was the worst"),
        ("my worker is big Tez and he takes me", "my worker is big [name] and he takes me"),
        ("Jean-Luc my PA is sound", "[name] my PA is sound"),
        ("me n zephyrine went to the park", "me n [name] went to the park"),
        ("shaunagh said i could", "[name] said i could"),
        ("add me on snap its kayz_xo", "add me on snap its [name]"),
        ("my snap is tieganxo", "my snap is [name]"),
        ("im at 41 birchall way now", "im at [address] now"),
        ("text me on oh seven seven double oh 900 412", "text me on [phone]"),
        ("my NI number is QQ 12 34 56 C ok", "my NI number is [ref] ok"),
        ("the silver car MX68 KPT waits outside", "the silver car [ref] waits outside"),
        ("#justiceforkacper he was moved", "[name] he was moved"),
        ("#carekids deserve better", "#carekids deserve better"),
        ("everyone in audlem knows us", "everyone in [place] knows us"),
        ("my flat is through Aspire Housing", "my flat is through [place]"),
        ("a sleepover at ellies house", "a sleepover at [name]s house"),
        ("I like living with Sue. Sue is kind.", "I like living with [name]. [name] is kind."),
        ("Siôn is my best mate at the unit", "[name] is my best mate at the unit"),
        ("I HATE IT AT HOLLYBANK THE STAFF", "I HATE IT AT [place] THE STAFF"),
        ("danny mcgrath keeps starting on me", "[name] keeps starting on me"),
        ("thank you to Hanna my key worker", "thank you to [name] my key worker"),
        ("I told my PA (Lorraine) and she said", "I told my PA ([name]) and she said"),
        ("the house on Park Lane is good", "the house on [address] is good"),
        ("the landlord on Parliament rd shouts", "the landlord on [address] shouts"),
        ("my mum lives down Brambles Farm", "my mum lives down [place]"),
        ("Snap me if u want: lil.dee.x", "Snap me if u want: [name]"),
    ],
)
def test_words_that_are_not_english_where_a_name_or_place_stands(
    text: str, expected: str
) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "We go to the park on Sundays if its not raining",
        "I speak Tigrinya, a little English",
        "my worker promisd to sort my passport",  # misspelt, not a name
        "the council estate is rough",
        "I got a PlayStation and Fortnite for Christmas",
        "hostel has a curfew of 11",
        "rugby is on wednesdays",
        "I go to college mon, wed and fri",
        "im moving to semi independent in march",
        "my snap is private",
        "we watched the Simpsons with the family",
        "Mr and Mrs are not what I call them",
        "it was 3 different way of saying it",
        "I'm so Happy with my Placement",
        "Christmas was good, I got AirPods and a hoodie",
        "Rose-tinted glasses is what the council wears",
        "It is exhausting and retraumatising",
        "I was at McDonald's with my friends",
        "the hostel was rough but this place is way better",
        "dw i'n brifo fy hun eto",  # Welsh: most words are not English, and not names
        "dw i'n hapus efo fy ngofalwyr",
        "i came to the uk when i was 15",
        "I've been on the list 2 years. Band C. The officer says wait",
        "Got my passport so I can go on the trip to France",
        "Best bit is Friday takeaway night, usually a Chinese",
        "we went shopping on the High Street",
    ],
)
def test_english_words_in_those_places_stay(text: str) -> None:
    assert redact(text) == text


def test_a_text_mostly_in_english_is_told_from_one_in_welsh() -> None:
    assert mostly_english("my carer shaaron lets me stay up late")
    assert not mostly_english("dw i'n hapus efo fy ngofalwyr maeth")
    assert mostly_english("")
