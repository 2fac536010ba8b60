"""What a young person is told about who reads their words, and about "not now".

Kept together, as plain constants, so they are translated in one place. Officers' words
for the same things are at the end.
"""

from __future__ import annotations

from typing import Final

from surveys.i18n import N_

# ----- who reads each answer (free-text questions) -----------------------------------

VISIBILITY_ASK: Final = N_(
    "Who can read what you just wrote?\n"
    "Either way it still counts. If you tell us you're not safe, we will still act: "
    "a person who keeps you safe will read it."
)
VISIBILITY_SHARED: Final = N_("My IRO and worker can read this")
VISIBILITY_SHARED_LEAVER: Final = N_("My PA and worker can read this")  # care leavers: no IRO
VISIBILITY_PRIVATE: Final = N_("Only count it, don't show my words to anyone")
VISIBILITY_HINT: Final = N_("Please tap one of the two buttons, so we know who can read it.")
VISIBILITY_SHARED_SAID: Final = N_("Your IRO and worker can read it.")
VISIBILITY_PRIVATE_SAID: Final = N_("Only counted: nobody will be shown your words.")

# ----- "not now" ---------------------------------------------------------------------

NOT_NOW_LABEL: Final = N_("Not now")
NOT_NOW_REPLY: Final = N_(
    "That's fine. We won't remind you about this one. "
    "If you change your mind, open your link again any time before it closes."
)

# ----- officers ------------------------------------------------------------------------

PRIVATE_WORDS: Final = "(only counted: they chose not to show their words to anyone)"
SAID_NOT_NOW: Final = "said not now"
