"""The Telegram webhook: Telegram POSTs each update here (`carevoice serve` with a webhook URL).

The API does not know the bot: the handler is injected. It checks the
`X-Telegram-Bot-Api-Secret-Token` header, handles the update and says which status to answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

WEBHOOK_PATH = "/telegram/webhook"
WebhookHandler = Callable[[bytes, str | None], Awaitable[int]]


def make_webhook_router(handler: WebhookHandler, *, path: str = WEBHOOK_PATH) -> APIRouter:
    """A router with `POST {path}` handing the raw body and the secret header to `handler`."""
    router = APIRouter(tags=["telegram"])

    @router.post(path, include_in_schema=False)
    async def telegram_webhook(
        request: Request,
        secret: Annotated[str | None, Header(alias="X-Telegram-Bot-Api-Secret-Token")] = None,
    ) -> Response:
        """Receive one Telegram update."""
        status = await handler(await request.body(), secret)
        return Response(status_code=status)

    return router
