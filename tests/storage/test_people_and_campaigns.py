"""People import and campaigns in the store."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from storage import campaigns as campaign_store
from storage.catalog import SurveyCatalog
from storage.database import Database
from storage.people import find_by_ref, import_people
from storage.tables import InvitationRow, PersonRow, SurveyVersionRow
from surveys.clock import FixedClock
from surveys.errors import NotFoundError, ValidationError
from surveys.loader import parse_survey
from surveys.people import Cohort, PersonRecord
from tests.factories import campaign_with_codes, small_survey

CODE_CHARS = set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")  # no I, L, O, U: no look-alikes


async def test_import_adds_then_updates(db: Database, clock: FixedClock) -> None:
    records = [PersonRecord(f"R{i}", Cohort.IN_CARE, age_band="8-12") for i in range(1200)]
    async with db.transaction() as session:
        first = await import_people(session, records, clock)
    changed = [PersonRecord("R1", Cohort.CARE_LEAVER, age_band="18-21", team="Leaving Care")]
    async with db.transaction() as session:
        second = await import_people(session, changed, clock)
    assert (first.added, first.updated) == (1200, 0)
    assert (second.added, second.updated) == (0, 1)
    async with db.reader() as session:
        row = await session.scalar(select(PersonRow).where(PersonRow.council_ref == "R1"))
        assert row is not None and row.cohort == "care_leaver" and row.team == "Leaving Care"


async def test_failed_import_leaves_nothing(db: Database, clock: FixedClock) -> None:
    records = [PersonRecord("A", Cohort.IN_CARE, age_band="8-12")]
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await import_people(session, records, clock)
            raise RuntimeError("the disk filled up")
    async with db.reader() as session:
        assert await session.scalar(select(func.count(PersonRow.id))) == 0


async def test_invitation_codes_are_single_use_deep_link_safe(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    campaign_id, codes = await campaign_with_codes(db, catalog, clock, people=50)
    assert len(set(codes)) == 50
    for code in codes:
        assert len(code) == 12 and set(code) <= CODE_CHARS
    async with db.transaction() as session:
        campaign = await campaign_store.get_campaign(session, campaign_id)
        people = await campaign_store.select_people(
            session, campaign_store.CohortFilter(), clock.now().date()
        )
        again = await campaign_store.issue_invitations(session, campaign, people, clock)
    assert again.issued == 0 and again.already_invited == 50
    async with db.reader() as session:
        progress = await campaign_store.campaign_progress(session, campaign_id)
    assert progress.invited == 50 and progress.returned == 0


async def test_campaign_filters(db: Database, catalog: SurveyCatalog, clock: FixedClock) -> None:
    today = clock.now().date()
    records = [
        PersonRecord(
            "IC1",
            Cohort.IN_CARE,
            date(2015, 1, 1),
            team="North",
            next_review_date=today + timedelta(days=5),
        ),
        PersonRecord(
            "IC2",
            Cohort.IN_CARE,
            date(2011, 1, 1),
            team="South",
            next_review_date=today + timedelta(days=40),
        ),
        PersonRecord("CL1", Cohort.CARE_LEAVER, age_band="18-21", team="Leaving Care"),
    ]
    async with db.transaction() as session:
        await import_people(session, records, clock)
        select_ = campaign_store.select_people
        refs = lambda rows: sorted(p.council_ref for p in rows)  # noqa: E731
        assert refs(
            await select_(session, campaign_store.CohortFilter(cohort="in_care"), today)
        ) == ["IC1", "IC2"]
        assert refs(
            await select_(session, campaign_store.CohortFilter(age_bands=("8-12",)), today)
        ) == ["IC1"]
        assert refs(
            await select_(session, campaign_store.CohortFilter(team="Leaving Care"), today)
        ) == ["CL1"]
        assert refs(
            await select_(
                session,
                campaign_store.CohortFilter(
                    review_from=today, review_to=today + timedelta(days=10)
                ),
                today,
            )
        ) == ["IC1"]


async def test_campaign_validation(db: Database, catalog: SurveyCatalog, clock: FixedClock) -> None:
    async with db.transaction() as session:
        await catalog.register(session, small_survey())
        now = clock.now()
        with pytest.raises(ValidationError, match="closing time"):
            await campaign_store.create_campaign(
                session, catalog, clock, name="x", survey_key="small", opens_at=now, closes_at=now
            )
        with pytest.raises(NotFoundError, match="no survey with key 'nope'"):
            await campaign_store.create_campaign(
                session,
                catalog,
                clock,
                name="x",
                survey_key="nope",
                opens_at=now,
                closes_at=now + timedelta(days=1),
            )


async def test_invitation_carries_report_fields(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    await campaign_with_codes(db, catalog, clock, people=2)
    async with db.reader() as session:
        rows = (await session.scalars(select(InvitationRow))).all()
    assert {(r.form, r.audience, r.age_band) for r in rows} == {("consultation", "child", "13-15")}


async def _people_for_targeting(db: Database, clock: FixedClock) -> None:
    records = [
        PersonRecord("N1", Cohort.IN_CARE, age_band="13-15", team="North"),
        PersonRecord("N2", Cohort.IN_CARE, age_band="8-12", team="North"),
        PersonRecord("S1", Cohort.IN_CARE, age_band="13-15", team="South"),
        PersonRecord("L1", Cohort.CARE_LEAVER, age_band="18-21", team="North"),
        PersonRecord("P1", Cohort.IN_CARE, age_band="13-15", team="North"),
    ]
    async with db.transaction() as session:
        await import_people(session, records, clock)
        practice = await session.scalar(select(PersonRow).where(PersonRow.council_ref == "P1"))
        assert practice is not None
        practice.status = "practice"  # as `carevoice chat --survey` makes one


async def test_a_campaign_stores_its_filter_and_invites_only_who_matches(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    await _people_for_targeting(db, clock)
    wanted = campaign_store.CohortFilter(cohort="in_care", teams=("North",))
    async with db.transaction() as session:
        await catalog.register(session, small_survey())
        campaign = await campaign_store.create_campaign(
            session, catalog, clock, name="North", survey_key="small", opens_at=clock.now(),
            closes_at=clock.now() + timedelta(days=9), audience=wanted,
        )  # fmt: skip
        everyone = await campaign_store.select_people(
            session, campaign_store.CohortFilter(), clock.now().date()
        )
        assert sorted(p.council_ref for p in everyone) == ["L1", "N1", "N2", "S1"]
        summary = await campaign_store.issue_invitations(session, campaign, everyone, clock)
        assert (summary.issued, summary.not_matching) == (2, 2)
        assert sorted(c.council_ref for c in summary.codes) == ["N1", "N2"]
        stored = campaign_store.campaign_audience(
            await campaign_store.get_campaign(session, campaign.id)
        )
        assert stored == campaign_store.CohortFilter(cohort="in_care", teams=("North",))
        narrowed = await campaign_store.campaign_people(
            session, campaign, clock.now().date(), campaign_store.CohortFilter(age_bands=("8-12",))
        )
        assert [p.council_ref for p in narrowed] == ["N2"]
        wider = await campaign_store.campaign_people(
            session, campaign, clock.now().date(), campaign_store.CohortFilter(team="South")
        )
        assert wider == []  # narrowing never widens


async def test_a_team_named_in_other_capitals_is_the_councils_team(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    """An import reads "south" as South; so does a campaign's or a round's filter."""
    await _people_for_targeting(db, clock)
    async with db.transaction() as session:
        await catalog.register(session, small_survey())
        campaign = await campaign_store.create_campaign(
            session, catalog, clock, name="S", survey_key="small", opens_at=clock.now(),
            closes_at=clock.now() + timedelta(days=9),
            audience=campaign_store.CohortFilter(team=" south ", teams=("SOUTH", "north")),
        )  # fmt: skip
        assert campaign.teams == ["South", "North"]  # as the council writes them, once each
        people = await campaign_store.campaign_people(
            session, campaign, clock.now().date(), campaign_store.CohortFilter(team="south")
        )
        assert [p.council_ref for p in people] == ["S1"]


@pytest.mark.parametrize(
    ("wanted", "message"),
    [
        (campaign_store.CohortFilter(age_bands=("9-11",)), "unknown age band '9-11'; use one of: "
         "under 8, 8-12, 13-15, 16-17, 18-21, 22-25, over 25"),
        (campaign_store.CohortFilter(cohort="fostered"), "use one of: in_care, care_leaver"),
        (campaign_store.CohortFilter(team="Nroth"), "no young person is in team 'Nroth'; "
         "teams: North, South"),
        (campaign_store.CohortFilter(review_from=date(2026, 2, 1), review_to=date(2026, 1, 1)),
         "ends before it starts"),
    ],
)  # fmt: skip
async def test_unknown_filter_values_are_refused_with_the_valid_ones(
    db: Database, catalog: SurveyCatalog, clock: FixedClock,
    wanted: campaign_store.CohortFilter, message: str,
) -> None:  # fmt: skip
    await _people_for_targeting(db, clock)
    async with db.transaction() as session:
        await catalog.register(session, small_survey())
        with pytest.raises(ValidationError) as refused:
            await campaign_store.create_campaign(
                session, catalog, clock, name="x", survey_key="small", opens_at=clock.now(),
                closes_at=clock.now() + timedelta(days=9), audience=wanted,
            )  # fmt: skip
    assert message in str(refused.value)


async def test_workers_starting_together_sync_the_built_in_surveys_once(
    db: Database, clock: FixedClock
) -> None:
    """Two processes starting at once on PostgreSQL (the advisory lock); SQLite writers
    queue anyway."""

    async def sync() -> int:
        async with db.transaction() as session:
            return len(await SurveyCatalog(clock).sync_builtins(session))

    first, second = await asyncio.gather(sync(), sync())
    assert first == second > 0
    async with db.reader() as session:
        stored = await session.scalar(select(func.count(SurveyVersionRow.id)))
    assert stored == first


async def test_syncing_again_reuses_each_version_and_a_changed_template_gets_a_new_one(
    db: Database, clock: FixedClock
) -> None:
    async with db.transaction() as session:
        first = await SurveyCatalog(clock).sync_builtins(session)
        assert all(r.created for r in first) and all(r.row.id for r in first)
        stale = first[0].row
        stale.fingerprint = "an older wording"  # as if the template changed since
    async with db.transaction() as session:
        again = await SurveyCatalog(clock).sync_builtins(session)
    assert [r.created for r in again] == [True] + [False] * (len(first) - 1)
    assert again[0].row.key == stale.key and again[0].row.version == stale.version + 1
    assert [r.row.id for r in again[1:]] == [r.row.id for r in first[1:]]
    for reused in again:  # the survey handed back is what the stored definition says
        assert reused.survey == parse_survey(reused.row.definition, reused.row.key)


async def test_a_reference_is_found_as_an_officer_types_it(
    db: Database, clock: FixedClock
) -> None:
    records = [PersonRecord(council_ref="AB123", cohort=Cohort.IN_CARE, age_band="13-15")]
    async with db.transaction() as session:
        await import_people(session, records, clock)
        for ref in ("cd9", "CD9"):  # held before imports refused such a pair
            session.add(PersonRow(council_ref=ref, cohort="in_care", age_band="13-15",
                                  status="active", created_at=clock.now()))
    async with db.reader() as session:
        for typed, found in (("AB123", "AB123"), ("ab123", "AB123"), (" Ab123 ", "AB123"),
                             ("cd9", "cd9"), ("CD9", "CD9")):  # fmt: skip
            person = await find_by_ref(session, typed)
            assert person is not None and person.council_ref == found, typed
        assert await find_by_ref(session, "Cd9") is None  # two differ only by case: neither
        assert await find_by_ref(session, "AB12") is None
        assert await find_by_ref(session, " ") is None
        other_team = await find_by_ref(session, "ab123", PersonRow.team == "North")
        assert other_team is None  # the officer's scope still holds
