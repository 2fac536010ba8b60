"""A small Telegram Bot API emulator for end-to-end (HTTP) and offline PTB tests.

- ``offline.BotApiState``: the in-memory API model (one implementation for both modes),
  made of ``users.SimulatedUsers`` (people talking to the bot, and inspection) and
  ``methods.ApiMethods`` (the Bot API methods); ``protocol`` holds the limits, errors,
  parameters and records they share.
- ``request.FakeRequest``: PTB request backend calling the state in-process, no sockets;
  ``updates.UpdateMaker`` builds PTB updates for handler tests.
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
