"""The kind, honest reply a young person gets when they ask for help or sound at risk."""

from __future__ import annotations

from surveys.i18n import N_, gettext_for

__all__ = ["DEFAULT_OFFICE_HOURS", "HELP_MESSAGE", "help_reply"]

DEFAULT_OFFICE_HOURS = N_("on the next working day (Monday to Friday, 9am to 5pm)")


ADULT_AUDIENCES = frozenset({"care_leaver"})  # 16 to 25; Childline is for the under-19s


def help_reply(
    language: str = "en",
    *,
    office_hours: str | None = None,
    audience: str | None = None,
    out_of_hours_phone: str | None = None,
) -> str:
    """The kind, honest reply sent when a young person asks for help or sounds at risk.

    `office_hours` completes "A participation officer will read this ..."; the words are
    in `language` (the message catalogue), but for `office_hours` as given. For a survey
    whose `audience` includes adults (care leavers, 16 to 25), the helplines are ones a
    19-year-old can call too (Samaritans, Shout), not Childline alone. `out_of_hours_phone`
    (the council's emergency duty team, given while the office is closed) says who can
    help before a participation officer reads it.
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
            *(
                (
                    _(
                        "The council's emergency duty team can help now, while our office "
                        "is closed: call {phone}."
                    ).format(phone=" ".join(out_of_hours_phone.split())),
                )
                if out_of_hours_phone and out_of_hours_phone.strip()
                else ()
            ),
            _(
                "If you are under 19, you can call Childline free on 0800 1111. At any age, "
                "Samaritans will listen, free, day or night: call 116 123, or text SHOUT to "
                "85258. You could also tell your PA or someone you trust."
            )
            if audience in ADULT_AUDIENCES
            else _(
                "You can talk to Childline for free, any time, day or night: call 0800 1111 "
                "or go to childline.org.uk. You could also tell an adult you trust."
            ),
            _(
                "A participation officer will read this {when}. It is not watched all the time."
            ).format(when=when),
        )
    )


HELP_MESSAGE = help_reply()
