"""Callback data and message keys: small, bound to a chat, refused when forged."""

from __future__ import annotations

import re

import pytest

from bot.callbacks import ANY_QUESTION, MAX_BYTES, ButtonKind, Signer

CHAT = 123456789


@pytest.fixture
def signer() -> Signer:
    return Signer("123:secret-token")


def test_round_trip_for_every_kind(signer: Signer) -> None:
    for kind, fields in (
        (ButtonKind.ANSWER, ("mood", "4")),
        (ButtonKind.CONSENT, ("AOUO0tGUCeSzGlULGiKUU-YpaFt29Roq",)),
        (ButtonKind.DECLINE, ()),
        (ButtonKind.DELETE, ("y",)),
        (ButtonKind.INVITATION, ("42",)),
    ):
        data = signer.encode(CHAT, kind, *fields)
        assert len(data.encode()) <= MAX_BYTES
        button = signer.decode(CHAT, data)
        assert button is not None and button.kind is kind and button.fields == fields


def test_a_button_only_works_in_its_own_chat(signer: Signer) -> None:
    data = signer.answer(CHAT, "mood", "4")
    assert signer.decode(CHAT + 1, data) is None
    assert Signer("123:another-token").decode(CHAT, data) is None


def test_any_change_is_refused(signer: Signer) -> None:
    data = signer.answer(CHAT, "mood", "4")
    for i, char in enumerate(data):
        changed = data[:i] + ("A" if char != "A" else "B") + data[i + 1 :]
        assert signer.decode(CHAT, changed) is None
    for junk in ("", "|", "a||", "z|x|" + data.rsplit("|", 1)[1], "é" * 40):
        assert signer.decode(CHAT, junk) is None


def test_the_longest_ids_still_fit(signer: Signer) -> None:
    data = signer.answer(-(10**13), "q" * 31, "o" * 31)
    assert len(data.encode()) <= MAX_BYTES
    button = signer.decode(-(10**13), data)
    assert button is not None and button.fields == (ANY_QUESTION, "o" * 31)
    short = signer.decode(CHAT, signer.answer(CHAT, "q" * 20, "o" * 20))
    assert short is not None and short.fields == ("q" * 20, "o" * 20)


def test_what_cannot_fit_is_refused_at_once(signer: Signer) -> None:
    with pytest.raises(ValueError):
        signer.encode(CHAT, ButtonKind.CONSENT, "x" * 60)
    with pytest.raises(ValueError):
        signer.encode(CHAT, ButtonKind.CONSENT, "a|b")
    assert not signer.fits(ButtonKind.CONSENT, "x" * 60)
    assert signer.fits(ButtonKind.CONSENT, "x" * 40)


def test_message_keys_name_a_message_without_the_chat_id(signer: Signer) -> None:
    key = signer.message_key("m", CHAT, 17)
    assert key == signer.message_key("m", CHAT, 17)
    assert key != signer.message_key("m", CHAT, 18) != signer.message_key("m", CHAT + 1, 17)
    assert str(CHAT) not in key and len(key) <= 128


def test_the_default_webhook_secret_uses_allowed_characters(signer: Signer) -> None:
    assert re.fullmatch(r"[A-Za-z0-9_-]{20,256}", signer.webhook_secret())
