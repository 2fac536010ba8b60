"""Who sees whom: every API route called with a key for the young people's own team (as
an officer may) and with a key for another team (nothing about them: not found, or an
empty list), and keys for teams made and refused as they should be."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select, update

from carevoice.wiring import Services
from storage.contact import live_contact_link
from storage.keys import Role, create_key, key_scope
from storage.tables import AuditLogRow, CampaignRow, PersonRow
from surveys.errors import ValidationError
from tests.api.conftest import Keys
from tests.api.test_roles import ENDPOINTS, Endpoint, World
from tests.api.test_roles import arranged as arranged  # the shared fixtures
from tests.api.test_roles import keys as keys
from tests.api.test_roles import world as world

# What a key for another team gets from each route (officer routes only; the rest are
# answered by role, as for any officer key).
OTHER_TEAM: dict[tuple[str, str], int] = {
    ("POST", "/api/v1/people"): 422,  # a row outside its teams
    ("POST", "/api/v1/campaigns"): 422,  # its own teams only, and no one is in South
    ("POST", "/api/v1/campaigns/rolling"): 422,
    ("GET", "/api/v1/campaigns/{campaign_id}"): 404,
    ("GET", "/api/v1/campaigns/{campaign_id}/progress"): 404,
    ("POST", "/api/v1/campaigns/{campaign_id}/close"): 404,
    ("GET", "/api/v1/campaigns/{campaign_id}/responses"): 404,
    ("POST", "/api/v1/campaigns/{campaign_id}/invitations"): 404,
    ("GET", "/api/v1/campaigns/{campaign_id}/invitations"): 404,
    ("POST", "/api/v1/invitations/{code}/revoke"): 404,
    ("GET", "/api/v1/invitations/{waiting_code}/qr.svg"): 404,
    ("GET", "/api/v1/invitations/{waiting_code}/qr.png"): 404,
    ("POST", "/api/v1/alerts/{alert_id}/acknowledge"): 404,
    ("POST", "/api/v1/requests/{request_id}/resolve"): 404,
    ("GET", "/api/v1/people/{council_ref}/export"): 404,
    ("GET", "/api/v1/alerts/{alert_id}"): 404,
    ("GET", "/api/v1/alerts/{alert_id}/response"): 404,
    ("POST", "/api/v1/alerts/{alert_id}/notes"): 404,
    ("POST", "/api/v1/campaigns/{campaign_id}/reviews"): 404,
    ("POST", "/api/v1/messages/{message_id}/replies"): 404,
    ("POST", "/api/v1/responses/{response_id}/replies"): 404,
    ("GET", "/api/v1/responses/{response_id}/replies"): 404,
    ("POST", "/api/v1/people/{council_ref}/contact-link"): 404,
    ("POST", "/api/v1/campaigns/{campaign_id}/invitations/{invitation_id}/reprint"): 404,
    ("POST", "/api/v1/campaigns/{campaign_id}/invitations/{invitation_id}/revoke"): 404,
}
# What a key for the young people's own team gets where that is not a 2xx: the campaigns
# to close invited nobody, so no team key sees them (closing one is tried in the storage
# and page tests).
OWN_TEAM: dict[tuple[str, str], int] = {("POST", "/api/v1/campaigns/{campaign_id}/close"): 404}
# Routes that change what every team shares (surveys, counts of forms returned another
# way, "you said, we did"): refused to any key for some teams.
EVERY_TEAM_ONLY = {
    ("POST", "/api/v1/surveys"),
    ("POST", "/api/v1/form-counts"),
    ("DELETE", "/api/v1/form-counts/{count_id}"),
    ("POST", "/api/v1/statements"),
    ("POST", "/api/v1/statements/{statement_id}/withdraw"),
}
NOT_YOURS = {"not_found", "invitation_unknown", "invalid_import", "invalid"}
EMPTY_LISTS = {"/api/v1/people", "/api/v1/campaigns", "/api/v1/alerts", "/api/v1/requests"}


@pytest.fixture
async def team_keys(services: Services, world: World) -> dict[str, str]:
    """The world's young people are in North; a key for North and one for South."""
    async with services.db.transaction() as session:
        await session.execute(update(PersonRow).values(team="North"))
        made = {
            team: (await create_key(session, services.clock, role=Role.OFFICER,
                                    name=f"{team} officer", teams=[team])).token
            for team in ("North", "South")
        }
    return made


def officer_routes() -> list[Endpoint]:
    return [e for e in ENDPOINTS if e.least is not Role.ADMIN]


@pytest.mark.parametrize("endpoint", officer_routes(), ids=lambda e: f"{e.method} {e.path}")
async def test_each_route_with_a_key_for_the_team_and_one_for_another(
    client: httpx.AsyncClient, world: World, team_keys: dict[str, str], endpoint: Endpoint
) -> None:
    for n, (team, key) in enumerate(team_keys.items()):
        method, url, kwargs = endpoint.build(world, 1 + n)
        if endpoint.path == "/api/v1/people" and method == "POST" and team == "North":
            kwargs = {**kwargs, "content": kwargs["content"].rstrip("\n") + ",North\n"}
            kwargs["content"] = kwargs["content"].replace("age_band\n", "age_band,team\n")
        headers = {**kwargs.pop("headers", {}), "Authorization": f"Bearer {key}"}
        reply = await client.request(method, url, headers=headers, **kwargs)
        route = (endpoint.method, endpoint.path)
        expected = OTHER_TEAM.get(route) if team == "South" else OWN_TEAM.get(route)
        if (endpoint.method, endpoint.path) in EVERY_TEAM_ONLY:
            assert reply.status_code == 403, (team, reply.status_code, reply.text)
            assert reply.json()["error"]["code"] == "forbidden"
            assert "every team" in reply.json()["error"]["message"]
        elif expected is None:
            assert 200 <= reply.status_code < 300, (team, reply.status_code, reply.text)
        else:
            assert reply.status_code == expected, (team, reply.status_code, reply.text)
            assert reply.json()["error"]["code"] in NOT_YOURS, reply.text
        if method == "GET" and endpoint.path in EMPTY_LISTS:
            total = reply.json()["total"]
            assert (total == 0) if team == "South" else (total > 0), (team, url, total)


async def test_a_key_for_every_team_sees_everyone(
    client: httpx.AsyncClient, keys: Keys, world: World, team_keys: dict[str, str]
) -> None:
    for path in sorted(EMPTY_LISTS):
        reply = await client.get(path, headers=keys.headers("officer"))
        assert reply.json()["total"] > 0, path


async def test_a_young_person_with_no_team_is_seen_only_by_keys_for_every_team(
    client: httpx.AsyncClient, keys: Keys, world: World, team_keys: dict[str, str],
    services: Services,
) -> None:
    async with services.db.transaction() as session:
        await session.execute(update(PersonRow).values(team=None))
    north = {"Authorization": f"Bearer {team_keys['North']}"}
    assert (await client.get("/api/v1/people", headers=north)).json()["total"] == 0
    assert (await client.get("/api/v1/alerts", headers=north)).json()["total"] == 0
    assert (await client.get("/api/v1/people", headers=keys.headers("admin"))).json()["total"] > 0


async def test_keys_for_teams_are_made_only_for_officers(services: Services) -> None:
    async with services.db.transaction() as session:
        made = await create_key(session, services.clock, role=Role.OFFICER, name="two",
                                teams=[" North ", "South", "North"])
        assert made.row.teams == ["North", "South"]
        assert key_scope(made.row).label() == "North, South"
        for role in (Role.BOARD, Role.ADMIN):
            with pytest.raises(ValidationError, match="only officer keys"):
                await create_key(session, services.clock, role=role, name="x", teams=["North"])
        with pytest.raises(ValidationError, match="at least one team"):
            await create_key(session, services.clock, role=Role.OFFICER, name="x", teams=[" "])
        every = await create_key(session, services.clock, role=Role.OFFICER, name="manager")
        assert key_scope(every.row).every_team


async def test_a_reference_in_other_capitals_cannot_reach_another_teams_child(
    client: httpx.AsyncClient, world: World, team_keys: dict[str, str], services: Services
) -> None:
    """A South key imports "their" young person under a North child's reference in small
    letters (refused), and, were one already held so, every look-up acts on the South one:
    officers' look-ups forgive capitals, and the North child was exported and given a new
    link through it (a tester's finding)."""
    south = {"Authorization": f"Bearer {team_keys['South']}"}
    theirs = world.answered_ref
    decoy = theirs.lower()
    assert decoy != theirs
    row = {"council_ref": decoy, "cohort": "in_care", "age_band": "13-15", "team": "South"}
    refused = await client.post("/api/v1/people", json=[row], headers=south)
    assert refused.status_code == 422, refused.text
    assert "outside your teams (South)" in refused.text and theirs not in refused.text
    async with services.db.transaction() as session:  # held so before the import refused it
        session.add(PersonRow(council_ref=decoy, cohort="in_care", age_band="13-15",
                              team="South", status="active", created_at=services.clock.now()))
    export = await client.get(f"/api/v1/people/{theirs}/export", headers=south)
    assert export.status_code == 200 and export.json()["person"]["council_ref"] == decoy
    assert theirs not in export.text
    link = await client.post(f"/api/v1/people/{theirs}/contact-link", headers=south)
    assert link.status_code == 201 and link.json()["council_ref"] == decoy
    async with services.db.reader() as session:
        assert await live_contact_link(session, theirs) is None  # the North child's is untouched


async def test_importing_another_teams_reference_reads_as_any_row_outside_your_teams(
    client: httpx.AsyncClient, world: World, team_keys: dict[str, str], services: Services
) -> None:
    """"is held by a young person outside your teams" told a South key which references
    North holds; the refusal now reads as for a row in North, and the attempt is audited."""
    south = {"Authorization": f"Bearer {team_keys['South']}"}
    held = {"council_ref": world.answered_ref, "cohort": "in_care", "age_band": "13-15",
            "team": "South"}
    north_row = {**held, "council_ref": "NOBODY-HERE", "team": "North"}
    refusals = []
    for row in (held, north_row):
        reply = await client.post("/api/v1/people", json=[row], headers=south)
        assert reply.status_code == 422, reply.text
        refusals.append(reply.json()["error"])
    assert refusals[0] == refusals[1], refusals
    async with services.db.reader() as session:
        actions = (await session.scalars(select(AuditLogRow.action))).all()
    assert actions.count("import people refused") == 2


async def test_another_teams_campaign_is_not_found_by_its_reviews(
    client: httpx.AsyncClient, world: World, team_keys: dict[str, str]
) -> None:
    """Not "not a rolling campaign" (409), which told a team key the campaign existed."""
    south = {"Authorization": f"Bearer {team_keys['South']}"}
    north = {"Authorization": f"Bearer {team_keys['North']}"}
    path = f"/api/v1/campaigns/{world.campaign_id}/reviews"
    assert (await client.get(path, headers=south)).status_code == 404
    assert (await client.get(path, headers=north)).status_code == 409  # theirs, not rolling


async def test_a_team_keys_campaign_reaches_only_its_own_teams(
    client: httpx.AsyncClient, world: World, team_keys: dict[str, str], services: Services
) -> None:
    """No team named is all of the key's teams, not every team; another team is refused."""
    north = {"Authorization": f"Bearer {team_keys['North']}"}
    for path in ("/api/v1/campaigns", "/api/v1/campaigns/rolling"):
        made = await client.post(path, headers=north, json={"name": "mine", "survey": "small"})
        assert made.status_code == 201, made.text
        async with services.db.reader() as session:
            row = await session.get(CampaignRow, made.json()["id"])
        assert row is not None and row.teams == ["North"], path
        refused = await client.post(path, headers=north, json={
            "name": "theirs", "survey": "small", "team": "South"})
        assert refused.status_code == 422, refused.text
        assert "not one of this key's teams (North)" in refused.text


async def test_a_key_with_a_team_nobody_is_in_yet_still_makes_campaigns_for_the_others(
    client: httpx.AsyncClient, world: World, services: Services
) -> None:
    """Found in review: no team ticked became every one of the key's teams, and a team
    with nobody in it yet ("West", new) was refused by name, so the key made nothing."""
    async with services.db.transaction() as session:
        await session.execute(update(PersonRow).values(team="North"))
        both = (await create_key(session, services.clock, role=Role.OFFICER, name="two",
                                 teams=["North", "West"])).token  # fmt: skip
        west = (await create_key(session, services.clock, role=Role.OFFICER, name="west",
                                 teams=["West"])).token  # fmt: skip
    made = await client.post("/api/v1/campaigns", headers={"Authorization": f"Bearer {both}"},
                             json={"name": "mine", "survey": "small"})  # fmt: skip
    assert made.status_code == 201, made.text
    async with services.db.reader() as session:
        row = await session.get(CampaignRow, made.json()["id"])
    assert row is not None and row.teams == ["North"]
    empty = await client.post("/api/v1/campaigns", headers={"Authorization": f"Bearer {west}"},
                              json={"name": "mine", "survey": "small"})  # fmt: skip
    assert empty.status_code == 422 and "no young person is in this key's teams yet" in empty.text
    assert "North" not in empty.text  # another team's name is not told to this key
