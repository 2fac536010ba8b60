"""Engine prompts as Telegram messages: text, inline keyboards, and the answered record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
)

from bot import texts
from bot.callbacks import ButtonKind, Signer
from surveys.engine import Option, Prompt, PromptKind
from surveys.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_
from surveys.model import QuestionKind

MAX_TEXT = 4096  # Telegram's limit for one message
MAX_TOAST = 200  # answerCallbackQuery text
SHORT_LABEL = 14  # labels this short share a row

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup

@cache
def help_keyboard_in(language: str | None) -> ReplyKeyboardMarkup:
    """The "I need help now" button kept under the keyboard, in the young person's language."""
    return ReplyKeyboardMarkup(
        [[texts.say(language, texts.HELP_BUTTON)]],
        resize_keyboard=True,
        is_persistent=True,
        input_field_placeholder=texts.say(language, PLACEHOLDER),
    )


PLACEHOLDER = N_("Type your answer…")
HELP_KEYBOARD = help_keyboard_in(None)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to send."""

    text: str
    markup: Markup | None = None


def question_text(prompt: Prompt, language: str | None = None) -> str:
    """A question with where it is in the survey, e.g. "Question 2 of 6"."""
    if prompt.number is None or prompt.total is None:
        return prompt.text
    where = texts.say(language, N_("Question {number} of {total}")).format(
        number=prompt.number, total=prompt.total
    )
    return f"{where}\n{prompt.text}"


def answered_text(shown: str, answer: str) -> str:
    """The question's message once answered, so the chat reads as a record."""
    return fit(f"{shown}\n\n{texts.ANSWERED.format(answer=answer)}")


def went_back_text(shown: str, language: str | None = None) -> str:
    return fit(f"{shown}\n\n{texts.say(language, texts.WENT_BACK)}")


def keyboard(prompt: Prompt, chat_id: int, signer: Signer) -> InlineKeyboardMarkup | None:
    """Buttons for a question: answers (ticked when chosen), then controls on one row."""
    answers = [o for o in prompt.options if o.command is None]
    controls = [o for o in prompt.options if o.command is not None]
    rows: list[list[InlineKeyboardButton]] = []
    pair = prompt.question_kind is QuestionKind.YESNO or all(
        len(o.label) <= SHORT_LABEL for o in answers
    )
    per_row = 2 if pair and prompt.question_kind is not QuestionKind.SCALE else 1
    if prompt.question_kind is QuestionKind.SCALE and len(answers) > 5:
        per_row = 4  # 0 to 10: three rows of numbers
    for start in range(0, len(answers), per_row):
        rows.append([_button(prompt, o, chat_id, signer) for o in answers[start : start + per_row]])
    if controls:
        rows.append([_button(prompt, o, chat_id, signer) for o in controls])
    return InlineKeyboardMarkup(rows) if rows else None


def _button(prompt: Prompt, option: Option, chat_id: int, signer: Signer) -> InlineKeyboardButton:
    ticked = prompt.question_kind is QuestionKind.MULTI and option.command is None
    label = f"✅ {option.label}" if ticked and option.selected else option.label
    return InlineKeyboardButton(
        label, callback_data=signer.answer(chat_id, prompt.question_id, option.id)
    )


def render_prompt(
    prompt: Prompt, chat_id: int, signer: Signer, language: str | None = None
) -> Outgoing:
    """One engine prompt as one message (questions carry their keyboard)."""
    if prompt.kind is PromptKind.QUESTION:
        return Outgoing(question_text(prompt, language), keyboard(prompt, chat_id, signer))
    if prompt.kind is PromptKind.CHECK_IN:  # after help: "Carry on" / "Stop for now"
        return Outgoing(prompt.text, keyboard(prompt, chat_id, signer))
    return Outgoing(prompt.text)


def render_prompts(
    prompts: Sequence[Prompt],
    chat_id: int,
    signer: Signer,
    *,
    help_keyboard: bool = False,
    language: str | None = None,
) -> list[Outgoing]:
    """Messages for a turn; `help_keyboard` pins the "I need help now" button on the first
    message that has no inline keyboard (a message carries one keyboard at most). A turn that
    thanks them ends saying a worker's reply would come to this chat (it does: the outbox)."""
    out: list[Outgoing] = []
    for prompt in prompts:
        message = render_prompt(prompt, chat_id, signer, language)
        if help_keyboard and message.markup is None:
            message = Outgoing(message.text, help_keyboard_in(language))
            help_keyboard = False
        out.extend(split(message))
    if any(p.kind is PromptKind.THANKS for p in prompts):
        out.append(Outgoing(texts.say(language, texts.REPLIES_COME_HERE)))
    return out


def split(message: Outgoing) -> list[Outgoing]:
    """Split an over-long message at line breaks; the keyboard goes on the last part."""
    parts = chunks(message.text)
    return [
        Outgoing(part, message.markup if i == len(parts) - 1 else None)
        for i, part in enumerate(parts)
    ]


def chunks(text: str, limit: int = MAX_TEXT) -> list[str]:
    """`text` in pieces of at most `limit` characters, broken at newlines or spaces."""
    text = text.strip() or "…"
    parts: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = text.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    parts.append(text)
    return parts


def fit(text: str, limit: int = MAX_TEXT) -> str:
    """`text` cut to `limit` characters (for edits, which cannot be split)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def toast(text: str) -> str:
    """A callback answer's text (at most 200 characters)."""
    return fit(text, MAX_TOAST)


def consent_keyboard(
    chat_id: int, code: str, signer: Signer, language: str | None = None
) -> InlineKeyboardMarkup:
    """Yes / No thanks under the privacy notice; "yes" carries the invitation code."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.say(language, texts.CONSENT_YES),
                    callback_data=signer.encode(chat_id, ButtonKind.CONSENT, code),
                ),
                InlineKeyboardButton(
                    texts.say(language, texts.CONSENT_NO),
                    callback_data=signer.encode(
                        chat_id, ButtonKind.DECLINE, language or DEFAULT_LANGUAGE
                    ),
                ),
            ]
        ]
    )


def delete_keyboard(
    chat_id: int, signer: Signer, language: str | None = None
) -> InlineKeyboardMarkup:
    """Yes / No under "delete my data?", in the young person's language."""
    yes, no = texts.say(language, texts.DELETE_YES), texts.say(language, texts.DELETE_NO)
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    yes, callback_data=signer.encode(chat_id, ButtonKind.DELETE, "y")
                ),
                InlineKeyboardButton(
                    no, callback_data=signer.encode(chat_id, ButtonKind.DELETE, "n")
                ),
            ]
        ]
    )


def language_keyboard(chat_id: int, signer: Signer) -> InlineKeyboardMarkup:
    """One button a shipped language, each named in itself."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    name, callback_data=signer.encode(chat_id, ButtonKind.LANGUAGE, code)
                )
            ]
            for code, name in LANGUAGES.items()
        ]
    )


def start_keyboard(
    chat_id: int, invitation_id: int, signer: Signer, *, label: str = texts.START_BUTTON
) -> InlineKeyboardMarkup:
    """The button on an invitation or reminder."""
    data = signer.encode(chat_id, ButtonKind.INVITATION, str(invitation_id))
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)]])
