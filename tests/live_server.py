"""The real app under uvicorn in a thread on 127.0.0.1, for tests that need a live server
(browser tests, schemathesis): one start-up and shut-down for all of them."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from api.app import create_app
from carevoice.wiring import build_services
from services.settings import Settings


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(settings: Settings, port: int, *, start_within: float = 30) -> Iterator[str]:
    """`create_app(settings=...)` served on ``port`` until the block ends; yields its URL."""
    config = uvicorn.Config(
        create_app(settings=settings, build=build_services), host="127.0.0.1", port=port,
        log_level="warning",
        ws="none", http="h11", lifespan="on", access_log=False,
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_within
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=start_within / 2)
