"""The alert an officer reads: the young person's words (staff only), the question, who,
when in UK time, what they were told, history, notes; a board key never sees any of it."""

from __future__ import annotations

import httpx

from storage.conversations import ConversationService
from storage.database import Database
from surveys.clock import FixedClock
from surveys.engine import Command, UserInput
from tests.api.conftest import Keys
from tests.factories import campaign_with_codes


async def test_alert_contents_per_role(
    client: httpx.AsyncClient, keys: Keys, db: Database, clock: FixedClock,
    conversations: ConversationService,
) -> None:
    _, [code] = await campaign_with_codes(db, conversations.catalog, clock)
    await conversations.redeem(code, channel="web", address="s1")
    await conversations.handle(UserInput(text="i want to kill myself"),
                               channel="web", address="s1", message_key="k1")
    await conversations.handle(UserInput(command=Command.HELP_NOW), channel="web",
                               address="s1", message_key="k2")
    for role in ("board",):
        denied = await client.get("/api/v1/alerts/1", headers=keys.headers(role))
        assert denied.status_code == 403 and "kill" not in denied.text
    got = await client.get("/api/v1/alerts/1", headers=keys.headers("officer"))
    assert got.status_code == 200, got.text
    alert = got.json()
    assert alert["words"] == "i want to kill myself"
    assert alert["question"] == "How are things?" and alert["age_band"] == "13-15"
    assert alert["created_uk"] == "Mon 5 Jan 2026, 10:00 GMT"
    assert "0800 1111" in alert["reply"] and alert["channel"] == "web"
    assert alert["calls_for_help"] == 1 and alert["page"].endswith("/officer/alerts/1")
    assert [e["kind"] for e in alert["events"]] == ["raised", "joined"]
    assert alert["other_alerts"] == []
    assert alert["response_link"].endswith("/officer/alerts/1/response")
    noted = await client.post("/api/v1/alerts/1/notes", json={"note": "Rang the carer"},
                              headers=keys.headers("officer"))
    assert noted.status_code == 201 and noted.json()["events"][-1]["detail"] == "Rang the carer"
    empty = await client.post("/api/v1/alerts/1/acknowledge", json={"note": ""},
                              headers=keys.headers("officer"))
    assert empty.status_code == 422  # a note of the action taken is needed
    done = await client.post("/api/v1/alerts/1/acknowledge", json={"note": "Strategy meeting"},
                             headers=keys.headers("officer"))
    assert done.status_code == 200 and done.json()["acknowledged_by"]
    whole = await client.get("/api/v1/alerts/1/response", headers=keys.headers("officer"))
    assert whole.status_code == 200 and whole.json()["survey"]
