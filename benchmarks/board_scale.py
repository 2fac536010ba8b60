"""How fast are the board figures as data grows? Builds synthetic data with bulk SQL and
times each board function against the same SQL run straight on the database.

    python -m benchmarks.board_scale --backend postgresql \\
        --url postgresql://postgres@127.0.0.1:5432/test --sizes 10000,100000,1000000
    python -m benchmarks.board_scale --backend sqlite            # one council, five years

Sizes count responses; each size gets a tenth as many young people, half as many again
invitations as responses, and `--answers` answers per response (10 on PostgreSQL: the
national dataset is 100,000 young people, 1,000,000 responses and 10,000,000 answers).
PostgreSQL data goes in a schema of its own, dropped afterwards. Prints p50/p95 per
function, the ratio to the bare SQL, the query plans' index use, and peak Python memory.
Goals: p95 under 250 ms nationally on PostgreSQL, under 50 ms for a council on SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import resource
import secrets
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import event, insert, make_url, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, create_async_engine

from storage import board
from storage.board._common import WORK_MEM
from storage.board.buckets import BUCKET
from storage.board.rollups import log_every_day, refresh_rollups
from storage.catalog import SurveyCatalog
from storage.database import Database, async_url
from storage.tables import AnswerRow, BoardBucketChangeRow, BoardChangeRow
from surveys.clock import FixedClock
from surveys.insights.periods import parse_period
from surveys.topics import topics_of

console = Console(width=None if sys.stdout.isatty() else 132)

T0 = "2015-04-01 00:00:00"  # five financial years: 2015-16 to 2019-20
SPAN = 1826 * 86400  # seconds in them
QUARTERS = 20
PERIOD = parse_period("2018-19")
SURVEYS = (
    # key, form, audience of its invitations
    ("review-prep-child", "consultation", "child"),
    ("review-prep-young-person", "consultation", "child"),
    ("review-feedback", "feedback_not_attended", "care_leaver"),
    ("wellbeing-16plus", "wellbeing", "care_leaver"),
    ("pathway-plan-review", "consultation", "care_leaver"),
)
# per answer slot: question id, kind, theme, sensitive; survey-specific ids where the
# scorecard looks for them
SLOTS = (
    ("going_well", "text", "general", False),
    ("school_feel", "scale", "school", False),
    ("school_more", "text", "school", False),
    ("family_more", "text", "contact", True),
    ("home_feel", "scale", "home", False),
    ("chair", "yesno", "review", False),
    ("{special}", "{special}", "review", False),
    ("worker_more", "text", "worker", False),
    ("money_feel", "scale", "money", False),
    ("future", "text", "work", False),
    ("for_my_iro", "text", "review", True),
    ("advocate", "yesno", "review", False),
)
SPECIAL = {
    "review-feedback": ("listened", "yesno"),
    "wellbeing-16plus": ("overall_wellbeing", "scale"),
}
TEXTS = (
    ("I like my meeting", 0.6),
    ("My IRO was descriptive", 0.3),
    ("I've had too many changes of social worker", -0.6),
    ("I don't get to see my brother enough", -0.4),
    ("I miss my mum", -0.5),
    ("My carer is really kind to me", 0.7),
    ("I like my school and my teacher helps me", 0.6),
    ("Nobody told me why the meeting was moved", -0.5),
    ("My money doesn't last the month", -0.4),
    ("Football on Saturdays with my friends", 0.5),
    ("Maybe have it at school instead", 0.0),
    ("Getting my own flat soon, I'm excited", 0.7),
    ("The meeting was boring and too long", -0.6),
    ("My PA helped me sort my bank account", 0.5),
    ("Not sure", 0.0),
    ("I see my nan every week and that's nice", 0.6),
    ("I keep having to tell my story again", -0.4),
    ("Shorter meetings please", 0.0),
    ("I want a job in a garage", 0.2),
    ("Nobody listens to me at school", -0.6),
    ("Can we do it on a video call", 0.0),
    ("I feel safe where I live", 0.5),
    ("I didn't understand what they decided", -0.4),
)
NAMES = ("Tayla", "Kayden", "Jess", "Amir", "Ruby", "Leon", "Maisie", "Callum")


@dataclass
class Measured:
    """Timings of one board function at one size."""

    name: str
    times: list[float] = field(default_factory=list)
    sql_times: list[float] = field(default_factory=list)
    peak_bytes: int = 0
    waiting: list[float] = field(default_factory=list)  # a change waiting in one quarter
    plans: list[str] = field(default_factory=list)

    @staticmethod
    def pct(values: Sequence[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000

    @property
    def p50(self) -> float:
        return self.pct(self.times, 0.5)

    @property
    def p95(self) -> float:
        return self.pct(self.times, 0.95)

    @property
    def sql_p50(self) -> float:
        return self.pct(self.sql_times, 0.5)

    @property
    def sql_p95(self) -> float:
        return self.pct(self.sql_times, 0.95)


# --- building the data ------------------------------------------------------------------


class Dialect:
    """SQL fragments that differ between PostgreSQL and SQLite."""

    def __init__(self, name: str) -> None:
        self.name = name

    @property
    def pg(self) -> bool:
        return self.name == "postgresql"

    def ts(self, seconds: str) -> str:
        """A UTC timestamp `seconds` after T0, stored as SQLAlchemy stores it."""
        if self.pg:
            return f"(TIMESTAMPTZ '{T0}+00' + ({seconds}) * INTERVAL '1 second')"
        return f"(datetime('{T0}', '+' || ({seconds}) || ' seconds') || '.000000')"

    def day(self, seconds: str) -> str:
        if self.pg:
            return f"(DATE '{T0[:10]}' + (({seconds}) / 86400)::int)"
        return f"date('{T0}', '+' || (({seconds}) / 86400) || ' days')"

    def insert(self, table: str, columns: str, select: str, start: int, stop: int) -> str:
        """INSERT ... SELECT over g = start..stop (a series in SQL, no rows from Python)."""
        if self.pg:
            return (
                f"INSERT INTO {table} ({columns}) SELECT {select} "
                f"FROM generate_series({start}::bigint, {stop}::bigint) AS s(g)"
            )
        return (
            f"WITH RECURSIVE s(g) AS (SELECT {start} UNION ALL SELECT g + 1 FROM s "
            f"WHERE g < {stop}) INSERT INTO {table} ({columns}) SELECT {select} FROM s"
        )


def _case(expr: str, values: Sequence[str]) -> str:
    whens = " ".join(f"WHEN {i} THEN {v}" for i, v in enumerate(values))
    return f"(CASE ({expr}) {whens} END)"


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.000000")


def _q(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


BANDS = ("8-12", "13-15", "16-17", "18-21", "22-25")
INDEXES_SQL = """
SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = current_schema()
  AND t.relname IN ('people', 'invitations', 'responses', 'answers', 'answer_topics')
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
"""
PEOPLE = "id, council_ref, age_band, cohort, team, first_name, status, created_at"
INVITATIONS = (
    "id, campaign_id, person_id, code, form, audience, age_band, review_date, issued_at, "
    "expires_at, used_at, delivered_at, delivered_by, started_at, returned_at, reminders_sent"
)
RESPONSES = (
    "id, person_id, invitation_id, campaign_id, survey_version_id, channel, status, state, "
    "share_quotes, opened_at, started_at, returned_at, updated_at, revision"
)
ANSWERS = (
    "id, response_id, survey_key, question_id, kind, theme, sensitive, skipped, choice, "
    "number, text, polarity, answered_at, superseded_at"
)
CHUNK = 500_000


@dataclass
class Builder:
    """Inserts rows in chunks of INSERT ... SELECT over a series, advancing a progress bar."""

    conn: AsyncConnection
    dialect: Dialect
    progress: Progress
    task: Any

    async def fill(self, table: str, columns: str, select: str, rows: int, joins: str = "") -> None:
        for start in range(1, rows + 1, CHUNK):
            stop = min(rows, start + CHUNK - 1)
            sql = self.dialect.insert(table, columns, select, start, stop) + joins
            await self.conn.execute(text(sql))
            self.progress.advance(self.task, stop - start + 1)


async def _lookup_tables(conn: AsyncConnection, per_response: int) -> None:
    """bench_q: the question in each answer slot of each survey; bench_t: the texts."""
    for table in ("bench_q", "bench_t"):
        await conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
    await conn.execute(
        text(
            "CREATE TABLE bench_q (s INTEGER, slot INTEGER, question_id VARCHAR(64), "
            "kind VARCHAR(16), theme VARCHAR(32), sensitive BOOLEAN, PRIMARY KEY (s, slot))"
        )
    )
    await conn.execute(text("CREATE TABLE bench_t (i INTEGER PRIMARY KEY, body TEXT, p FLOAT)"))
    rows = []
    for s, (key, _, _) in enumerate(SURVEYS):
        for slot in range(per_response):
            qid, kind, theme, sensitive = SLOTS[slot % len(SLOTS)]
            if qid == "{special}":
                qid, kind = SPECIAL.get(key, ("review_feel", "scale"))
            rows.append({"s": s, "slot": slot, "q": qid, "k": kind, "t": theme, "x": sensitive})
    await conn.execute(text("INSERT INTO bench_q VALUES (:s, :slot, :q, :k, :t, :x)"), rows)
    texts = [{"i": i, "b": b, "p": p} for i, (b, p) in enumerate(TEXTS)]
    await conn.execute(text("INSERT INTO bench_t VALUES (:i, :b, :p)"), texts)


async def build(
    conn: AsyncConnection,
    dialect: Dialect,
    responses: int,
    people: int,
    per_response: int,
    progress: Progress,
) -> None:
    """Fill the (empty, migrated) store with synthetic data, in bulk SQL."""
    d, n, k = dialect, responses, per_response
    invitations = n + n // 2
    task = progress.add_task(f"{n:,} responses", total=people + invitations + n + n * k)
    b = Builder(conn, d, progress, task)
    versions = {
        key: vid
        for key, vid in (
            await conn.execute(text("SELECT key, max(id) FROM survey_versions GROUP BY key"))
        ).all()
    }
    await _lookup_tables(conn, k)

    created = d.ts("0")
    band = _case("g % 5", [_q(x) for x in BANDS])
    cohort = "CASE WHEN g % 5 < 2 THEN 'in_care' ELSE 'care_leaver' END"
    name = _case("g % 8", [_q(x) for x in NAMES])
    await b.fill(
        "people",
        PEOPLE,
        f"g, 'N' || g, {band}, {cohort}, 'T' || (g % 50), {name}, 'active', {created}",
        people,
    )

    campaigns = []
    for extra in (0, 1):  # invitations with a response, and those never answered
        for q in range(QUARTERS):
            for s, (key, form, _) in enumerate(SURVEYS):
                campaigns.append(
                    {
                        "id": extra * QUARTERS * len(SURVEYS) + q * len(SURVEYS) + s + 1,
                        "name": f"{key} q{q}{' reminders' if extra else ''}",
                        "v": versions[key],
                        "form": form,
                        "t": 0.3 if form == "consultation" else None,
                        "o": datetime(2015 + q // 4, 4, 1, tzinfo=UTC),
                        "c": datetime(2016 + q // 4, 4, 1, tzinfo=UTC),
                    }
                )
    if not d.pg:
        campaigns = [{**c, "o": _stamp(c["o"]), "c": _stamp(c["c"])} for c in campaigns]
    await conn.execute(
        text(
            "INSERT INTO campaigns (id, name, survey_version_id, report_form, opens_at, "
            "closes_at, max_reminders, target_rate, created_at) "
            "VALUES (:id, :name, :v, :form, :o, :c, 0, :t, :o)"
        ),
        campaigns,
    )

    # invitation g <= n has response g; the rest were never answered
    half = max(1, n // 2)
    offset = (
        f"(CASE WHEN g <= {n} THEN (g - 1) * {SPAN} / {n} ELSE (g - {n} - 1) * {SPAN} / {half} END)"
    )
    survey = "(g % 5)"
    campaign = (
        f"(CASE WHEN g <= {n} THEN 0 ELSE {QUARTERS * 5} END"
        f" + ({offset} * {QUARTERS} / {SPAN}) * 5 + {survey} + 1)"
    )
    person = f"((g - 1) % {people} + 1)"
    returned = f"(g <= {n} AND g % 10 < 7)"
    day_one, back = d.ts(f"{offset} + 86400"), d.ts(f"{offset} + (g % 30) * 86400")
    await b.fill(
        "invitations",
        INVITATIONS,
        ", ".join(
            (
                "g", campaign, person, "'c' || g",
                _case(survey, [_q(f) for _, f, _ in SURVEYS]),
                _case(survey, [_q(a) for _, _, a in SURVEYS]),
                _case(f"{person} % 5", [_q(x) for x in BANDS]),
                d.day(f"{offset} + 20 * 86400"), d.ts(offset), d.ts(f"{offset} + 80 * 86400"),
                f"CASE WHEN g <= {n} THEN {day_one} END", d.ts(offset), "'telegram'",
                f"CASE WHEN g <= {n} THEN {day_one} END",
                f"CASE WHEN {returned} THEN {back} END", "0",
            )
        ),
        invitations,
    )  # fmt: skip

    status = f"CASE WHEN {returned} THEN 'returned' ELSE 'in_progress' END"
    await b.fill(
        "responses",
        RESPONSES,
        ", ".join(
            (
                "g", person, "g", campaign,
                _case(survey, [str(versions[key]) for key, _, _ in SURVEYS]),
                "'telegram'", status, "'{}'", "g % 3 <> 0", day_one, day_one,
                f"CASE WHEN {returned} THEN {back} END", day_one, "1",
            )
        ),
        n,
    )  # fmt: skip

    r, slot = f"((g - 1) / {k} + 1)", f"((g - 1) % {k})"
    at = f"(({r} - 1) * {SPAN} / {n} + 86400 + {slot} * 60)"
    await b.fill(
        "answers",
        ANSWERS,
        ", ".join(
            (
                "g", r, _case(f"{r} % 5", [_q(key) for key, _, _ in SURVEYS]),
                "q.question_id", "q.kind", "q.theme", "q.sensitive", "false",
                "CASE WHEN q.kind = 'yesno' THEN CASE WHEN g % 10 < 6 THEN 'yes' ELSE 'no' END END",
                "CASE WHEN q.kind = 'scale' THEN g % 5 + 1 END",
                "CASE WHEN q.kind = 'text' THEN t.body END",
                "CASE WHEN q.kind = 'text' THEN t.p END",
                d.ts(at), f"CASE WHEN g % 53 = 0 THEN {d.ts(at + ' + 30')} END",
            )
        ),
        n * k,
        joins=(
            f" JOIN bench_q q ON q.s = {r} % 5 AND q.slot = {slot}"
            f" JOIN bench_t t ON t.i = (g * 7919) % {len(TEXTS)}"
        ),
    )  # fmt: skip

    await _tag_topics(conn)
    await _small_tables(conn, d, n, created)


async def _tag_topics(conn: AsyncConnection) -> None:
    """answer_topics for the built answers, as storing them would have written it."""
    await conn.execute(text("DROP TABLE IF EXISTS bench_tt"))
    await conn.execute(text("CREATE TABLE bench_tt (i INTEGER, topic VARCHAR(32))"))
    rows = [{"i": i, "t": t} for i, (body, _) in enumerate(TEXTS) for t in topics_of(body)]
    await conn.execute(text("INSERT INTO bench_tt VALUES (:i, :t)"), rows)
    await conn.execute(
        text(
            "INSERT INTO answer_topics (answer_id, topic, response_id, survey_key, answered_at,"
            " polarity) SELECT a.id, tt.topic, a.response_id, a.survey_key, a.answered_at,"
            " a.polarity FROM answers a JOIN bench_t t ON t.body = a.text"
            " JOIN bench_tt tt ON tt.i = t.i WHERE a.superseded_at IS NULL"
            " AND a.sensitive = false AND a.polarity IS NOT NULL"
        )
    )
    await conn.execute(text("DROP TABLE bench_tt"))


async def _small_tables(conn: AsyncConnection, d: Dialect, n: int, created: str) -> None:
    """Forms counted by other routes, a few safeguarding alerts; then tidy up."""
    ext = []
    for year in range(2015, 2020):
        for audience, sent in (
            ("parent", 800), ("carer", 700), ("health", 600), ("education", 700),
            ("professional", 700),
        ):  # fmt: skip
            start, end = f"{year}-04-01", f"{year + 1}-04-01"
            ext.append(
                {
                    "a": audience,
                    "s": sent * max(1, n // 8000),
                    "r": sent * max(1, n // 8000) // 5,
                    "ps": datetime.fromisoformat(start).date() if d.pg else start,
                    "pe": datetime.fromisoformat(end).date() if d.pg else end,
                }
            )
    await conn.execute(
        text(
            "INSERT INTO external_form_counts (form, audience, route, period_start, period_end,"
            " sent, returned, created_at) VALUES ('consultation', :a, 'paper', :ps, :pe, :s,"
            f" :r, {created})"
        ),
        ext,
    )
    await conn.execute(
        text(
            "INSERT INTO safeguarding_alerts (person_id, response_id, question_id, category, "
            "phrase_id, channel, created_at) SELECT person_id, id, 'going_well', 'harm', 'x', "
            "'telegram', opened_at FROM responses WHERE id % 997 = 0"
        )
    )
    await conn.execute(text("DROP TABLE bench_q"))
    await conn.execute(text("DROP TABLE bench_t"))
    if d.pg:  # the sequences behind the ids were not used
        for table in ("people", "campaigns", "invitations", "responses", "answers"):
            await conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            )


async def _without_indexes(conn: AsyncConnection) -> list[str]:
    """Drop the secondary indexes (PostgreSQL) so a bulk load is fast; their definitions."""
    rows = (await conn.execute(text(INDEXES_SQL))).all()
    for name, _ in rows:
        await conn.execute(text(f"DROP INDEX {name}"))
    return [str(definition) for _, definition in rows]


# --- timing -------------------------------------------------------------------------------

Call = Callable[[AsyncSession], Awaitable[object]]

FUNCTIONS: tuple[tuple[str, Call], ...] = (
    ("return_rates form,audience", lambda s: board.return_rates(s, PERIOD)),
    (
        "return_rates +quarter",
        lambda s: board.return_rates(s, PERIOD, by=("form", "audience", "quarter")),
    ),
    ("sentiment by theme", lambda s: board.sentiment_summary(s, PERIOD, None, "theme")),
    ("sentiment by age band", lambda s: board.sentiment_summary(s, PERIOD, None, "age_band")),
    ("top_themes", lambda s: board.top_themes(s, PERIOD)),
    ("quotes", lambda s: board.quotes(s, PERIOD)),
    ("scorecard", lambda s: board.scorecard(s, PERIOD)),
)


class Direct:
    """The same statements, run on a plain driver connection (no SQLAlchemy, no Python
    work on the rows beyond fetching them)."""

    def __init__(self, backend: str, url: str, schema: str | None) -> None:
        self.backend, self.url, self.schema = backend, url, schema
        self.pg: asyncpg.Connection | None = None
        self.lite: sqlite3.Connection | None = None

    async def open(self) -> None:
        if self.backend == "postgresql":
            dsn = make_url(self.url).set(drivername="postgresql").render_as_string(False)
            # what storage.board.prepare sets for its own transaction (SET LOCAL)
            settings = {"work_mem": WORK_MEM, "jit": "off", "plan_cache_mode": "force_custom_plan"}
            if self.schema:
                settings["search_path"] = self.schema
            self.pg = await asyncpg.connect(dsn, server_settings=settings)
        else:
            self.lite = sqlite3.connect(make_url(self.url).database or "")

    async def run(self, statements: Sequence[tuple[str, Any]]) -> float:
        started = time.perf_counter()
        for statement, params in statements:
            if self.pg is not None:
                await self.pg.fetch(statement, *(params or ()))
            elif self.lite is not None:
                self.lite.execute(statement, params or ()).fetchall()
        return time.perf_counter() - started

    async def explain(self, statements: Sequence[tuple[str, Any]]) -> list[str]:
        """Each statement's plan, summarised: the indexes it uses, and full scans."""
        out = []
        for statement, params in statements:
            if self.pg is not None:
                rows = await self.pg.fetch("EXPLAIN " + statement, *(params or ()))
                plan = [r[0] for r in rows]
                used = sorted(
                    {line.split(" using ")[1].split(" ")[0] for line in plan if " using " in line}
                    | {
                        "SEQ " + line.split("Seq Scan on ")[1].split(" ")[0]
                        for line in plan
                        if "Seq Scan on " in line
                    }
                )
            elif self.lite is not None:
                rows = self.lite.execute("EXPLAIN QUERY PLAN " + statement, params or ()).fetchall()
                used = sorted(
                    {
                        detail.split("INDEX ")[1].split(" ")[0]
                        if "INDEX " in detail
                        else "SCAN " + detail.split("SCAN ")[1].split(" ")[0]
                        for *_, detail in rows
                        if "INDEX " in detail or detail.startswith("SCAN ")
                    }
                )
            else:
                used = []
            out.append(", ".join(used) or "-")
        return out

    async def close(self) -> None:
        if self.pg is not None:
            await self.pg.close()
        if self.lite is not None:
            self.lite.close()


async def measure(
    db: Database, direct: Direct, name: str, call: Call, runs: int, explain: bool
) -> Measured:
    """Time `call` `runs` times, then its statements straight on the driver."""
    result = Measured(name)
    captured: list[tuple[str, Any]] = []

    def capture(_c: Any, _cursor: Any, statement: str, params: Any, _ctx: Any, _m: bool) -> None:
        captured.append((statement, params))

    for _ in range(2):  # warm the caches
        async with db.reader() as session:
            await call(session)
    event.listen(db.engine.sync_engine, "before_cursor_execute", capture)
    async with db.reader() as session:
        await call(session)
    event.remove(db.engine.sync_engine, "before_cursor_execute", capture)
    statements = [(s, p) for s, p in captured if not s.lstrip().upper().startswith("BEGIN")]
    for _ in range(runs):
        async with db.reader() as session:
            started = time.perf_counter()
            await call(session)
            result.times.append(time.perf_counter() - started)
        result.sql_times.append(await direct.run(statements))
    gc.collect()
    tracemalloc.start()
    async with db.reader() as session:
        await call(session)
    result.peak_bytes = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    if explain:
        result.plans = await direct.explain(statements)
    return result


# --- one size -----------------------------------------------------------------------------


async def run_size(args: argparse.Namespace, size: int) -> list[Measured]:
    people = args.people or max(100, size // 10)
    schema = None
    tmp: tempfile.TemporaryDirectory[str] | None = None
    if args.backend == "postgresql":
        url = args.url
        schema = args.schema or f"board_bench_{secrets.token_hex(4)}"
        admin = create_async_engine(async_url(url), isolation_level="AUTOCOMMIT")
        if not args.schema:
            async with admin.connect() as conn:
                await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    else:
        if args.url:
            url = args.url
            Path(make_url(url).database or "").unlink(missing_ok=True)
        else:
            tmp = tempfile.TemporaryDirectory(prefix="board_bench_")
            url = f"sqlite:///{tmp.name}/council.db"
    try:
        started = time.perf_counter()
        db = await Database.connect(url, schema=schema)  # a kept schema: migrated
        if args.schema:
            console.print(f"Reusing {schema}: migrated in {time.perf_counter() - started:.1f} s")
        async with db.transaction() as session:
            await SurveyCatalog(FixedClock()).sync_builtins(session)
        dialect = Dialect(db.engine.dialect.name)
        started = time.perf_counter()
        with Progress(console=console, transient=True) as progress:
            async with db.engine.begin() as conn:
                if args.schema:  # built before (--keep)
                    size = await conn.scalar(text("SELECT count(*) FROM responses"))
                indexes: list[str] = []
                if dialect.pg and not args.schema:
                    await conn.execute(text("SET session_replication_role = replica"))
                    indexes = await _without_indexes(conn)
                if not args.schema:
                    await build(conn, dialect, size, people, args.answers, progress)
                if indexes:
                    task = progress.add_task("indexes", total=len(indexes))
                    for definition in indexes:
                        await conn.execute(text(definition))
                        progress.advance(task)
        built = time.perf_counter() - started
        if dialect.pg and not args.schema:  # triggers were off while loading: log every day
            async with db.transaction() as session:
                await log_every_day(session)
        refreshed = time.perf_counter()
        if args.rollups:
            async with db.transaction() as session:
                done = await refresh_rollups(session)
            console.print(
                f"Rollups refreshed in {time.perf_counter() - refreshed:.1f} s "
                f"({done.quarters} quarters, {done.years} years)"
            )
        if dialect.pg:
            async with db.engine.connect() as conn:
                auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await auto.execute(text("VACUUM ANALYZE"))
        else:
            async with db.engine.begin() as conn:
                await conn.execute(text("ANALYZE"))
        if args.keep:
            console.print(f"Kept in {schema or url}")
        console.print(
            f"[bold]{size:,} responses[/]: {people:,} young people, {size * 3 // 2:,} "
            f"invitations, {size * args.answers:,} answers built in "
            f"{built:.1f} s ({args.backend}); board read "
            f"{'from rollups' if args.rollups else 'straight from the rows'}"
        )
        direct = Direct(args.backend, url, schema)
        await direct.open()
        try:
            results = [
                await measure(db, direct, name, call, args.runs, args.explain)
                for name, call in FUNCTIONS
            ]
        finally:
            await direct.close()
        if args.rollups and args.waiting:
            await measure_waiting(db, results, max(args.runs, WAITING_RUNS))
        await db.dispose()
        return results
    finally:
        if schema is not None and not args.keep:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            await admin.dispose()
        if tmp is not None and not args.keep:
            tmp.cleanup()


WAITING_RUNS = 3  # at least, while a change waits (as many as --runs when more)
WAITING_DAY = date(2018, 11, 15)  # in 2018-19 Q3: a change not yet refreshed
WAITING_AT = datetime(2018, 11, 15, 12, tzinfo=UTC)


async def measure_waiting(db: Database, results: Sequence[Measured], runs: int) -> None:
    """Time each function while a change waits in one quarter of the period (what the
    triggers log for one answer given that day: its day and its response's bucket), then
    the refresh that clears it."""
    async with db.transaction() as session:
        await session.execute(insert(BoardChangeRow).values(day=WAITING_DAY))
        a = AnswerRow
        response = await session.scalar(
            select(a.response_id).where(a.answered_at >= WAITING_AT).order_by(a.answered_at)
            .limit(1)
        )  # fmt: skip
        await session.execute(insert(BoardBucketChangeRow).values(bucket=response // BUCKET))
    for m, (_, call) in zip(results, FUNCTIONS, strict=True):
        for _ in range(runs):
            async with db.reader() as session:
                started = time.perf_counter()
                await call(session)
                m.waiting.append(time.perf_counter() - started)
    started = time.perf_counter()
    async with db.transaction() as session:
        done = await refresh_rollups(session)
    console.print(
        f"Refresh after a change in one quarter: {time.perf_counter() - started:.2f} s "
        f"({done.quarters} quarter(s), {done.years} year(s) recomputed, {done.buckets} "
        "bucket(s) of responses counted again)"
    )


def report(size: int, results: Sequence[Measured], goal_ms: float, explain: bool) -> None:
    table = Table(title=f"{size:,} responses: board functions, {len(results[0].times)} runs each")
    for column in (
        "function",
        "p50 ms",
        "p95 ms",
        "SQL p50",
        "SQL p95",
        "ratio",
        "peak KiB",
        "goal",
        "waiting p50",
        "waiting p95",
    ):
        table.add_column(column, justify="left" if column == "function" else "right")
    for m in results:
        ok = "[green]ok[/]" if m.p95 < goal_ms else "[red]over[/]"
        table.add_row(
            m.name,
            f"{m.p50:.1f}",
            f"{m.p95:.1f}",
            f"{m.sql_p50:.1f}",
            f"{m.sql_p95:.1f}",
            f"{m.p50 / max(m.sql_p50, 1e-6):.2f}",
            f"{m.peak_bytes / 1024:.0f}",
            ok,
            f"{m.pct(m.waiting, 0.5):.0f}" if m.waiting else "-",
            f"{m.pct(m.waiting, 0.95):.0f}" if m.waiting else "-",
        )
    console.print(table)
    console.print(
        "goal: p95 under the goal. waiting p50 / p95: while a change waits for the refresh in one "
        "quarter of the period (that quarter, or for distinct respondents the whole period, "
        "is counted from the rows)"
    )
    if explain:
        plans = Table(title="Indexes each statement uses (SEQ/SCAN: a full read of a table)")
        plans.add_column("function")
        plans.add_column("statements")
        for m in results:
            plans.add_row(m.name, " | ".join(m.plans))
        console.print(plans)


def growth(sizes: Sequence[int], runs: dict[int, list[Measured]]) -> None:
    table = Table(title="Growth: p95 ms / peak Python KiB per call, by responses")
    table.add_column("function")
    for size in sizes:
        table.add_column(f"{size:,}", justify="right")
    for i, (name, _) in enumerate(FUNCTIONS):
        table.add_row(
            name, *(f"{runs[s][i].p95:.1f} / {runs[s][i].peak_bytes / 1024:.0f}" for s in sizes)
        )
    console.print(table)
    first, last = sizes[0], sizes[-1]
    time_growth = max(runs[last][i].p95 / runs[first][i].p95 for i in range(len(FUNCTIONS)))
    memory_growth = max(
        runs[last][i].peak_bytes / max(runs[first][i].peak_bytes, 1) for i in range(len(FUNCTIONS))
    )
    console.print(
        f"From {first:,} to {last:,} responses ({last // first}x): p95 grew at most "
        f"{time_growth:.1f}x, peak Python memory per call at most {memory_growth:.2f}x "
        f"({'flat' if memory_growth < 1.5 else 'growing'})."
    )
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    console.print(f"Peak resident memory of this process: {maxrss:.0f} MiB")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.board_scale",
        description="Time the board figures on synthetic data that grows (see the module doc).",
    )
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="sqlite")
    parser.add_argument(
        "--url",
        help="database URL (PostgreSQL: required; SQLite: a file "
        "to overwrite, default a temporary one)",
    )
    parser.add_argument(
        "--sizes",
        help="responses per dataset, comma separated (default: "
        "10000,100000,1000000 on PostgreSQL, 8000 on SQLite: one council)",
    )
    parser.add_argument(
        "--people",
        type=int,
        help="young people (default: a tenth of the responses; 700 for the SQLite council)",
    )
    parser.add_argument(
        "--answers", type=int, help="answers per response (default 10 on PostgreSQL, 12 on SQLite)"
    )
    parser.add_argument("--runs", type=int, default=20, help="timed runs per function")
    parser.add_argument(
        "--no-explain",
        dest="explain",
        action="store_false",
        help="do not print which indexes the queries use",
    )
    parser.add_argument("--keep", action="store_true", help="keep the data afterwards")
    parser.add_argument(
        "--schema",
        help="PostgreSQL: reuse the data kept (--keep) in this schema instead of building "
        "(migrated first; one size)",
    )
    parser.add_argument(
        "--no-waiting",
        dest="waiting",
        action="store_false",
        help="do not time the functions while a change waits for the refresh",
    )
    parser.add_argument(
        "--no-rollups",
        dest="rollups",
        action="store_false",
        help="do not refresh the rollups: every figure is counted from the rows",
    )
    args = parser.parse_args(argv)
    if args.backend == "postgresql" and not args.url:
        parser.error("--url is required for PostgreSQL")
    if args.schema and (args.backend != "postgresql" or len((args.sizes or "x").split(",")) != 1):
        parser.error("--schema needs PostgreSQL and one size (--sizes)")
    pg = args.backend == "postgresql"
    args.sizes = [
        int(x)
        for x in (args.sizes or ("10000,100000,1000000" if pg else "8000"))
        .replace("_", "")
        .split(",")
    ]
    if args.people is None and not pg and args.sizes == [8000]:
        args.people = 700
    args.answers = args.answers or (10 if pg else 12)
    if args.runs < 1 or any(s < 100 for s in args.sizes):
        parser.error("runs must be positive and sizes at least 100")
    return args


async def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    goal = 250.0 if args.backend == "postgresql" else 50.0
    runs: dict[int, list[Measured]] = {}
    for size in args.sizes:
        runs[size] = await run_size(args, size)
        report(size, runs[size], goal, args.explain)
        over = [m.name for m in runs[size] if m.p95 >= goal]
        over += [f"{m.name} (waiting)" for m in runs[size]
                 if m.waiting and m.pct(m.waiting, 0.95) >= goal]
        where = "nationally on PostgreSQL" if args.backend == "postgresql" else "on SQLite"
        console.print(
            f"[bold]Goal p95 < {goal:.0f} ms {where} at {size:,} responses: "
            + (f"met by all {len(runs[size])} functions"
               + (", and while a change waits" if runs[size][0].waiting else "") + "[/]"
               if not over else
               f"MISSED by {', '.join(over)}[/]")
        )  # fmt: skip
    if len(args.sizes) > 1:
        growth(args.sizes, runs)


if __name__ == "__main__":
    asyncio.run(main())
