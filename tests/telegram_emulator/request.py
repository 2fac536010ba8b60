"""An offline PTB request backend: ``telegram.Bot`` calls ``BotApiState`` in-process,
never opening a socket."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from telegram.request import BaseRequest, RequestData

from tests.telegram_emulator.protocol import (
    ApiCall,
    JSONDict,
    UploadedFile,
    error_body,
    split_api_path,
)

if TYPE_CHECKING:
    from tests.telegram_emulator.offline import BotApiState



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
