"""Telegram handlers: parse an update, make one service call, render the turn.

No per-question state lives here or in python-telegram-bot: where a young person is in a
survey is in the database, so a restart or a second worker loses nothing. Private chats
only; updates from groups and channels match no handler and are ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from telegram import (
    Bot,
    CallbackQuery,
    ChatMember,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import texts
from bot.callbacks import ANY_QUESTION, ButtonKind, Signer
from bot.pictures import picture_png
from bot.render import (
    Outgoing,
    answered_text,
    consent_keyboard,
    delete_keyboard,
    fit,
    help_keyboard_in,
    keyboard,
    language_keyboard,
    render_prompts,
    toast,
    went_back_text,
)
from storage import statements
from storage.contact import Contact, ContactKind
from storage.conversations import (
    ConversationService,
    NotLinkedError,
    ResumeAsk,
    ResumeCheck,
    ResumeRefused,
    Turn,
)
from storage.invitation_codes import canonical, display, is_short_code
from storage.reach import Reach, RequestKind, RequestOutcome
from storage.retention import RetentionPolicy
from surveys import safeguarding
from surveys.engine import Command, Prompt, PromptKind, UserInput
from surveys.errors import InvitationError, ValidationError
from surveys.failures import where
from surveys.i18n import LANGUAGES, N_, normalize_language
from surveys.reach_texts import NOT_NOW_LABEL
from surveys.speech import AudioCache, SpeechUnavailable, spoken_question
from surveys.throttle import Guard, Throttles
from surveys.translations import localize

log = logging.getLogger(__name__)
CHANNEL = "telegram"
PRIVATE = filters.ChatType.PRIVATE
NEW_MESSAGE = filters.UpdateType.MESSAGE & PRIVATE
ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "my_chat_member")
COMMANDS = {
    "start": "Start, or carry on where you left off",
    "help": "What I can do",
    "back": "Go back a question",
    "skip": "Skip this question",
    "stop": "Pause: no more messages until /start",
    "talk": "Ask your worker or an advocate to get in touch",
    "message": "Tell us something: something's wrong, good news, talk to my worker",
    "read": "Read it to me: the question as a voice message",
    "privacy": "What we keep and who sees it",
    "language": "Choose your language (Dewis iaith)",
    "mydata": "Ask for a copy of everything we hold about you",
    "delete": "Ask for your data to be deleted",
}
# What a person sends that is not typed words (service messages are left alone).
USER_CONTENT = (
    filters.Sticker.ALL
    | filters.PHOTO
    | filters.VIDEO
    | filters.ANIMATION
    | filters.VOICE
    | filters.AUDIO
    | filters.VIDEO_NOTE
    | filters.Document.ALL
    | filters.LOCATION
    | filters.VENUE
    | filters.CONTACT
    | filters.POLL
    | filters.Dice.ALL
)
READ_IT = filters.Regex(
    re.compile(
        r"^\s*(?:" + "|".join(re.escape(w) for w in texts.READ_IT_WORDS) + r")\s*[.!]?\s*$",
        re.IGNORECASE,
    )
)
_CODE = re.compile(r"[A-Za-z0-9_-]{1,64}")


_AS_PRINTED = re.compile(r"\s*\w{4}[\s-]+\w{4}[\s-]+\w{4}\s*")


def _typed_code(text: str) -> str | None:
    """The code from a letter, if `text` is one typed on its own: as printed, in three
    groups of four ("k7mq 2x9p h3td"), or run together with a digit in it. Not any twelve
    letters: "I need help now" is made of letters a code could hold."""
    if not is_short_code(text):
        return None
    if _AS_PRINTED.fullmatch(text) or any(c.isdigit() for c in text):
        return canonical(text)
    return None
"""What an invitation code can look like (URL-safe base64); anything else is no code."""
_CONTROL_COMMANDS = {"back": Command.BACK, "skip": Command.SKIP, "done": Command.DONE}
_CONTACT_FIELDS = {(kind,) for kind in texts.CONTACT_BUTTONS}


@dataclass
class ChatHandlers:
    """The handlers, bound to the use cases they call."""

    conversations: ConversationService
    reach: Reach
    signer: Signer
    council_name: str = "your council"
    on_alert: Callable[[], None] = field(default=lambda: None)
    codes: Guard = field(default_factory=lambda: Throttles.from_limits().codes)
    """Unknown invitation codes a chat may try (`carevoice` shares the serve process's)."""
    retention: RetentionPolicy | None = None  # said in the privacy notice, in their language
    audio: AudioCache | None = None  # read-aloud; None when espeak-ng is missing

    def register(self, app: Application) -> None:  # type: ignore[type-arg]
        """Add every handler (and the error handler) to `app`."""
        edited = filters.UpdateType.EDITED_MESSAGE & PRIVATE
        app.add_handler(MessageHandler(edited, self.on_edited))
        app.add_handler(CommandHandler("start", self.on_start, filters=NEW_MESSAGE))
        app.add_handler(CommandHandler("help", self.on_help, filters=NEW_MESSAGE))
        app.add_handler(CommandHandler("privacy", self.on_privacy, filters=NEW_MESSAGE))
        app.add_handler(
            CommandHandler(["language", "iaith"], self.on_language, filters=NEW_MESSAGE)
        )
        app.add_handler(CommandHandler(list(_CONTROL_COMMANDS), self.on_control, NEW_MESSAGE))
        app.add_handler(CommandHandler("stop", self.on_stop, filters=NEW_MESSAGE))
        app.add_handler(CommandHandler("delete", self.on_delete, filters=NEW_MESSAGE))
        app.add_handler(CommandHandler("talk", self.on_talk, filters=NEW_MESSAGE))
        app.add_handler(CommandHandler("message", self.on_message, filters=NEW_MESSAGE))
        app.add_handler(CommandHandler("mydata", self.on_my_data, filters=NEW_MESSAGE))
        app.add_handler(CommandHandler("read", self.on_read, filters=NEW_MESSAGE))
        app.add_handler(MessageHandler(NEW_MESSAGE & READ_IT, self.on_read))
        app.add_handler(MessageHandler(NEW_MESSAGE & filters.COMMAND, self.on_unknown_command))
        app.add_handler(MessageHandler(NEW_MESSAGE & filters.TEXT, self.on_text))
        app.add_handler(MessageHandler(NEW_MESSAGE & USER_CONTENT, self.on_other))
        app.add_handler(CallbackQueryHandler(self.on_button))
        app.add_handler(ChatMemberHandler(self.on_membership, ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_error_handler(self.on_error)

    # ----- commands ---------------------------------------------------------------------

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start CODE links the chat (after the privacy notice); /start alone carries on."""
        message, chat_id = _message(update)
        # a typed code may come in pieces ("/start K7MQ 2X9P H3TD"); a link's is one piece
        code = canonical("".join(context.args)) if context.args else None
        await self._start_with(context, message, chat_id, code)

    async def _start_with(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        message: Message,
        chat_id: int,
        code: str | None,
    ) -> None:
        """What /start CODE (or /start alone, `code` None) does."""
        if code is not None and not _CODE.fullmatch(code):  # not one we could have issued
            if not await self._may_try_code(context, chat_id):
                return
            self.codes.miss(f"{CHANNEL}:{chat_id}")
            language = await self._language(chat_id)
            await message.reply_text(texts.say(language, str(InvitationError("unknown"))))
            return
        status = await self.reach.chat_status(CHANNEL, str(chat_id), code=code)
        if code is not None and not (status.consented and status.owns_code):
            # every code looked up is checked against the throttle and a guess is counted
            # before anything is shown: the notice's language would tell a real code apart
            if not await self._may_try_code(context, chat_id):
                return
            invited = await self.conversations.invited_language(code)
            if invited is None or not self.signer.fits(ButtonKind.CONSENT, code):
                refused = (
                    await self.conversations.unknown_code(code)
                    if invited is None
                    else InvitationError("unknown")
                )
                if refused.reason == "unknown":  # a guess: an old letter's code is not one
                    self.codes.miss(f"{CHANNEL}:{chat_id}")
                language = await self._language(chat_id)
                await message.reply_text(texts.say(language, str(refused)))
                return
            language = invited
            markup = consent_keyboard(chat_id, code, self.signer, language)
            await message.reply_text(
                texts.privacy_notice(self.council_name, self._keeping(language), language),
                reply_markup=markup,
            )
            return
        if code is not None:
            await self.reach.restart(CHANNEL, str(chat_id))
            await self._redeem(context, chat_id, code)
            return
        if not status.linked:
            await self._reply(message, chat_id, texts.WELCOME_UNLINKED)
            return
        await self.reach.restart(CHANNEL, str(chat_id))
        turn = await self.conversations.open(channel=CHANNEL, address=str(chat_id))
        await self._send(context, chat_id, turn.prompts, help_keyboard=True, turn=turn)

    async def on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, chat_id = _message(update)
        await message.reply_text(texts.help_text(await self._language(chat_id)))

    async def on_privacy(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, chat_id = _message(update)
        language = await self._language(chat_id)
        await message.reply_text(
            texts.privacy_reminder(self.council_name, self._keeping(language), language)
        )

    def _keeping(self, language: str) -> str:
        """How long what they tell us is kept, in words in `language` ("" if not set)."""
        return self.retention.describe(language) if self.retention is not None else ""

    async def on_language(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/language (or /iaith): buttons for each language; `/language cy` sets it at once."""
        message, chat_id = _message(update)
        status = await self.reach.chat_status(CHANNEL, str(chat_id))
        if not status.linked:
            await self._reply(message, chat_id, texts.NOT_LINKED)
            return
        chosen = normalize_language(" ".join(context.args)) if context.args else None
        if chosen is not None:
            await self._set_language(context, chat_id, chosen)
            return
        language = await self._language(chat_id)
        await message.reply_text(
            texts.say(language, texts.LANGUAGE_ASK),
            reply_markup=language_keyboard(chat_id, self.signer),
        )

    async def _set_language(
        self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, language: str
    ) -> None:
        """Keep the choice on the young person, say so in it, and ask the question again."""
        try:
            turn = await self.conversations.set_language(
                language, channel=CHANNEL, address=str(chat_id)
            )
        except NotLinkedError:
            await context.bot.send_message(chat_id, texts.say(language, texts.NOT_LINKED))
            return
        await context.bot.send_message(
            chat_id,
            texts.say(language, texts.LANGUAGE_SET),
            reply_markup=help_keyboard_in(language),
        )
        await self._send(context, chat_id, turn.prompts, turn=turn)

    async def _language(self, chat_id: int) -> str:
        """The language of the young person this chat is linked to (English if none)."""
        return await self.conversations.language_of(channel=CHANNEL, address=str(chat_id))

    async def _reply(self, message: Message, chat_id: int, text: str, **extra: object) -> None:
        """Reply with a fixed text (a catalogue msgid) in the chat's language."""
        language = await self._language(chat_id)
        await message.reply_text(texts.say(language, text), **extra)  # type: ignore[arg-type]

    async def _tell(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str) -> None:
        """Send a fixed text (a catalogue msgid) in the chat's language."""
        language = await self._language(chat_id)
        await context.bot.send_message(chat_id, texts.say(language, text))

    def _help_reply(self, language: str) -> str:
        """The safeguarding help reply in `language`."""
        return self.conversations.engine.speaking(language).help()

    async def on_control(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/back, /skip, /done: the same as the buttons."""
        message, _ = _message(update)
        name = (message.text or "/").split()[0][1:].split("@")[0].lower()
        await self._answer(update, context, UserInput(command=_CONTROL_COMMANDS[name]))

    async def on_stop(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/stop: pause the survey and send nothing more until /start."""
        message, chat_id = _message(update)
        if not await self.reach.stop(CHANNEL, str(chat_id)):
            await self._reply(message, chat_id, texts.NOT_LINKED)
            return
        key = self.signer.message_key("m", chat_id, message.message_id)
        turn = await self.conversations.handle(
            UserInput(command=Command.STOP), channel=CHANNEL, address=str(chat_id), message_key=key
        )
        await message.reply_text(texts.say(turn.language, texts.STOPPED))

    async def on_delete(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/delete: ask first; the button records the request for an officer."""
        message, chat_id = _message(update)
        status = await self.reach.chat_status(CHANNEL, str(chat_id))
        if not status.linked:
            await self._reply(message, chat_id, texts.NOTHING_TO_DELETE)
            return
        language = await self._language(chat_id)
        markup = delete_keyboard(chat_id, self.signer, language)
        await message.reply_text(texts.say(language, texts.DELETE_ASK), reply_markup=markup)

    async def on_talk(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/talk: ask for the young person's worker or an advocate to get in touch."""
        message, chat_id = _message(update)
        outcome = await self.reach.request(RequestKind.TALK, CHANNEL, str(chat_id))
        reply = {
            RequestOutcome.CREATED: texts.TALK_DONE,
            RequestOutcome.ALREADY_OPEN: texts.TALK_ALREADY,
            RequestOutcome.NOT_LINKED: texts.NOT_LINKED,
        }[outcome]
        await self._reply(message, chat_id, reply)

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/message: a message at any time; first, which kind (three buttons)."""
        message, chat_id = _message(update)
        status = await self.reach.chat_status(CHANNEL, str(chat_id))
        if not status.linked:
            await self._reply(message, chat_id, texts.NOT_LINKED)
            return
        language = await self._language(chat_id)
        rows = [
            [InlineKeyboardButton(texts.say(language, label), callback_data=self.signer.encode(
                chat_id, ButtonKind.CONTACT, kind))]
            for kind, label in texts.CONTACT_BUTTONS.items()
        ]  # fmt: skip
        await message.reply_text(
            texts.say(language, texts.CONTACT_ASK), reply_markup=InlineKeyboardMarkup(rows)
        )

    async def _on_contact_button(
        self, context: ContextTypes.DEFAULT_TYPE, query: CallbackQuery, chat_id: int, kind: str
    ) -> None:
        """The kind chosen: ask for the words, as a reply to this prompt (no state kept:
        the young person's reply names the prompt it answers)."""
        await _answer_query(query)
        language = await self._language(chat_id)
        await _close(query, texts.say(language, texts.CONTACT_BUTTONS[kind]))
        placeholder = texts.say(language, texts.CONTACT_PLACEHOLDER)
        markup = ForceReply(input_field_placeholder=placeholder)
        prompt = texts.say(language, texts.CONTACT_PROMPTS[kind])
        await context.bot.send_message(chat_id, prompt, reply_markup=markup)

    async def _on_contact_text(
        self, context: ContextTypes.DEFAULT_TYPE, message: Message, kind: str, text: str
    ) -> None:
        """Words sent in reply to a /message prompt: to the officers, through the net."""
        chat_id = message.chat_id
        key = self.signer.message_key("c", chat_id, message.message_id)
        contact = Contact(self.conversations.db, self.conversations.clock, self.conversations)
        try:
            sent = await contact.send_from_chat(
                ContactKind(kind), text, channel=CHANNEL, address=str(chat_id), message_key=key
            )
        except ValidationError:
            await self._reply(message, chat_id, texts.CONTACT_EMPTY)
            return
        if sent is None:
            await self._reply(message, chat_id, texts.NOT_LINKED)
            return
        language = await self._language(chat_id)
        if sent.alert_ids:
            self.on_alert()
            person = await self.conversations.person_linked(channel=CHANNEL, address=str(chat_id))
            await message.reply_text(await self.conversations.help_reply(person, language))
        # again for a repeat: it may not have gone
        await message.reply_text(texts.say(language, texts.CONTACT_SENT))

    async def on_my_data(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/mydata: record a subject access request for an officer; say what happens next."""
        message, chat_id = _message(update)
        outcome = await self.reach.request(RequestKind.ACCESS, CHANNEL, str(chat_id))
        language = await self._language(chat_id)
        reply = {
            RequestOutcome.CREATED: texts.access_done(self.council_name, language),
            RequestOutcome.ALREADY_OPEN: texts.say(language, texts.ACCESS_ALREADY),
            RequestOutcome.NOT_LINKED: texts.say(language, texts.NOTHING_HELD),
        }[outcome]
        await message.reply_text(reply)

    async def on_read(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/read or "read it to me": the current question (and its options) as a voice
        message, made on this server (`surveys.speech`)."""
        message, chat_id = _message(update)
        language = await self._language(chat_id)
        if self.audio is None:
            await message.reply_text(texts.say(language, texts.READ_UNAVAILABLE))
            return
        try:
            turn = await self.conversations.open(channel=CHANNEL, address=str(chat_id))
        except NotLinkedError:
            await message.reply_text(texts.say(language, texts.NOT_LINKED))
            return
        language = turn.language
        survey = await self.conversations.survey_of(turn.response_id)
        if survey is None or not turn.current_question:
            await message.reply_text(texts.say(language, texts.READ_NOTHING))
            return
        if not self.audio.speaker.speaks(language):  # never English audio for their words
            await message.reply_text(texts.say(language, texts.READ_NO_VOICE))
            return
        asked = localize(survey, language).question(turn.current_question)
        spoken = spoken_question(asked, language)
        try:
            path = await asyncio.to_thread(self.audio.make, survey, language, spoken)
        except SpeechUnavailable as error:
            log.warning("read-aloud failed: %s", error)
            await message.reply_text(texts.say(language, texts.READ_UNAVAILABLE))
            return
        data, caption = path.read_bytes(), texts.say(language, texts.READ_CAPTION)
        if path.suffix == ".ogg":  # Opus: a voice message
            await context.bot.send_voice(chat_id, data, caption=caption)
        else:
            await context.bot.send_audio(chat_id, data, caption=caption)

    async def on_unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, chat_id = _message(update)
        await self._reply(message, chat_id, texts.UNKNOWN_COMMAND)

    # ----- messages ---------------------------------------------------------------------

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Typed words: an answer, or "I need help now" (also the keyboard button)."""
        message, _ = _message(update)
        text = message.text or ""
        carry_on = self._carry_on_reply(context, message)
        if carry_on is not None and text.strip() not in texts.help_buttons():
            await self._carry_on(context, message, carry_on, text)
            return
        typed = _typed_code(text)
        if typed is not None and not (
            await self.reach.chat_status(CHANNEL, str(message.chat_id))
        ).linked:  # the code from a letter, typed without /start
            await self._start_with(context, message, message.chat_id, typed)
            return
        kind = self._contact_reply(context, message)
        asks_help = text.strip() in texts.help_buttons()
        if kind is not None and not asks_help:
            await self._on_contact_text(context, message, kind, text)
        elif asks_help:
            await self._answer(update, context, UserInput(command=Command.HELP_NOW))
        else:
            await self._answer(update, context, UserInput(text=text))

    @staticmethod
    def _contact_reply(context: ContextTypes.DEFAULT_TYPE, message: Message) -> str | None:
        """The kind of message asked for, if `message` replies to the bot's /message prompt."""
        asked = message.reply_to_message
        if asked is None or asked.from_user is None or asked.from_user.id != context.bot.id:
            return None
        return texts.contact_kind_of(asked.text or "")

    @staticmethod
    def _carry_on_reply(context: ContextTypes.DEFAULT_TYPE, message: Message) -> str | None:
        """The code, if `message` replies to the bot's carry-on check (a new phone)."""
        asked = message.reply_to_message
        if asked is None or asked.from_user is None or asked.from_user.id != context.bot.id:
            return None
        return texts.carry_on_code_of(asked.text or "")

    async def _ask_to_carry_on(
        self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, code: str
    ) -> bool:
        """A code started in another chat: ask for the check only the young person can
        pass (as the web chat does). False if there is nothing to check against."""
        try:
            ask = await self.conversations.resume_check(code)
        except InvitationError as refused:
            if refused.reason not in ("locked", "used"):
                return False
            language = await self.conversations.language_of_code(code)  # new letter / done
            await context.bot.send_message(chat_id, texts.say(language, str(refused)))
            return True
        if ask is ResumeAsk.NONE:
            return False
        language = await self.conversations.language_of_code(code)
        prompt = texts.carry_on_prompt(display(code), pin=ask is ResumeAsk.PIN, language=language)
        placeholder = texts.say(language, texts.CARRY_ON_PLACEHOLDER)
        markup = ForceReply(input_field_placeholder=placeholder)
        await context.bot.send_message(chat_id, prompt, reply_markup=markup)
        return True

    async def _carry_on(
        self, context: ContextTypes.DEFAULT_TYPE, message: Message, code: str, typed: str
    ) -> None:
        """The answer to the carry-on check: carry on here, or say how many tries are left
        (wrong answers are counted on the invitation and throttled as on the web)."""
        chat_id = message.chat_id
        language = await self.conversations.language_of_code(code)
        if safeguarding.detect_risk(typed):  # not linked yet: no alert, but help at once
            await message.reply_text(self._help_reply(language))
            return
        if not await self._may_try_code(context, chat_id):
            return
        try:
            ask = await self.conversations.resume_check(code)
            if ask is ResumeAsk.PIN:
                pin = typed.strip()
                check = ResumeCheck(pin=pin if len(pin) <= 6 else None)
            else:
                named = texts.name_and_month(typed[:80])
                if named is None:
                    await message.reply_text(texts.say(language, texts.CARRY_ON_NOT_READ))
                    return
                check = ResumeCheck(first_name=named[0][:64], birth_month=named[1])
            turn = await self.conversations.resume(
                code, check, channel=CHANNEL, address=str(chat_id)
            )
        except ResumeRefused as refused:
            log.info("carry-on check refused", extra={"channel": CHANNEL})
            minutes = None
            if refused.wait_until is not None:
                seconds = (refused.wait_until - self.conversations.clock.now()).total_seconds()
                minutes = max(1, -(-int(seconds) // 60))
            await message.reply_text(texts.carry_on_refused(refused.tries_left, minutes, language))
            return
        except InvitationError as error:
            log.info("invitation refused", extra={"reason": error.reason})
            if error.reason == "unknown":
                self.codes.miss(f"{CHANNEL}:{chat_id}")
            await message.reply_text(texts.say(language, str(error)))
            return
        await _delete_quietly(message)  # their PIN or name need not stay on screen
        await self.reach.record_consent(CHANNEL, str(chat_id))
        await self._send(context, chat_id, turn.prompts, help_keyboard=True, turn=turn)

    async def on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, photos, voice notes, locations, documents...: a kind word. A caption
        is read as typed words, so a worrying one is never missed."""
        message, chat_id = _message(update)
        if message.caption:
            await self._answer(update, context, UserInput(text=message.caption))
            return
        if message.voice or message.audio or message.video_note:
            await self._reply(message, chat_id, texts.VOICE)
        else:
            await self._reply(message, chat_id, texts.NOT_TEXT)

    async def on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An edit is not a new answer; but a worrying edit is handled like a new message."""
        message = update.edited_message
        if message is None:
            return
        text = message.text or message.caption or ""
        if text and safeguarding.detect_risk(text):
            when = message.edit_date.timestamp() if message.edit_date else 0
            key = self.signer.message_key("e", message.chat_id, f"{message.message_id}.{when}")
            await self._run_input(context, message.chat_id, UserInput(text=text), key)
            return
        await self._reply(message, message.chat_id, texts.EDITED)

    async def on_membership(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The young person blocked (or unblocked) the bot in their private chat."""
        change = update.my_chat_member
        if change is None or change.chat.type != ChatType.PRIVATE:
            return
        blocked = change.new_chat_member.status in (ChatMember.BANNED, ChatMember.LEFT)
        await self.reach.set_blocked(CHANNEL, str(change.chat.id), blocked=blocked)

    # ----- buttons ----------------------------------------------------------------------

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An inline button: checked, then routed by its kind."""
        query = update.callback_query
        if query is None:
            return
        message = query.message
        if message is None or message.chat.type != ChatType.PRIVATE:
            await _answer_query(query)
            return
        chat_id = message.chat.id
        button = self.signer.decode(chat_id, query.data)
        if button is None:
            log.info("button refused", extra={"reason": "bad tag"})
            language = await self._language(chat_id)
            await _answer_query(query, texts.say(language, texts.WRONG_BUTTON))
            await self._show_current(context, chat_id)
            return
        if button.kind is ButtonKind.ANSWER and len(button.fields) == 2:
            question_id = None if button.fields[0] == ANY_QUESTION else button.fields[0]
            await self._on_answer_button(context, query, chat_id, question_id, button.fields[1])
        elif button.kind is ButtonKind.CONSENT and len(button.fields) == 1:
            await _answer_query(query)
            language = await self.conversations.language_of_code(button.fields[0])
            await _close(query, texts.say(language, texts.CONSENT_YES))
            await self._redeem(context, chat_id, button.fields[0], consent=True)
        elif button.kind is ButtonKind.DECLINE:  # the button carries the notice's language
            await _answer_query(query)
            chosen = normalize_language(button.fields[0] if button.fields else None)
            await _close(query, texts.say(chosen, texts.CONSENT_NO))
            await context.bot.send_message(chat_id, texts.say(chosen, texts.DECLINED))
        elif button.kind is ButtonKind.DELETE and button.fields in (("y",), ("n",)):
            await self._on_delete_button(context, query, chat_id, confirmed=button.fields == ("y",))
        elif button.kind is ButtonKind.INVITATION and len(button.fields) == 1:
            await self._on_invitation_button(context, query, chat_id, button.fields[0])
        elif button.kind is ButtonKind.LANGUAGE and len(button.fields) == 1:
            chosen = normalize_language(button.fields[0])
            await _answer_query(query)
            if chosen is not None:
                await _close(query, LANGUAGES[chosen])
                await self._set_language(context, chat_id, chosen)
        elif button.kind is ButtonKind.CONTACT and button.fields in _CONTACT_FIELDS:
            await self._on_contact_button(context, query, chat_id, button.fields[0])
        else:
            language = await self._language(chat_id)
            await _answer_query(query, texts.say(language, texts.WRONG_BUTTON))

    async def _on_answer_button(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        query: CallbackQuery,
        chat_id: int,
        question_id: str | None,
        option: str,
    ) -> None:
        key = self.signer.message_key("q", chat_id, query.id)
        user_input = UserInput(option=option, question_id=question_id)
        turn = await self._handle(context, chat_id, user_input, key)
        if turn is None:
            await _answer_query(query)
            return
        if turn.duplicate:
            await _answer_query(query)
            await self._show_current(context, chat_id)
            return
        prompts, note = await self._update_in_place(query, chat_id, question_id, option, turn)
        await _answer_query(query, note)
        await self._send(context, chat_id, prompts, turn=turn)
        await self._you_said_we_did(context, chat_id, turn)

    async def _update_in_place(
        self,
        query: CallbackQuery,
        chat_id: int,
        question_id: str | None,
        option: str,
        turn: Turn,
    ) -> tuple[Sequence[Prompt], str | None]:
        """Edit the tapped message (answered, ticked, went back); return what is left to
        send and a short note for the tap."""
        prompts = list(turn.prompts)
        shown = {r.question_id: r.display for r in turn.recorded}
        hints = [p for p in prompts if p.kind is PromptKind.REPROMPT]
        note = hints[0].text if hints else None
        same = (
            prompts
            and prompts[-1].kind is PromptKind.QUESTION
            and prompts[-1].question_id == (question_id or turn.current_question)
            and all(p.kind is PromptKind.REPROMPT for p in prompts[:-1])
        )
        if question_id is not None and question_id in shown:
            await _edit(query, answered_text(_shown(query), shown[question_id]))
        elif option in CHECK_IN_CHOICES:  # "carry on, or stop for now?" after the help reply
            said = texts.say(turn.language, CHECK_IN_CHOICES[option])
            await _edit(query, answered_text(_shown(query), said))
        elif same and not (question_id is None and note):
            await _edit(query, None, keyboard(prompts[-1], chat_id, self.signer))
            return [], note
        elif option == Command.BACK and not hints:
            await _edit(query, went_back_text(_shown(query), turn.language))
        elif option == Command.NOT_NOW:  # the question's message reads as the record
            label = texts.say(turn.language, NOT_NOW_LABEL)
            await _edit(query, answered_text(_shown(query), label))
        if note is not None:
            prompts = [p for p in prompts if p.kind is not PromptKind.REPROMPT]
        return prompts, note

    async def _on_delete_button(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        query: CallbackQuery,
        chat_id: int,
        *,
        confirmed: bool,
    ) -> None:
        await _answer_query(query)
        language = await self._language(chat_id)  # before the request: it may unlink
        if not confirmed:
            await _close(query, texts.say(language, texts.DELETE_NO))
            await context.bot.send_message(chat_id, texts.say(language, texts.DELETE_KEPT))
            return
        outcome = await self.reach.request(RequestKind.ERASURE, CHANNEL, str(chat_id))
        await _close(query, texts.say(language, texts.DELETE_YES))
        reply = {
            RequestOutcome.CREATED: texts.DELETE_DONE,
            RequestOutcome.ALREADY_OPEN: texts.DELETE_ALREADY,
            RequestOutcome.NOT_LINKED: texts.NOTHING_TO_DELETE,
        }[outcome]
        await context.bot.send_message(chat_id, texts.say(language, reply))

    async def _on_invitation_button(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        query: CallbackQuery,
        chat_id: int,
        invitation: str,
    ) -> None:
        owned = invitation.isdigit() and await self.reach.owns_invitation(
            int(invitation), CHANNEL, str(chat_id)
        )
        if not owned:
            language = await self._language(chat_id)
            await _answer_query(query, texts.say(language, texts.WRONG_BUTTON))
            return
        await _answer_query(query)
        await _edit(query, None, None)
        await self.reach.restart(CHANNEL, str(chat_id))
        await self._redeem(context, chat_id, invitation_id=int(invitation))

    # ----- shared steps -----------------------------------------------------------------

    async def _answer(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, user_input: UserInput
    ) -> None:
        message, chat_id = _message(update)
        key = self.signer.message_key("m", chat_id, message.message_id)
        await self._run_input(context, chat_id, user_input, key)

    async def _run_input(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        chat_id: int,
        user_input: UserInput,
        key: str,
    ) -> None:
        turn = await self._handle(context, chat_id, user_input, key)
        if turn is None:
            return
        if turn.duplicate:
            await self._show_current(context, chat_id)
            return
        await self._send(context, chat_id, turn.prompts, turn=turn)
        await self._you_said_we_did(context, chat_id, turn)

    async def _you_said_we_did(
        self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, turn: Turn
    ) -> None:
        """At the end of a survey: what changed because young people spoke (each once)."""
        if not turn.finished or turn.response_id is None:
            return
        db, clock = self.conversations.db, self.conversations.clock
        for said in await statements.take_at_end(db, clock, turn.response_id):
            words = texts.you_said_we_did(*said.words(turn.language), turn.language)
            await context.bot.send_message(chat_id, words)

    async def _handle(
        self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, user_input: UserInput, key: str
    ) -> Turn | None:
        """One input through the service; None (after a reply) if the chat is not linked."""
        try:
            turn = await self.conversations.handle(
                user_input, channel=CHANNEL, address=str(chat_id), message_key=key
            )
        except NotLinkedError:
            words = user_input.text or ""
            asks_help = user_input.command is Command.HELP_NOW or safeguarding.detect_risk(words)
            language = await self._language(chat_id)
            reply = (
                self._help_reply(language) if asks_help else texts.say(language, texts.NOT_LINKED)
            )
            await context.bot.send_message(chat_id, reply)
            return None
        if turn.alert_ids:
            self.on_alert()
        return turn

    async def _redeem(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        chat_id: int,
        code: str = "",
        *,
        consent: bool = False,
        invitation_id: int | None = None,
    ) -> None:
        if not await self._may_try_code(context, chat_id):
            return
        address = str(chat_id)
        try:
            if invitation_id is not None:
                turn = await self.conversations.redeem_invitation(
                    invitation_id, channel=CHANNEL, address=address
                )
            else:
                turn = await self.conversations.redeem(
                    code, channel=CHANNEL, address=address, consent=consent
                )
        except NotLinkedError:
            await self._tell(context, chat_id, texts.NOT_LINKED)
            return
        except InvitationError as error:
            log.info("invitation refused", extra={"reason": error.reason})
            if error.reason == "unknown":
                self.codes.miss(f"{CHANNEL}:{chat_id}")
            if error.reason == "started" and code and await self._ask_to_carry_on(
                context, chat_id, code
            ):
                return
            language = await self._language(chat_id)
            if code:
                language = await self.conversations.language_of_code(code)
            await context.bot.send_message(chat_id, texts.say(language, str(error)))
            return
        await self._send(context, chat_id, turn.prompts, help_keyboard=True, turn=turn)

    async def _may_try_code(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> bool:
        """False (after asking them to wait) if this chat tried too many unknown codes."""
        wait = self.codes.wait(f"{CHANNEL}:{chat_id}")
        if wait:
            language = await self._language(chat_id)
            await context.bot.send_message(chat_id, texts.too_many_codes(wait, language))
        return not wait

    async def _show_current(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
        """Show where the young person is (after a refused or repeated button)."""
        try:
            turn = await self.conversations.open(channel=CHANNEL, address=str(chat_id))
        except NotLinkedError:
            return
        await self._send(context, chat_id, turn.prompts, turn=turn)

    async def _send(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        chat_id: int,
        prompts: Sequence[Prompt],
        *,
        help_keyboard: bool = False,
        turn: Turn | None = None,
    ) -> None:
        """The prompts as messages in the turn's language; in the easy survey a question's
        picture goes just before it, as a photo."""
        language = turn.language if turn is not None else None
        pictures = await self._pictures(turn, prompts)
        for prompt in prompts:
            is_question = prompt.kind is PromptKind.QUESTION
            png = pictures.get(prompt.question_id or "") if is_question else None
            if png is not None:
                await context.bot.send_photo(chat_id, png)
            outs = render_prompts(
                [prompt], chat_id, self.signer, help_keyboard=help_keyboard, language=language
            )
            for out in outs:
                await _send_one(context, chat_id, out)
            if any(isinstance(out.markup, ReplyKeyboardMarkup) for out in outs):
                help_keyboard = False  # pinned once, on the first message without buttons

    async def _pictures(self, turn: Turn | None, prompts: Sequence[Prompt]) -> dict[str, bytes]:
        """The PNG of each question among `prompts` that has a picture (easy survey only)."""
        asked = [p.question_id for p in prompts if p.kind is PromptKind.QUESTION and p.question_id]
        if turn is None or not asked:
            return {}
        survey = turn.survey or await self.conversations.survey_of(turn.response_id)
        if survey is None or not survey.easy:
            return {}
        found: dict[str, bytes] = {}
        for qid in asked:
            name = survey.question(qid).picture if survey.has_question(qid) else None
            png = await asyncio.to_thread(picture_png, name) if name else None
            if png is not None:
                found[qid] = png
        return found

    # ----- errors -----------------------------------------------------------------------

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log what failed (never who or what they wrote) and apologise kindly."""
        error = context.error
        kind = _update_kind(update)
        chat = update.effective_chat if isinstance(update, Update) else None
        try:
            if isinstance(error, Forbidden) and chat is not None:
                log.info("young person has blocked the bot", extra={"update_kind": kind})
                await self.reach.set_blocked(CHANNEL, str(chat.id), blocked=True)
                return
            log.error(
                "update failed: %s at %s",
                type(error).__name__,
                where(error),
                extra={"update_kind": kind, "error": type(error).__name__},
            )
            if chat is not None and chat.type == ChatType.PRIVATE:
                await self._tell(context, chat.id, texts.SOMETHING_WRONG)
        except Exception as failure:  # never let PTB log a traceback: it may hold words or ids
            log.warning(
                "error handling failed too: %s", type(failure).__name__, extra={"update_kind": kind}
            )


# ----- helpers ------------------------------------------------------------------------------

CHECK_IN_CHOICES = {str(Command.REPEAT): N_("Carry on"), str(Command.STOP): N_("Stop for now")}


def _message(update: Update) -> tuple[Message, int]:
    message = update.effective_message
    if message is None:  # pragma: no cover - the filters only let messages through
        raise ValueError("update without a message")
    return message, message.chat_id


def _shown(query: CallbackQuery) -> str:
    message = query.message
    return message.text or "" if isinstance(message, Message) else ""


async def _send_one(context: ContextTypes.DEFAULT_TYPE, chat_id: int, out: Outgoing) -> None:
    await _call(context.bot, "sendMessage", chat_id=chat_id, text=out.text, reply_markup=out.markup)


async def _call(bot: Bot, method: str, **params: object) -> None:
    """A Bot API call whose result is not needed: the reply is not parsed into a `Message`
    (python-telegram-bot's `send_message` and `edit_message_text` build one for every call,
    about a third of an update's time in the library). Errors are raised as usual.

    `Bot._post` is what every `Bot` method calls; the public `do_api_request` warns when
    given a method `Bot` has. python-telegram-bot is pinned below 23 in pyproject.toml, and
    tests/bot checks every call these make."""
    await bot._post(method, {k: v for k, v in params.items() if v is not None})


async def _delete_quietly(message: Message) -> None:
    """Delete a young person's message if Telegram lets us (best effort)."""
    with contextlib.suppress(BadRequest, Forbidden):
        await message.delete()


async def _answer_query(query: CallbackQuery, text: str | None = None) -> None:
    """Stop the button's spinner; a query answered before (a redelivery) is no error."""
    try:
        await query.answer(toast(text) if text else None)
    except BadRequest:
        log.debug("callback query already answered or too old")


async def _edit(
    query: CallbackQuery, text: str | None, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Edit the tapped message: new text (keyboard removed unless given) or new keyboard."""
    message = query.message
    if not isinstance(message, Message):
        return  # too old to edit
    bot, ids = query.get_bot(), {"chat_id": message.chat_id, "message_id": message.message_id}
    try:
        if text is None:
            await _call(bot, "editMessageReplyMarkup", **ids, reply_markup=markup)
        else:
            await _call(bot, "editMessageText", **ids, text=fit(text), reply_markup=markup)
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            log.info("could not edit a message", extra={"error": type(error).__name__})


async def _close(query: CallbackQuery, choice: str) -> None:
    """Remove a question's buttons and show the choice made."""
    await _edit(query, answered_text(_shown(query), choice))


def _update_kind(update: object) -> str:
    if not isinstance(update, Update):
        return type(update).__name__
    for kind in ("message", "edited_message", "callback_query", "my_chat_member"):
        if getattr(update, kind, None) is not None:
            return kind
    return "other"
