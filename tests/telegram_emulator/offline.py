"""In-memory model of the Telegram Bot API and an offline PTB request backend.

``BotApiState`` is the single implementation of the emulated API: ``server.py`` serves it
over HTTP on 127.0.0.1, ``FakeRequest`` calls it in-process and never opens a socket.
The state is thread-safe: the HTTP server may run in another thread than the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

from tests.telegram_emulator.methods import ApiMethods
from tests.telegram_emulator.protocol import (
    _HANDLERS,
    _TOKEN_RE,
    DEFAULT_ALLOWED_UPDATES,
    DEFAULT_TOKEN,
    RATE_WINDOW_SECONDS,
    REAL_API_METHODS,
    SECRET_TOKEN_HEADER,
    UNTHROTTLED_METHODS,
    ApiCall,
    ApiError,
    ApiStats,
    JSONDict,
    Params,
    QueuedUpdate,
    T,
    UploadedFile,
    WebhookJob,
    _Chat,
    _Result,
    _Webhook,
    chat_of,
    error_body,
    fake_token,
    json_copy,
    split_api_path,
)
from tests.telegram_emulator.request import FakeRequest
from tests.telegram_emulator.updates import UpdateMaker, make_update
from tests.telegram_emulator.users import SimulatedUsers

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


class BotApiState(SimulatedUsers, ApiMethods):
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
        view = json_copy(message)
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
            "from": json_copy(sender),
            "chat": json_copy(chat.data),
            "date": self._now(),
            **json_copy(content),
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
        update = {"update_id": update_id, kind: json_copy(payload)}
        self._history[update_id] = update
        if deliver and kind in self._allowed_updates:
            self._queue.append(QueuedUpdate(update_id, update))
        self._changed()
        return json_copy(update)

    def _new_file(self, prefix: str) -> tuple[str, str]:
        number = next(self._file_counter)
        return f"{prefix}{number:010d}-emu", f"AQAD{number:08d}"

    def _chat_instance(self, chat_id: int) -> str:
        return str((chat_id * 2654435761 + self.bot_id) % 10**19)

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
            chat = chat_of(entry.data)
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
