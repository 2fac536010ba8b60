"""Rolling consultation before each review: who is invited when, moved reviews, the next
cycle, idempotent scans, and the per-child report and scorecard measure."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from storage.board.scorecard import scorecard
from storage.campaigns import CohortFilter
from storage.catalog import SurveyCatalog
from storage.database import Database
from storage.people import import_people
from storage.rolling import (
    ReviewOutcome,
    RollingCampaigns,
    create_rolling_campaign,
    invite_for_review,
    review_report,
)
from storage.tables import ChannelLinkRow, InvitationRow, OutboxRow
from surveys.clock import FixedClock
from surveys.errors import ValidationError
from surveys.insights.periods import parse_period
from surveys.people import Cohort, PersonRecord
from tests.factories import small_survey

TODAY = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


async def _people(db: Database, clock: FixedClock, reviews: dict[str, date | None]) -> None:
    records = [
        PersonRecord(
            council_ref=ref,
            cohort=Cohort.CARE_LEAVER if ref.startswith("L") else Cohort.IN_CARE,
            age_band="18-21" if ref.startswith("L") else "13-15",
            next_review_date=review,
        )
        for ref, review in reviews.items()
    ]
    async with db.transaction() as session:
        await import_people(session, records, clock)


async def _rolling(db: Database, catalog: SurveyCatalog, clock: FixedClock, **kw: object) -> int:
    async with db.transaction() as session:
        await catalog.register(session, small_survey())
        campaign = await create_rolling_campaign(
            session,
            catalog,
            clock,
            name="Before my review",
            survey_key="small",
            **({"wanted": CohortFilter(cohort="in_care")} | kw),  # type: ignore[arg-type]
        )
        return campaign.id


async def _invitations(db: Database, campaign_id: int) -> dict[str, list[InvitationRow]]:
    from storage.tables import PersonRow

    async with db.reader() as session:
        rows = await session.execute(
            select(PersonRow.council_ref, InvitationRow)
            .join(PersonRow, PersonRow.id == InvitationRow.person_id)
            .where(InvitationRow.campaign_id == campaign_id)
            .order_by(InvitationRow.cycle)
        )
        found: dict[str, list[InvitationRow]] = {}
        for ref, inv in rows.all():
            found.setdefault(ref, []).append(inv)
        return found


async def test_invites_each_young_person_days_before_their_review(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    clock.at = TODAY
    await _people(
        db,
        clock,
        {
            "A": date(2026, 1, 10),  # in 5 days: due
            "B": date(2026, 1, 20),  # in 15 days: not yet
            "C": date(2026, 1, 3),  # already past: never invited for it
            "L1": date(2026, 1, 8),  # a care leaver: not this campaign's cohort
            "N": None,  # no review date
        },
    )
    campaign_id = await _rolling(db, catalog, clock)
    jobs = RollingCampaigns(db, clock)

    async with db.transaction() as session:  # as just after creating it
        first = await jobs.scan_campaign(session, campaign_id)
    assert (first.invited, first.refused_past) == (1, 1)
    again = await jobs.scan()
    assert again.invited == 0  # idempotent
    found = await _invitations(db, campaign_id)
    assert list(found) == ["A"]
    (a,) = found["A"]
    assert a.review_date == date(2026, 1, 10)
    assert a.expires_at == datetime(2026, 1, 10, tzinfo=UTC)  # closes at the review (UK)

    clock.at = TODAY + timedelta(days=6)  # 11 January: B is 9 days away, A's review passed
    assert (await jobs.scan()).invited == 1
    async with db.reader() as session:
        lines, total = await review_report(session, campaign_id, clock)
    outcomes = {line.council_ref: line.outcome for line in lines}
    assert total == 2
    assert outcomes == {"A": ReviewOutcome.MISSED, "B": ReviewOutcome.OPEN}


async def test_days_before_is_a_setting(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    clock.at = TODAY
    await _people(db, clock, {"A": date(2026, 1, 10), "B": date(2026, 1, 20)})
    campaign_id = await _rolling(db, catalog, clock, days_before=20)
    assert (await RollingCampaigns(db, clock).scan()).invited == 2
    assert set(await _invitations(db, campaign_id)) == {"A", "B"}


async def test_a_new_review_date_starts_the_next_cycle_and_a_moved_one_follows(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    clock.at = TODAY
    await _people(db, clock, {"A": date(2026, 1, 10)})
    campaign_id = await _rolling(db, catalog, clock)
    jobs = RollingCampaigns(db, clock)
    await jobs.scan()

    await _people(db, clock, {"A": date(2026, 1, 12)})  # the review was moved
    moved = await jobs.scan()
    assert (moved.invited, moved.moved) == (0, 1)
    (a,) = (await _invitations(db, campaign_id))["A"]
    assert (a.review_date, a.expires_at) == (date(2026, 1, 12), datetime(2026, 1, 12, tzinfo=UTC))

    async with db.transaction() as session:  # returned before the review
        await session.execute(
            update(InvitationRow)
            .where(InvitationRow.id == a.id)
            .values(delivered_at=TODAY, returned_at=TODAY + timedelta(days=1))
        )
    await _people(db, clock, {"A": date(2026, 7, 10)})  # re-import: the next review
    clock.at = datetime(2026, 7, 1, 12, tzinfo=UTC)
    assert (await jobs.scan()).invited == 1
    first, second = (await _invitations(db, campaign_id))["A"]
    assert (first.cycle, first.review_date) == (1, date(2026, 1, 12))
    assert (second.cycle, second.review_date) == (2, date(2026, 7, 10))
    assert second.expires_at == datetime(2026, 7, 9, 23, tzinfo=UTC)  # midnight, BST
    async with db.reader() as session:
        lines, _ = await review_report(session, campaign_id, clock)
    assert [(line.cycle, line.outcome) for line in lines] == [
        (2, ReviewOutcome.OPEN),
        (1, ReviewOutcome.BEFORE),
    ]


async def test_two_workers_scanning_at_once_invite_and_queue_once(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    clock.at = TODAY
    refs = {f"P{i}": date(2026, 1, 8) for i in range(12)}
    await _people(db, clock, refs)
    campaign_id = await _rolling(db, catalog, clock)
    async with db.transaction() as session:
        from storage.tables import PersonRow

        for n, person_id in enumerate((await session.scalars(select(PersonRow.id))).all()):
            session.add(
                ChannelLinkRow(
                    person_id=person_id, channel="telegram", address=str(1000 + n), linked_at=TODAY
                )
            )
    results = await asyncio.gather(*(RollingCampaigns(db, clock).scan() for _ in range(3)))
    assert sum(r.invited for r in results) == 12
    assert sum(r.queued for r in results) == 12
    found = await _invitations(db, campaign_id)
    assert sorted(len(v) for v in found.values()) == [1] * 12
    async with db.reader() as session:
        queued = await session.scalar(
            select(func.count(OutboxRow.id)).where(OutboxRow.kind == "invitation")
        )
    assert queued == 12


async def test_a_review_already_past_is_refused_with_a_clear_message(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    clock.at = TODAY
    await _people(db, clock, {"C": date(2026, 1, 3), "A": date(2026, 2, 20), "N": None})
    campaign_id = await _rolling(db, catalog, clock)
    async with db.transaction() as session:
        with pytest.raises(ValidationError, match=r"C's review date 2026-01-03 has already passed"):
            await invite_for_review(session, campaign_id, "C", clock)
        with pytest.raises(ValidationError, match="has no next_review_date"):
            await invite_for_review(session, campaign_id, "N", clock)
        invitation, created = await invite_for_review(session, campaign_id, "A", clock)
        assert created and invitation.review_date == date(2026, 2, 20)
        _, again = await invite_for_review(session, campaign_id, "A", clock)
        assert not again


async def test_rolling_campaign_refuses_a_review_window_and_odd_days(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    async with db.transaction() as session:
        await catalog.register(session, small_survey())
        with pytest.raises(ValidationError, match="between 1 and 90"):
            await create_rolling_campaign(
                session, catalog, clock, name="x", survey_key="small",
                wanted=CohortFilter(), days_before=0,
            )  # fmt: skip
        with pytest.raises(ValidationError, match="review-date window"):
            await create_rolling_campaign(
                session, catalog, clock, name="x", survey_key="small",
                wanted=CohortFilter(review_from=date(2026, 1, 1)),
            )  # fmt: skip


async def test_scorecard_counts_rolling_forms_returned_before_their_review(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    """P1.3 reads each rolling invitation's own review date: 12 early, 8 late."""
    clock.at = TODAY
    await _people(db, clock, {f"P{i:02d}": date(2026, 1, 12) for i in range(20)})
    campaign_id = await _rolling(db, catalog, clock)
    await RollingCampaigns(db, clock).scan()
    found = await _invitations(db, campaign_id)
    async with db.transaction() as session:
        for n, ref in enumerate(sorted(found)):
            back = date(2026, 1, 9) if n < 12 else date(2026, 1, 14)
            await session.execute(
                update(InvitationRow)
                .where(InvitationRow.id == found[ref][0].id)
                .values(
                    delivered_at=TODAY,
                    returned_at=datetime.combine(back, datetime.min.time(), UTC)
                    + timedelta(hours=15),
                )
            )
    async with db.reader() as session:
        rows = await scorecard(session, parse_period("2025-26 Q4"), rollups=False)
    p13 = next(r for r in rows if r.ref == "P1.3")
    assert p13.value == pytest.approx(12 / 20)


async def test_a_rolling_campaign_keeps_every_team_chosen(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    """Bug: `campaign create --rolling --team North` kept no team and invited everyone."""
    clock.at = TODAY
    records = [
        PersonRecord(council_ref=ref, cohort=Cohort.IN_CARE, age_band="13-15", team=team,
                     next_review_date=date(2026, 1, 10))
        for ref, team in (("N1", "North"), ("S1", "South"), ("W1", "West"))
    ]  # fmt: skip
    async with db.transaction() as session:
        await import_people(session, records, clock)
    one = await _rolling(db, catalog, clock, wanted=CohortFilter(teams=("North",)))
    two = await _rolling(db, catalog, clock, wanted=CohortFilter(teams=("North", "South")))
    await RollingCampaigns(db, clock).scan()
    assert list(await _invitations(db, one)) == ["N1"]
    assert sorted(await _invitations(db, two)) == ["N1", "S1"]
