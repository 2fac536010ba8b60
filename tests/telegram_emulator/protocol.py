"""The Telegram Bot API as the emulator models it: limits, errors, the parameters of a
call, and the records it keeps (calls, chats, queued updates, webhook jobs)."""

from __future__ import annotations

import contextlib
import json
import re
import secrets
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from telegram import Bot
from telegram.constants import UpdateType

if TYPE_CHECKING:
    from tests.telegram_emulator.offline import BotApiState

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


def json_copy(value: T) -> T:
    """A deep copy of JSON-shaped data (dicts and lists of plain values): what the
    emulator keeps and hands out, copied several times an API call, five to ten times
    faster than `copy.deepcopy`. Anything else (str, int, bytes, tuples) is shared."""
    if type(value) is dict:
        return {key: json_copy(item) for key, item in value.items()}  # type: ignore[return-value]
    if type(value) is list:
        return [json_copy(item) for item in value]  # type: ignore[return-value]
    return value


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


def chat_of(update: JSONDict) -> int | None:
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
