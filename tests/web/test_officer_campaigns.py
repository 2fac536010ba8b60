"""New campaigns on the officer pages: a team key's campaign stays within its teams, the
same form posted twice makes one campaign, and the count says who is already invited."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.web import officer_campaigns
from storage.database import Database
from storage.tables import CampaignRow, InvitationRow
from surveys.clock import FixedClock
from tests.web.conftest import Keys, sign_in
from tests.web.pages import Form, Page
from tests.web.test_officer_pages import import_csv, team_key


async def new_form(client: httpx.AsyncClient) -> Form:
    return Page.of((await client.get("/officer/campaigns/new")).text).form_to("/officer/campaigns")


async def counts(db: Database) -> tuple[int, int]:
    async with db.reader() as session:
        campaigns = await session.scalar(select(func.count()).select_from(CampaignRow))
        invitations = await session.scalar(select(func.count()).select_from(InvitationRow))
    return int(campaigns or 0), int(invitations or 0)


async def test_a_team_officers_campaign_with_no_team_ticked_is_for_their_teams_only(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, keys: Keys, db: Database,
    clock: FixedClock,
) -> None:
    await sign_in(other_client, keys.officer)
    await import_csv(other_client)  # N-1, N-2 in North; S-1 in South
    await sign_in(client, await team_key(db, clock, "North"))
    form = await new_form(client)
    made = await client.post(form.action, data=dict(
        form.data(), action="create", name="North, everyone", survey="review-prep-child",
        cohort="in_care", age_band=["8-12", "13-15"]))
    assert made.status_code == 303, Page.of(made.text).text
    async with db.reader() as session:
        row = await session.scalar(select(CampaignRow))
        assert row is not None and row.teams == ["North"]
    page = Page.of((await client.get(made.headers["location"])).text)
    assert "N-1" in page.text and "S-1" not in page.text
    closing = await client.get(f"/officer/campaigns/{row.id}/close")
    assert closing.status_code == 200  # theirs to close: no "outside your teams"


async def spring_campaign_form(
    client: httpx.AsyncClient, keys: Keys
) -> tuple[Form, dict[str, Any]]:
    """An officer with young people imported, the new-campaign form, and "Spring"'s
    choices on it (North's children in care, 8 to 15)."""
    await sign_in(client, keys.officer)
    await import_csv(client)
    form = await new_form(client)
    choices = dict(form.data(), action="create", name="Spring", survey="review-prep-child",
                   cohort="in_care", team="North", age_band=["8-12", "13-15"])
    return form, choices


async def test_the_same_new_campaign_form_posted_again_makes_nothing_new(
    client: httpx.AsyncClient, keys: Keys, db: Database
) -> None:
    form, choices = await spring_campaign_form(client, keys)
    first = await client.post(form.action, data=choices)
    assert first.status_code == 303
    made = await counts(db)
    again = await client.post(form.action, data=choices)  # Back, then Create again
    assert again.status_code == 303
    assert again.headers["location"] == first.headers["location"].split("?")[0] + "?again=true"
    assert await counts(db) == made
    shown = Page.of((await client.get(again.headers["location"])).text).text
    assert "already made from that form" in shown and "no one was invited again" in shown
    fresh = await new_form(client)  # a new form is a new campaign
    assert fresh.fields["once"] != form.fields["once"]
    other = await client.post(fresh.action, data={**choices, "once": fresh.fields["once"],
                                                  "name": "Summer"})
    assert other.status_code == 303 and (await counts(db))[0] == made[0] + 1


async def test_the_same_form_posted_twice_at_once_lands_both_on_one_campaign(
    client: httpx.AsyncClient, keys: Keys, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A double click: both posts pass the check before either commits; the unique token
    stops the second campaign, and its post lands on the first (it was a JSON 409)."""
    form, choices = await spring_campaign_form(client, keys)
    first = await client.post(form.action, data=choices)
    made = await counts(db)
    looked = officer_campaigns._made_by
    calls = [0]

    async def racing(session: AsyncSession, once: str) -> int | None:
        calls[0] += 1
        return None if calls[0] == 1 else await looked(session, once)  # not committed yet

    monkeypatch.setattr(officer_campaigns, "_made_by", racing)
    second = await client.post(form.action, data=choices)
    assert second.status_code == 303, Page.of(second.text).text
    assert second.headers["location"] == first.headers["location"].split("?")[0] + "?again=true"
    assert await counts(db) == made


async def test_the_count_says_how_many_already_have_an_open_invitation_to_the_survey(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    await sign_in(client, keys.officer)
    await import_csv(client)
    form = await new_form(client)
    choices = dict(form.data(), name="Spring", survey="review-prep-child", cohort="in_care",
                   age_band=["8-12", "13-15"], team="North")
    assert (await client.post(form.action, data={**choices, "action": "create"})
            ).status_code == 303
    counted = await client.post(form.action, data={**choices, "action": "count"})
    assert ("2 young people match. 2 of them already have an open invitation to this survey"
            in Page.of(counted.text).text)
    live = await client.get("/officer/campaigns/count", params={
        "team": "North", "survey": "review-prep-child", "age_band": "13-15"})
    assert "1 of them already has an open invitation" in live.json()["text"]
    other = await client.get("/officer/campaigns/count", params={"team": "North"})
    assert "already" not in other.json()["text"]  # no survey chosen yet
