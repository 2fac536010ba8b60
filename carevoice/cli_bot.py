"""`carevoice bot` (Telegram, long polling) and the webhook wiring for `carevoice serve`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Annotated

import typer

from carevoice.cli import (
    DatabaseOption,
    app,
    console,
    errors,
    run_async,
    settings_for,
    warn_stale_tags,
    warn_unprotected,
    with_services,
)

if TYPE_CHECKING:
    from fastapi import APIRouter, FastAPI

    from bot.application import TelegramBot
    from bot.webhook import WebhookReceiver
    from services.container import Services
    from services.settings import Settings

bot_app = typer.Typer(
    help="The Telegram bot. `carevoice bot` runs it (long polling, with the outbox sender "
    "and reminders); `carevoice bot send-invitations` queues a campaign's invitations. "
    "See the README's Telegram section.",
    invoke_without_command=True,
)
app.add_typer(bot_app, name="bot")
log = logging.getLogger(__name__)


def telegram_bot(settings: Settings, services: Services) -> TelegramBot:
    """The bot, its outbox sender and reminder timer, wired from settings."""
    from bot.application import BotConfig, TelegramBot
    from storage.outbox import Outbox, QuietHours
    from storage.reach import Reach

    if settings.telegram_token is None:
        raise typer.BadParameter(
            "set CAREVOICE_TELEGRAM_TOKEN to the token BotFather gave you (README: Telegram)"
        )
    # PTB 22 warns each time it builds a RetryAfter unless we opt in to PTB 23's timedelta.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    quiet = QuietHours(settings.quiet_start_hour, settings.quiet_end_hour, settings.timezone)
    config = BotConfig(
        token=settings.telegram_token.get_secret_value(),
        api_url=settings.telegram_api_url,
        council_name=settings.council_name,
        alerts_link=f"{settings.public_url.rstrip('/')}/officer/alerts",  # + /<alert id>
        codes=services.throttles.codes,  # shared with the web chat in `serve`
        retention=services.retention_policy(),
        audio=services.audio(),
    )
    return TelegramBot(
        config,
        services.conversations,
        Reach(services.db, services.clock, quiet=quiet, cap=services.asking_cap()),
        Outbox(services.db, services.clock, quiet=quiet),
    )


def _quiet_http_logs() -> None:
    # httpx logs every request URL at INFO, and Telegram's URLs carry the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


@bot_app.callback(invoke_without_command=True)
def bot(ctx: typer.Context, database_url: DatabaseOption = None) -> None:
    """Run the Telegram bot with long polling (for a laptop), with the outbox sender and the
    reminder timer in the same process. Ctrl+C stops it."""
    if ctx.invoked_subcommand is not None:
        return
    settings = settings_for(database_url)
    warn_unprotected(settings)
    run_async(_run_polling)(settings)


async def _run_polling(settings: Settings) -> None:
    from carevoice.wiring import build_services

    _quiet_http_logs()
    services = await build_services(settings)
    try:
        await warn_stale_tags(services)
        telegram = telegram_bot(settings, services)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):  # not on Windows
                loop.add_signal_handler(sig, stop.set)
        async with telegram:
            console.print(
                f"Telegram bot @{telegram.app.bot.username} is running (long polling). "
                "Ctrl+C stops it.",
                highlight=False,
            )
            await telegram.poll(stop)
    finally:
        await services.close()
    console.print("Stopped.")


@bot_app.command("send-invitations")
@run_async
async def send_invitations(
    campaign: Annotated[int, typer.Option(help="Campaign id.")],
    database_url: DatabaseOption = None,
) -> None:
    """Queue a campaign's invitations to the young people linked on Telegram; the running
    bot sends them (never between the quiet hours, 21:00-08:00 by default)."""
    from storage.reach import Reach


    async def work(services: Services) -> None:
        reach = Reach(services.db, services.clock, cap=services.asking_cap())
        summary = await reach.queue_invitations(campaign)
        console.print(
            f"Queued {summary.queued} invitation(s); {summary.already_queued} already queued, "
            f"{summary.already_started} already started, {summary.not_linked} not on Telegram, "
            f"{summary.not_reachable} stopped or unreachable.",
            highlight=False,
        )
        if summary.not_linked:
            errors.print(
                "Young people not yet on Telegram join with their invitation link "
                "(`carevoice invites issue --show`).",
                highlight=False,
            )

    await with_services(database_url, work)


class _WebhookSlot:
    """Where the webhook receiver lives while the app runs (503 before and after)."""

    def __init__(self) -> None:
        self.receiver: WebhookReceiver | None = None

    async def handle(self, body: bytes, secret: str | None) -> int:
        if self.receiver is None:
            return 503  # not ready: Telegram sends it again
        return await self.receiver(body, secret)


def webhook_routers(settings: Settings) -> list[APIRouter]:
    """For `carevoice serve`: the Telegram webhook route and, for the app's lifetime, the bot
    (webhook set, outbox sender and reminders running). Empty unless a webhook URL and a
    token are configured."""
    from fastapi import APIRouter

    from api.routes.telegram_webhook import make_webhook_router

    if not settings.webhook_url or settings.telegram_token is None:
        return []
    url = settings.webhook_url
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    slot = _WebhookSlot()

    @contextlib.asynccontextmanager
    async def lifespan(http_app: FastAPI) -> AsyncIterator[None]:
        _quiet_http_logs()
        services: Services = http_app.state.services
        async with telegram_bot(settings, services) as telegram:
            slot.receiver = await telegram.use_webhook(url, secret)
            log.info("telegram webhook set")
            try:
                yield
            finally:
                slot.receiver = None

    router = APIRouter(lifespan=lifespan)
    router.include_router(make_webhook_router(slot.handle))
    return [router]
