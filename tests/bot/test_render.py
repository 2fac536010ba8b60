"""Prompts as Telegram messages: keyboards, ticks, progress, splitting long text."""

from __future__ import annotations

from bot import texts
from bot.callbacks import Signer
from bot.render import HELP_KEYBOARD, chunks, keyboard, render_prompts
from surveys.engine import Command, Option, Prompt, PromptKind
from surveys.model import QuestionKind

SIGNER = Signer("1:t")


def labels(prompt: Prompt) -> list[list[str]]:
    markup = keyboard(prompt, 5, SIGNER)
    assert markup is not None
    return [[b.text for b in row] for row in markup.inline_keyboard]


def question(kind: QuestionKind, options: tuple[Option, ...]) -> Prompt:
    return Prompt(PromptKind.QUESTION, "Q?", "q", kind, options, number=2, total=5)


SKIP = Option(Command.SKIP, "Skip", command=Command.SKIP)
BACK = Option(Command.BACK, "⬅ Back", command=Command.BACK)


def test_yes_no_side_by_side_controls_below() -> None:
    prompt = question(QuestionKind.YESNO, (Option("yes", "Yes"), Option("no", "No"), SKIP, BACK))
    assert labels(prompt) == [["Yes", "No"], ["Skip", "⬅ Back"]]


def test_a_scale_one_face_a_row() -> None:
    faces = tuple(Option(str(i), f"face {i}") for i in range(1, 6))
    assert labels(question(QuestionKind.SCALE, faces)) == [[f"face {i}"] for i in range(1, 6)]


def test_multi_ticks_what_is_chosen_and_long_labels_get_a_row_each() -> None:
    options = (
        Option("a", "My carer", selected=True),
        Option("b", "My social worker or PA"),
        Option(Command.DONE, "✅ Done", command=Command.DONE),
    )
    assert labels(question(QuestionKind.MULTI, options)) == [
        ["✅ My carer"],
        ["My social worker or PA"],
        ["✅ Done"],
    ]


def test_progress_and_the_help_keyboard_on_the_first_plain_message() -> None:
    prompts = (
        Prompt(PromptKind.INTRO, "Hi"),
        question(QuestionKind.YESNO, (Option("yes", "Yes"), Option("no", "No"))),
    )
    intro, asked = render_prompts(prompts, 5, SIGNER, help_keyboard=True)
    assert intro.markup is HELP_KEYBOARD
    assert asked.text == "Question 2 of 5\nQ?"
    assert texts.HELP_BUTTON in [b.text for row in HELP_KEYBOARD.keyboard for b in row]


def test_long_text_is_split_at_line_breaks_within_telegrams_limit() -> None:
    text = "\n".join(f"line {i} " + "x" * 90 for i in range(200))
    parts = chunks(text)
    assert all(len(p) <= 4096 for p in parts) and len(parts) == 5
    assert "\n".join(parts) == text
    assert chunks("y" * 9000) == ["y" * 4096, "y" * 4096, "y" * 808]


def test_after_the_thanks_a_telegram_chat_says_a_reply_would_come_here() -> None:
    ended = (Prompt(PromptKind.THANKS, "Thank you!"), Prompt(PromptKind.NOTICE, "Read soon."))
    thanks, notice, after = render_prompts(ended, 5, SIGNER)
    assert (thanks.text, notice.text) == ("Thank you!", "Read soon.")
    assert after.text == "If someone writes back to you, it will come here in this chat."
    [welsh] = render_prompts((Prompt(PromptKind.INTRO, "Hi"),), 5, SIGNER, language="cy")
    assert "writes back" not in welsh.text  # only after the thanks
