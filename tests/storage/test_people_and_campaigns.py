"""People import and campaigns in the store."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from storage import campaigns as campaign_store
from storage.catalog import SurveyCatalog
from storage.database import Database
from storage.people import import_people
from storage.tables import InvitationRow, PersonRow
from surveys.clock import FixedClock
from surveys.errors import NotFoundError, ValidationError
from surveys.people import Cohort, PersonRecord
from tests.factories import campaign_with_codes, small_survey

CODE_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


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
        assert 20 <= len(code) <= 64 and set(code) <= CODE_CHARS
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
