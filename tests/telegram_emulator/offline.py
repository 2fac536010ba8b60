"""In-memory model of the Telegram Bot API and an offline PTB request backend.

``BotApiState`` is the single implementation of the emulated API: ``server.py`` serves it
over HTTP on 127.0.0.1, ``FakeRequest`` calls it in-process and never opens a socket.
The state is thread-safe: the HTTP server may run in another thread than the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import inspect
import itertools
import json
import math
import re
import secrets
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, TypeVar
from urllib.parse import urlsplit

from telegram import Bot, Update
from telegram.constants import UpdateType
from telegram.request import BaseRequest, RequestData

JSONDict = dict[str, Any]
T = TypeVar("T")
MessagePredicate = Callable[[JSONDict], bool]



def fake_token(bot_id: int = 123456789) -> str:
    """A well-formed bot token, made afresh (never a literal that looks like a real one)."""
    return f"{bot_id}:{secrets.token_urlsafe(27)}"


DEFAULT_TOKEN = fake_token()
"""The emulator's token for this test process."""
SECRET_TOKEN_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_LONG_POLL_SECONDS = 50.0
RATE_WINDOW_SECONDS = 1.0

ALL_UPDATE_TYPES = frozenset(kind.value for kind in UpdateType)
DEFAULT_ALLOWED_UPDATES = ALL_UPDATE_TYPES - {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
COMMAND_SCOPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
INLINE_BUTTON_ACTIONS = frozenset(
    {
        "callback_data",
        "url",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "callback_game",
        "pay",
        "web_app",
        "copy_text",
    }
)
# Rate limits model message flood control; service methods are never throttled.
UNTHROTTLED_METHODS = frozenset(
    {
        "getMe",
        "getUpdates",
        "setWebhook",
        "deleteWebhook",
        "getWebhookInfo",
        "setMyCommands",
        "getMyCommands",
        "deleteMyCommands",
        "close",
        "logOut",
    }
)
# Every Bot API method PTB knows (its camelCase aliases); used to tell "unsupported" from "unknown".
REAL_API_METHODS = frozenset(
    name.lower() for name in dir(Bot) if re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]*)+", name)
)

_TOKEN_RE = re.compile(r"\d+:[A-Za-z0-9_-]+")
_API_PATH_RE = re.compile(r"/bot([^/]+)/([^/]+)/?$")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_COMMAND_PREFIX_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,64})?")
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_BAD_QUERY = "Bad Request: query is too old and response timeout expired or query ID is invalid"


def split_api_path(path: str) -> tuple[str, str] | None:
    """Split ``.../bot<token>/<method>`` into ``(token, method)``."""
    match = _API_PATH_RE.search(path)
    return (match.group(1), match.group(2)) if match else None


def error_body(status: int, description: str, parameters: JSONDict | None = None) -> JSONDict:
    """A Bot API error payload."""
    body: JSONDict = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body


class ApiError(Exception):
    """A Bot API error answer (``ok: false``)."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> JSONDict:
        """The JSON payload Telegram would send."""
        return error_body(self.status, self.description, self.parameters)


def bad_request(description: str) -> ApiError:
    """A 400 error; ``description`` is the part after ``Bad Request:``."""
    return ApiError(400, f"Bad Request: {description}")


def need(value: T | None, description: str) -> T:
    """Return ``value`` or fail with ``400 Bad Request: description``."""
    if value is None:
        raise bad_request(description)
    return value


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str | None
    content: bytes
    mime_type: str | None = None


@dataclass
class ApiCall:
    """One request handled by the emulator and the answer it got."""

    method: str
    params: JSONDict
    status: int
    response: JSONDict

    @property
    def ok(self) -> bool:
        """Whether Telegram would have answered ``ok: true``."""
        return bool(self.response.get("ok"))

    @property
    def result(self) -> Any:
        """The ``result`` field of a successful answer."""
        return self.response.get("result")


@dataclass
class ApiStats:
    """Request counters (calls per canonical method name, answers by kind)."""

    accepted: int = 0
    rejected_429: int = 0
    failed: int = 0
    injected_faults: int = 0
    per_method: Counter[str] = field(default_factory=Counter)
    accepted_per_method: Counter[str] = field(default_factory=Counter)


def _chat_of(update: JSONDict) -> int | None:
    """The chat an update is about (None when it names none)."""
    for kind in ("message", "edited_message", "callback_query", "my_chat_member"):
        body = update.get(kind)
        if isinstance(body, dict):
            chat = (body.get("message") or body).get("chat") or {}
            found = chat.get("id") if isinstance(chat, dict) else None
            return found if isinstance(found, int) else None
    return None


@dataclass(eq=False)
class QueuedUpdate:
    """An update waiting to be fetched by getUpdates or pushed to the webhook."""

    update_id: int
    data: JSONDict
    sticky: bool = False  # a redelivery that survives offset confirmation until sent once


@dataclass(frozen=True)
class WebhookJob:
    """One webhook delivery attempt for the HTTP runner."""

    url: str
    secret_token: str | None
    entry: QueuedUpdate


@dataclass
class _Webhook:
    url: str
    secret_token: str | None
    max_connections: int
    ip_address: str | None
    has_custom_certificate: bool


@dataclass
class _Chat:
    data: JSONDict
    next_message_id: int = 1
    messages: dict[int, JSONDict] = field(default_factory=dict)
    deleted: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class _Result:
    value: Any
    description: str | None = None


class Params:
    """Typed access to request parameters given as JSON values or as form strings.

    PTB posts form fields whose non-string values are JSON encoded, so every accessor
    coerces like the real Bot API does and fails with a 400 on a bad type.
    """

    def __init__(
        self, raw: Mapping[str, Any] | None = None, files: Mapping[str, UploadedFile] | None = None
    ) -> None:
        self.raw: JSONDict = dict(raw or {})
        self.files: dict[str, UploadedFile] = dict(files or {})
        self.parsed: JSONDict = {}

    def _get(self, name: str) -> Any:
        value = self.raw.get(name)
        return None if value is None or value == "" else value

    def _keep(self, name: str, value: T) -> T:
        self.parsed[name] = value
        return value

    @staticmethod
    def _type_error(name: str, kind: str) -> ApiError:
        return bad_request(f'field "{name}" must be of type {kind}')

    def opt_str(self, name: str) -> str | None:
        """A string parameter (numbers are accepted and stringified)."""
        value = self.raw.get(name)
        if value is None:
            return None
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, int | float):
            value = str(value)
        elif not isinstance(value, str):
            raise self._type_error(name, "String")
        return self._keep(name, value)

    def opt_int(self, name: str) -> int | None:
        """An integer parameter."""
        value = self._get(name)
        if value is None:
            return None
        if isinstance(value, bool):
            raise self._type_error(name, "Integer")
        if isinstance(value, int):
            return self._keep(name, value)
        if isinstance(value, float) and value.is_integer():
            return self._keep(name, int(value))
        if isinstance(value, str):
            try:
                return self._keep(name, int(value.strip()))
            except ValueError:
                pass
        raise self._type_error(name, "Integer")

    def opt_float(self, name: str) -> float | None:
        """A floating point parameter."""
        value = self._get(name)
        if value is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return self._keep(name, float(value))
        if isinstance(value, str):
            try:
                return self._keep(name, float(value.strip()))
            except ValueError:
                pass
        raise self._type_error(name, "Float")

    def opt_bool(self, name: str) -> bool | None:
        """A boolean parameter (``true``/``false``/``1``/``0`` as strings too)."""
        value = self._get(name)
        if value is None:
            return None
        if isinstance(value, bool):
            return self._keep(name, value)
        if isinstance(value, int) and value in (0, 1):
            return self._keep(name, bool(value))
        if isinstance(value, str) and value.strip().lower() in ("true", "1", "yes"):
            return self._keep(name, True)
        if isinstance(value, str) and value.strip().lower() in ("false", "0", "no"):
            return self._keep(name, False)
        raise self._type_error(name, "Boolean")

    def opt_json(self, name: str, what: str | None = None) -> Any:
        """A JSON-serialized object/array (already decoded in JSON bodies)."""
        value = self._get(name)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {what or name} JSON object") from None
        return self._keep(name, value)

    def opt_chat_id(self, name: str = "chat_id") -> int | str | None:
        """A chat id: an integer or ``@username``."""
        value = self._get(name)
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return self._keep(name, value)
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("@") and len(text) > 1:
                return self._keep(name, text)
            with contextlib.suppress(ValueError):
                return self._keep(name, int(text))
        raise bad_request("chat not found")

    def opt_file(self, name: str) -> UploadedFile | str | None:
        """An uploaded part, an ``attach://`` reference, or a file_id / URL string."""
        if name in self.files:
            return self._keep(name, self.files[name])
        value = self.opt_str(name)
        if value is None or value == "":
            return None
        if value.startswith("attach://"):
            attached = self.files.get(value.removeprefix("attach://"))
            if attached is None:
                raise bad_request(f"file {value!r} not found in the request")
            return self._keep(name, attached)
        return value

    def rate_key(self) -> str | None:
        """The raw chat id, used as the per-chat flood-control key."""
        value = self.raw.get("chat_id")
        return None if value is None else str(value).strip()

    def logged(self) -> JSONDict:
        """Parameters as recorded in the call log (coerced where a handler read them)."""
        return {**self.raw, **self.files, **self.parsed}


_Handler = Callable[["BotApiState", Params], Any]
_HANDLERS: dict[str, tuple[str, _Handler]] = {}


def _api_method(name: str) -> Callable[[_Handler], _Handler]:
    def register(handler: _Handler) -> _Handler:
        _HANDLERS[name.lower()] = (name, handler)
        return handler

    return register


def _inline_keyboard_data(message: Mapping[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    rows = markup.get("inline_keyboard") or []
    return [button["callback_data"] for row in rows for button in row if "callback_data" in button]


class BotApiState:
    """The emulated bot, its chats, users and update queue, plus the API method handlers.

    Use ``call()`` to execute an API method; the ``user_*`` methods simulate people
    talking to the bot; ``messages_to``/``wait_for_message`` inspect what the bot sent.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_first_name: str = "CareVoice Test Bot",
        bot_username: str = "carevoice_test_bot",
        can_join_groups: bool = True,
        can_read_all_group_messages: bool = False,
        rate_limit_per_second: int | None = None,
        per_chat_per_second: int | None = None,
        first_update_id: int = 1,
        record_calls: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not _TOKEN_RE.fullmatch(token):
            raise ValueError(f"malformed bot token {token!r}; expected '<digits>:<secret>'")
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self._bot_profile: JSONDict = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": can_join_groups,
            "can_read_all_group_messages": can_read_all_group_messages,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.rate_limit_per_second = rate_limit_per_second
        self.per_chat_per_second = per_chat_per_second
        self.record_calls = record_calls
        self._clock = clock

        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._async_waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._closing = False

        self._users: dict[int, JSONDict] = {}
        self._chats: dict[int, _Chat] = {}
        self._blocked: set[int] = set()
        self._files: dict[str, tuple[str, Any]] = {}
        self._file_counter = itertools.count(1)
        self._callback_counter = itertools.count(1)
        self._callback_queries: dict[str, bool] = {}  # id -> answered
        self._callback_answers: list[JSONDict] = []
        self._chat_actions: list[tuple[int, str]] = []
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}

        self._next_update_id = first_update_id
        self._history: dict[int, JSONDict] = {}
        self._queue: list[QueuedUpdate] = []
        self._allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        self._allowed_explicit = False
        self._poll_generation = 0
        self._webhook: _Webhook | None = None
        self._webhook_error: tuple[int, str] | None = None
        self._in_flight: dict[int, int | None] = {}  # webhook deliveries: entry id -> chat

        self._faults: dict[str, deque[int]] = {}
        self._global_window: deque[float] = deque()
        self._chat_windows: dict[str, deque[float]] = {}
        self.stats = ApiStats()
        self.calls: list[ApiCall] = []

    # ------------------------------------------------------------------ waiting

    def _changed(self) -> None:
        """Wake every waiter (sync and async, any thread). Caller holds the lock."""
        self._cond.notify_all()
        for loop, event in list(self._async_waiters):
            with contextlib.suppress(RuntimeError):  # loop already closed
                loop.call_soon_threadsafe(event.set)

    async def _wait_until(self, check: Callable[[], T | None], timeout: float | None) -> T | None:
        """Await until ``check()`` (run under the lock) is not None, or time out with None."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + max(0.0, timeout)
        while True:
            event = asyncio.Event()
            waiter = (loop, event)
            with self._lock:
                result = check()
                if result is not None or self._closing:
                    return result
                remaining = None if deadline is None else deadline - loop.time()
                if remaining is not None and remaining <= 0:
                    return None
                self._async_waiters.add(waiter)
            try:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(remaining):
                        await event.wait()
            finally:
                with self._lock:
                    self._async_waiters.discard(waiter)

    def _wait_until_sync(self, check: Callable[[], T | None], timeout: float) -> T | None:
        """Blocking twin of ``_wait_until``; never call it on the server's event loop."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                result = check()
                if result is not None or self._closing:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._cond.wait(remaining)

    def _set_closing(self, closing: bool) -> None:
        """While closing, every wait (long polls included) returns at once."""
        with self._lock:
            self._closing = closing
            self._changed()

    # ------------------------------------------------------------------ dispatch

    async def call(
        self,
        token: str,
        method: str,
        raw: Mapping[str, Any] | None = None,
        files: Mapping[str, UploadedFile] | None = None,
    ) -> ApiCall:
        """Execute one Bot API request; never raises for API-level errors."""
        params = Params(raw, files)
        if token != self.token:
            if _TOKEN_RE.fullmatch(token):
                return self._finish(method, params, error_body(401, "Unauthorized"), count=False)
            return self._finish(method, params, error_body(404, "Not Found"), count=False)
        entry = _HANDLERS.get(method.lower())
        if entry is None:
            if method.lower() in REAL_API_METHODS:
                body = error_body(501, f"Not Implemented: the emulator does not support {method}")
            else:
                body = error_body(404, "Not Found: method not found")
            return self._finish(method, params, body)
        name, handler = entry
        try:
            if inspect.iscoroutinefunction(handler):
                with self._lock:
                    self._preflight(name, params)
                outcome = await handler(self, params)
            else:
                with self._lock:
                    self._preflight(name, params)
                    outcome = handler(self, params)
        except ApiError as exc:
            return self._finish(name, params, exc.body())
        if not isinstance(outcome, _Result):
            outcome = _Result(outcome)
        body = {"ok": True, "result": outcome.value}
        if outcome.description:
            body["description"] = outcome.description
        return self._finish(name, params, body)

    def _finish(
        self, method: str, params: Params, body: JSONDict, *, count: bool = True
    ) -> ApiCall:
        status = 200 if body.get("ok") else int(body["error_code"])
        call = ApiCall(method, params.logged(), status, body)
        with self._lock:
            if count:
                self.stats.per_method[method] += 1
                if status == 200:
                    self.stats.accepted += 1
                    self.stats.accepted_per_method[method] += 1
                elif status == 429:
                    self.stats.rejected_429 += 1
                else:
                    self.stats.failed += 1
            if self.record_calls:
                self.calls.append(call)
        return call

    def _preflight(self, method: str, params: Params) -> None:
        """Injected faults, then flood control. Caller holds the lock."""
        for key in (method.lower(), "*"):
            pending = self._faults.get(key)
            if pending:
                status = pending.popleft()
                self.stats.injected_faults += 1
                try:
                    phrase = HTTPStatus(status).phrase
                except ValueError:
                    phrase = "Error"
                raise ApiError(status, phrase)
        if method in UNTHROTTLED_METHODS:
            return
        now = time.monotonic()
        windows: list[tuple[deque[float], int]] = []
        if self.rate_limit_per_second is not None:
            windows.append((self._global_window, self.rate_limit_per_second))
        chat_key = params.rate_key()
        if self.per_chat_per_second is not None and chat_key is not None:
            window = self._chat_windows.setdefault(chat_key, deque())
            windows.append((window, self.per_chat_per_second))
        waits: list[float] = []
        for window, limit in windows:
            while window and window[0] <= now - RATE_WINDOW_SECONDS:
                window.popleft()
            if len(window) >= limit:
                waits.append(window[0] + RATE_WINDOW_SECONDS - now)
        if waits:
            retry_after = max(1, math.ceil(max(waits)))
            raise ApiError(
                429,
                f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
            )
        for window, _ in windows:
            window.append(now)

    # ------------------------------------------------------------------ test controls

    def fail_next(self, method: str, n: int = 1, status: int = 502) -> None:
        """Answer the next ``n`` calls of ``method`` (``"*"``: any) with HTTP ``status``."""
        with self._lock:
            self._faults.setdefault(method.lower(), deque()).extend([status] * n)

    def reset_stats(self) -> None:
        """Zero the counters and forget the call log."""
        with self._lock:
            self.stats = ApiStats()
            self.calls.clear()

    # ------------------------------------------------------------------ model helpers

    def _now(self) -> int:
        return int(self._clock())

    def _bot_sender(self) -> JSONDict:
        profile = self._bot_profile
        return {key: profile[key] for key in ("id", "is_bot", "first_name", "username")}

    def _ensure_user(
        self,
        user_id: int,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> JSONDict:
        if user_id <= 0:
            raise ValueError(f"user ids are positive, got {user_id}")
        user = self._users.setdefault(
            user_id,
            {"id": user_id, "is_bot": False, "first_name": f"User{user_id}", "language_code": "en"},
        )
        for key, value in (
            ("first_name", first_name),
            ("last_name", last_name),
            ("username", username),
            ("language_code", language_code),
        ):
            if value is not None:
                user[key] = value
        chat = self._chats.get(user_id)
        if chat is not None:
            chat.data.update(self._private_chat_data(user))
        return user

    @staticmethod
    def _private_chat_data(user: JSONDict) -> JSONDict:
        data: JSONDict = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        for key in ("last_name", "username"):
            if key in user:
                data[key] = user[key]
        return data

    def _chat_of(
        self, user: JSONDict, chat_id: int | None, chat_type: str, title: str | None
    ) -> _Chat:
        if chat_type == "private":
            if chat_id not in (None, user["id"]):
                raise ValueError("a private chat's id is the user's id")
            return self._chats.setdefault(user["id"], _Chat(self._private_chat_data(user)))
        if chat_type not in ("group", "supergroup", "channel"):
            raise ValueError(f"unknown chat type {chat_type!r}")
        if chat_id is None or chat_id >= 0:
            raise ValueError("group chats need a negative chat_id")
        chat = self._chats.get(chat_id)
        if chat is None:
            data = {"id": chat_id, "type": chat_type, "title": title or f"Group {-chat_id}"}
            chat = self._chats[chat_id] = _Chat(data)
        elif title is not None:
            chat.data["title"] = title
        return chat

    def _existing_chat(self, chat_id: int) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            raise ValueError(f"chat {chat_id} does not exist in the emulator")
        return chat

    @staticmethod
    def _live(chat: _Chat, message_id: int) -> JSONDict | None:
        if message_id in chat.deleted:
            return None
        return chat.messages.get(message_id)

    @staticmethod
    def _view(message: JSONDict) -> JSONDict:
        """A message as the API shows it: only inline keyboards are echoed back."""
        view = copy.deepcopy(message)
        markup = view.get("reply_markup")
        if markup is not None and "inline_keyboard" not in markup:
            del view["reply_markup"]
        return view

    def _new_message(
        self, chat: _Chat, sender: JSONDict, content: JSONDict, reply_to: int | None = None
    ) -> JSONDict:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        message: JSONDict = {
            "message_id": message_id,
            "from": copy.deepcopy(sender),
            "chat": copy.deepcopy(chat.data),
            "date": self._now(),
            **copy.deepcopy(content),
        }
        if reply_to is not None:
            target = self._live(chat, reply_to)
            if target is not None:
                quoted = self._view(target)
                quoted.pop("reply_to_message", None)
                message["reply_to_message"] = quoted
        chat.messages[message_id] = message
        self._changed()
        return message

    def _enqueue(self, kind: str, payload: JSONDict, deliver: bool) -> JSONDict:
        update_id = self._next_update_id
        self._next_update_id += 1
        update = {"update_id": update_id, kind: copy.deepcopy(payload)}
        self._history[update_id] = update
        if deliver and kind in self._allowed_updates:
            self._queue.append(QueuedUpdate(update_id, update))
        self._changed()
        return copy.deepcopy(update)

    def _new_file(self, prefix: str) -> tuple[str, str]:
        number = next(self._file_counter)
        return f"{prefix}{number:010d}-emu", f"AQAD{number:08d}"

    def _chat_instance(self, chat_id: int) -> str:
        return str((chat_id * 2654435761 + self.bot_id) % 10**19)

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
            return copy.deepcopy(user)

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
                "from": copy.deepcopy(user),
                "message": self._view(message),
                "chat_instance": self._chat_instance(chat.data["id"]),
                "data": callback_data,
            }
            return self._enqueue("callback_query", query, deliver)

    def _register_user_file(self, kind: str, prefix: str, obj: JSONDict) -> JSONDict:
        obj["file_id"], obj["file_unique_id"] = self._new_file(prefix)
        self._files[obj["file_id"]] = (kind, copy.deepcopy(obj))
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
            "chat": copy.deepcopy(chat.data),
            "from": copy.deepcopy(user),
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
            return copy.deepcopy(update)

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
                copy.deepcopy(message)
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
                copy.deepcopy(message)
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
                candidate = copy.deepcopy(message)
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
            return copy.deepcopy(self._callback_answers)

    @property
    def chat_actions(self) -> list[tuple[int, str]]:
        """Every sendChatAction as ``(chat_id, action)``."""
        with self._lock:
            return list(self._chat_actions)

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed (getUpdates) or delivered (webhook)."""
        with self._lock:
            return [copy.deepcopy(entry.data) for entry in self._queue]

    def commands(self, scope: JSONDict | None = None, language_code: str = "") -> list[JSONDict]:
        """The command list set for ``scope``/``language_code``."""
        key = (json.dumps(scope or {"type": "default"}, sort_keys=True), language_code)
        with self._lock:
            return copy.deepcopy(self._commands.get(key, []))

    def webhook_info(self) -> JSONDict:
        """What getWebhookInfo answers."""
        with self._lock:
            return self._webhook_info()

    # ------------------------------------------------------------------ webhook (runner side)

    def _next_webhook_job(self) -> WebhookJob | None:
        """The oldest queued update not being delivered whose chat has none in flight
        (several deliveries at once, as Telegram makes up to `max_connections`; each
        chat's updates still in order)."""
        if self._webhook is None or not self._queue:
            return None
        flying = self._in_flight
        busy = set(flying.values())
        for entry in self._queue:
            if id(entry) in flying:
                continue
            chat = _chat_of(entry.data)
            if chat is not None and chat in busy:
                busy.add(chat)
                continue
            flying[id(entry)] = chat
            return WebhookJob(self._webhook.url, self._webhook.secret_token, entry)
        return None

    def _landed(self, job: WebhookJob) -> None:
        self._in_flight.pop(id(job.entry), None)

    async def wait_webhook_job(self) -> WebhookJob | None:
        """Await the next update to push to the webhook (None when closing)."""
        return await self._wait_until(self._next_webhook_job, None)

    def webhook_delivered(self, job: WebhookJob) -> None:
        """Drop a successfully delivered update from the queue."""
        with self._lock:
            self._landed(job)
            with contextlib.suppress(ValueError):
                self._queue.remove(job.entry)
            self._changed()

    def webhook_failed(self, job: WebhookJob, message: str) -> None:
        """Record a failed delivery as getWebhookInfo reports it; the update stays queued."""
        with self._lock:
            self._landed(job)
            self._webhook_error = (self._now(), message)
            self._changed()

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
                return copy.deepcopy(known[1])
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
        self._files[file_id] = (kind, copy.deepcopy(media))
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
        return copy.deepcopy(self._bot_profile)

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
                return [copy.deepcopy(entry.data)]
        return [copy.deepcopy(entry.data) for entry in self._queue[:limit]]

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
        return copy.deepcopy(self._commands.get(self._command_key(params), []))

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


# ---------------------------------------------------------------------- PTB offline backend


def _read_content(content: Any) -> bytes:
    if isinstance(content, bytes):
        return content
    data = content.read()
    return data if isinstance(data, bytes) else str(data).encode()


class FakeRequest(BaseRequest):
    """A PTB request backend answering from a ``BotApiState`` in-process (no sockets).

    Sends exactly what ``HTTPXRequest`` would put on the wire (form fields with JSON
    encoded values, file parts) and records each answered call in ``calls``.
    """

    def __init__(self, state: BotApiState, *, read_timeout: float | None = 5.0) -> None:
        self.state = state
        self.calls: list[ApiCall] = []
        self._read_timeout = read_timeout

    @property
    def read_timeout(self) -> float | None:
        """Default read timeout PTB adds to the long-polling timeout."""
        return self._read_timeout

    @property
    def methods(self) -> list[str]:
        """Names of the methods called through this request object, in order."""
        return [call.method for call in self.calls]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Route ``.../bot<token>/<method>`` to the state; anything else is a 404."""
        target = split_api_path(urlsplit(url).path)
        if target is None:
            return 404, json.dumps(error_body(404, "Not Found")).encode()
        raw: JSONDict = dict(request_data.json_parameters) if request_data else {}
        files: dict[str, UploadedFile] = {}
        if request_data is not None and request_data.contains_files:
            for name, (filename, content, mime_type) in request_data.multipart_data.items():
                files[name] = UploadedFile(filename, _read_content(content), mime_type)
        call = await self.state.call(target[0], target[1], raw, files)
        self.calls.append(call)
        return call.status, json.dumps(call.response).encode()


# ---------------------------------------------------------------------- Update builders


def make_update(data: Mapping[str, Any], bot: Bot | None = None) -> Update:
    """Turn an update dict (e.g. from ``user_sends_text``) into a ``telegram.Update``."""
    return Update.de_json(copy.deepcopy(dict(data)), bot)


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


__all__ = [
    "DEFAULT_TOKEN",
    "SECRET_TOKEN_HEADER",
    "ApiCall",
    "ApiError",
    "ApiStats",
    "BotApiState",
    "FakeRequest",
    "Params",
    "UpdateMaker",
    "UploadedFile",
    "WebhookJob",
    "fake_token",
    "make_update",
    "split_api_path",
]
