"""Building the bot: `build_application` for the handlers, `TelegramBot` for a whole process.

    app = build_application(config, conversations, reach, request=FakeRequest(state))
    await app.initialize(); await app.process_update(update)          # tests

    async with TelegramBot(config, conversations, reach, outbox) as telegram:
        await telegram.poll(stop)                                      # `carevoice bot`
        receiver = await telegram.use_webhook(url, secret)            # `carevoice serve`

Nothing is built at import time, and nothing here reads settings: `carevoice` wires it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

from telegram import BotCommand, BotCommandScopeAllPrivateChats
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder
from telegram.request import BaseRequest

from bot.callbacks import Signer
from bot.handlers import ALLOWED_UPDATES, COMMANDS, ChatHandlers
from bot.polling import poll_updates
from bot.ratelimit import SendLimiter
from bot.scheduler import ReminderScheduler
from bot.sender import OutboxSender
from bot.webhook import WebhookReceiver
from storage.alerts import keep_escalating
from storage.conversations import ConversationService
from storage.outbox import Outbox
from storage.reach import Reach
from storage.retention import RetentionPolicy
from storage.rolling import RollingCampaigns
from surveys.speech import AudioCache
from surveys.throttle import Guard

log = logging.getLogger(__name__)
TELEGRAM_API = "https://api.telegram.org/bot"


@dataclass(frozen=True, slots=True)
class BotConfig:
    """What the bot needs to know; `carevoice` fills it from the settings."""

    token: str
    api_url: str = TELEGRAM_API
    council_name: str = "your council"
    retention: RetentionPolicy | None = None  # said in the privacy notice, in their language
    alerts_link: str = ""  # where officers read alerts (in alert messages)
    poll_timeout: float = 10.0
    reminder_every: float = 300.0  # seconds between reminder scans
    messages_per_second: int = 30
    per_chat_interval: float = 1.0
    codes: Guard | None = None  # the throttle on unknown invitation codes (default: its own)
    audio: AudioCache | None = None  # read-aloud (None: espeak-ng missing or turned off)


def build_application(
    config: BotConfig,
    conversations: ConversationService,
    reach: Reach,
    *,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    on_alert: Callable[[], None] | None = None,
) -> Application:  # type: ignore[type-arg]
    """The python-telegram-bot `Application` with carevoice's handlers (not initialized)."""
    builder = ApplicationBuilder().token(config.token).base_url(config.api_url).updater(None)
    if config.api_url.endswith("/bot"):
        builder = builder.base_file_url(config.api_url.removesuffix("/bot") + "/file/bot")
    if request is not None:
        builder = builder.request(request).get_updates_request(updates_request or request)
    else:
        builder = (
            builder.connect_timeout(10)
            .read_timeout(15)
            .write_timeout(15)
            .pool_timeout(10)
            .get_updates_read_timeout(config.poll_timeout + 10)
        )
    app = builder.build()
    handlers = ChatHandlers(
        conversations,
        reach,
        Signer(config.token),
        council_name=config.council_name,
        retention=config.retention,
        on_alert=on_alert or (lambda: None),
        audio=config.audio,
    )
    if config.codes is not None:
        handlers.codes = config.codes
    handlers.register(app)
    return app


class TelegramBot:
    """One process's Telegram side: the handlers, the outbox sender and the reminder timer."""

    def __init__(
        self,
        config: BotConfig,
        conversations: ConversationService,
        reach: Reach,
        outbox: Outbox,
        *,
        request: BaseRequest | None = None,
        updates_request: BaseRequest | None = None,
        send_outbox: bool = True,
    ) -> None:
        self.config = config
        self.conversations = conversations
        self.signer = Signer(config.token)
        self.app = build_application(
            config,
            conversations,
            reach,
            request=request,
            updates_request=updates_request,
            on_alert=self._wake_sender,
        )
        limiter = SendLimiter(config.messages_per_second, config.per_chat_interval)
        self.sender = OutboxSender(
            self.app.bot, outbox, self.signer, alerts_link=config.alerts_link, limiter=limiter
        )
        self.scheduler = ReminderScheduler(
            reach,
            every=config.reminder_every,
            on_queued=self._wake_sender,
            rolling=RollingCampaigns(reach.db, reach.clock, cap=reach.cap),
        )
        self.send_outbox = send_outbox
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._warming: asyncio.Task[None] | None = None

    def _wake_sender(self) -> None:
        self.sender.wake()

    async def _escalate(self) -> None:
        """Safeguarding alerts waiting too long go to the duty team (state in the database,
        so any number of processes may run this)."""
        conversations = self.conversations
        task = asyncio.create_task(
            keep_escalating(conversations.db, conversations.clock, conversations.policy)
        )
        await self._stop.wait()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def __aenter__(self) -> TelegramBot:
        await self.app.initialize()
        with contextlib.suppress(TelegramError):  # a nicety: the menu of commands
            await self.app.bot.set_my_commands(
                [BotCommand(name, about) for name, about in COMMANDS.items()],
                scope=BotCommandScopeAllPrivateChats(),
            )
        if self.send_outbox:
            self._tasks = [
                asyncio.create_task(self.sender.run(self._stop), name="outbox-sender"),
                asyncio.create_task(self.scheduler.run(self._stop), name="reminders"),
                asyncio.create_task(self._escalate(), name="alert-escalation"),
            ]
        # the phrase book, model and scorer load in a thread once the rest has started, not
        # in the first young person's transaction
        self._warming = asyncio.create_task(asyncio.to_thread(self.conversations.warm))
        log.info("telegram bot ready", extra={"bot": self.app.bot.username})
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._warming is not None:
            await self._warming
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.app.shutdown()

    async def poll(self, stop: asyncio.Event) -> None:
        """Long-poll for updates until `stop` is set (`carevoice bot`)."""
        await poll_updates(self.app, stop, timeout=self.config.poll_timeout)

    async def use_webhook(self, url: str, secret: str | None = None) -> WebhookReceiver:
        """Ask Telegram to POST updates to `url`; the receiver checks the secret header."""
        secret = secret or self.signer.webhook_secret()
        await self.app.bot.set_webhook(
            url, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES)
        )
        return WebhookReceiver(self.app, secret)
