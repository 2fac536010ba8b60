"""The kind, honest reply a young person gets when they ask for help or sound at risk."""

from __future__ import annotations

from surveys.i18n import N_, gettext_for

__all__ = ["DEFAULT_OFFICE_HOURS", "HELP_MESSAGE", "help_reply"]

DEFAULT_OFFICE_HOURS = N_("on the next working day (Monday to Friday, 9am to 5pm)")


def help_reply(language: str = "en", *, office_hours: str | None = None) -> str:
    """The kind, honest reply sent when a young person asks for help or sounds at risk.

    `office_hours` completes "A participation officer will read this ..."; the words are
    in `language` (the message catalogue), but for `office_hours` as given.
    """
    _ = gettext_for(language)
    if office_hours is None:
        office_hours = _(DEFAULT_OFFICE_HOURS)
    when = " ".join(office_hours.split())
    if not when:
        raise ValueError("office_hours must say when a person will read the message")
    return "\n".join(
        (
            _("Thank you for telling us. You are not in trouble."),
            _("If you are in danger now, call 999."),
            _(
                "You can talk to Childline for free, any time, day or night: call 0800 1111 "
                "or go to childline.org.uk. You could also tell an adult you trust."
            ),
            _(
                "A participation officer will read this {when}. It is not watched all the time."
            ).format(when=when),
        )
    )


HELP_MESSAGE = help_reply()
