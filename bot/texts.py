"""What the bot says that the survey engine does not: kept together so it reads as one voice.

Written for 16-25 year olds: short sentences, plain words, no jargon, never blaming.
"""

from __future__ import annotations

HELP_BUTTON = "🆘 I need help now"
CONSENT_YES = "👍 Yes, that's OK"
CONSENT_NO = "No thanks"
DELETE_YES = "Yes, delete my data"
DELETE_NO = "No, keep it"
START_BUTTON = "▶️ Start"
CARRY_ON_BUTTON = "▶️ Carry on"


def privacy_notice(council: str, keeping: str = "") -> str:
    """The first thing a young person reads: what is kept, who sees it, for how long, how
    to stop. `keeping` is the retention periods in words (`RetentionPolicy.describe`)."""
    return (
        "Before we start, here's how this works 🔒\n\n"
        "• What we keep: your answers, and a note that this Telegram chat is yours. "
        "Not your phone number or your Telegram name.\n"
        f"• Who sees it: the participation team at {council}. Reports to councillors only "
        "show totals, and quotes without names (only if you say that's OK).\n"
        "• If you tell us you're not safe, a person will read it so they can help.\n"
        + (f"• How long we keep it: {keeping}.\n" if keeping else "")
        + "• Stop any time with /stop. Want a copy of what we hold? Send /mydata. "
        "Want it deleted? Send /delete.\n\n"
        "Is that OK with you?"
    )


def privacy_reminder(council: str, keeping: str = "") -> str:
    """/privacy: the notice again, without asking."""
    return privacy_notice(council, keeping).removesuffix("\n\nIs that OK with you?")


DECLINED = "That's OK, nothing has been kept. If you change your mind, just tap your link again. 👋"
WELCOME_UNLINKED = (
    "Hi! 👋 I ask young people what they think, for their council. To begin, please open "
    "the link your worker sent you."
)
NOT_LINKED = (
    "I don't know which survey is yours yet. Please open the link your worker sent you, "
    "and we'll start from there."
)
HELP = (
    "Here's what you can do:\n"
    "• Tap a button, or type your answer.\n"
    "/back: go back a question\n"
    "/skip: skip a question\n"
    "/stop: pause; I won't message you until you send /start\n"
    "/start: carry on where you left off\n"
    "/talk: ask your worker or an advocate to get in touch\n"
    "/privacy: what we keep and who sees it\n"
    "/mydata: ask for a copy of everything we hold about you\n"
    "/delete: ask for your data to be deleted\n\n"
    f"If you need help now, tap “{HELP_BUTTON}” or type “I need help now”."
)
STOPPED = (
    "OK, I've stopped. I won't send you any more messages. Your answers so far are saved. "
    "Send /start whenever you want to carry on."
)
DELETE_ASK = (
    "Do you want us to delete your answers and details? A person in the participation team "
    "will do it, and I won't message you again."
)
DELETE_DONE = (
    "Done. I've asked the team to delete your data, and I won't message you again. "
    "Thank you for taking part. 💙"
)
NOTHING_TO_DELETE = (
    "This chat isn't linked to anyone, so there's nothing here to delete. "
    "If you'd like your data deleted, ask your worker."
)
DELETE_ALREADY = "You've already asked for this, and the team has it. 💙"
DELETE_KEPT = "OK, nothing changes. Carry on whenever you like."
TALK_DONE = (
    "Thanks for telling me. I've asked for your worker or an advocate to get in touch with you "
    "soon. If you need help right now, type “I need help now”."
)
TALK_ALREADY = (
    "You've already asked, and someone will be in touch. If you need help right now, "
    "type “I need help now”."
)
def access_done(council: str) -> str:
    """/mydata, recorded: what happens next, honestly."""
    return (
        f"Done. I've asked the participation team at {council} for a copy of everything we "
        "hold about you. They have one month to get it to you (the law says so). A person "
        "will check it first, then give it to you through your worker or PA, or ask how "
        "you'd like it. I can't send it in this chat."
    )


ACCESS_ALREADY = (
    "You've already asked for a copy of your data, and the team has it. They have one month "
    "from when you asked. 💙"
)
NOTHING_HELD = (
    "This chat isn't linked to anyone, so we hold nothing from it. To ask what the council "
    "holds about you, ask your worker."
)
UNKNOWN_COMMAND = "I don't know that command, sorry. Send /help to see what I can do."
NOT_TEXT = (
    "I can only read typed words and button taps, sorry. Could you type it instead? "
    "(Send /help if you're stuck.)"
)
VOICE = "I can't listen to voice notes, sorry. Could you type it instead?"
EDITED = "I saw you edited a message. I keep what you first sent; to change an answer, use /back."
STALE_BUTTON = "That button doesn't work any more. Here's where we are now."
WRONG_BUTTON = "Sorry, that button doesn't work any more."
WENT_BACK = "↩️ Went back"
ANSWERED = "✔️ {answer}"
SOMETHING_WRONG = (
    "Sorry, something went wrong on my side. Please try again in a minute. "
    "If you need help now, call Childline free on 0800 1111."
)


def invitation(title: str) -> str:
    """An invitation to a linked young person."""
    return (
        f"Hi! 👋 We'd like to hear what you think: “{title}”. It only takes a few minutes, "
        "and you can stop any time. Tap Start when you're ready."
    )


def reminder(title: str, *, started: bool) -> str:
    """A gentle reminder; says nothing if they would rather not."""
    if started:
        return (
            f"Just a reminder: you're part-way through “{title}”. Tap below to carry on "
            "where you left off. (Send /stop if you'd rather not hear from me.)"
        )
    return (
        f"Just a reminder: “{title}” is still open, and we'd love to hear from you. "
        "(Send /stop if you'd rather not hear from me.)"
    )


def alert(alert_id: int, category: str, link: str) -> str:
    """A safeguarding alert to an officer: no name, no words from the young person."""
    label = category.replace("_", " ")
    return (
        f"⚠️ Safeguarding alert #{alert_id} ({label}).\n"
        "A young person's message needs a person to read it now. "
        f"Open the alerts list: {link}"
    )
