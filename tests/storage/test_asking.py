"""Asked often enough, never too often: the cap across campaigns, reminders, "not now"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from storage import asking
from storage import campaigns as campaign_store
from storage.asking import NO_CAP, AskingCap
from storage.catalog import SurveyCatalog
from storage.conversations import ConversationService
from storage.database import Database
from storage.outbox import QuietHours
from storage.people import import_people
from storage.reach import Reach
from storage.rolling import (
    AskedEnough,
    RollingCampaigns,
    create_rolling_campaign,
    invite_for_review,
)
from storage.tables import InvitationHoldRow, InvitationRow, OutboxRow, PersonRow, RequestRow
from surveys.clock import FixedClock
from surveys.engine import Command, UserInput
from surveys.people import Cohort, PersonRecord
from tests.factories import campaign_with_codes, small_survey

CAP = AskingCap(surveys=2, days=30, reminders=1)
REASON = "already asked twice this month"


async def three_people(db: Database, catalog: SurveyCatalog, clock: FixedClock) -> None:
    records = [
        PersonRecord(council_ref=f"R{i}", cohort=Cohort.IN_CARE, age_band="13-15")
        for i in range(3)
    ]
    async with db.transaction() as session:
        await catalog.register(session, small_survey())
        await import_people(session, records, clock)


async def new_campaign(db: Database, catalog: SurveyCatalog, clock: FixedClock, name: str) -> int:
    async with db.transaction() as session:
        row = await campaign_store.create_campaign(
            session, catalog, clock, name=name, survey_key="small",
            opens_at=clock.now() - timedelta(hours=1), closes_at=clock.now() + timedelta(days=90),
        )
        return row.id


async def issue(
    db: Database, clock: FixedClock, campaign_id: int, cap: AskingCap = CAP
) -> campaign_store.IssueSummary:
    async with db.transaction() as session:
        campaign = await campaign_store.get_campaign(session, campaign_id)
        people = await campaign_store.campaign_people(session, campaign, clock.now().date())
        return await campaign_store.issue_invitations(session, campaign, people, clock, cap=cap)


async def test_the_reason_reads_as_officers_say_it() -> None:
    assert CAP.reason == REASON
    assert AskingCap(surveys=3, days=14).reason == "already asked 3 times in the last 14 days"
    assert CAP.reminder_reason == "already reminded once (the most each survey gets)"


async def test_a_third_campaign_in_a_month_waits_with_the_reason_kept(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    await three_people(db, catalog, clock)
    first = await new_campaign(db, catalog, clock, "first")
    assert (await issue(db, clock, first)).issued == 3
    clock.advance(days=3)
    second = await new_campaign(db, catalog, clock, "second")
    assert (await issue(db, clock, second)).issued == 3
    clock.advance(days=3)
    third = await new_campaign(db, catalog, clock, "third")
    summary = await issue(db, clock, third)
    assert summary.issued == 0 and summary.already_invited == 0
    assert summary.held == ((REASON, 3),) and summary.not_invited == 3
    assert summary.held_lines() == [f"not invited: {REASON}: 3"]
    async with db.reader() as session:
        assert await asking.held_by_reason(session, third) == {REASON: 3}
        held = await asking.held_people(session, third)
    assert [h.council_ref for h in held] == ["R0", "R1", "R2"]
    assert (await issue(db, clock, third)).held == ((REASON, 3),)  # again: still one hold each

    # a revoked invitation was never seen: it does not count against them
    async with db.transaction() as session:
        r0 = await session.scalar(select(PersonRow.id).where(PersonRow.council_ref == "R0"))
        await session.execute(
            update(InvitationRow)
            .where(InvitationRow.campaign_id == first, InvitationRow.person_id == r0)
            .values(revoked_at=clock.now())
        )
    summary = await issue(db, clock, third)
    assert summary.issued == 1 and summary.held == ((REASON, 2),)
    async with db.reader() as session:
        assert await asking.held_by_reason(session, third) == {REASON: 2}

    # once the first round is more than 30 days old, the others are invited too
    clock.advance(days=25)
    summary = await issue(db, clock, third)
    assert summary.issued == 2 and summary.held == ()
    async with db.reader() as session:
        assert await asking.held_by_reason(session, third) == {}
        assert (await session.scalars(select(InvitationHoldRow))).all() == []


async def test_without_a_cap_everyone_matching_is_invited(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    await three_people(db, catalog, clock)
    for name in ("one", "two", "three"):
        campaign = await new_campaign(db, catalog, clock, name)
        assert (await issue(db, clock, campaign, NO_CAP)).issued == 3


async def test_the_rolling_scan_holds_who_was_asked_enough(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    await three_people(db, catalog, clock)
    async with db.transaction() as session:
        await session.execute(
            update(PersonRow).values(next_review_date=clock.now().date() + timedelta(days=5))
        )
    for name in ("one", "two"):
        campaign = await new_campaign(db, catalog, clock, name)
        await issue(db, clock, campaign)
    async with db.transaction() as session:
        rolling = await create_rolling_campaign(
            session, catalog, clock, name="before reviews", survey_key="small",
            wanted=campaign_store.CohortFilter(),
        )
    scan = await RollingCampaigns(db, clock, cap=CAP).scan()
    assert scan.invited == 0 and scan.held == 3
    async with db.reader() as session:
        assert await asking.held_by_reason(session, rolling.id) == {REASON: 3}

    # a month on, the one whose request to delete waits is still held, for that reason
    async with db.transaction() as session:
        r0 = await session.scalar(select(PersonRow.id).where(PersonRow.council_ref == "R0"))
        session.add(RequestRow(person_id=r0, kind="erasure", channel="web",
                               created_at=clock.now()))
    clock.advance(days=31)
    async with db.transaction() as session:  # their next reviews, five days off again
        await session.execute(
            update(PersonRow).values(next_review_date=clock.now().date() + timedelta(days=5))
        )
    scan = await RollingCampaigns(db, clock, cap=CAP).scan()
    assert scan.invited == 2 and scan.held == 1
    async with db.reader() as session:
        assert await asking.held_by_reason(session, rolling.id) == {asking.DELETING_REASON: 1}


async def test_one_reminder_each_and_none_after_not_now(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> None:
    campaign_id, codes = await campaign_with_codes(db, catalog, clock, people=2, days=60)
    for n, code in enumerate(codes):
        await conversations.redeem(code, channel="telegram", address=f"90{n}")
    turn = await conversations.handle(  # the first says "not now" on the first question
        UserInput(command=Command.NOT_NOW), channel="telegram", address="900"
    )
    assert "won't remind you" in turn.prompts[-1].text
    async with db.transaction() as session:
        await session.execute(update(InvitationRow).values(delivered_at=clock.now()))
    reach = Reach(db, clock, quiet=QuietHours(0, 0), cap=CAP)

    clock.advance(days=4)
    assert await reach.queue_reminders() == 1  # only the one who did not say "not now"
    async with db.transaction() as session:
        sent = await session.scalar(select(OutboxRow))
        assert sent is not None
        sent.sent_at = clock.now()
        await session.execute(
            update(InvitationRow)
            .where(InvitationRow.id == sent.invitation_id)
            .values(reminders_sent=1, last_reminded_at=clock.now())
        )
    clock.advance(days=4)
    assert await reach.queue_reminders() == 0  # the council's cap: one reminder each
    uncapped = Reach(db, clock, quiet=QuietHours(0, 0))
    assert await uncapped.queue_reminders() == 1  # the campaign alone would allow two

    async with db.reader() as session:
        progress = await campaign_store.campaign_progress(session, campaign_id)
        declined = (await session.scalars(
            select(InvitationRow).where(InvitationRow.declined_at.is_not(None))
        )).all()
    assert progress.declined == 1 and progress.returned == 0  # recorded, not a return
    assert len(declined) == 1 and declined[0].returned_at is None


async def test_inviting_one_child_before_their_review_keeps_the_cap_across_three_campaigns(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    await three_people(db, catalog, clock)
    async with db.transaction() as session:
        await session.execute(
            update(PersonRow).values(next_review_date=clock.now().date() + timedelta(days=60))
        )
        rolling = await create_rolling_campaign(
            session, catalog, clock, name="before reviews", survey_key="small",
            wanted=campaign_store.CohortFilter(),
        )
    for name in ("one", "two"):  # two campaigns this month already
        await issue(db, clock, await new_campaign(db, catalog, clock, name))
    async with db.transaction() as session:
        with pytest.raises(AskedEnough, match=REASON) as held:
            await invite_for_review(session, rolling.id, "R0", clock, cap=CAP)
        assert held.value.reason == REASON
    async with db.reader() as session:  # officers see who was held, and why
        assert await asking.held_by_reason(session, rolling.id) == {REASON: 1}
        made = await session.scalar(
            select(func.count(InvitationRow.id)).where(InvitationRow.campaign_id == rolling.id)
        )
    assert made == 0
    async with db.transaction() as session:  # without a cap (the old behaviour) it is made
        invitation, created = await invite_for_review(session, rolling.id, "R1", clock)
        assert created and invitation.campaign_id == rolling.id
    clock.advance(days=31)  # a month on, the cap allows it, and the hold goes
    async with db.transaction() as session:
        _, created = await invite_for_review(session, rolling.id, "R0", clock, cap=CAP)
        assert created
    async with db.reader() as session:
        assert await asking.held_by_reason(session, rolling.id) == {}


async def test_whoever_asked_to_be_deleted_is_asked_nothing_while_it_waits(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> None:
    """No new invitation, letter, invitation message or reminder; counted and said."""
    campaign_id, codes = await campaign_with_codes(db, catalog, clock, people=2, days=60)
    for n, code in enumerate(codes):
        await conversations.redeem(code, channel="telegram", address=f"90{n}")
    async with db.transaction() as session:
        people = list((await session.scalars(select(PersonRow).order_by(PersonRow.id))).all())
        session.add(RequestRow(person_id=people[0].id, kind="erasure", channel="telegram",
                               created_at=clock.now()))
        await session.execute(update(InvitationRow).values(delivered_at=clock.now(),
                                                           used_at=None))
    async with db.reader() as session:
        assert await asking.deleting(session, [p.id for p in people]) == {people[0].id}
        assert await campaign_store.count_unused(session, campaign_id, clock.now()) == 1
    async with db.transaction() as session:
        letters = await campaign_store.reprint_letters(session, campaign_id, clock)
    assert [c.council_ref for c in letters] == [people[1].council_ref]
    reach = Reach(db, clock, quiet=QuietHours(0, 0), cap=CAP)
    sent = await reach.queue_invitations(campaign_id)
    assert sent.queued == 1 and sent.not_reachable == 1
    clock.advance(days=4)
    async with db.transaction() as session:
        await session.execute(update(OutboxRow).values(sent_at=clock.now()))
    clock.advance(days=4)
    assert await reach.queue_reminders() == 1  # the other one only

    again = await new_campaign(db, catalog, clock, "again")
    summary = await issue(db, clock, again)
    assert summary.issued == 1 and summary.held == ((asking.DELETING_REASON, 1),)
    async with db.reader() as session:
        assert await asking.held_by_reason(session, again) == {asking.DELETING_REASON: 1}
