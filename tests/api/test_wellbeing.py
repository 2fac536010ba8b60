"""GET /api/v1/wellbeing and the board page's ONS section: suppressed, with sources."""

from __future__ import annotations

import csv
import io

import httpx

from storage.database import Database
from tests.api.conftest import Keys
from tests.storage.board_factories import BoardData, uk

API = "/api/v1"
SURVEY = "ons-check-in"  # the figures count the ONS questions of any survey


async def _answers(db: Database, groups: dict[str, int]) -> None:
    async with db.transaction() as s:
        b = BoardData(s)
        for band, n in groups.items():
            for invitation in await b.forms(n, n, at=uk(2017, 5, 1), age_band=band):
                r = await b.response(survey=SURVEY, invitation=invitation, at=uk(2017, 5, 2))
                await b.answer(r, "ons_life", survey=SURVEY, kind="scale", number=8,
                               at=uk(2017, 5, 2))  # fmt: skip


async def test_board_keys_read_the_ons_figures_beside_national_ones(
    client: httpx.AsyncClient, keys: Keys, db: Database
) -> None:
    await _answers(db, {"16-17": 10, "8-12": 4})
    reply = await client.get(
        f"{API}/wellbeing", params={"period": "2017-18"}, headers=keys.headers("board")
    )
    assert reply.status_code == 200, reply.text
    rows = {(r["measure"], r["group"]): r for r in reply.json()}
    older = rows[("life_satisfaction", "16 and over")]
    assert (older["respondents"], older["mean"], older["low_share"]) == (10, 8.0, 0.0)
    assert older["national_mean"] == 7.7 and older["national_checked"] is False
    assert "Office for National Statistics" in older["national_source"]
    younger = rows[("life_satisfaction", "under 16")]
    assert (younger["respondents"], younger["mean"]) == ("c", None)
    as_csv = await client.get(
        f"{API}/wellbeing",
        params={"period": "2017-18", "format": "csv"},
        headers=keys.headers("board"),
    )
    table = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(table) == 8 and table[0]["measure"] == "life_satisfaction"
    no_key = await client.get(f"{API}/wellbeing", params={"period": "2017-18"})
    assert no_key.status_code == 401
