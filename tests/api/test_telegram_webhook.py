"""The Telegram webhook route: it hands the body and secret header over, and answers with
the status the (injected) handler returns."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from api.routes.telegram_webhook import WEBHOOK_PATH, make_webhook_router


async def test_the_route_hands_body_and_secret_to_the_handler() -> None:
    seen: list[tuple[bytes, str | None]] = []

    async def handler(body: bytes, secret: str | None) -> int:
        seen.append((body, secret))
        return 200 if secret == "right" else 403

    app = FastAPI()
    app.include_router(make_webhook_router(handler))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        ok = await client.post(
            WEBHOOK_PATH,
            content=b'{"update_id": 1}',
            headers={"X-Telegram-Bot-Api-Secret-Token": "right"},
        )
        refused = await client.post(WEBHOOK_PATH, content=b"{}")
        wrong_method = await client.get(WEBHOOK_PATH)
    assert ok.status_code == 200 and refused.status_code == 403
    assert wrong_method.status_code == 405
    assert seen == [(b'{"update_id": 1}', "right"), (b"{}", None)]
    assert WEBHOOK_PATH not in app.openapi()["paths"]


async def test_a_webhook_update_holding_a_nul_reaches_the_handler_to_be_cleaned() -> None:
    """Refusing it would make Telegram send it again for ever, and lose the answer."""
    from api.app import create_app
    from carevoice.wiring import Services
    from tests.api.conftest import api_settings

    seen: list[bytes] = []

    async def handler(body: bytes, secret: str | None) -> int:
        seen.append(body)
        return 200

    services = Services(api_settings(), None, None, None, None)  # type: ignore[arg-type]
    app = create_app(services, extra_routers=[make_webhook_router(handler, path="/tg/hook")])
    body = b'{"update_id": 2, "message": {"text": "my answer\\u0000"}}'
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        reply = await client.post("/tg/hook", content=body,
                                  headers={"content-type": "application/json"})
    assert reply.status_code == 200 and seen == [body]
