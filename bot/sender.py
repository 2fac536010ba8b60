"""The outbox sender: invitations, reminders and alerts out to Telegram, within its limits.

Rows are claimed from the database queue (`storage.outbox`) with a lease and sent at most
about 30 a second and one a second per chat. `RetryAfter` pauses all sending and tries the
same message again; `Forbidden` (the young person blocked the bot) marks them unreachable;
network errors are retried with backoff, up to a limit (alerts: forever). A message is
recorded as sent, with its delivery, right after Telegram accepts it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import warnings
from dataclasses import dataclass
from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot import texts
from bot.callbacks import Signer
from bot.ratelimit import SendLimiter
from bot.render import Outgoing, fit, start_keyboard
from storage.outbox import Outbox, OutboxItem, OutboxKind

log = logging.getLogger(__name__)


@dataclass
class SenderStats:
    """What the sender has done since it started (for logs and benchmarks)."""

    sent: int = 0
    retry_after: int = 0
    retried: int = 0
    gave_up: int = 0
    released: int = 0


class UnsendableError(ValueError):
    """An outbox row this sender cannot render (unknown kind, erased address)."""


def render_item(item: OutboxItem, signer: Signer, alerts_link: str) -> tuple[int, Outgoing]:
    """The chat id and message for an outbox row."""
    try:
        chat_id = int(item.address)
    except ValueError:
        raise UnsendableError("no chat id") from None
    payload, language = item.payload, item.language
    title = item.title or str(payload.get("title") or texts.say(language, texts.OUR_SURVEY))
    if item.kind == OutboxKind.INVITATION and item.invitation_id is not None:
        label = texts.say(language, texts.START_BUTTON)
        markup = start_keyboard(chat_id, item.invitation_id, signer, label=label)
        return chat_id, Outgoing(fit(texts.invitation(title, language)), markup)
    if item.kind == OutboxKind.REMINDER and item.invitation_id is not None:
        started = bool(payload.get("started"))
        label = texts.say(language, texts.CARRY_ON_BUTTON if started else texts.START_BUTTON)
        markup = start_keyboard(chat_id, item.invitation_id, signer, label=label)
        words = texts.reminder(title, started=started, language=language)
        return chat_id, Outgoing(fit(words), markup)
    if item.kind == OutboxKind.REPLY and payload.get("text"):
        return chat_id, Outgoing(fit(texts.reply(str(payload["text"]), language)))
    if item.kind == OutboxKind.ALERT:
        alert_id = int(payload.get("alert_id", item.alert_id or 0))
        listed = payload.get("categories")  # rows queued before it was added name one
        categories = (
            [str(c) for c in listed] if isinstance(listed, list) and listed
            else [str(payload.get("category", "alert"))]
        )
        escalated = bool(payload.get("escalated"))
        return chat_id, Outgoing(
            texts.alert(alert_id, categories, alerts_link, escalated=escalated)
        )
    raise UnsendableError(f"unknown outbox kind {item.kind!r}")


class OutboxSender:
    """Sends due outbox rows; several senders (processes) can share one queue."""

    def __init__(
        self,
        bot: Bot,
        outbox: Outbox,
        signer: Signer,
        *,
        alerts_link: str = "",
        limiter: SendLimiter | None = None,
        channel: str = "telegram",
        batch: int = 30,
        concurrency: int = 40,
        idle_seconds: float = 1.0,
    ) -> None:
        self.bot = bot
        self.outbox = outbox
        self.signer = signer
        self.alerts_link = alerts_link
        self.limiter = limiter or SendLimiter()
        self.channel = channel
        self.batch = batch
        self.concurrency = concurrency
        self.idle_seconds = idle_seconds
        self.stats = SenderStats()
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Look at the queue now (an alert was just stored)."""
        self._wake.set()

    async def send_due(self) -> int:
        """Claim one batch and send it; returns how many rows were claimed."""
        items = await self.outbox.claim(self.batch, channel=self.channel)
        await asyncio.gather(*(self.deliver(item) for item in items))
        return len(items)

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set, keeping up to `concurrency` messages in flight."""
        in_flight: set[asyncio.Task[None]] = set()
        try:
            while not stop.is_set():
                room = self.concurrency - len(in_flight)
                items: list[OutboxItem] = []
                if room >= min(self.batch, self.concurrency) // 2 or not in_flight:
                    self._wake.clear()
                    items = await self._claim(min(room, self.batch))
                for item in items:
                    task = asyncio.create_task(self._guarded(item))
                    in_flight.add(task)
                    task.add_done_callback(in_flight.discard)
                if not items or len(in_flight) >= self.concurrency:
                    await _first(stop, self._wake, in_flight, timeout=self.idle_seconds)
        finally:
            if in_flight:  # let sends finish: a cancelled send could go out unrecorded
                await asyncio.wait(in_flight, timeout=15)

    async def _claim(self, limit: int) -> list[OutboxItem]:
        try:
            return await self.outbox.claim(limit, channel=self.channel)
        except Exception as error:  # the database may be briefly away: try again soon
            log.error("outbox claim failed: %s", type(error).__name__)
            return []

    async def _guarded(self, item: OutboxItem) -> None:
        try:
            await self.deliver(item)
        except Exception as error:  # its lease runs out and it is claimed again
            log.error("outbox delivery failed: %s", type(error).__name__)

    async def deliver(self, item: OutboxItem) -> None:
        """Send one claimed row and record what happened."""
        deadline = time.monotonic() + self.outbox.lease.total_seconds() * 0.8
        try:
            chat_id, out = render_item(item, self.signer, self.alerts_link)
        except UnsendableError as error:
            self.stats.gave_up += 1
            await self.outbox.give_up(item, str(error))
            return
        while True:
            if time.monotonic() > deadline:  # the lease is nearly over: let it be claimed again
                self.stats.released += 1
                await self.outbox.release(item)
                return
            await self.limiter.acquire(item.address)
            try:
                await self.bot.send_message(chat_id, out.text, reply_markup=out.markup)
            except RetryAfter as error:
                self.stats.retry_after += 1
                self.limiter.pause(retry_after_seconds(error))
                continue
            except Forbidden:
                self.stats.gave_up += 1
                log.info("outbox: recipient has blocked the bot", extra={"kind": item.kind})
                await self.outbox.give_up(item, "forbidden", unreachable=True)
            except BadRequest as error:
                self.stats.gave_up += 1
                log.warning("outbox: Telegram refused a message", extra={"kind": item.kind})
                await self.outbox.give_up(item, f"bad request: {error.message[:150]}")
            except (NetworkError, TelegramError) as error:
                self.stats.retried += 1
                log.info("outbox: send failed, will retry: %s", type(error).__name__)
                await self.outbox.retry_later(item, type(error).__name__)
            else:
                self.stats.sent += 1
                await self.outbox.mark_sent(item)
            return


def retry_after_seconds(error: RetryAfter) -> float:
    """How long Telegram asked us to wait (PTB 22 warns on reading it as an int)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: int | timedelta = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def _first(
    stop: asyncio.Event,
    wake: asyncio.Event,
    tasks: set[asyncio.Task[None]],
    *,
    timeout: float,
) -> None:
    """Wait until stop, wake, one of `tasks` finishing, or `timeout`."""
    waiters = {asyncio.create_task(stop.wait()), asyncio.create_task(wake.wait())}
    try:
        await asyncio.wait(waiters | tasks, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waiter
