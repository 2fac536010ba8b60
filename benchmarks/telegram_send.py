"""Invitations through a fake Bot API that enforces Telegram's flood limits.

    python -m benchmarks.telegram_send                 # 10,000 invitations (about 6 minutes)
    python -m benchmarks.telegram_send --count 1000
    python -m benchmarks.telegram_send --workers 2     # two senders sharing the queue

The emulator (tests/telegram_emulator) answers 429 with retry_after once more than 30
messages arrive in a second overall, or more than one a second in a chat. Invitations are
queued for young people linked on Telegram, then the outbox sender sends them over real
HTTP on 127.0.0.1. Prints the achieved rate (goal: at least 27 a second), the 429s met,
and checks that every young person got exactly one invitation and every delivery is
recorded in the database.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, insert, select
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.callbacks import Signer
from bot.ratelimit import SendLimiter
from bot.sender import OutboxSender
from storage.catalog import SurveyCatalog
from storage.database import Database
from storage.outbox import Outbox, QuietHours
from storage.reach import Reach
from storage.tables import ChannelLinkRow, InvitationRow, PersonRow
from surveys.clock import SystemClock
from tests.factories import campaign_with_codes
from tests.telegram_emulator import EmulatorServer

FIRST_CHAT = 1_000_000
NO_QUIET = QuietHours(0, 0)  # a benchmark at night should still run


async def prepare(db: Database, count: int, emulator: EmulatorServer) -> int:
    """A campaign for `count` young people, all linked on Telegram; returns its id."""
    clock = SystemClock()
    started = time.perf_counter()
    campaign_id, _ = await campaign_with_codes(db, SurveyCatalog(clock), clock, people=count)
    async with db.transaction() as session:
        ids = (await session.scalars(select(PersonRow.id).order_by(PersonRow.id))).all()
        await session.execute(
            insert(ChannelLinkRow),
            [
                {
                    "person_id": person_id,
                    "channel": "telegram",
                    "address": str(FIRST_CHAT + n),
                    "linked_at": clock.now(),
                }
                for n, person_id in enumerate(ids)
            ],
        )
    for n in range(count):
        emulator.add_user(FIRST_CHAT + n)
    print(f"prepared {count:,} linked young people in {time.perf_counter() - started:.1f}s")
    return campaign_id


async def run(count: int, workers: int, rate: int) -> None:
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    for name in ("NO_PROXY", "no_proxy"):
        os.environ[name] = "127.0.0.1,localhost"
    with (
        tempfile.TemporaryDirectory() as folder,
        EmulatorServer(
            rate_limit_per_second=rate, per_chat_per_second=1, record_calls=False
        ) as emulator,
    ):
        db = await Database.connect(f"sqlite:///{Path(folder) / 'send.db'}")
        try:
            campaign_id = await prepare(db, count, emulator)
            clock = SystemClock()
            summary = await Reach(db, clock, quiet=NO_QUIET).queue_invitations(campaign_id)
            print(f"queued {summary.queued:,} invitations; sending with {workers} sender(s)")
            outbox = Outbox(db, clock, quiet=NO_QUIET)
            senders: list[OutboxSender] = []
            bots: list[Bot] = []
            for _ in range(workers):
                bot = Bot(
                    emulator.token,
                    base_url=emulator.base_url,
                    request=HTTPXRequest(connection_pool_size=64),
                )
                await bot.initialize()
                bots.append(bot)
                # each worker takes its share of the limit, as separate processes would
                limiter = SendLimiter(max(1, rate // workers), 1.0)
                senders.append(OutboxSender(bot, outbox, Signer(emulator.token), limiter=limiter))
            emulator.reset_stats()
            stop = asyncio.Event()
            started = time.perf_counter()
            tasks = [asyncio.create_task(s.run(stop)) for s in senders]
            last_report = started
            while (await outbox.counts()).pending:
                await asyncio.sleep(0.5)
                if time.perf_counter() - last_report >= 30:
                    last_report = time.perf_counter()
                    sent = sum(s.stats.sent for s in senders)
                    print(f"  {sent:,} sent, {sent / (last_report - started):.1f}/s")
            seconds = time.perf_counter() - started
            stop.set()
            await asyncio.gather(*tasks)
            for bot in bots:
                await bot.shutdown()
            await report(db, emulator, senders, count, seconds)
        finally:
            await db.dispose()


async def report(
    db: Database,
    emulator: EmulatorServer,
    senders: list[OutboxSender],
    count: int,
    seconds: float,
) -> None:
    per_chat = [len(emulator.messages_to(FIRST_CHAT + n)) for n in range(count)]
    lost = sum(n == 0 for n in per_chat)
    doubled = sum(n > 1 for n in per_chat)
    async with db.reader() as session:
        recorded = await session.scalar(
            select(func.count(InvitationRow.id)).where(InvitationRow.delivered_at.is_not(None))
        )
    sent = sum(s.stats.sent for s in senders)
    rate = sent / seconds
    print()
    print(f"invitations sent:        {sent:,} in {seconds:.1f}s")
    print(f"achieved rate:           {rate:.1f} messages/s (goal: at least 27/s)")
    print(f"429 answers from the API: {emulator.stats.rejected_429}")
    print(f"RetryAfter waits:        {sum(s.stats.retry_after for s in senders)}")
    print(f"lost: {lost}, duplicated: {doubled}, deliveries recorded: {recorded:,}/{count:,}")
    print("OK" if rate >= 27 and lost == doubled == 0 and recorded == count else "MISSED")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="young people to invite")
    parser.add_argument("--workers", type=int, default=1, help="senders sharing the queue")
    parser.add_argument("--rate", type=int, default=30, help="the API's messages per second")
    args = parser.parse_args()
    asyncio.run(run(args.count, args.workers, args.rate))


if __name__ == "__main__":
    main()
