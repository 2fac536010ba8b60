"""The kind, honest reply a young person gets when they ask for help or sound at risk."""

from __future__ import annotations

__all__ = ["DEFAULT_OFFICE_HOURS", "HELP_MESSAGE", "help_reply"]

DEFAULT_OFFICE_HOURS = "on the next working day (Monday to Friday, 9am to 5pm)"


def help_reply(*, office_hours: str = DEFAULT_OFFICE_HOURS) -> str:
    """The kind, honest reply sent when a young person asks for help or sounds at risk.

    `office_hours` completes "A participation officer will read this ...".
    """
    when = " ".join(office_hours.split())
    if not when:
        raise ValueError("office_hours must say when a person will read the message")
    return (
        "Thank you for telling us. You are not in trouble.\n"
        "If you are in danger now, call 999.\n"
        "You can talk to Childline for free, any time, day or night: call 0800 1111 "
        "or go to childline.org.uk. You could also tell an adult you trust.\n"
        f"A participation officer will read this {when}. It is not watched all the time."
    )


HELP_MESSAGE = help_reply()
