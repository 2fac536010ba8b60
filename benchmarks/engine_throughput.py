"""Answers per second and latency through the conversation engine, beside a bare-driver baseline.

    python -m benchmarks.engine_throughput --backend sqlite
    python -m benchmarks.engine_throughput --backend postgresql \\
        --url postgresql://postgres@127.0.0.1:5432/test

Each young person answers a scale question over and over (answer, back, answer, ...), so
every other input commits one answer, and every input moves the response, as going back
in a real survey does. The baseline does the same work with the bare driver (sqlite3
through aiosqlite, or asyncpg) in the same run, one transaction an input, each committed
before the next input of that young person: read where they are, insert the dedupe row,
for an answer supersede the earlier one and insert the new, write the response with its
revision check. The ratio says what the engine, SQLAlchemy and the safety checks cost,
net of what the engine saves by committing inputs that arrive together in one transaction.
Latencies are per input, from the call to the committed reply.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite
import asyncpg
from sqlalchemy import text

from storage.catalog import SurveyCatalog
from storage.conversations import ConversationService
from storage.database import Database, async_url
from storage.encryption import DataKeys
from surveys.clock import SystemClock
from surveys.engine import Command, UserInput
from surveys.sentiment import default_scorer
from tests.factories import campaign_with_codes


@dataclass(frozen=True)
class Result:
    name: str
    answers: int
    inputs: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return self.answers / self.seconds

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def timed_workers(
    name: str, workers: int, per_worker: int, step: Callable[[int, int], Awaitable[bool]]
) -> Result:
    latencies: list[float] = []
    answers = 0

    async def worker(w: int) -> None:
        nonlocal answers
        for n in range(per_worker):
            started = time.perf_counter()
            counted = await step(w, n)
            latencies.append((time.perf_counter() - started) * 1000)
            answers += counted

    began = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(workers)))
    seconds = time.perf_counter() - began
    return Result(name, answers, workers * per_worker, seconds, latencies)


async def run_engine(db: Database, workers: int, per_worker: int) -> Result:
    clock = SystemClock()
    catalog = SurveyCatalog(clock)
    service = ConversationService(db, catalog, default_scorer(), clock)
    service.warm()  # as `carevoice bot` and `serve` do while they start
    _, codes = await campaign_with_codes(db, catalog, clock, people=workers)
    for w, code in enumerate(codes):
        await service.redeem(code, channel="bench", address=str(w))

    async def step(w: int, n: int) -> bool:
        if n % 2:
            user_input = UserInput(command=Command.BACK)
        else:
            user_input = UserInput(option=str(1 + n % 5), question_id="mood")
        await service.handle(user_input, channel="bench", address=str(w), message_key=f"{w}:{n}")
        return n % 2 == 0  # "back" commits no answer

    return await timed_workers("carevoice engine", workers, per_worker, step)


BASELINE_SQL = {
    "find": "SELECT r.id, r.state, r.revision FROM channel_links l JOIN responses r "
    "ON r.person_id = l.person_id WHERE l.channel = {p1} AND l.address = {p2} "
    "ORDER BY r.id DESC LIMIT 1",
    "inbound": "INSERT INTO inbound_messages (channel, message_key, received_at) "
    "VALUES ({p1}, {p2}, {p3})",
    "supersede": "UPDATE answers SET superseded_at = {p1} WHERE response_id = {p2} "
    "AND question_id = 'mood' AND superseded_at IS NULL",
    "answer": "INSERT INTO answers (response_id, survey_key, question_id, kind, theme, "
    "sensitive, skipped, value, number, answered_at) VALUES "
    "({p1}, 'small', 'mood', 'scale', 'wellbeing', false, false, {p2}, {p3}, {p4})",
    "response": "UPDATE responses SET state = {p1}, updated_at = {p2}, "
    "revision = revision + 1 WHERE id = {p3} AND revision = {p4}",
}


def next_state(state: str | dict[str, object], answer: int | None) -> str:
    """The baseline's stand-in for the engine: where the young person is after an input."""
    progress = json.loads(state) if isinstance(state, str) else dict(state)
    progress["current"] = "where" if answer is not None else "mood"
    if answer is not None:
        progress["answers"] = {"mood": answer}
    return json.dumps(progress)


async def response_ids(db: Database) -> list[int]:
    async with db.reader() as session:
        rows = await session.execute(text("SELECT id FROM responses ORDER BY id"))
        return [int(r[0]) for r in rows]


async def run_sqlite_baseline(path: str, ids: list[int], per_worker: int) -> Result:
    sql = {k: v.format(p1="?", p2="?", p3="?", p4="?") for k, v in BASELINE_SQL.items()}
    connections = []
    for _ in ids:
        conn = await aiosqlite.connect(path, isolation_level=None, timeout=30)
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute("PRAGMA busy_timeout=30000")
        connections.append(conn)

    async def step(w: int, n: int) -> bool:
        conn, answer = connections[w], None if n % 2 else 1 + n % 5
        now = datetime.now(UTC).isoformat(" ")
        await conn.execute("BEGIN IMMEDIATE")
        async with conn.execute(sql["find"], ("bench", str(w))) as cursor:
            rid, state, revision = await cursor.fetchone()
        await conn.execute(sql["inbound"], ("base", f"{w}:{n}", now))
        if answer is not None:
            await conn.execute(sql["supersede"], (now, rid))
            await conn.execute(sql["answer"], (rid, str(answer), answer, now))
        await conn.execute(sql["response"], (next_state(state, answer), now, rid, revision))
        await conn.execute("COMMIT")
        return answer is not None

    try:
        return await timed_workers("bare aiosqlite", len(ids), per_worker, step)
    finally:
        for conn in connections:
            await conn.close()


async def run_pg_baseline(url: str, schema: str, ids: list[int], per_worker: int) -> Result:
    sql = {k: v.format(p1="$1", p2="$2", p3="$3", p4="$4") for k, v in BASELINE_SQL.items()}
    dsn = async_url(url).replace("postgresql+asyncpg://", "postgresql://")
    pool = await asyncpg.create_pool(
        dsn, min_size=1, max_size=10, server_settings={"search_path": schema}
    )

    async def step(w: int, n: int) -> bool:
        answer = None if n % 2 else 1 + n % 5
        now = datetime.now(UTC)
        async with pool.acquire() as conn, conn.transaction():
            rid, state, revision = await conn.fetchrow(sql["find"], "bench", str(w))
            await conn.execute(sql["inbound"], "base", f"{w}:{n}", now)
            if answer is not None:
                await conn.execute(sql["supersede"], now, rid)
                await conn.execute(sql["answer"], rid, str(answer), answer, now)
            await conn.execute(sql["response"], next_state(state, answer), now, rid, revision)
        return answer is not None

    try:
        return await timed_workers("bare asyncpg", len(ids), per_worker, step)
    finally:
        await pool.close()


GOAL_RATE, GOAL_P99_MS = 1000, 20.0


def report(engine: Result, baseline: Result) -> None:
    print(
        f"{'':18} {'answers':>8} {'inputs':>7} {'answers/s':>10} {'inputs/s':>9} "
        f"{'p50 ms':>7} {'p99 ms':>7}"
    )
    for r in (engine, baseline):
        print(
            f"{r.name:18} {r.answers:8d} {r.inputs:7d} {r.rate:10.0f} "
            f"{r.inputs / r.seconds:9.0f} {r.pct(0.5):7.2f} {r.pct(0.99):7.2f}"
        )
    print(f"ratio engine/baseline: {engine.rate / baseline.rate:.2f} (answers per second)")
    unmet = [
        f"{engine.rate:.0f} answers/s < {GOAL_RATE}" if engine.rate < GOAL_RATE else "",
        f"p99 {engine.pct(0.99):.1f} ms >= {GOAL_P99_MS:.0f}"
        if engine.pct(0.99) >= GOAL_P99_MS
        else "",
    ]
    missed = "; ".join(u for u in unmet if u)
    print(
        f"goal (>= {GOAL_RATE} answers/s, p99 < {GOAL_P99_MS:.0f} ms): "
        + (f"NOT MET ({missed})" if missed else "met")
    )


async def _engine_run(args: argparse.Namespace, keys: DataKeys | None) -> Result:
    if args.backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            db = await Database.connect(f"sqlite:///{Path(folder) / 'bench.db'}", data_keys=keys)
            try:
                return await run_engine(db, args.workers, args.inputs)
            finally:
                await db.dispose()
    schema = f"bench_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(args.url)
    await admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        db = await Database.connect(args.url, schema=schema, data_keys=keys)
        try:
            return await run_engine(db, args.workers, args.inputs)
        finally:
            await db.dispose()
    finally:
        await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--url",
        default="postgresql://postgres@127.0.0.1:5432/test",
        help="PostgreSQL URL (for --backend postgresql)",
    )
    parser.add_argument("--workers", type=int, default=20, help="young people at once")
    parser.add_argument("--inputs", type=int, default=200, help="inputs per young person")
    parser.add_argument(
        "--encrypt",
        action="store_true",
        help="compare the engine with free text and progress encrypted at rest to without",
    )
    args = parser.parse_args()
    keys = DataKeys([DataKeys.new_key()]) if args.encrypt else None
    if keys is not None:  # the same engine run twice: encrypted at rest, then not
        engine = replace(await _engine_run(args, keys), name="engine, encrypted")
        baseline = replace(await _engine_run(args, None), name="engine, plain")
    elif args.backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            path = str(Path(folder) / "bench.db")
            db = await Database.connect(f"sqlite:///{path}")
            engine = await run_engine(db, args.workers, args.inputs)
            ids = await response_ids(db)
            await db.dispose()
            baseline = await run_sqlite_baseline(path, ids, args.inputs)
    else:
        schema = f"bench_{secrets.token_hex(4)}"
        admin = await asyncpg.connect(args.url)
        await admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            db = await Database.connect(args.url, schema=schema)
            engine = await run_engine(db, args.workers, args.inputs)
            ids = await response_ids(db)
            await db.dispose()
            baseline = await run_pg_baseline(args.url, schema, ids, args.inputs)
        finally:
            await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
            await admin.close()
    print(
        f"backend: {args.backend}; {args.workers} young people x {args.inputs} inputs "
        f"(every other one an answer); {os.cpu_count()} CPUs"
        + ("; encrypted at rest" if keys else "")
    )
    report(engine, baseline)


if __name__ == "__main__":
    asyncio.run(main())
