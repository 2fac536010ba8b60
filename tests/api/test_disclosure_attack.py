"""An attacker with a board key tries to recover a suppressed count from every endpoint and
view, and finds none.

The store holds small groups on purpose. Every board figure is read through the API, for
the year, each quarter and all time, with every breakdown, as JSON and CSV; the dashboard
and its print view are built from the same functions. What the reader learns is put in
one table of cells, and the attacker then works out what they can: shares times the
group's size, a year minus its other quarters, all time minus the other years, a total
minus the other rows of its breakdown, a rate times the forms sent, repeated until
nothing new is learnt. No cell of 1 to 5 young people (or whose rest is 1 to 5) may be
known at the end. The truth comes from the same functions with suppression off.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import Any

import httpx
from sqlalchemy import case, update

from storage import board
from storage.database import Database
from storage.tables import PersonRow
from surveys.insights.periods import Period, parse_period
from tests.api.conftest import Keys
from tests.storage.board_factories import BoardData, uk

API = "/api/v1"
YEAR = "2017-18"
QUARTERS = [f"{YEAR} Q{q}" for q in (1, 2, 3, 4)]
PERIODS = [YEAR, *QUARTERS]
EARLIER = ["2016-17", *(f"2016-17 Q{q}" for q in (1, 2, 3, 4))]  # words only
ALL = "all"
Cell = tuple[Any, ...]


async def _seed(db: Database) -> None:
    """Small cells on purpose: forms by audience and age band, words by quarter."""
    async with db.transaction() as s:
        b = BoardData(s)
        for at, child, parent, young in (
            (uk(2017, 5, 1), (40, 12), (10, 2), (15, 7)),
            (uk(2017, 8, 1), (3, 1), (0, 0), (12, 9)),
            (uk(2017, 11, 1), (30, 9), (25, 10), (4, 4)),
            (uk(2018, 2, 1), (20, 6), (7, 6), (0, 0)),
        ):
            await b.forms(*child, at=at, audience="child", age_band="8-12")
            await b.forms(9, 8, at=at, audience="child", age_band="13-15")
            if parent[0]:
                await b.forms(*parent, at=at, audience="parent", age_band=None)
            if young[0]:
                await b.forms(*young, at=at, form="feedback", audience="young_person",
                              age_band="16-17")  # fmt: skip
        words = {  # quarter: (negative, neutral, positive) answers, one young person each
            uk(2016, 6, 1): (1, 1, 2),
            uk(2017, 5, 1): (1, 2, 4),  # issue 10's 7 respondents
            uk(2017, 8, 1): (3, 3, 3),
            uk(2017, 11, 1): (2, 10, 9),
            uk(2018, 2, 1): (8, 9, 20),
        }
        for at, (neg, neu, pos) in words.items():
            texts = [("my mum is bad", -0.5)] * neg + [("school", 0.0)] * neu
            texts += [("my carer is good", 0.5)] * pos
            await b.texts(texts, theme="contact", at=at)
            await b.texts([("money is fine", 0.3)] * (neg + 2), question="money",
                          theme="money", at=at)  # fmt: skip
        # teams, cohorts and languages, with small groups in them (breakdowns added later)
        person = PersonRow.id
        await s.execute(update(PersonRow).values(
            team=case((person % 7 == 0, "West"), (person % 3 == 0, "North"), else_="South"),
            cohort=case((person % 11 == 0, "care_leaver"), else_=PersonRow.cohort),
            language=case((person % 13 == 0, "cy"), (person % 17 == 0, "ar"), else_="en"),
        ))  # fmt: skip


# --- what a board reads ------------------------------------------------------------------

RATE_BYS = (
    "form,audience", "form", "audience", "age_band", "form,audience,age_band",
    "form,audience,quarter", "form,audience,age_band,quarter", "quarter", "form,quarter",
    "cohort", "team", "form,audience,team", "form,audience,cohort", "form,audience,cohort,team",
    "team,quarter", "form,audience,team,quarter", "age_band,team", "cohort,team",
    "audience,cohort,team",
)  # fmt: skip
SENTIMENT_BYS = ("question", "theme", "age_band", "language")


def _csv_matches(reply: httpx.Response, rows: Sequence[dict[str, Any]]) -> None:
    """The CSV export holds the same figures as the JSON (nothing more)."""
    table = list(csv.DictReader(io.StringIO(reply.text)))
    flat = {str(v) for r in rows for v in r.values() if isinstance(v, int | float | str)}
    for record in table:
        for value in record.values():
            if value and value.replace(".", "", 1).isdigit():
                assert value in flat or value.rstrip("0").rstrip(".") in flat, value


async def _read(client: httpx.AsyncClient, keys: Keys, path: str, **params: str) -> Any:
    headers = keys.headers("board")
    reply = await client.get(f"{API}/{path}", params=params, headers=headers)
    assert reply.status_code == 200, reply.text
    rows = reply.json()
    as_csv = await client.get(f"{API}/{path}", params={**params, "format": "csv"},
                              headers=headers)  # fmt: skip
    flat = rows if path != "sentiment" else [
        {k: v for k, v in r.items() if k != "trend"} | {
            f"{t['quarter']} {k}": t[k] for t in r["trend"] for k in ("respondents",
                                                                       "mean_polarity")}
        for r in rows
    ]  # fmt: skip
    _csv_matches(as_csv, flat)
    return rows


def _period_of(row: dict[str, Any], asked: str) -> str:
    return str(row.get("quarter") or asked)


async def _learn(client: httpx.AsyncClient, keys: Keys) -> dict[Cell, float]:
    """Every number a board can read, as cells: ("sent", form, audience, band, period)..."""
    known: dict[Cell, float] = {}

    def note(cell: Cell, value: Any) -> None:
        if isinstance(value, int | float) and not isinstance(value, bool):
            known[cell] = float(value)

    for period in PERIODS:
        for by in RATE_BYS:
            for row in await _read(client, keys, "return-rates", period=period, by=by):
                at = _period_of(row, period)
                where = (row.get("form") or "*", row.get("audience") or "*",
                         row.get("age_band") or "*", row.get("cohort") or "*",
                         row.get("team") or "*", at)  # fmt: skip
                note(("sent", *where), row["sent"])
                note(("returned", *where), row["returned"])
                note(("rate", *where), row["rate"])
        for scorecard in await _read(client, keys, "scorecard", period=period):
            if scorecard["ref"] in ("P1.1", "P1.2"):
                form, audience = {"P1.1": ("consultation", "child"),
                                  "P1.2": ("feedback_not_attended", "care_leaver")}[
                    scorecard["ref"]]  # fmt: skip
                for q, label in zip(("q1", "q2", "q3", "q4"), QUARTERS, strict=True):
                    note(("rate", form, audience, "*", "*", "*", label), scorecard[q])
                note(("rate", form, audience, "*", "*", "*", period), scorecard["value"])
        for row in await _read(client, keys, "themes", period=period, limit="50"):
            note(("answers", row["kind"], row["key"], period), row["answers"])
            note(("respondents", row["kind"], row["key"], period), row["respondents"])
    for period in [*EARLIER, *PERIODS, None]:
        for by in SENTIMENT_BYS:
            params = {"by": by} if period is None else {"by": by, "period": period}
            for row in await _read(client, keys, "sentiment", **params):
                at = period or ALL
                group = ("sentiment", by, row["group"])
                note((*group, "respondents", at), row["respondents"])
                for point in row["trend"]:
                    note((*group, "respondents", point["quarter"]), point["respondents"])
                if isinstance(row["respondents"], int):  # each answer is one young person
                    for part in ("negative", "neutral", "positive"):
                        share = row[f"share_{part}"]
                        if share is not None:
                            note((*group, part, at), round(share * row["respondents"]))
    return known


# --- the truth ----------------------------------------------------------------------------


async def _truth(db: Database) -> dict[Cell, float]:
    truth: dict[Cell, float] = {}
    async with db.reader() as s:
        for period in PERIODS:
            for by in RATE_BYS:
                for r in await board.return_rates(s, parse_period(period), by.split(","),
                                                  suppress=False):  # fmt: skip
                    at = r.quarter or period
                    where = (r.form or "*", r.audience or "*", r.age_band or "*",
                             r.cohort or "*", r.team or "*", at)  # fmt: skip
                    truth[("sent", *where)] = float(r.sent)  # type: ignore[arg-type]
                    truth[("returned", *where)] = float(r.returned)  # type: ignore[arg-type]
            for t in await board.top_themes(s, parse_period(period), limit=50, threshold=0):
                truth[("answers", t.kind, t.key, period)] = float(t.answers)  # type: ignore[arg-type]
                truth[("respondents", t.kind, t.key, period)] = float(t.respondents)  # type: ignore[arg-type]
        periods: list[Period | None] = [*(parse_period(p) for p in EARLIER + PERIODS), None]
        for p in periods:
            for by in SENTIMENT_BYS:
                for row in await board.sentiment_summary(s, p, None, by, threshold=0,
                                                         today=uk(2018, 3, 1).date()):  # fmt: skip
                    at = p.label if p else ALL
                    group = ("sentiment", by, row.group)
                    n = int(row.respondents)  # type: ignore[arg-type]
                    truth[(*group, "respondents", at)] = n
                    for part in ("negative", "neutral", "positive"):
                        share = asdict(row)[f"share_{part}"]
                        truth[(*group, part, at)] = round(share * n) if share is not None else 0
    return truth


# --- the attacker -------------------------------------------------------------------------


def _relations(truth: dict[Cell, float]) -> list[tuple[Cell, list[Cell]]]:
    """(total, parts) a reader knows add up, over the cells that exist."""
    found: list[tuple[Cell, list[Cell]]] = []
    cells = list(truth)

    def parts_of(total: Cell, position: int, values: Iterable[Any]) -> None:
        made = ((*total[:position], v, *total[position + 1 :]) for v in values)
        parts = [c for c in made if c in truth]
        if parts:
            found.append((total, parts))

    for cell in cells:
        if cell[0] in ("sent", "returned"):
            if cell[-1] == YEAR:
                parts_of(cell, 6, QUARTERS)
            for position in (1, 2, 3, 4, 5):  # a breakdown's rows add up to its total
                if cell[position] == "*":
                    values = {c[position] for c in cells if c[0] == cell[0]} - {"*"}
                    parts_of(cell, position, values)
        elif cell[0] in ("answers", "respondents") and cell[-1] == YEAR:
            parts_of(cell, 3, QUARTERS)
        elif cell[0] == "sentiment":
            if " " not in cell[4] and cell[4] != ALL:
                parts_of(cell, 4, [f"{cell[4]} Q{q}" for q in (1, 2, 3, 4)])
            if cell[4] == ALL:
                years = {c[4] for c in cells if c[0] == "sentiment" and c[4] != ALL}
                parts_of(cell, 4, {y for y in years if " " not in y})
            if cell[3] == "respondents":
                parts_of(cell, 3, ("negative", "neutral", "positive"))
    return found


def _attack(known: dict[Cell, float], truth: dict[Cell, float]) -> dict[Cell, float]:
    """Everything the reader can work out from `known`, by subtraction and rates."""
    learnt = {c: v for c, v in known.items() if c[0] != "rate"}
    relations = _relations(truth)
    changed = True
    while changed:
        changed = False
        for total, parts in relations:
            missing = [c for c in (total, *parts) if c not in learnt]
            if len(missing) != 1:
                continue
            (cell,) = missing
            rest = sum(learnt[c] for c in parts if c != cell)
            learnt[cell] = rest if cell == total else learnt[total] - rest
            changed = True
        for cell, rate in known.items():  # a rate times the forms sent
            if cell[0] == "rate" and ("sent", *cell[1:]) in learnt:
                returned = ("returned", *cell[1:])
                if returned not in learnt:
                    learnt[returned] = round(rate * learnt[("sent", *cell[1:])])
                    changed = True
    return learnt


def _disclosive(cell: Cell, value: float, learnt: dict[Cell, float]) -> bool:
    if 1 <= round(value) <= 5:
        return True
    if cell[0] == "returned" and ("sent", *cell[1:]) in learnt:  # "all but 2 returned"
        return 1 <= learnt[("sent", *cell[1:])] - value <= 5
    if cell[0] == "sentiment" and cell[3] != "respondents":
        whole = learnt.get((*cell[:3], "respondents", cell[4]))
        return whole is not None and 1 <= whole - value <= 5
    return False


async def _dashboard(db: Database, known: dict[Cell, float]) -> None:
    """What the dashboard and its print view show (both are one `board_page`)."""
    from api.web.board import board_page

    def note(cell: Cell, value: Any) -> None:
        if isinstance(value, int | float) and not isinstance(value, bool):
            known.setdefault(cell, float(value))

    async with db.reader() as s:
        for period in PERIODS:
            page = await board_page(s, parse_period(period), uk(2018, 3, 1).date())
            for r in page.rates:
                note(("sent", r.form or "*", r.audience or "*", "*", "*", "*", period), r.sent)
                note(("returned", r.form or "*", r.audience or "*", "*", "*", "*", period),
                     r.returned)  # fmt: skip
            for t in page.trend:
                for c in t.cells:
                    if c is not None and c.quarter:
                        note(("sent", t.form, t.audience, "*", "*", "*", c.quarter), c.sent)
                        note(("returned", t.form, t.audience, "*", "*", "*", c.quarter),
                             c.returned)  # fmt: skip
            for r in page.breakdown:  # by audience, cohort and team
                where = ("*", r.audience or "*", "*", r.cohort or "*", r.team or "*", period)
                note(("sent", *where), r.sent)
                note(("returned", *where), r.returned)
            for f in page.key.forms:  # the key messages' sentences
                where = (f.form, f.audience, "*", "*", "*", period)
                note(("sent", *where), f.sent)
                note(("returned", *where), f.returned)
            for row in [*page.themes, *page.topics]:
                note(("respondents", row.kind, row.key, period), row.respondents)
                note(("answers", row.kind, row.key, period), row.answers)
            for sent in page.sentiment:
                group = ("sentiment", "theme", sent.group)
                note((*group, "respondents", period), sent.respondents)
                if isinstance(sent.respondents, int):
                    for part in ("negative", "neutral", "positive"):
                        share = getattr(sent, f"share_{part}")
                        if share is not None:
                            note((*group, part, period), round(share * sent.respondents))


async def test_no_suppressed_count_can_be_recovered_from_any_view(
    client: httpx.AsyncClient, keys: Keys, db: Database
) -> None:
    await _seed(db)
    truth = await _truth(db)
    assert any(1 <= v <= 5 for v in truth.values())  # there is something to find
    known = await _learn(client, keys)
    await _dashboard(db, known)
    learnt = _attack(known, truth)
    recovered = {
        c: v for c, v in learnt.items()
        if c in truth and _disclosive(c, truth[c], learnt) and abs(truth[c] - v) < 0.5
    }  # fmt: skip
    assert not recovered, "\n".join(f"{c}: {v}" for c, v in sorted(recovered.items(), key=str))
    assert len(known) > 150  # the board still sees plenty


def test_the_attacker_finds_what_an_unprotected_table_gives_away() -> None:
    """The attack itself works: with a quarter shown that the year would give back."""
    sent = zip(QUARTERS, (40, 3, 30, 20), strict=True)
    truth = {("sent", "f", "a", "*", "*", "*", q): v for q, v in sent}
    truth[("sent", "f", "a", "*", "*", "*", YEAR)] = 93
    known = {c: v for c, v in truth.items() if v != 3}
    learnt = _attack(known, truth)
    assert learnt[("sent", "f", "a", "*", "*", "*", QUARTERS[1])] == 3
