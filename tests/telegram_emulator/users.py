"""Simulated people talking to the emulated bot, and what a test reads back: the
``user_*`` methods and ``messages_to`` / ``wait_for_message`` of ``BotApiState``."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.telegram_emulator.protocol import (
    _COMMAND_PREFIX_RE,
    JSONDict,
    MessagePredicate,
    QueuedUpdate,
    _inline_keyboard_data,
    json_copy,
)


class SimulatedUsers:
    """Part of ``BotApiState``: people sending, pressing and blocking; inspection."""

    # ------------------------------------------------------------------ simulated users

    def add_user(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> JSONDict:
        """Register a user who has started the bot (their private chat exists)."""
        with self._lock:
            user = self._ensure_user(user_id, first_name, last_name, username, language_code)
            self._chat_of(user, None, "private", None)
            return json_copy(user)

    def _user_message(
        self,
        user_id: int,
        content: JSONDict,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        title: str | None = None,
        reply_to_message_id: int | None = None,
        deliver: bool = True,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> JSONDict:
        with self._lock:
            user = self._ensure_user(user_id, first_name, last_name, username, language_code)
            chat = self._chat_of(user, chat_id, chat_type, title)
            message = self._new_message(chat, user, content, reply_to_message_id)
            return self._enqueue("message", self._view(message), deliver)

    def user_sends_text(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        title: str | None = None,
        reply_to_message_id: int | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        deliver: bool = True,
    ) -> JSONDict:
        """A user writes ``text``; returns the update (``deliver=False``: don't queue it)."""
        content: JSONDict = {"text": text}
        command = _COMMAND_PREFIX_RE.match(text)
        if command is not None:
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": command.end()}]
        return self._user_message(
            user_id,
            content,
            chat_id=chat_id,
            chat_type=chat_type,
            title=title,
            reply_to_message_id=reply_to_message_id,
            deliver=deliver,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )

    def user_sends_command(
        self,
        user_id: int,
        command: str,
        args: str = "",
        *,
        mention_bot: bool = False,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str | None = None,
        deliver: bool = True,
    ) -> JSONDict:
        """A user sends ``/command args`` (``mention_bot``: ``/command@botname``)."""
        name = command.removeprefix("/")
        head = f"/{name}@{self._bot_profile['username']}" if mention_bot else f"/{name}"
        return self.user_sends_text(
            user_id,
            f"{head} {args}" if args else head,
            chat_id=chat_id,
            chat_type=chat_type,
            first_name=first_name,
            deliver=deliver,
        )

    def group_message(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        *,
        title: str | None = None,
        chat_type: str = "group",
        first_name: str | None = None,
        deliver: bool = True,
    ) -> JSONDict:
        """A user writes ``text`` in group ``chat_id`` (negative)."""
        return self.user_sends_text(
            user_id,
            text,
            chat_id=chat_id,
            chat_type=chat_type,
            title=title,
            first_name=first_name,
            deliver=deliver,
        )

    def user_presses_button(
        self,
        user_id: int,
        message_id: int,
        callback_data: str,
        *,
        chat_id: int | None = None,
        strict: bool = True,
        deliver: bool = True,
    ) -> JSONDict:
        """A user taps an inline button; ``strict`` requires the button to exist."""
        with self._lock:
            user = self._ensure_user(user_id)
            chat = self._existing_chat(user_id if chat_id is None else chat_id)
            message = self._live(chat, message_id)
            if message is None:
                raise ValueError(f"message {message_id} does not exist in chat {chat.data['id']}")
            buttons = _inline_keyboard_data(message)
            if strict and callback_data not in buttons:
                raise ValueError(
                    f"message {message_id} has no button with callback_data "
                    f"{callback_data!r}; it has {buttons!r}"
                )
            query_id = str(4_300_000_000_000_000_000 + next(self._callback_counter))
            self._callback_queries[query_id] = False
            query = {
                "id": query_id,
                "from": json_copy(user),
                "message": self._view(message),
                "chat_instance": self._chat_instance(chat.data["id"]),
                "data": callback_data,
            }
            return self._enqueue("callback_query", query, deliver)

    def _register_user_file(self, kind: str, prefix: str, obj: JSONDict) -> JSONDict:
        obj["file_id"], obj["file_unique_id"] = self._new_file(prefix)
        self._files[obj["file_id"]] = (kind, json_copy(obj))
        return obj

    def user_sends_sticker(
        self, user_id: int, *, emoji: str = "👍", chat_id: int | None = None, deliver: bool = True
    ) -> JSONDict:
        """A user sends a sticker."""
        with self._lock:
            sticker = self._register_user_file(
                "sticker",
                "CAACAgIAAxkBAAE",
                {
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                    "emoji": emoji,
                },
            )
        return self._user_message(user_id, {"sticker": sticker}, chat_id=chat_id, deliver=deliver)

    def user_sends_photo(
        self,
        user_id: int,
        *,
        caption: str | None = None,
        width: int = 1280,
        height: int = 960,
        chat_id: int | None = None,
        deliver: bool = True,
    ) -> JSONDict:
        """A user sends a photo (two sizes, like Telegram's thumbnails)."""
        with self._lock:
            small = self._register_user_file(
                "photo", "AgACAgQAAxkBAAE", {"width": 90, "height": 68, "file_size": 1500}
            )
            large = self._register_user_file(
                "photo",
                "AgACAgQAAxkBAAE",
                {"width": width, "height": height, "file_size": width * height // 10},
            )
        content: JSONDict = {"photo": [small, large]}
        if caption is not None:
            content["caption"] = caption
        return self._user_message(user_id, content, chat_id=chat_id, deliver=deliver)

    def user_sends_location(
        self,
        user_id: int,
        latitude: float,
        longitude: float,
        *,
        chat_id: int | None = None,
        deliver: bool = True,
    ) -> JSONDict:
        """A user shares a location."""
        content = {"location": {"latitude": latitude, "longitude": longitude}}
        return self._user_message(user_id, content, chat_id=chat_id, deliver=deliver)

    def user_sends_voice(
        self,
        user_id: int,
        *,
        duration: int = 3,
        chat_id: int | None = None,
        deliver: bool = True,
    ) -> JSONDict:
        """A user sends a voice note."""
        with self._lock:
            voice = self._register_user_file(
                "voice",
                "AwACAgQAAxkBAAE",
                {"duration": duration, "mime_type": "audio/ogg", "file_size": 4000 * duration},
            )
        return self._user_message(user_id, {"voice": voice}, chat_id=chat_id, deliver=deliver)

    def user_sends_document(
        self,
        user_id: int,
        *,
        file_name: str = "document.pdf",
        mime_type: str = "application/pdf",
        file_size: int = 12345,
        caption: str | None = None,
        chat_id: int | None = None,
        deliver: bool = True,
    ) -> JSONDict:
        """A user sends a document."""
        with self._lock:
            document = self._register_user_file(
                "document",
                "BQACAgQAAxkBAAE",
                {"file_name": file_name, "mime_type": mime_type, "file_size": file_size},
            )
        content: JSONDict = {"document": document}
        if caption is not None:
            content["caption"] = caption
        return self._user_message(user_id, content, chat_id=chat_id, deliver=deliver)

    def user_edits_message(
        self,
        user_id: int,
        message_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        deliver: bool = True,
    ) -> JSONDict:
        """A user edits one of their text messages (an ``edited_message`` update)."""
        with self._lock:
            chat = self._existing_chat(user_id if chat_id is None else chat_id)
            message = self._live(chat, message_id)
            if message is None or message["from"]["id"] != user_id or "text" not in message:
                raise ValueError(f"user {user_id} has no text message {message_id} to edit")
            message["text"] = text
            message["edit_date"] = self._now()
            return self._enqueue("edited_message", self._view(message), deliver)

    def _membership_update(self, user_id: int, old: str, new: str, deliver: bool) -> JSONDict:
        user = self._ensure_user(user_id)
        chat = self._chats[user_id]
        bot = self._bot_sender()
        members: list[JSONDict] = []
        for status in (old, new):
            member: JSONDict = {"user": bot, "status": status}
            if status == "kicked":  # a banned member always carries until_date (0: forever)
                member["until_date"] = 0
            members.append(member)
        payload = {
            "chat": json_copy(chat.data),
            "from": json_copy(user),
            "date": self._now(),
            "old_chat_member": members[0],
            "new_chat_member": members[1],
        }
        return self._enqueue("my_chat_member", payload, deliver)

    def user_blocks_bot(self, user_id: int, *, deliver: bool = True) -> JSONDict | None:
        """Block the bot: sends to the user get 403; returns the ``my_chat_member`` update."""
        with self._lock:
            self._blocked.add(user_id)
            if user_id not in self._chats:
                self._changed()
                return None
            return self._membership_update(user_id, "member", "kicked", deliver)

    def user_unblocks_bot(self, user_id: int, *, deliver: bool = True) -> JSONDict | None:
        """Undo ``user_blocks_bot``."""
        with self._lock:
            self._blocked.discard(user_id)
            if user_id not in self._chats:
                self._changed()
                return None
            return self._membership_update(user_id, "kicked", "member", deliver)

    def push_update(self, kind: str, payload: JSONDict, *, deliver: bool = True) -> JSONDict:
        """Queue an arbitrary update ``{kind: payload}`` with the next update_id."""
        with self._lock:
            return self._enqueue(kind, payload, deliver)

    def redeliver(self, update_id: int) -> JSONDict:
        """Deliver an identical copy (same update_id) of an earlier update once more."""
        with self._lock:
            update = self._history.get(update_id)
            if update is None:
                raise ValueError(f"unknown update_id {update_id}")
            self._queue.insert(0, QueuedUpdate(update_id, update, sticky=True))
            self._changed()
            return json_copy(update)

    # ------------------------------------------------------------------ inspection

    def messages_to(self, chat_id: int, *, include_deleted: bool = False) -> list[JSONDict]:
        """Messages the bot sent to ``chat_id``, in their current (edited) state.

        ``reply_markup`` is included whatever its kind, unlike in API answers.
        """
        with self._lock:
            chat = self._chats.get(chat_id)
            if chat is None:
                return []
            return [
                json_copy(message)
                for message_id, message in chat.messages.items()
                if message["from"]["id"] == self.bot_id
                and (include_deleted or message_id not in chat.deleted)
            ]

    def chat_history(self, chat_id: int) -> list[JSONDict]:
        """Every live message in ``chat_id``, from users and from the bot."""
        with self._lock:
            chat = self._chats.get(chat_id)
            if chat is None:
                return []
            return [
                json_copy(message)
                for message_id, message in chat.messages.items()
                if message_id not in chat.deleted
            ]

    def last_message_to(self, chat_id: int) -> JSONDict | None:
        """The bot's latest live message to ``chat_id``."""
        messages = self.messages_to(chat_id)
        return messages[-1] if messages else None

    def _message_matcher(
        self, chat_id: int, predicate: MessagePredicate | None, after_message_id: int
    ) -> Callable[[], JSONDict | None]:
        def check() -> JSONDict | None:
            chat = self._chats.get(chat_id)
            if chat is None:
                return None
            for message_id, message in chat.messages.items():
                if (
                    message_id <= after_message_id
                    or message_id in chat.deleted
                    or message["from"]["id"] != self.bot_id
                ):
                    continue
                candidate = json_copy(message)
                if predicate is None or predicate(candidate):
                    return candidate
            return None

        return check

    def _no_message(self, chat_id: int, timeout: float) -> TimeoutError:
        texts = [message.get("text") for message in self.messages_to(chat_id)]
        return TimeoutError(
            f"no matching bot message in chat {chat_id} within {timeout}s; bot sent {texts!r}"
        )

    async def wait_for_message(
        self,
        chat_id: int,
        predicate: MessagePredicate | None = None,
        *,
        timeout: float = 5.0,
        after_message_id: int = 0,
    ) -> JSONDict:
        """Await the first bot message to ``chat_id`` newer than ``after_message_id``
        that satisfies ``predicate``; raise ``TimeoutError`` otherwise."""
        check = self._message_matcher(chat_id, predicate, after_message_id)
        found = await self._wait_until(check, timeout)
        if found is None:
            raise self._no_message(chat_id, timeout)
        return found

    def wait_for_message_sync(
        self,
        chat_id: int,
        predicate: MessagePredicate | None = None,
        *,
        timeout: float = 5.0,
        after_message_id: int = 0,
    ) -> JSONDict:
        """Blocking ``wait_for_message`` for sync tests (server in another thread)."""
        check = self._message_matcher(chat_id, predicate, after_message_id)
        found = self._wait_until_sync(check, timeout)
        if found is None:
            raise self._no_message(chat_id, timeout)
        return found

    @property
    def callback_answers(self) -> list[JSONDict]:
        """Every answerCallbackQuery call, oldest first."""
        with self._lock:
            return json_copy(self._callback_answers)

    @property
    def chat_actions(self) -> list[tuple[int, str]]:
        """Every sendChatAction as ``(chat_id, action)``."""
        with self._lock:
            return list(self._chat_actions)

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed (getUpdates) or delivered (webhook)."""
        with self._lock:
            return [json_copy(entry.data) for entry in self._queue]

    def commands(self, scope: JSONDict | None = None, language_code: str = "") -> list[JSONDict]:
        """The command list set for ``scope``/``language_code``."""
        key = (json.dumps(scope or {"type": "default"}, sort_keys=True), language_code)
        with self._lock:
            return json_copy(self._commands.get(key, []))

    def webhook_info(self) -> JSONDict:
        """What getWebhookInfo answers."""
        with self._lock:
            return self._webhook_info()
