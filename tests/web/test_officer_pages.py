"""The officer's workspace page by page, as a browser without JavaScript uses it: the
landing page, importing people with a preview, a campaign with a count, invitations
revoked and reprinted, paper returns, requests and erasure, keys, and a young person's
"Before my review" summary with what they asked for first (every read audited)."""

from __future__ import annotations

import contextlib
import re
import textwrap
from dataclasses import dataclass, replace
from datetime import date, timedelta

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import func, select, update

from api.web import (
    officer,
    officer_campaigns,
    officer_children,
    officer_keys,
    officer_requests,
    officer_returns,
    officer_roster,
    officer_translations,
)
from carevoice.wiring import Services
from storage.conversations import ConversationService
from storage.database import Database
from storage.invitation_codes import code_hash
from storage.keys import Role, create_key
from storage.tables import (
    ApiKeyRow,
    AuditLogRow,
    CampaignRow,
    ExternalFormCountRow,
    InvitationRow,
    PersonRow,
    RequestRow,
    ResponseRow,
)
from surveys.clock import FixedClock
from surveys.engine import UserInput
from surveys.loader import parse_survey
from tests.factories import campaign_with_codes, small_survey
from tests.web.conftest import Keys, sign_in
from tests.web.pages import Page

FLAGGED = textwrap.dedent("""\
    key: flagged
    version: 1
    title: Getting ready for my review
    form: consultation
    audience: child
    intro: Hi
    thanks: Thanks
    questions:
      - {id: mood, kind: scale, text: How are things}
      - {id: advocate, kind: yesno, text: Would you like an advocate, flag: advocate}
      - id: place
        kind: choice
        text: Where would you like your meeting
        flag: meeting
        choices:
          - {id: home, label: Where I live}
          - {id: school, label: At school}
      - {id: secret, kind: text, text: Anything just for your IRO, flag: private, sensitive: true}
    """)
SECRET = "Please don't tell my mum <b>yet</b>"
CSV = (
    "council_ref,cohort,age_band,team,next_review_date,first_name\n"
    "N-1,in_care,13-15,North,15/01/2027,Sam\n"
    "N-2,in_care,8-12,North,2027-02-01,\n"
    "S-1,care_leaver,18-21,South,,\n"
)


async def audit_actions(db: Database) -> list[str]:
    async with db.reader() as session:
        return list((await session.scalars(select(AuditLogRow.action))).all())


async def team_key(db: Database, clock: FixedClock, team: str) -> str:
    async with db.transaction() as session:
        made = await create_key(session, clock, role=Role.OFFICER, name=f"{team} officer",
                                teams=[team])
    return made.token


async def answered(
    services: Services, conversations: ConversationService, *, team: str = "North"
) -> int:
    """A young person in `team` who answered the flagged survey; their response's id."""
    _, codes = await campaign_with_codes(
        services.db, services.catalog, services.clock, people=1,  # type: ignore[arg-type]
        survey=parse_survey(FLAGGED, "flagged.yaml"),
    )
    async with services.db.transaction() as session:
        person = await session.scalar(select(PersonRow))
        assert person is not None
        person.team, person.first_name = team, "Ash"
        person.next_review_date = services.clock.now().date() + timedelta(days=9)
    await conversations.redeem(codes[0], channel="telegram", address="77")
    for n, step in enumerate((UserInput(text="4"), UserInput(text="yes"), UserInput(text="1"),
                              UserInput(text=SECRET))):  # just for the IRO: no "who reads?"
        turn = await conversations.handle(step, channel="telegram", address="77",
                                          message_key=str(n))
    assert turn.finished
    async with services.db.reader() as session:
        response_id = await session.scalar(select(ResponseRow.id))
    assert response_id is not None
    return response_id


# ----- the landing page --------------------------------------------------------------


async def test_the_bare_address_is_a_plain_landing_page(client: httpx.AsyncClient) -> None:
    reply = await client.get("/")
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/html")
    text = Page.of(reply.text).text
    assert "Testshire Council" in text and "Open the link from your letter" in text
    assert 'href="/signin"' in reply.text and "0800 1111" in text


# ----- young people: import with a preview ---------------------------------------------


async def test_importing_people_shows_every_row_then_saves_all_on_confirm(
    client: httpx.AsyncClient, keys: Keys, db: Database
) -> None:
    await sign_in(client, keys.officer)
    page = Page.of((await client.get("/officer/young-people")).text)
    form = page.form_to("/officer/young-people/preview")
    preview = await client.post(form.action, data={"csrf": form.fields["csrf"]},
                                files={"file": ("people.csv", CSV.encode(), "text/csv")})
    assert preview.status_code == 200, preview.text
    shown = Page.of(preview.text)
    assert "3 rows: 3 to add, 0 to update" in shown.text and "Nothing has been saved" in shown.text
    assert all(ref in shown.text for ref in ("N-1", "N-2", "S-1"))
    assert "15 Jan 2027" in shown.text and "1 Feb 2027" in shown.text  # dates as read
    async with db.reader() as session:
        assert await session.scalar(select(func.count()).select_from(PersonRow)) == 0

    confirm = shown.form_to("/officer/young-people/import")
    done = await client.post(confirm.action, data=confirm.data())
    assert done.status_code == 303 and "added=3" in done.headers["location"]
    listed = Page.of((await client.get(done.headers["location"])).text)
    assert "Imported: 3 added, 0 updated" in listed.text and "15 Jan 2027" in listed.text
    assert "import people" in await audit_actions(db) and "list people" in await audit_actions(db)
    found = Page.of((await client.get("/officer/young-people", params={"find": "n-"})).text)
    assert "N-1" in found.text and "N-2" in found.text and "S-1" not in found.text
    assert "2 young people" in found.text and "matching “n-”" in found.text
    assert "S-1" in Page.of((await client.get("/officer/young-people",
                                              params={"find": "s-1"})).text).text
    none = Page.of((await client.get("/officer/young-people", params={"find": "%"})).text)
    assert "0 young people" in none.text  # a wildcard is looked for as itself


async def test_a_file_with_faults_shows_each_and_cannot_be_imported(
    client: httpx.AsyncClient, keys: Keys, db: Database
) -> None:
    await sign_in(client, keys.officer)
    page = Page.of((await client.get("/officer/young-people")).text)
    bad = CSV + "N-1,in_care,8-12,North,,\nN-3,in_care,9-11,,,\nX-9,fostered,13-15,,31/02/2027,\n"
    preview = await client.post("/officer/young-people/preview",
                                data={"csrf": page.form_to("/officer/young-people/preview")
                                      .fields["csrf"]},
                                files={"file": ("people.csv", bad.encode(), "text/csv")})
    assert preview.status_code == 422
    shown = Page.of(preview.text)
    assert "3 rows of 6 need fixing" in shown.text
    assert "duplicate of line 2" in shown.text and "must be one of" in shown.text
    assert "must be in_care or care_leaver" in shown.text and "is not a date" in shown.text
    assert not any(f.action == "/officer/young-people/import" for f in shown.forms)


async def test_a_team_key_cannot_import_someone_into_another_team(
    client: httpx.AsyncClient, db: Database, clock: FixedClock
) -> None:
    await sign_in(client, await team_key(db, clock, "North"))
    page = Page.of((await client.get("/officer/young-people")).text)
    preview = await client.post("/officer/young-people/preview",
                                data={"csrf": page.form_to("/officer/young-people/preview")
                                      .fields["csrf"]},
                                files={"file": ("people.csv", CSV.encode(), "text/csv")})
    assert preview.status_code == 422
    assert "outside your teams (North)" in Page.of(preview.text).text


def _preview_rows(html: str) -> dict[int, str]:
    """Each preview row's text by the line number it shows."""
    rows = re.findall(r'<th scope="row">(\d+)</th>(.*?)</tr>', html, re.S)
    return {int(line): re.sub(r"<[^>]+>", " ", cells) for line, cells in rows}


async def test_blank_lines_leave_each_fault_on_its_own_line_of_the_file(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    await sign_in(client, keys.officer)
    page = Page.of((await client.get("/officer/young-people")).text)
    messy = (  # a blank line, a bad date, a repeat, and a row of commas as Excel saves it
        "council_ref,cohort,age_band,team,next_review_date,first_name\n"
        "N-1,in_care,13-15,North,15/01/2027,Sam\n\n"
        "N-2,in_care,8-12,North,31/02/2027,\n"
        "S-1,care_leaver,18-21,South,,\n"
        "N-1,in_care,13-15,North,15/01/2027,Sam\n"
        ",,,,,\n"
    )
    preview = await client.post("/officer/young-people/preview",
                                data={"csrf": page.form_to("/officer/young-people/preview")
                                      .fields["csrf"]},
                                files={"file": ("people.csv", messy.encode(), "text/csv")})
    assert preview.status_code == 422
    rows = _preview_rows(preview.text)
    assert sorted(rows) == [2, 4, 5, 6]  # the file's own lines; the blank ones not shown
    assert "is not a date" in rows[4] and "N-2" in rows[4]
    assert "duplicate of line 2" in rows[6] and "Fix" in rows[6]
    assert "Add" in rows[5] and "Fix" not in rows[2]
    assert "2 rows of 4 need fixing" in Page.of(preview.text).text


async def test_a_team_in_other_letters_is_the_team_the_council_already_has(
    client: httpx.AsyncClient, db: Database, clock: FixedClock
) -> None:
    await sign_in(client, await team_key(db, clock, "North"))
    page = Page.of((await client.get("/officer/young-people")).text)
    lower = "council_ref,cohort,age_band,team,easy_read,language\n" \
        "N-7,in_care,13-15, north ,yes,cy\n"
    preview = await client.post("/officer/young-people/preview",
                                data={"csrf": page.form_to("/officer/young-people/preview")
                                      .fields["csrf"]},
                                files={"file": ("people.csv", lower.encode(), "text/csv")})
    assert preview.status_code == 200, Page.of(preview.text).text
    row = _preview_rows(preview.text)[2]
    assert "North" in row and "north" not in row
    assert " yes " in row and " cy " in row  # easy read and language as they will be saved
    confirm = Page.of(preview.text).form_to("/officer/young-people/import")
    assert (await client.post(confirm.action, data=confirm.data())).status_code == 303
    async with db.reader() as session:
        assert await session.scalar(
            select(PersonRow.team).where(PersonRow.council_ref == "N-7")) == "North"


async def test_a_misspelt_team_in_an_import_is_named_with_its_close_match_and_needs_a_tick(
    client: httpx.AsyncClient, keys: Keys, db: Database
) -> None:
    await sign_in(client, keys.admin)
    await import_csv(client)  # the council's first teams, North and South: nothing to ask
    page = Page.of((await client.get("/officer/young-people")).text)
    misspelt = "council_ref,cohort,age_band,team\nN-8,in_care,13-15,Nroth\n"
    preview = await client.post("/officer/young-people/preview", data={
        "csrf": page.form_to("/officer/young-people/preview").fields["csrf"]},
        files={"file": ("people.csv", misspelt.encode(), "text/csv")})
    shown = Page.of(preview.text)
    assert "\u2018Nroth\u2019 is a new team; did you mean North?" in shown.text
    confirm = shown.form_to("/officer/young-people/import")
    unticked = await client.post(confirm.action, data=confirm.data())
    assert unticked.status_code == 422
    assert "Nothing was imported" in Page.of(unticked.text).text
    async with db.reader() as session:
        assert await session.scalar(
            select(PersonRow.team).where(PersonRow.council_ref == "N-8")) is None
    ticked = await client.post(confirm.action, data=confirm.data(new_teams="yes"))
    assert ticked.status_code == 303
    async with db.reader() as session:
        assert await session.scalar(
            select(PersonRow.team).where(PersonRow.council_ref == "N-8")) == "Nroth"


async def test_the_upload_needs_the_form_token(client: httpx.AsyncClient, keys: Keys) -> None:
    await sign_in(client, keys.officer)
    forged = await client.post("/officer/young-people/preview",
                               files={"file": ("people.csv", CSV.encode(), "text/csv")})
    assert forged.status_code == 403


# ----- campaigns ---------------------------------------------------------------------


async def import_csv(client: httpx.AsyncClient) -> None:
    page = Page.of((await client.get("/officer/young-people")).text)
    preview = Page.of((await client.post(
        "/officer/young-people/preview", data={"csrf": page.form_to("/officer/young-people/preview")
                                         .fields["csrf"]},
        files={"file": ("people.csv", CSV.encode(), "text/csv")})).text)
    confirm = preview.form_to("/officer/young-people/import")
    assert (await client.post(confirm.action, data=confirm.data())).status_code == 303


async def test_a_campaign_counts_who_matches_then_invites_exactly_them(
    client: httpx.AsyncClient, keys: Keys, db: Database
) -> None:
    await sign_in(client, keys.officer)
    await import_csv(client)
    page = Page.of((await client.get("/officer/campaigns/new")).text)
    form = page.form_to("/officer/campaigns")
    choices = dict(form.data(), survey="review-prep-child", name="North consultation", cohort="",
                   team="North", age_band=["8-12", "13-15"], review_from="01/01/2027",
                   max_reminders="2")  # more than the council allows (its default is 1)
    counted = await client.post(form.action, data={**choices, "action": "count"})
    assert counted.status_code == 200
    assert "2 young people match" in Page.of(counted.text).text
    async with db.reader() as session:
        assert await session.scalar(select(func.count()).select_from(CampaignRow)) == 0

    live = await client.get("/officer/campaigns/count", params={
        "cohort": "care_leaver", "team": "South"})
    assert live.json() == {"matched": 1, "text": "1 young person matches."}

    made = await client.post(form.action, data={**choices, "action": "create"})
    assert made.status_code == 303, made.text
    campaign = Page.of((await client.get(made.headers["location"])).text)
    assert "2 invitations issued" in campaign.text
    assert "N-1" in campaign.text and "N-2" in campaign.text and "S-1" not in campaign.text
    invite = campaign.form_to(f"{made.headers['location'].split('?')[0]}/invite")
    for ref, problem in (("S-1", "misfit"), ("N-1", "already"), ("Z-9", "ref")):
        said = await client.post(invite.action, data=invite.data(council_ref=ref))
        assert f"problem={problem}" in said.headers["location"], ref
    shown = Page.of((await client.get(said.headers["location"])).text).text
    assert "no young person with that reference" in shown
    # asked twice this month: the count says who the cap would hold back, before creating
    fresh = Page.of((await client.get("/officer/campaigns/new")).text).form_to(form.action)
    again = await client.post(form.action, data={
        **choices, "name": "again", "action": "create", "once": fresh.fields["once"]})
    assert again.status_code == 303 and "again=true" not in again.headers["location"]
    counted = await client.post(form.action, data={**choices, "action": "count"})
    assert ("2 young people match. 2 of them already have an open invitation to this survey "
            "in another campaign. Not invited now, 2 of them: already asked twice this month"
            ) in Page.of(counted.text).text
    new_form = Page.of((await client.get("/officer/campaigns/new")).text)
    assert "the council allows 1 a survey" in new_form.text
    assert new_form.form_to("/officer/campaigns").fields["max_reminders"] == "1"
    # the form's 2 reminders against the council's cap of 1, said plainly (officer-tester)
    assert ("up to 1 (this campaign asked for 2; the council allows at most 1 a survey)"
            in campaign.text), campaign.text
    listed = Page.of((await client.get("/officer/campaigns")).text)
    assert "North consultation" in listed.text


async def test_a_rolling_campaign_is_made_on_the_page_and_invites_who_is_due(
    client: httpx.AsyncClient, keys: Keys, db: Database, clock: FixedClock
) -> None:
    await sign_in(client, keys.officer)
    await import_csv(client)
    async with db.transaction() as session:  # N-1's review is in 8 days, N-2's in 60
        for ref, days in (("N-1", 8), ("N-2", 60)):
            person = await session.scalar(select(PersonRow).where(PersonRow.council_ref == ref))
            assert person is not None
            person.next_review_date = clock.now().date() + timedelta(days=days)
    form = Page.of((await client.get("/officer/campaigns/new")).text).form_to("/officer/campaigns")
    choices = dict(form.data(), survey="review-prep-child", name="Before each review, North",
                   cohort="in_care", team="North", rolling="yes", days_before="10", closes="")
    windowed = await client.post(form.action, data={**choices, "action": "create",
                                                    "review_from": "01/01/2027"})
    assert windowed.status_code == 422
    assert "leave the review dates empty" in Page.of(windowed.text).text
    made = await client.post(form.action, data={**choices, "action": "create"})
    assert made.status_code == 303, Page.of(made.text).text
    assert made.headers["location"].endswith("?created=1")  # N-1 now; N-2 in 50 days
    campaign = Page.of((await client.get(made.headers["location"])).text)
    assert "N-1" in campaign.text and "N-2" not in campaign.text and "S-1" not in campaign.text
    async with db.reader() as session:
        row = await session.scalar(select(CampaignRow).where(CampaignRow.name.like("Before each%")))
    assert row is not None and row.teams == ["North"] and row.closes_at.year == 9999
    reviews = Page.of((await client.get("/officer/replies")).text)
    assert "Before each review, North" in reviews.text


async def test_campaign_faults_are_listed_and_nothing_is_made(
    client: httpx.AsyncClient, keys: Keys, db: Database
) -> None:
    await sign_in(client, keys.officer)
    form = Page.of((await client.get("/officer/campaigns/new")).text).form_to("/officer/campaigns")
    reply = await client.post(form.action, data=dict(
        form.data(), action="create", name="", survey="", age_band="9-11",
        review_from="2027-13-01", opens="2027-01-02T09:00", closes="2027-01-01T09:00"))
    assert reply.status_code == 422
    text = Page.of(reply.text).text
    for words in ("Give the campaign a name", "Choose the survey", "Unknown age band '9-11'",
                  "8-12, 13-15", "Reviews from: write a date", "must close after it opens"):
        assert words in text, words
    async with db.reader() as session:
        assert await session.scalar(select(func.count()).select_from(CampaignRow)) == 0


async def test_a_survey_written_for_other_young_people_is_refused_on_the_page(
    client: httpx.AsyncClient, keys: Keys, db: Database
) -> None:
    await sign_in(client, keys.officer)
    await import_csv(client)
    form = Page.of((await client.get("/officer/campaigns/new")).text).form_to("/officer/campaigns")
    for rolling in ("", "yes"):
        reply = await client.post(form.action, data=dict(
            form.data(), action="create", name="Care leavers' form to children",
            survey="pathway-plan-review", cohort="in_care", team="North", rolling=rolling,
            days_before="10", closes=""))
        assert reply.status_code == 422
        assert ("That survey does not fit: it is written for care leavers, and the campaign "
                "is for young people in care") in Page.of(reply.text).text
    async with db.reader() as session:
        assert await session.scalar(select(func.count()).select_from(CampaignRow)) == 0


async def test_campaigns_are_listed_newest_opening_first(
    client: httpx.AsyncClient, keys: Keys, services: Services, clock: FixedClock
) -> None:
    for name, days in (("middle", -10), ("newest", -1), ("oldest", -40)):
        campaign_id, _ = await campaign_with_codes(services.db, services.catalog, clock)  # type: ignore[arg-type]
        async with services.db.transaction() as session:
            row = await session.get(CampaignRow, campaign_id)
            assert row is not None
            row.name, row.opens_at = name, clock.now() + timedelta(days=days)
    await sign_in(client, keys.officer)
    text = Page.of((await client.get("/officer/campaigns")).text).text
    assert text.index("newest") < text.index("middle") < text.index("oldest")
    # the survey by its title, as an officer knows it; its key and version beneath
    title = small_survey().title
    assert text.count(title) == 3 and text.count("version 1") == 3
    overview = Page.of((await client.get("/officer")).text).text
    assert title in overview


async def test_a_campaign_is_closed_in_one_step_after_a_question(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, keys: Keys, codes: list[str],
    db: Database, clock: FixedClock,
) -> None:
    async with db.reader() as session:
        campaign_id = await session.scalar(select(InvitationRow.campaign_id))
    await sign_in(other_client, await team_key(db, clock, "North"))
    async with db.transaction() as session:  # a North key sees it (its young people are North)
        await session.execute(update(PersonRow).values(team="North"))
    refused = await other_client.get(f"/officer/campaigns/{campaign_id}/close")
    assert refused.headers["location"].endswith("problem=team_close")
    await sign_in(client, keys.officer)
    page = Page.of((await client.get(f"/officer/campaigns/{campaign_id}")).text)
    assert f"/officer/campaigns/{campaign_id}/close" in page.html
    ask = Page.of((await client.get(f"/officer/campaigns/{campaign_id}/close")).text)
    assert "3 invitations not yet opened will be withdrawn" in ask.text
    assert (await client.get(f"/c/{codes[0]}")).status_code == 200  # asking changed nothing
    form = ask.form_to(f"/officer/campaigns/{campaign_id}/close")
    closed = await client.post(form.action, data=form.data())
    assert closed.headers["location"].endswith("?closed=true")
    shown = Page.of((await client.get(closed.headers["location"])).text)
    assert "The campaign was closed" in shown.text and "(closed)" in shown.text
    assert f"/officer/campaigns/{campaign_id}/close" not in shown.html
    assert (await client.get(f"/c/{codes[0]}")).status_code in (403, 404, 410)
    again = await client.post(form.action, data=form.data())
    assert again.headers["location"].endswith("problem=closed")
    assert "close campaign" in await audit_actions(db)


async def test_revoke_asks_first_and_reprint_prints_one_letter(
    client: httpx.AsyncClient, keys: Keys, codes: list[str], db: Database
) -> None:
    await sign_in(client, keys.officer)
    async with db.reader() as session:
        invitation = await session.scalar(
            select(InvitationRow).where(InvitationRow.code_hash == code_hash(codes[1])))
    assert invitation is not None
    campaign = await client.get(f"/officer/campaigns/{invitation.campaign_id}")
    assert f"/officer/invitations/{invitation.id}/revoke" in campaign.text

    # Codes are kept only hashed: the letters page counts and asks; printing makes a new code.
    letters = f"/officer/campaigns/{invitation.campaign_id}/letters"
    asked = await client.get(letters, params={"invitation": invitation.id})
    assert 'class="letter"' not in asked.text and codes[1] not in asked.text
    form = Page.of(asked.text).form_to(f"{letters}?page=1&invitation={invitation.id}")
    assert (await client.post(form.action, data={})).status_code == 403  # no CSRF token
    assert (await client.get(f"/c/{codes[1]}")).status_code == 200  # so nothing was made
    letter = await client.post(form.action, data=form.data())
    assert letter.status_code == 200 and letter.text.count('class="letter"') == 1
    printed = re.search(r'class="letter-link letter-code-text">([^<]+)<', letter.text)
    assert printed and printed.group(1) != codes[1]
    new_code = printed.group(1)
    assert (await client.get(f"/c/{codes[1]}")).status_code in (403, 404, 410)  # replaced
    assert (await client.get(f"/c/{new_code}")).status_code == 200
    async with db.reader() as session:
        reprinted = await session.get(InvitationRow, invitation.id)
    assert reprinted is not None and reprinted.code_hash == code_hash(new_code)

    ask = Page.of((await client.get(f"/officer/invitations/{invitation.id}/revoke")).text)
    assert "will stop working at once" in ask.text
    async with db.reader() as session:
        assert (await session.get(InvitationRow, invitation.id)).revoked_at is None  # type: ignore[union-attr]
    form = ask.form_to(f"/officer/invitations/{invitation.id}/revoke")
    done = await client.post(form.action, data=form.data())
    assert done.status_code == 303 and "revoked=" in done.headers["location"]
    async with db.reader() as session:
        assert (await session.get(InvitationRow, invitation.id)).revoked_at is not None  # type: ignore[union-attr]
    assert (await client.get(f"/c/{new_code}")).status_code in (403, 404, 410)


async def test_a_started_invitation_locked_on_a_new_phone_gets_a_new_letter_from_its_page(
    client: httpx.AsyncClient, keys: Keys, codes: list[str], db: Database,
    conversations: ConversationService,
) -> None:
    """A child locked out of the carry-on check is told to ask for a new letter: the
    campaign page says so and makes one (it offered none for a started invitation)."""
    await conversations.redeem(codes[2], channel="web", address="old-phone")
    async with db.transaction() as session:
        invitation = await session.scalar(
            select(InvitationRow).where(InvitationRow.code_hash == code_hash(codes[2])))
        assert invitation is not None
        invitation.resume_failures = 3  # three wrong names and months on a new phone
    await sign_in(client, keys.officer)
    campaign = await client.get(f"/officer/campaigns/{invitation.campaign_id}")
    assert "locked in a new chat" in campaign.text
    letters = f"/officer/campaigns/{invitation.campaign_id}/letters"
    assert f"{letters}?invitation={invitation.id}" in campaign.text
    asked = await client.get(letters, params={"invitation": invitation.id})
    form = Page.of(asked.text).form_to(f"{letters}?page=1&invitation={invitation.id}")
    letter = await client.post(form.action, data=form.data())
    assert letter.status_code == 200 and letter.text.count('class="letter"') == 1
    printed = re.search(r'class="letter-link letter-code-text">([^<]+)<', letter.text)
    assert printed
    turn = await conversations.redeem(printed.group(1), channel="web", address="new-phone")
    assert turn.prompts  # carries on where they were, unchecked: the letter is the check


async def test_a_form_returned_on_paper_is_recorded_against_the_invitation(
    client: httpx.AsyncClient, keys: Keys, codes: list[str], db: Database, clock: FixedClock
) -> None:
    await sign_in(client, keys.officer)
    async with db.reader() as session:
        invitation = await session.scalar(
            select(InvitationRow).where(InvitationRow.code_hash == code_hash(codes[0])))
    assert invitation is not None
    campaign = await client.get(f"/officer/campaigns/{invitation.campaign_id}")
    assert f"/officer/invitations/{invitation.id}/returned" in campaign.text
    page = Page.of((await client.get(f"/officer/invitations/{invitation.id}/returned")).text)
    form = page.form_to(f"/officer/invitations/{invitation.id}/returned")
    future = (clock.now() + timedelta(days=3)).strftime("%d/%m/%Y")
    refused = await client.post(form.action, data=form.data(route="paper", returned_on=future))
    assert refused.status_code == 422 and "between" in Page.of(refused.text).text
    done = await client.post(form.action, data=form.data(
        route="paper", returned_on=clock.now().strftime("%d/%m/%Y")))
    assert done.status_code == 303 and "returned=" in done.headers["location"]
    async with db.reader() as session:
        row = await session.get(InvitationRow, invitation.id)
    assert row is not None and row.returned_at is not None and row.returned_by == "paper"
    assert row.delivered_at is not None  # it reached them: they sent it back
    again = await client.post(form.action, data=form.data(
        route="email", returned_on=clock.now().strftime("%d/%m/%Y")))
    assert again.status_code == 422 and "already recorded" in Page.of(again.text).text
    shown = Page.of((await client.get(f"/officer/campaigns/{invitation.campaign_id}")).text)
    assert "paper" in shown.text


# ----- paper returns, requests, erasure, keys ----------------------------------------


async def test_paper_returns_are_recorded_and_removed_after_a_question(
    client: httpx.AsyncClient, keys: Keys, db: Database
) -> None:
    await sign_in(client, keys.officer)
    form = Page.of((await client.get("/officer/returns")).text).form_to("/officer/returns")
    wrong = await client.post(form.action, data=form.data(period="2025", sent="ten",
                                                          returned="3"))
    assert wrong.status_code == 422 and "Sent: a whole number" in Page.of(wrong.text).text
    saved = await client.post(form.action, data=form.data(
        form="consultation", audience="parent", route="email", period="2025-26 Q2",
        sent="40", returned="11"))
    assert saved.status_code == 303
    text = Page.of((await client.get(saved.headers["location"])).text).text
    assert "2025-26 Q2" in text and "By email" in text and "parents" in text
    async with db.reader() as session:
        count_id = await session.scalar(select(ExternalFormCountRow.id))
    ask = Page.of((await client.get(f"/officer/returns/{count_id}/remove")).text)
    gone = ask.form_to(f"/officer/returns/{count_id}/remove")
    assert (await client.post(gone.action, data=gone.data())).status_code == 303
    async with db.reader() as session:
        assert await session.scalar(select(func.count()).select_from(ExternalFormCountRow)) == 0


async def test_a_team_key_reads_but_cannot_change_what_the_whole_council_shares(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, keys: Keys, db: Database,
    clock: FixedClock,
) -> None:
    """Counts of forms returned another way and "you said, we did" are the council's: a
    key for North reads them, and is told (not shown a form) who can change them."""
    await sign_in(client, keys.officer)
    form = Page.of((await client.get("/officer/returns")).text).form_to("/officer/returns")
    assert (await client.post(form.action, data=form.data(
        form="consultation", audience="parent", route="email", period="2025-26 Q2",
        sent="40", returned="11"))).status_code == 303
    async with db.reader() as session:
        count_id = await session.scalar(select(ExternalFormCountRow.id))
    await sign_in(other_client, await team_key(db, clock, "North"))
    page = Page.of((await other_client.get("/officer/returns")).text)
    assert "2025-26 Q2" in page.text and "a key for every team" in page.text
    assert f"/officer/returns/{count_id}/remove" not in page.html
    csrf = page.form_to("/signout").data()["csrf"]
    for path in (f"/officer/returns/{count_id}/remove", "/officer/returns",
                 "/officer/statements"):
        refused = await other_client.post(path, data={"csrf": csrf, "period": "2025-26",
                                                      "sent": "1", "returned": "1",
                                                      "you_said": "a", "we_did": "b"})
        assert refused.status_code == 403, path
        assert "North only" in Page.of(refused.text).text
    assert (await other_client.get(f"/officer/returns/{count_id}/remove")).status_code == 403
    async with db.reader() as session:
        assert await session.scalar(select(func.count()).select_from(ExternalFormCountRow)) == 1
    replies = Page.of((await other_client.get("/officer/replies")).text)
    assert 'action="/officer/statements"' not in replies.html


async def test_requests_are_resolved_and_erasure_needs_an_admin_and_a_second_step(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, keys: Keys, codes: list[str],
    db: Database, clock: FixedClock,
) -> None:
    async with db.transaction() as session:
        people = list((await session.scalars(select(PersonRow).order_by(PersonRow.id))).all())
        for person, kind in zip(people, ("talk", "erasure"), strict=False):
            session.add(RequestRow(person_id=person.id, kind=kind, channel="web",
                                   created_at=clock.now()))
    await sign_in(client, keys.officer)
    page = Page.of((await client.get("/officer/requests")).text)
    assert "Talk to me" in page.text and "Ask an administrator to erase" in page.text
    assert (await client.get("/officer/erasure", params={"ref": people[1].council_ref})
            ).status_code == 403
    async with db.reader() as session:
        talk = await session.scalar(select(RequestRow.id).where(RequestRow.kind == "talk"))
    form = page.form_to(f"/officer/requests/{talk}/resolve")
    done = await client.post(form.action, data=form.data(note="Rang them; visit booked"))
    assert done.status_code == 303
    async with db.reader() as session:  # a request to delete is not "done" unerased
        deleting = await session.scalar(select(RequestRow.id).where(RequestRow.kind == "erasure"))
    page = Page.of((await client.get("/officer/requests")).text)
    decline = page.form_to(f"/officer/requests/{deleting}/resolve")
    assert f"Mark request {deleting} done" not in page.text
    assert f"Decline request {deleting}" in page.text
    forged = await client.post(decline.action, data={**decline.data(note="Done"), "decline": ""})
    assert forged.headers["location"].endswith(f"problem=erase_first#request-{deleting}")
    shown = Page.of((await client.get(forged.headers["location"])).text).text
    assert "Decline it, writing why" in shown
    async with db.reader() as session:
        assert (await session.get(RequestRow, deleting)).resolved_at is None  # type: ignore[union-attr]

    await sign_in(other_client, keys.admin)
    ref = people[1].council_ref
    ask = Page.of((await other_client.get("/officer/erasure", params={"ref": ref})).text)
    assert f"Erase {ref}?" in ask.text and "cannot be undone" in ask.text
    # honest about alerts: kept as a record, but the officers' notes on them go too
    assert "your notes on them" in ask.text and "case record first" in ask.text
    async with db.reader() as session:
        assert (await session.get(PersonRow, people[1].id)).erased_at is None  # type: ignore[union-attr]
    form = ask.form_to("/officer/erasure")
    erased = await other_client.post(form.action, data=form.data())
    assert erased.status_code == 303 and erased.headers["location"].endswith("?erased=1")
    assert ref not in erased.headers["location"]  # addresses stay in browser history
    async with db.reader() as session:  # erasure deletes the row; the others stay
        assert await session.get(PersonRow, people[1].id) is None
        assert await session.scalar(
            select(func.count()).select_from(PersonRow).where(PersonRow.council_ref == ref)) == 0
        assert await session.get(PersonRow, people[0].id) is not None
        their_requests = await session.scalar(
            select(func.count()).select_from(RequestRow).where(
                RequestRow.person_id == people[1].id))
        open_requests = await session.scalar(
            select(func.count()).select_from(RequestRow).where(RequestRow.resolved_at.is_(None)))
    assert their_requests == 0 and open_requests == 0



async def test_erasure_from_the_page_names_the_child_only_by_a_keyed_hash(
    services: Services, keys: Keys, codes: list[str], db: Database
) -> None:
    """The audit log of a page erasure holds no ref, only the keyed hash the API writes."""
    from pydantic import SecretStr

    from api.app import create_app
    from storage.audit import RefHasher

    secret = "k" * 40
    keyed = replace(services, settings=services.settings.model_copy(
        update={"secret_key": SecretStr(secret)}))
    async with db.reader() as session:
        ref = str(await session.scalar(select(PersonRow.council_ref).order_by(PersonRow.id)))
    transport = httpx.ASGITransport(app=create_app(keyed))
    async with httpx.AsyncClient(transport=transport, base_url="https://test") as http:
        await sign_in(http, keys.admin)
        ask = Page.of((await http.get("/officer/erasure", params={"ref": ref})).text)
        form = ask.form_to("/officer/erasure")
        assert (await http.post(form.action, data=form.data())).status_code == 303
    async with db.reader() as session:
        rows = list((await session.scalars(select(AuditLogRow))).all())
    assert not [r for r in rows if ref in f"{r.actor} {r.action} {r.subject}"]
    erasures = [r.subject for r in rows if r.action == "erase person"]
    assert erasures == [RefHasher(secret.encode()).label(ref)]


async def test_admins_make_keys_shown_once_and_revoke_them(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, keys: Keys, db: Database
) -> None:
    await sign_in(other_client, keys.officer)
    assert (await other_client.get("/officer/keys")).status_code == 403
    await sign_in(client, keys.admin)
    page = Page.of((await client.get("/officer/keys")).text)
    form = page.form_to("/officer/keys")
    refused = await client.post(form.action, data=form.data(name="Sam, IRO", role="officer",
                                                            every_team=""))
    assert refused.status_code == 422 and "needs its teams" in Page.of(refused.text).text
    made = await client.post(form.action, data=form.data(name="Sam, IRO", role="officer",
                                                         every_team="", team="North",
                                                         new_team="West"))
    assert made.status_code == 201
    token = re.search(r'value="(cv_[0-9a-f]{8}_[^"]+)"', made.text)
    assert token is not None and "only time it is shown" in made.text
    again = await client.get("/officer/keys")
    assert token[1] not in again.text and "North, West" in again.text
    prefix = token[1].split("_")[1]
    ask = Page.of((await client.get(f"/officer/keys/{prefix}/revoke")).text)
    form = ask.form_to(f"/officer/keys/{prefix}/revoke")
    assert (await client.post(form.action, data=form.data())).status_code == 303
    async with db.reader() as session:
        row = await session.scalar(select(ApiKeyRow).where(ApiKeyRow.prefix == prefix))
    assert row is not None and row.revoked_at is not None and row.teams == ["North", "West"]


# ----- a young person's summary, and flagged requests -----------------------------------


async def test_before_my_review_shows_what_they_asked_for_first_and_is_audited(
    client: httpx.AsyncClient, keys: Keys, services: Services,
    conversations: ConversationService,
) -> None:
    response_id = await answered(services, conversations)
    await sign_in(client, keys.officer)
    reply = await client.get(f"/officer/responses/{response_id}")
    assert reply.status_code == 200
    page = Page.of(reply.text)
    asks = page.text[page.text.index("What they asked for"):page.text.index("Everything they")]
    assert "Wants an advocate" in asks and "Who they want at their meeting" in asks
    assert "Wants something kept private" in asks and "Where I live" in asks
    assert "&lt;b&gt;yet&lt;/b&gt;" in reply.text and "<b>yet" not in reply.text  # escaped
    everything = page.text[page.text.index("Everything they"):]
    assert everything.index("How are things") < everything.index("Anything just for your IRO")
    assert "Good" in everything
    assert "read response" in await audit_actions(services.db)
    assert f'href="/officer/replies/responses/{response_id}"' in reply.text  # answer them

    person = Page.of((await client.get("/officer/young-people/P00000-flagged")).text)
    assert f'href="/officer/replies/responses/{response_id}"' in person.html
    assert "Getting ready for my review" in person.text and "Wants an advocate" in person.text
    assert "read person" in await audit_actions(services.db)
    assert "past: their record needs the next date" not in person.text
    async with services.db.transaction() as session:  # a review date that has gone by
        await session.execute(update(PersonRow).values(next_review_date=date(2025, 3, 1)))
    for path in ("/officer/young-people/P00000-flagged", f"/officer/responses/{response_id}"):
        shown = Page.of((await client.get(path)).text).text
        assert "1 Mar 2025 (past: their record needs the next date)" in shown, path

    overview = Page.of((await client.get("/officer")).text)
    assert f'href="/officer/responses/{response_id}"' in overview.html
    assert "Wants an advocate" in overview.text and "read flagged requests" in await audit_actions(
        services.db)


async def test_another_teams_officer_sees_none_of_it(
    client: httpx.AsyncClient, services: Services, conversations: ConversationService,
    clock: FixedClock,
) -> None:
    response_id = await answered(services, conversations, team="North")
    async with services.db.reader() as session:
        campaign_id = await session.scalar(select(CampaignRow.id))
        invitation_id = await session.scalar(select(InvitationRow.id))
    await sign_in(client, await team_key(services.db, clock, "South"))
    for path in (f"/officer/responses/{response_id}", f"/officer/campaigns/{campaign_id}",
                 f"/officer/campaigns/{campaign_id}/letters",
                 f"/officer/invitations/{invitation_id}/revoke"):
        reply = await client.get(path)
        assert reply.status_code == 404, (path, reply.status_code)
    overview = Page.of((await client.get("/officer")).text)
    assert "Ash" not in overview.text and "No campaigns yet" in overview.text
    assert "You see: South" in overview.text
    people = Page.of((await client.get("/officer/young-people")).text)
    assert "0 young people" in people.text


# ----- every role against every officer page ------------------------------------------


@dataclass(frozen=True)
class Route:
    """An officer page: its method and path, who may use it, and whether a key for another
    team must get "not found" (it names one young person, campaign or invitation). Key
    revocation comes last: it revokes the board key the checks sign in with. `every_team`:
    it changes what every team shares (a survey), so a key for some teams gets 403."""

    method: str
    path: str
    admin: bool = False
    theirs: bool = False
    every_team: bool = False


ROUTES = [
    Route("GET", "/officer"), Route("GET", "/officer/young-people"),
    Route("GET", "/officer/young-people/template.csv"),
    Route("POST", "/officer/young-people/preview"),
    Route("POST", "/officer/young-people/import"), Route("GET", "/officer/campaigns"),
    Route("GET", "/officer/campaigns/new"), Route("GET", "/officer/campaigns/count"),
    Route("POST", "/officer/campaigns"),
    Route("GET", "/officer/campaigns/{campaign}", theirs=True),
    Route("GET", "/officer/campaigns/{campaign}/letters", theirs=True),
    Route("POST", "/officer/campaigns/{campaign}/letters", theirs=True),
    Route("POST", "/officer/campaigns/{campaign}/invite", theirs=True),
    Route("POST", "/officer/campaigns/{campaign}/send", theirs=True),
    Route("GET", "/officer/invitations/{invitation}/revoke", theirs=True),
    Route("POST", "/officer/invitations/{invitation}/revoke", theirs=True),
    Route("GET", "/officer/invitations/{invitation}/returned", theirs=True),
    Route("POST", "/officer/invitations/{invitation}/returned", theirs=True),
    Route("GET", "/officer/responses/{response}", theirs=True),
    Route("GET", "/officer/young-people/{ref}", theirs=True),
    Route("POST", "/officer/alerts/{alert}/acknowledge"),
    Route("GET", "/officer/returns"), Route("POST", "/officer/returns", every_team=True),
    Route("GET", "/officer/returns/{count}/remove", every_team=True),
    Route("POST", "/officer/returns/{count}/remove", every_team=True),
    Route("GET", "/officer/requests"),
    Route("POST", "/officer/requests/{request}/resolve", theirs=True),
    Route("GET", "/officer/translations"),
    Route("GET", "/officer/translations/{key}/{language}.po"),
    Route("POST", "/officer/translations/preview", every_team=True),
    Route("POST", "/officer/translations/import", every_team=True),
    # after the other campaign pages (closing ends what they try), before keys are revoked
    Route("GET", "/officer/campaigns/{campaign}/close", theirs=True),
    Route("POST", "/officer/campaigns/{campaign}/close", theirs=True),
    Route("GET", "/officer/erasure", admin=True), Route("POST", "/officer/erasure", admin=True),
    Route("GET", "/officer/keys", admin=True), Route("POST", "/officer/keys", admin=True),
    Route("GET", "/officer/keys/{prefix}/revoke", admin=True),
    Route("POST", "/officer/keys/{prefix}/revoke", admin=True),
]


def test_the_matrix_covers_every_officer_page() -> None:
    routers = (officer.router, officer_roster.router, officer_campaigns.router,
               officer_children.router, officer_returns.router, officer_requests.router,
               officer_keys.router, officer_translations.router)
    pages = {
        (method, route.path.replace("{campaign_id}", "{campaign}")
         .replace("{invitation_id}", "{invitation}").replace("{response_id}", "{response}")
         .replace("{alert_id}", "{alert}").replace("{count_id}", "{count}")
         .replace("{request_id}", "{request}").replace("{council_ref:path}", "{ref}"))
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute) and route.path.startswith("/officer")
        for method in route.methods
    }
    assert pages == {(r.method, r.path) for r in ROUTES}


async def test_every_role_and_another_team_against_every_officer_page(
    app: FastAPI, client: httpx.AsyncClient, keys: Keys, services: Services,
    conversations: ConversationService, clock: FixedClock,
) -> None:
    response = await answered(services, conversations, team="North")
    async with services.db.transaction() as session:
        person = await session.scalar(select(PersonRow))
        assert person is not None
        session.add(RequestRow(person_id=person.id, kind="talk", channel="web",
                               created_at=clock.now()))
        for audience in ("parent", "carer", "health", "education"):  # one for each to remove
            session.add(ExternalFormCountRow(
                form="consultation", audience=audience, route="paper",
                period_start=date(2017, 4, 1), period_end=date(2018, 4, 1), sent=9,
                returned=2, target_rate=None, created_at=clock.now()))
    async with services.db.reader() as session:
        ids = {
            "campaign": await session.scalar(select(CampaignRow.id)),
            "invitation": await session.scalar(select(InvitationRow.id)),
            "response": response,
            "ref": "P00000-flagged",
            "alert": 999,
            "count": 0,
            "request": await session.scalar(select(RequestRow.id)),
            "prefix": await session.scalar(select(ApiKeyRow.prefix).where(
                ApiKeyRow.role == "board")),
            "key": "review-feedback",
            "language": "cy",
        }
        counts = list((await session.scalars(select(ExternalFormCountRow.id))).all())
    south = await team_key(services.db, clock, "South")
    staff: dict[str, tuple[httpx.AsyncClient, str]] = {}  # each signed in once, own cookies
    async with contextlib.AsyncExitStack() as stack:
        for who, key in (("board", keys.board), ("officer", keys.officer),
                         ("admin", keys.admin), ("south", south)):
            browser = await stack.enter_async_context(httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url=client.base_url))
            await sign_in(browser, key)
            staff[who] = (browser, await csrf_of(browser))
        await _try_every_route(client, staff, ids, counts)
        people = Page.of((await staff["south"][0].get("/officer/young-people")).text)
    assert "0 young people" in people.text


async def _try_every_route(
    client: httpx.AsyncClient, staff: dict[str, tuple[httpx.AsyncClient, str]],
    ids: dict[str, object], counts: list[int],
) -> None:
    """Each officer page, asked by nobody and then by each member of `staff` in turn."""
    for route in ROUTES:
        url = route.path.format(**ids)
        client.cookies.clear()
        nobody = await client.request(route.method, url)
        assert nobody.status_code == 303 and "/signin" in nobody.headers["location"], url
        for n, (who, (browser, csrf)) in enumerate(staff.items()):
            url = route.path.format(**{**ids, "count": counts[n]})
            data = {"csrf": csrf} if route.method == "POST" else None
            reply = await browser.request(route.method, url, data=data)
            allowed = who == "admin" or (who != "board" and not route.admin)
            if not allowed:
                assert reply.status_code == 403, (who, route, reply.status_code)
            elif who == "south" and route.theirs:
                assert reply.status_code == 404, (who, route, reply.status_code)
            elif who == "south" and route.every_team:
                assert reply.status_code == 403, (who, route, reply.status_code)
            else:
                assert reply.status_code < 500 and reply.status_code not in (403, 404), (
                    who, route, reply.status_code)
                page = reply.status_code == 200 and reply.headers["content-type"].startswith(
                    "text/html") and "/letters" not in url
                if page:  # every officer page has the officer tabs (a print page has not)
                    assert 'class="officer-nav' in reply.text, url


async def csrf_of(client: httpx.AsyncClient) -> str:
    """The signed-in member of staff's form token, as any officer page carries it."""
    page = Page.of((await client.get("/board")).text)
    return page.form_to("/signout").fields["csrf"]
