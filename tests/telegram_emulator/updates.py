"""Building PTB ``Update`` objects for handler tests."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from telegram import Bot, Update

from tests.telegram_emulator.protocol import (
    JSONDict,
    json_copy,
)

if TYPE_CHECKING:
    from tests.telegram_emulator.offline import BotApiState


def make_update(data: Mapping[str, Any], bot: Bot | None = None) -> Update:
    """Turn an update dict (e.g. from ``user_sends_text``) into a ``telegram.Update``."""
    return Update.de_json(json_copy(dict(data)), bot)


class UpdateMaker:
    """Builds ``telegram.Update`` objects for ``app.process_update`` through a state.

    Messages are recorded in the state's chats (so replies, edits and button presses
    work) but are not queued for getUpdates.
    """

    def __init__(self, state: BotApiState, bot: Bot | None = None) -> None:
        self.state = state
        self.bot = bot

    def _wrap(self, build: Callable[..., JSONDict], *args: Any, **kwargs: Any) -> Update:
        return make_update(build(*args, deliver=False, **kwargs), self.bot)

    def text(self, user_id: int, text: str, **kwargs: Any) -> Update:
        """A text message (see ``BotApiState.user_sends_text``)."""
        return self._wrap(self.state.user_sends_text, user_id, text, **kwargs)

    def command(self, user_id: int, command: str, args: str = "", **kwargs: Any) -> Update:
        """A ``/command args`` message."""
        return self._wrap(self.state.user_sends_command, user_id, command, args, **kwargs)

    def button(self, user_id: int, message_id: int, callback_data: str, **kwargs: Any) -> Update:
        """A callback query from an inline button on ``message_id``."""
        return self._wrap(
            self.state.user_presses_button, user_id, message_id, callback_data, **kwargs
        )

    def sticker(self, user_id: int, **kwargs: Any) -> Update:
        """A sticker message."""
        return self._wrap(self.state.user_sends_sticker, user_id, **kwargs)

    def photo(self, user_id: int, **kwargs: Any) -> Update:
        """A photo message."""
        return self._wrap(self.state.user_sends_photo, user_id, **kwargs)

    def location(self, user_id: int, latitude: float, longitude: float, **kwargs: Any) -> Update:
        """A location message."""
        return self._wrap(self.state.user_sends_location, user_id, latitude, longitude, **kwargs)

    def voice(self, user_id: int, **kwargs: Any) -> Update:
        """A voice note."""
        return self._wrap(self.state.user_sends_voice, user_id, **kwargs)

    def document(self, user_id: int, **kwargs: Any) -> Update:
        """A document message."""
        return self._wrap(self.state.user_sends_document, user_id, **kwargs)

    def edit(self, user_id: int, message_id: int, text: str, **kwargs: Any) -> Update:
        """An ``edited_message`` update."""
        return self._wrap(self.state.user_edits_message, user_id, message_id, text, **kwargs)

    def group_text(self, chat_id: int, user_id: int, text: str, **kwargs: Any) -> Update:
        """A text message in a group."""
        return self._wrap(self.state.group_message, chat_id, user_id, text, **kwargs)
