"""The Bot API methods the emulator answers (``sendMessage``, ``getUpdates``, webhooks,
commands ...), with the validation they share; part of ``BotApiState``."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from tests.telegram_emulator.protocol import (
    _BAD_QUERY,
    _COMMAND_RE,
    _NOT_MODIFIED,
    _SECRET_RE,
    CHAT_ACTIONS,
    COMMAND_SCOPES,
    DEFAULT_ALLOWED_UPDATES,
    INLINE_BUTTON_ACTIONS,
    MAX_CALLBACK_ANSWER_LENGTH,
    MAX_CALLBACK_DATA_BYTES,
    MAX_CAPTION_LENGTH,
    MAX_LONG_POLL_SECONDS,
    MAX_MESSAGE_LENGTH,
    ApiError,
    JSONDict,
    Params,
    UploadedFile,
    _api_method,
    _Chat,
    _Result,
    _Webhook,
    bad_request,
    json_copy,
    need,
)


class ApiMethods:
    """Part of ``BotApiState``: one handler per API method, registered by name."""

    # ------------------------------------------------------------------ shared validation

    def _resolve_chat(self, params: Params, *, sending: bool) -> _Chat:
        ref = params.opt_chat_id()
        if ref is None:
            raise bad_request("chat_id is empty")
        chat: _Chat | None
        if isinstance(ref, int):
            chat = self._chats.get(ref)
        else:
            wanted = ref[1:].lower()
            chat = next(
                (c for c in self._chats.values() if c.data.get("username", "").lower() == wanted),
                None,
            )
        if chat is None:
            if isinstance(ref, int) and ref in self._users:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            raise bad_request("chat not found")
        if sending and chat.data["type"] == "private" and chat.data["id"] in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    @staticmethod
    def _checked_text(text: str | None) -> str:
        if text is None or not text.strip():
            raise bad_request("message text is empty")
        if len(text) > MAX_MESSAGE_LENGTH:
            raise bad_request("message is too long")
        return text

    @staticmethod
    def _checked_parse_mode(params: Params) -> None:
        mode = params.opt_str("parse_mode")
        if mode and mode.lower() not in ("html", "markdown", "markdownv2"):
            raise bad_request(f"unsupported parse_mode {mode!r}")

    @staticmethod
    def _checked_markup(params: Params, *, inline_only: bool = False) -> JSONDict | None:
        what = "reply keyboard markup"
        markup = params.opt_json("reply_markup", what)
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request(f"can't parse {what} JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise bad_request('field "inline_keyboard" must be of type Array')
            for button in (button for row in rows for button in row):
                if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                    raise bad_request("can't parse inline keyboard button: Text must be a String")
                actions = INLINE_BUTTON_ACTIONS & button.keys()
                if not actions:
                    raise bad_request(
                        "can't parse inline keyboard button: "
                        "Text buttons are unallowed in the inline keyboard"
                    )
                data = button.get("callback_data")
                if "callback_data" in actions and (
                    not isinstance(data, str)
                    or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES
                ):
                    raise bad_request("BUTTON_DATA_INVALID")
            return markup
        if inline_only:
            raise bad_request("inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise bad_request('field "keyboard" must be of type Array')
            return markup
        if "remove_keyboard" in markup or "force_reply" in markup:
            return markup
        raise bad_request(f"can't parse {what} JSON object")

    def _reply_target(self, params: Params, chat: _Chat) -> int | None:
        reply = params.opt_json("reply_parameters", "reply parameters")
        if reply is not None:
            if not isinstance(reply, dict) or "message_id" not in reply:
                raise bad_request("can't parse reply parameters JSON object")
            message_id = Params({"message_id": reply["message_id"]}).opt_int("message_id")
            allow = bool(reply.get("allow_sending_without_reply"))
        else:
            message_id = params.opt_int("reply_to_message_id")
            allow = bool(params.opt_bool("allow_sending_without_reply"))
        if message_id is None:
            return None
        if self._live(chat, message_id) is None:
            if allow:
                return None
            raise bad_request("message to be replied not found")
        return message_id

    def _send(self, params: Params, chat: _Chat, content: JSONDict) -> JSONDict:
        """Common tail of the send* methods: markup, reply, protection, storage."""
        markup = self._checked_markup(params)
        if markup is not None:
            content["reply_markup"] = markup
        if params.opt_bool("protect_content"):
            content["has_protected_content"] = True
        reply_to = self._reply_target(params, chat)
        message = self._new_message(chat, self._bot_sender(), content, reply_to)
        return self._view(message)

    def _editable(self, params: Params) -> tuple[_Chat, JSONDict]:
        if params.opt_str("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self._resolve_chat(params, sending=False)
        message_id = need(params.opt_int("message_id"), "message identifier is not specified")
        message = self._live(chat, message_id)
        if message is None:
            raise bad_request("message to edit not found")
        if message["from"]["id"] != self.bot_id:
            raise bad_request("message can't be edited")
        return chat, message

    def _media(self, kind: str, source: UploadedFile | str) -> Any:
        prefixes = {
            "photo": "AgACAgQAAxkDAAE",
            "document": "BQACAgQAAxkDAAE",
            "voice": "AwACAgQAAxkDAAE",
            "audio": "CQACAgQAAxkDAAE",
        }
        if isinstance(source, str):
            known = self._files.get(source)
            if known is not None:
                if known[0] != kind:
                    raise bad_request(f"wrong file type: can't use file of type {known[0]}")
                return json_copy(known[1])
            if not source.startswith(("http://", "https://")):
                raise bad_request("wrong file identifier/HTTP URL specified")
            name = urlsplit(source).path.rsplit("/", 1)[-1] or "file"
            upload = UploadedFile(name, b"", None)
            size = 0
        else:
            upload = source
            size = len(source.content)
        file_id, unique_id = self._new_file(prefixes[kind])
        if kind == "photo":
            media: Any = [
                {
                    "file_id": f"{file_id}s",
                    "file_unique_id": f"{unique_id}s",
                    "width": 90,
                    "height": 68,
                    "file_size": min(size, 1500),
                },
                {
                    "file_id": file_id,
                    "file_unique_id": unique_id,
                    "width": 800,
                    "height": 600,
                    "file_size": size,
                },
            ]
        else:
            media = {
                "file_id": file_id,
                "file_unique_id": unique_id,
                "file_name": upload.filename or "document",
                "mime_type": upload.mime_type or "application/octet-stream",
                "file_size": size,
            }
            if kind in ("voice", "audio"):  # Telegram reads the length from the file
                media["duration"] = max(1, size // 3000)
                if kind == "voice":
                    del media["file_name"]
                    media["mime_type"] = "audio/ogg"
        self._files[file_id] = (kind, json_copy(media))
        return media

    def _send_media(self, params: Params, kind: str) -> JSONDict:
        chat = self._resolve_chat(params, sending=True)
        source = params.opt_file(kind)
        if source is None:
            raise bad_request(f"there is no {kind} in the request")
        caption = params.opt_str("caption")
        if caption is not None and len(caption) > MAX_CAPTION_LENGTH:
            raise bad_request("message caption is too long")
        self._checked_parse_mode(params)
        content: JSONDict = {kind: self._media(kind, source)}
        if caption:
            content["caption"] = caption
        return self._send(params, chat, content)

    def _allowed_updates_param(self, params: Params) -> None:
        allowed = params.opt_json("allowed_updates")
        if allowed is None:
            return
        if not isinstance(allowed, list) or not all(isinstance(kind, str) for kind in allowed):
            raise bad_request('field "allowed_updates" must be of type Array')
        self._allowed_explicit = bool(allowed)
        self._allowed_updates = frozenset(allowed) if allowed else DEFAULT_ALLOWED_UPDATES

    def _command_key(self, params: Params) -> tuple[str, str]:
        scope = params.opt_json("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in COMMAND_SCOPES:
            raise bad_request("unsupported bot command scope type")
        language = params.opt_str("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("invalid language code specified")
        return json.dumps(scope, sort_keys=True), language

    def _webhook_info(self) -> JSONDict:
        hook = self._webhook
        info: JSONDict = {
            "url": hook.url if hook else "",
            "has_custom_certificate": bool(hook and hook.has_custom_certificate),
            "pending_update_count": len(self._queue),
        }
        if hook is not None:
            info["max_connections"] = hook.max_connections
            if hook.ip_address:
                info["ip_address"] = hook.ip_address
            if self._webhook_error is not None:
                info["last_error_date"], info["last_error_message"] = self._webhook_error
        if self._allowed_explicit:
            info["allowed_updates"] = sorted(self._allowed_updates)
        return info

    # ------------------------------------------------------------------ API methods

    @_api_method("getMe")
    def _get_me(self, params: Params) -> JSONDict:
        return json_copy(self._bot_profile)

    @_api_method("getUpdates")
    async def _get_updates(self, params: Params) -> list[JSONDict]:
        with self._lock:
            offset = params.opt_int("offset")
            limit = min(max(params.opt_int("limit") or 100, 1), 100)
            timeout = min(max(params.opt_float("timeout") or 0.0, 0.0), MAX_LONG_POLL_SECONDS)
            if self._webhook is not None:
                raise self._webhook_conflict()
            self._allowed_updates_param(params)
            self._poll_generation += 1
            generation = self._poll_generation
            if offset:
                self._confirm(offset)
            self._changed()

        def check() -> list[JSONDict] | None:
            if self._webhook is not None:
                raise self._webhook_conflict()
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            return self._take_batch(limit) or None

        return await self._wait_until(check, timeout) or []

    @staticmethod
    def _webhook_conflict() -> ApiError:
        return ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._queue = [e for e in self._queue if e.update_id >= offset or e.sticky]
        else:
            self._queue = self._queue[offset:]

    def _take_batch(self, limit: int) -> list[JSONDict]:
        for entry in self._queue:
            if entry.sticky:
                entry.sticky = False
                return [json_copy(entry.data)]
        return [json_copy(entry.data) for entry in self._queue[:limit]]

    @_api_method("setWebhook")
    def _set_webhook(self, params: Params) -> _Result:
        url = params.opt_str("url") or ""
        secret = params.opt_str("secret_token")
        if secret is not None and not _SECRET_RE.fullmatch(secret):
            raise bad_request("bad webhook: secret token contains unallowed characters")
        max_connections = params.opt_int("max_connections") or 40
        if not 1 <= max_connections <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        ip_address = params.opt_str("ip_address")
        certificate = params.opt_file("certificate")
        drop = params.opt_bool("drop_pending_updates")
        if url:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https"):
                raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
            if not parts.hostname:
                raise bad_request("bad webhook: Failed to resolve host: Name or service not known")
        self._allowed_updates_param(params)
        if drop:
            self._queue.clear()
        if not url:
            return self._delete_webhook_now()
        same = self._webhook is not None and self._webhook.url == url
        self._webhook = _Webhook(url, secret, max_connections, ip_address, certificate is not None)
        if not same:
            self._webhook_error = None
        self._changed()
        return _Result(True, "Webhook is already set" if same else "Webhook was set")

    def _delete_webhook_now(self) -> _Result:
        existed = self._webhook is not None
        self._webhook = None
        self._webhook_error = None
        self._changed()
        return _Result(True, "Webhook was deleted" if existed else "Webhook is already deleted")

    @_api_method("deleteWebhook")
    def _delete_webhook(self, params: Params) -> _Result:
        if params.opt_bool("drop_pending_updates"):
            self._queue.clear()
        return self._delete_webhook_now()

    @_api_method("getWebhookInfo")
    def _get_webhook_info(self, params: Params) -> JSONDict:
        return self._webhook_info()

    @_api_method("sendMessage")
    def _send_message(self, params: Params) -> JSONDict:
        chat = self._resolve_chat(params, sending=True)
        text = self._checked_text(params.opt_str("text"))
        self._checked_parse_mode(params)
        content: JSONDict = {"text": text}
        entities = params.opt_json("entities")
        if entities:
            if not isinstance(entities, list):
                raise bad_request('field "entities" must be of type Array')
            content["entities"] = entities
        return self._send(params, chat, content)

    @_api_method("sendPhoto")
    def _send_photo(self, params: Params) -> JSONDict:
        return self._send_media(params, "photo")

    @_api_method("sendDocument")
    def _send_document(self, params: Params) -> JSONDict:
        return self._send_media(params, "document")

    @_api_method("sendVoice")
    def _send_voice(self, params: Params) -> JSONDict:
        return self._send_media(params, "voice")

    @_api_method("sendAudio")
    def _send_audio(self, params: Params) -> JSONDict:
        return self._send_media(params, "audio")

    def _apply_edit(
        self,
        message: JSONDict,
        changes: JSONDict,
        markup: JSONDict | None,
        drop: tuple[str, ...] = (),
    ) -> JSONDict:
        """Edit a bot message; like Telegram, omitting reply_markup drops the inline keyboard."""
        current = message.get("reply_markup")
        inline = current if current and "inline_keyboard" in current else None
        if (
            all(message.get(key) == value for key, value in changes.items())
            and not any(key in message for key in drop)
            and inline == markup
        ):
            raise bad_request(_NOT_MODIFIED.removeprefix("Bad Request: "))
        message.update(changes)
        for key in drop:
            message.pop(key, None)
        if markup is not None:
            message["reply_markup"] = markup
        elif inline is not None:
            del message["reply_markup"]
        message["edit_date"] = self._now()
        self._changed()
        return self._view(message)

    @_api_method("editMessageText")
    def _edit_message_text(self, params: Params) -> JSONDict:
        _, message = self._editable(params)
        text = self._checked_text(params.opt_str("text"))
        self._checked_parse_mode(params)
        markup = self._checked_markup(params, inline_only=True)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        entities = params.opt_json("entities")
        if entities is not None and not isinstance(entities, list):
            raise bad_request('field "entities" must be of type Array')
        if entities:
            return self._apply_edit(message, {"text": text, "entities": entities}, markup)
        return self._apply_edit(message, {"text": text}, markup, drop=("entities",))

    @_api_method("editMessageReplyMarkup")
    def _edit_message_reply_markup(self, params: Params) -> JSONDict:
        _, message = self._editable(params)
        return self._apply_edit(message, {}, self._checked_markup(params, inline_only=True))

    @_api_method("answerCallbackQuery")
    def _answer_callback_query(self, params: Params) -> bool:
        query_id = params.opt_str("callback_query_id")
        if query_id is None or self._callback_queries.get(query_id, True):
            raise bad_request(_BAD_QUERY.removeprefix("Bad Request: "))
        text = params.opt_str("text")
        if text is not None and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        answer: JSONDict = {"callback_query_id": query_id}
        for name, value in (
            ("text", text),
            ("show_alert", params.opt_bool("show_alert")),
            ("url", params.opt_str("url")),
            ("cache_time", params.opt_int("cache_time")),
        ):
            if value is not None:
                answer[name] = value
        self._callback_queries[query_id] = True
        self._callback_answers.append(answer)
        self._changed()
        return True

    @_api_method("sendChatAction")
    def _send_chat_action(self, params: Params) -> bool:
        chat = self._resolve_chat(params, sending=True)
        action = params.opt_str("action")
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self._chat_actions.append((chat.data["id"], action))
        self._changed()
        return True

    @_api_method("deleteMessage")
    def _delete_message(self, params: Params) -> bool:
        chat = self._resolve_chat(params, sending=False)
        message_id = need(params.opt_int("message_id"), "message identifier is not specified")
        if self._live(chat, message_id) is None:
            raise bad_request("message to delete not found")
        chat.deleted.add(message_id)
        self._changed()
        return True

    @_api_method("setMyCommands")
    def _set_my_commands(self, params: Params) -> bool:
        commands = need(params.opt_json("commands"), 'parameter "commands" is required')
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request('field "commands" must be of type Array')
        cleaned: list[JSONDict] = []
        for item in commands:
            if not isinstance(item, dict):
                raise bad_request("can't parse BotCommand JSON object")
            command, description = item.get("command"), item.get("description")
            if not isinstance(command, str) or not _COMMAND_RE.fullmatch(command):
                raise bad_request("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise bad_request("command description is empty or too long")
            cleaned.append({"command": command, "description": description})
        key = self._command_key(params)
        if cleaned:
            self._commands[key] = cleaned
        else:
            self._commands.pop(key, None)
        return True

    @_api_method("getMyCommands")
    def _get_my_commands(self, params: Params) -> list[JSONDict]:
        return json_copy(self._commands.get(self._command_key(params), []))

    @_api_method("deleteMyCommands")
    def _delete_my_commands(self, params: Params) -> bool:
        self._commands.pop(self._command_key(params), None)
        return True

    @_api_method("close")
    def _close(self, params: Params) -> bool:
        return True

    @_api_method("logOut")
    def _log_out(self, params: Params) -> bool:
        return True
