"""HTTP front for ``BotApiState``: a starlette app served by uvicorn on 127.0.0.1.

``EmulatorServer`` is a ``BotApiState`` reachable over real HTTP, either with
``with EmulatorServer() as emu:`` (uvicorn in a background thread with its own loop)
or ``async with running_emulator() as emu:`` (uvicorn as a task in the current loop).
Point PTB at it with ``Bot(emu.token, base_url=emu.base_url)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from .offline import BotApiState
from .protocol import (
    DEFAULT_TOKEN,
    SECRET_TOKEN_HEADER,
    ApiError,
    JSONDict,
    UploadedFile,
    WebhookJob,
    bad_request,
    error_body,
    split_api_path,
)

_LOGGER = logging.getLogger(__name__)
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def _read_params(request: Request) -> tuple[JSONDict, dict[str, UploadedFile]]:
    """Query string plus a JSON, urlencoded or multipart body, like the real Bot API."""
    raw: JSONDict = dict(request.query_params)
    files: dict[str, UploadedFile] = {}
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type in _FORM_TYPES:
        try:
            form = await request.form()
        except Exception as exc:
            raise bad_request(f"can't parse request body: {exc}") from None
        try:
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    content = await value.read()
                    files[key] = UploadedFile(value.filename, content, value.content_type)
                else:
                    raw[key] = value
        finally:
            await form.close()
        return raw, files
    body = await request.body()
    if not body.strip():
        return raw, files
    if media_type not in ("application/json", ""):
        raise bad_request(f"unsupported Content-Type {media_type!r}")
    try:
        data = json.loads(body)
    except ValueError:
        raise bad_request("can't parse JSON request body") from None
    if not isinstance(data, dict):
        raise bad_request("JSON request body must be an object")
    raw.update(data)
    return raw, files


def create_app(state: BotApiState) -> Starlette:
    """The Bot API over HTTP: ``/bot<token>/<method>`` with GET or POST."""

    async def endpoint(request: Request) -> Response:
        target = split_api_path(request.url.path)
        if target is None:
            return JSONResponse(error_body(404, "Not Found"), status_code=404)
        try:
            raw, files = await _read_params(request)
        except ApiError as exc:
            return JSONResponse(exc.body(), status_code=exc.status)
        try:
            call = await state.call(target[0], target[1], raw, files)
        except Exception:
            _LOGGER.exception("emulator bug while handling %s", target[1])
            body = error_body(500, "Internal Server Error: emulator bug, see the log")
            return JSONResponse(body, status_code=500)
        return JSONResponse(call.response, status_code=call.status)

    return Starlette(routes=[Route("/{path:path}", endpoint, methods=["GET", "POST"])])


class _QuietServer(uvicorn.Server):
    """uvicorn without signal handlers: it lives inside a test process."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.asynccontextmanager
async def serve_asgi(app: ASGIApp, *, host: str = "127.0.0.1") -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn on a free port in the current loop; yield its base URL."""
    config = uvicorn.Config(
        app,
        host=host,
        port=0,
        log_config=None,
        access_log=False,
        lifespan="off",
        ws="none",
        timeout_graceful_shutdown=2,
    )
    server = _QuietServer(config)
    task = asyncio.create_task(server.serve(), name=f"uvicorn:{host}")
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("uvicorn stopped during startup")
            await asyncio.sleep(0.005)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        await task


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class EmulatorServer(BotApiState):
    """A ``BotApiState`` served over HTTP on 127.0.0.1, with webhook delivery.

    Webhooks are POSTed (JSON, ``X-Telegram-Bot-Api-Secret-Token``) to loopback URLs
    only, so tests never reach the internet; failures are retried with backoff.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        webhook_retry_delay: float = 0.05,
        webhook_retry_max_delay: float = 1.0,
        webhook_timeout: float = 5.0,
        webhook_connections: int = 1,
        **options: Any,
    ) -> None:
        super().__init__(token, **options)
        self.webhook_connections = webhook_connections  # deliveries at once (chats apart)
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_retry_max_delay = webhook_retry_max_delay
        self.webhook_timeout = webhook_timeout
        self._url: str | None = None
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` while running."""
        if self._url is None:
            raise RuntimeError("the emulator is not running")
        return self._url

    @property
    def base_url(self) -> str:
        """What to pass as PTB's ``base_url`` (PTB appends ``<token>/<method>``)."""
        return f"{self.url}/bot"

    @property
    def api_url(self) -> str:
        """``http://127.0.0.1:PORT/bot<token>`` for raw HTTP calls."""
        return f"{self.base_url}{self.token}"

    # ------------------------------------------------------------------ lifecycle

    async def _run(self, ready: Callable[[], None], stop: asyncio.Event) -> None:
        try:
            async with (
                httpx.AsyncClient(timeout=self.webhook_timeout, trust_env=False) as client,
                serve_asgi(create_app(self)) as url,
            ):
                self._url = url
                workers = [
                    asyncio.create_task(self._webhook_worker(client), name="webhook")
                    for _ in range(self.webhook_connections)
                ]
                try:
                    ready()
                    await stop.wait()
                finally:
                    self._set_closing(True)  # answer pending long polls so uvicorn can stop
                    for worker in workers:
                        worker.cancel()
                    for worker in workers:
                        with contextlib.suppress(asyncio.CancelledError):
                            await worker
        finally:
            self._url = None
            self._set_closing(False)

    def _ensure_stopped(self) -> None:
        if self._thread is not None or self._task is not None:
            raise RuntimeError("this emulator is already running")

    def __enter__(self) -> EmulatorServer:
        """Start uvicorn in a background thread with its own event loop."""
        self._ensure_stopped()
        started = threading.Event()
        failures: list[BaseException] = []

        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            await self._run(started.set, self._stop)

        def run() -> None:
            try:
                asyncio.run(main())
            except BaseException as exc:
                failures.append(exc)
            finally:
                started.set()

        thread = threading.Thread(target=run, name="telegram-emulator", daemon=True)
        thread.start()
        started.wait(timeout=30)
        if failures or self._url is None:
            thread.join(timeout=5)
            raise RuntimeError("the emulator failed to start") from (
                failures[0] if failures else None
            )
        self._thread = thread
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        thread, loop, stop = self._thread, self._loop, self._stop
        if thread is None or loop is None or stop is None:
            return
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=30)
        self._thread = self._loop = self._stop = None
        if thread.is_alive():
            raise RuntimeError("the emulator thread did not stop")

    async def __aenter__(self) -> EmulatorServer:
        """Start uvicorn as a task in the running event loop."""
        self._ensure_stopped()
        ready = asyncio.Event()
        self._stop = asyncio.Event()
        task = asyncio.create_task(self._run(ready.set, self._stop), name="telegram-emulator")
        waiter = asyncio.create_task(ready.wait())
        try:
            await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
        if not ready.is_set():
            await task
            raise RuntimeError("the emulator stopped during startup")
        self._task = task
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        task, stop = self._task, self._stop
        if task is None or stop is None:
            return
        stop.set()
        try:
            await task
        finally:
            self._task = self._stop = None

    # ------------------------------------------------------------------ webhook delivery

    async def _webhook_worker(self, client: httpx.AsyncClient) -> None:
        delay = self.webhook_retry_delay
        while True:
            job = await self.wait_webhook_job()
            if job is None:
                return
            error = await self._deliver(client, job)
            if error is None:
                self.webhook_delivered(job)
                delay = self.webhook_retry_delay
            else:
                self.webhook_failed(job, error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.webhook_retry_max_delay)

    async def _deliver(self, client: httpx.AsyncClient, job: WebhookJob) -> str | None:
        """POST one update; return the error getWebhookInfo should report, if any."""
        host = urlsplit(job.url).hostname or ""
        if not _is_loopback(host):
            return f"the emulator delivers webhooks to loopback hosts only, not {host!r}"
        headers = {"Content-Type": "application/json"}
        if job.secret_token:
            headers[SECRET_TOKEN_HEADER] = job.secret_token
        try:
            response = await client.post(
                job.url, content=json.dumps(job.entry.data).encode(), headers=headers
            )
        except httpx.HTTPError as exc:
            return f"Connection failed: {exc.__class__.__name__} {exc}".strip()
        if not response.is_success:
            return (
                f"Wrong response from the webhook: {response.status_code} {response.reason_phrase}"
            )
        await self._reply_with_method(response)
        return None

    async def _reply_with_method(self, response: httpx.Response) -> None:
        """Execute a method the webhook answered with, as Telegram does."""
        if "application/json" not in response.headers.get("content-type", ""):
            return
        try:
            payload = response.json()
        except ValueError:
            return
        if isinstance(payload, dict) and isinstance(payload.get("method"), str):
            params = {key: value for key, value in payload.items() if key != "method"}
            await self.call(self.token, payload["method"], params)


@contextlib.asynccontextmanager
async def running_emulator(
    token: str = DEFAULT_TOKEN, **options: Any
) -> AsyncIterator[EmulatorServer]:
    """``async with running_emulator() as emu:`` serves an ``EmulatorServer`` in this loop."""
    async with EmulatorServer(token, **options) as emulator:
        yield emulator


__all__ = ["EmulatorServer", "create_app", "running_emulator", "serve_asgi"]
