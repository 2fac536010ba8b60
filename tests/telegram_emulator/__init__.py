"""A small Telegram Bot API emulator for end-to-end (HTTP) and offline PTB tests.

- ``offline.BotApiState``: the in-memory API model (one implementation for both modes).
- ``offline.FakeRequest``: PTB request backend calling the state in-process, no sockets.
- ``server.EmulatorServer`` / ``server.running_emulator``: the same state over HTTP
  on 127.0.0.1, for real ``telegram.Bot`` / ``Application`` instances.
"""

from .offline import (
    DEFAULT_TOKEN,
    SECRET_TOKEN_HEADER,
    ApiCall,
    ApiError,
    ApiStats,
    BotApiState,
    FakeRequest,
    UpdateMaker,
    UploadedFile,
    fake_token,
    make_update,
)
from .server import EmulatorServer, create_app, running_emulator, serve_asgi

__all__ = [
    "DEFAULT_TOKEN",
    "SECRET_TOKEN_HEADER",
    "ApiCall",
    "ApiError",
    "ApiStats",
    "BotApiState",
    "EmulatorServer",
    "FakeRequest",
    "UpdateMaker",
    "UploadedFile",
    "create_app",
    "fake_token",
    "make_update",
    "running_emulator",
    "serve_asgi",
]
