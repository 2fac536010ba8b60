"""Reminders on a timer: every few minutes, queue the reminders that are due (and, first,
the invitations rolling campaigns owe before each young person's review).

Which young people are due (and that none go in quiet hours) is decided in the store
(`storage.reach.Reach.queue_reminders`); the outbox dedupe key makes two schedulers in two
processes harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from storage.reach import Reach
from storage.rolling import RollingCampaigns

log = logging.getLogger(__name__)


class ReminderScheduler:
    """Calls `reach.queue_reminders()` every `every` seconds until stopped."""

    def __init__(
        self,
        reach: Reach,
        *,
        every: float = 300.0,
        channel: str = "telegram",
        on_queued: Callable[[], None] = lambda: None,
        rolling: RollingCampaigns | None = None,
    ) -> None:
        self.reach = reach
        self.rolling = rolling
        self.every = every
        self.channel = channel
        self.on_queued = on_queued

    async def run_once(self) -> int:
        """Queue what is due now; returns how many reminders were queued."""
        if self.rolling is not None and (await self.rolling.scan()).queued:
            self.on_queued()
        queued = await self.reach.queue_reminders(channel=self.channel)
        if queued:
            log.info("queued %d reminders", queued)
            self.on_queued()
        return queued

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception as error:  # try again next time round
                log.error("reminder scan failed: %s", type(error).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.every)
