"""What the bot says that the survey engine does not: kept together so it reads as one voice.

Written for 16-25 year olds: short sentences, plain words, no jargon, never blaming.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from babel import Locale

from storage.alerts import categories_label
from surveys.i18n import LANGUAGES, N_, gettext_for, ngettext_for

LANGUAGE_ASK = N_("Which language would you like me to use? Tap one.")
LANGUAGE_SET = N_("OK, I'll use English from now on.")  # each catalogue names its own language


def say(language: str | None, text: str) -> str:
    """A fixed text in the young person's language (the message catalogue)."""
    return gettext_for(language)(text)


def help_buttons() -> frozenset[str]:
    """The "I need help now" keyboard button in every shipped language (typed or tapped)."""
    return frozenset(say(code, HELP_BUTTON) for code in LANGUAGES)


HELP_BUTTON = N_("🆘 I need help now")
CONSENT_YES = N_("👍 Yes, that's OK")
CONSENT_NO = N_("No thanks")
REPLIES_COME_HERE = N_("If someone writes back to you, it will come here in this chat.")
DELETE_YES = N_("Yes, delete my data")
DELETE_NO = N_("No, keep it")
START_BUTTON = N_("▶️ Start")
OUR_SURVEY = N_("our survey")
CARRY_ON_BUTTON = N_("▶️ Carry on")


def privacy_notice(council: str, keeping: str = "", language: str | None = None) -> str:
    """The first thing a young person reads: what is kept, who sees it, for how long, how
    to stop. `keeping` is the retention periods in words (`RetentionPolicy.describe`)."""
    _ = gettext_for(language)
    return "\n\n".join(
        (
            _("Before we start, here's how this works 🔒"),
            "\n".join(
                line
                for line in (
                    _(
                        "• What we keep: your answers, and a note that this Telegram chat is "
                        "yours. Not your phone number or your Telegram name."
                    ),
                    _(
                        "• Who sees it: the participation team at {council}. Reports to "
                        "councillors only show totals, and quotes without names (only if you "
                        "say that's OK)."
                    ).format(council=council),
                    _("• If you tell us you're not safe, a person will read it so they can help."),
                    _("• How long we keep it: {keeping}.").format(keeping=keeping)
                    if keeping
                    else "",
                    _(
                        "• Stop any time with /stop. Want a copy of what we hold? Send /mydata. "
                        "Want it deleted? Send /delete."
                    ),
                )
                if line
            ),
            _(CONSENT_QUESTION),
        )
    )


CONSENT_QUESTION = N_("Is that OK with you?")


def privacy_reminder(council: str, keeping: str = "", language: str | None = None) -> str:
    """/privacy: the notice again, without asking."""
    notice = privacy_notice(council, keeping, language)
    return notice.removesuffix("\n\n" + say(language, CONSENT_QUESTION))


DECLINED = N_(
    "That's OK, nothing has been kept. If you change your mind, just tap your link again. 👋"
)
WELCOME_UNLINKED = N_(
    "Hi! 👋 I ask young people what they think, for their council. To begin, please open "
    "the link your worker sent you, or type the code on your letter."
)
NOT_LINKED = N_(
    "I don't know which survey is yours yet. Please open the link your worker sent you, "
    "or type the code on your letter, and we'll start from there."
)
HELP = N_(
    "Here's what you can do:\n"
    "• Tap a button, or type your answer.\n"
    "/back: go back a question\n"
    "/skip: skip a question\n"
    "/stop: pause; I won't message you until you send /start\n"
    "/start: carry on where you left off\n"
    "/talk: ask your worker or an advocate to get in touch\n"
    "/message: tell us something any time (something's wrong, good news, talk to my worker)\n"
    "/read: hear the question as a voice message\n"
    "/language: choose the language I use\n"
    "/privacy: what we keep and who sees it\n"
    "/mydata: ask for a copy of everything we hold about you\n"
    "/delete: ask for your data to be deleted\n\n"
    "If you need help now, tap “{button}” or type “I need help now”."
)


def help_text(language: str | None = None) -> str:
    """/help, in the young person's language."""
    return say(language, HELP).format(button=say(language, HELP_BUTTON))


STOPPED = N_(
    "OK, I've stopped. I won't send you any more messages. Your answers so far are saved. "
    "Send /start whenever you want to carry on."
)
DELETE_ASK = N_(
    "Do you want us to delete your answers and details? A person in the participation team "
    "will do it, and I won't message you again."
)
DELETE_DONE = N_(
    "Done. I've asked the team to delete your data, and I won't message you again. "
    "Thank you for taking part. 💙"
)
NOTHING_TO_DELETE = N_(
    "This chat isn't linked to anyone, so there's nothing here to delete. "
    "If you'd like your data deleted, ask your worker."
)
DELETE_ALREADY = N_("You've already asked for this, and the team has it. 💙")
DELETE_KEPT = N_("OK, nothing changes. Carry on whenever you like.")
TALK_DONE = N_(
    "Thanks for telling me. I've asked for your worker or an advocate to get in touch with you "
    "soon. If you need help right now, type “I need help now”."
)
TALK_ALREADY = N_(
    "You've already asked, and someone will be in touch. If you need help right now, "
    "type “I need help now”."
)


def access_done(council: str, language: str | None = None) -> str:
    """/mydata, recorded: what happens next, honestly."""
    return say(
        language,
        N_(
            "Done. I've asked the participation team at {council} for a copy of everything "
            "we hold about you. They have one month to get it to you (the law says so). A "
            "person will check it first, then give it to you through your worker or PA, or "
            "ask how you'd like it. I can't send it in this chat."
        ),
    ).format(council=council)


ACCESS_ALREADY = N_(
    "You've already asked for a copy of your data, and the team has it. They have one month "
    "from when you asked. 💙"
)
NOTHING_HELD = N_(
    "This chat isn't linked to anyone, so we hold nothing from it. To ask what the council "
    "holds about you, ask your worker."
)
UNKNOWN_COMMAND = N_("I don't know that command, sorry. Send /help to see what I can do.")
NOT_TEXT = N_(
    "I can only read typed words and button taps, sorry. Could you type it instead? "
    "(Send /help if you're stuck.)"
)
VOICE = N_("I can't listen to voice notes, sorry. Could you type it instead?")
EDITED = N_(
    "I saw you edited a message. I keep what you first sent; to change an answer, use /back."
)
STALE_BUTTON = N_("That button doesn't work any more. Here's where we are now.")
WRONG_BUTTON = N_("Sorry, that button doesn't work any more.")
WENT_BACK = N_("↩️ Went back")
ANSWERED = "✔️ {answer}"
SOMETHING_WRONG = N_(
    "Sorry, something went wrong on my side. Please try again in a minute. "
    "If you need help now, call Childline free on 0800 1111."
)


def too_many_codes(wait: int, language: str | None = None) -> str:
    """After too many invitation codes that don't exist were tried from this chat."""
    minutes = max(1, round(wait / 60))
    ngettext = ngettext_for(language)
    return ngettext(
        "Too many codes that don't work were tried. Please wait {minutes} minute, then tap "
        "your invitation link again. If it still doesn't work, ask the person who sent it "
        "for a new one.",
        "Too many codes that don't work were tried. Please wait {minutes} minutes, then tap "
        "your invitation link again. If it still doesn't work, ask the person who sent it "
        "for a new one.",
        minutes,
    ).format(minutes=minutes)


def invitation(title: str, language: str | None = None) -> str:
    """An invitation to a linked young person (`title` in their language)."""
    return say(
        language,
        N_(
            "Hi! 👋 We'd like to hear what you think: “{title}”. It only takes a few "
            "minutes, and you can stop any time. Tap Start when you're ready."
        ),
    ).format(title=title)


def reminder(title: str, *, started: bool, language: str | None = None) -> str:
    """A gentle reminder; says nothing if they would rather not."""
    if started:
        words = N_(
            "Just a reminder: you're part-way through “{title}”. Tap below to carry on "
            "where you left off. (Send /stop if you'd rather not hear from me.)"
        )
    else:
        words = N_(
            "Just a reminder: “{title}” is still open, and we'd love to hear from you. "
            "(Send /stop if you'd rather not hear from me.)"
        )
    return say(language, words).format(title=title)


def alert(
    alert_id: int, categories: Sequence[str], link: str, *, escalated: bool = False
) -> str:
    """A safeguarding alert to an officer (or, escalated, to the duty team): every category
    the input showed, main one first; no name, no id of the young person, no words from
    them; a link to the alert's page, behind sign-in. `link` is where alerts are read; the
    alert's own page is `<link>/<alert id>`."""
    label = categories_label(categories)
    page = f"{link.rstrip('/')}/{alert_id}" if link else ""
    if escalated:
        lead = (
            f"⏰ Safeguarding alert #{alert_id} ({label}) has not been acknowledged in time.\n"
            "A young person's message needs a person to read it now. "
        )
    else:
        lead = (
            f"⚠️ Safeguarding alert #{alert_id} ({label}).\n"
            "A young person's message needs a person to read it now. "
        )
    return lead + (f"Open the alert: {page}" if page else "Open the officer page to read it.")


# ----- messages at any time, replies, "you said, we did" -----------------------------------

CONTACT_ASK = N_("What would you like to tell us? Tap one.")
CONTACT_BUTTONS = {
    "wrong": N_("😟 Something's wrong"),
    "good_news": N_("🌟 Good news"),
    "talk": N_("💬 Talk to my worker"),
}
CONTACT_PROMPTS = {
    "wrong": N_("😟 Something's wrong. Tell us what's happened: type it here and send it."),
    "good_news": N_("🌟 Good news! Tell us about it: type it here and send it."),
    "talk": N_("💬 What would you like to talk to your worker about? Type it here and send it."),
}
CONTACT_PLACEHOLDER = N_("Type your message…")
CONTACT_SENT = N_(
    "Thank you, your message has gone to the participation team. A person will read it "
    "and your worker can reply here. If you need help right now, type “I need help now”."
)
CONTACT_EMPTY = N_("I didn't get any words there. Send /message to try again.")


def contact_kind_of(prompt: str) -> str | None:
    """Which kind of message a bot prompt asked for (the young person replied to it), in
    any shipped language (they may have changed language since)."""
    for kind, text in CONTACT_PROMPTS.items():
        if prompt.strip() in {say(code, text) for code in LANGUAGES}:
            return kind
    return None


def reply(text: str, language: str | None = None) -> str:
    """A worker's reply to something the young person said (the reply's own words as
    written; the framing in the young person's language)."""
    return say(
        language, N_("💬 A reply from your worker:\n\n{text}\n\n(To answer, send /message.)")
    ).format(text=text)


def you_said_we_did(said: str, did: str, language: str | None = None) -> str:
    """A "you said, we did" statement at the end of a survey (the officers' words as
    written; the framing in the young person's language)."""
    return say(language, N_("📣 You said: {said}\n✅ We did: {did}")).format(said=said, did=did)


# ----- carrying on a started link in a new Telegram account (a new phone) ----------------

_CARRY_ON_OPENING = N_("You started this chat on another phone or browser.")
_CARRY_ON_CODE = re.compile(r"\(\w+ ([A-Za-z0-9_-]{1,64})\)")
CARRY_ON_PLACEHOLDER = N_("Type it here")
CARRY_ON_NOT_READ = N_(
    "Sorry, I couldn't read that. Reply to my message above with your first name and the "
    "month of your birthday, like: Sam March"
)
def _month_words() -> dict[str, int]:
    """Month names and their short forms in every shipped language (Babel's CLDR data), so
    "Ceri Mawrth" and "سارة مارس" read as March as "Sam March" does."""
    words: dict[str, int] = {"sept": 9}
    for code in LANGUAGES:
        months = Locale.parse("en_GB" if code == "en" else code).months
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for n in range(1, 13):
                    words.setdefault(str(months[context][width][n]).casefold(), n)
    return words


_MONTHS = _month_words()


def carry_on_prompt(code: str, *, pin: bool, language: str | None = None) -> str:
    """Ask a new chat for the check only the young person can pass, before it carries on
    a started link. The code is in the words, so their reply names it (no state kept)."""
    _ = gettext_for(language)
    how = (
        _("reply to this message with the secret PIN you chose when you started")
        if pin
        else _(
            "reply to this message with your first name and the month of your birthday, "
            "like: Sam March"
        )
    )
    ask = _("To carry on here, show us it's you: {how} (code {code}).").format(how=how, code=code)
    return (
        f"{_(_CARRY_ON_OPENING)} {ask}\n\n"
        + _(
            "Not you, or can't remember? Ask your worker for a new letter: its new code "
            "carries on where you were."
        )
    )


def carry_on_code_of(prompt: str) -> str | None:
    """The code a carry-on prompt asked about (the young person replied to it)."""
    if not any(prompt.startswith(say(code, _CARRY_ON_OPENING)) for code in LANGUAGES):
        return None
    found = _CARRY_ON_CODE.search(prompt)
    return found.group(1) if found else None


def name_and_month(typed: str) -> tuple[str, int] | None:
    """The first name and the month: "Sam March", "march sam", "Sam 3", "Sam-Lee Sept"."""
    words = typed.replace(",", " ").split()
    if len(words) < 2:
        return None
    for month_word, rest in ((words[-1], words[:-1]), (words[0], words[1:])):
        key = month_word.casefold().rstrip(".")
        month = int(key) if key.isdigit() and 1 <= int(key) <= 12 else _MONTHS.get(key)
        if month is not None:
            return " ".join(rest), month
    return None


def carry_on_refused(
    tries_left: int, wait_minutes: int | None, language: str | None = None
) -> str:
    """The check did not match (the web chat's words, and where to answer)."""
    ngettext = ngettext_for(language)
    if wait_minutes is not None:
        return ngettext(
            "That didn't match, too many times. To keep your answers safe, please wait "
            "{n} minute and try again.",
            "That didn't match, too many times. To keep your answers safe, please wait "
            "{n} minutes and try again.",
            wait_minutes,
        ).format(n=wait_minutes)
    refused = ngettext(
        "That doesn't match. You can try {n} more time.",
        "That doesn't match. You can try {n} more times.",
        tries_left,
    ).format(n=tries_left)
    return f"{refused} {say(language, REPLY_AGAIN)}"


REPLY_AGAIN = N_("Reply to my message above again.")


# ----- read-aloud (`/read`, or typing "read it to me") -------------------------------------
READ_IT_WORDS = ("read it to me", "read it", "read to me", "🔊 read it to me")
READ_NOTHING = N_("There's no question waiting right now. Send /start to carry on.")
READ_UNAVAILABLE = N_(
    "Sorry, I can't read questions out loud at the moment. "
    "You can ask someone you trust to read it with you."
)
READ_NO_VOICE = N_(
    "Sorry, I can't read questions out loud in your language yet. "
    "You can ask someone you trust to read it with you."
)
READ_CAPTION = N_("🔊 Here's the question, read out loud.")
