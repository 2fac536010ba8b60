"""The bot's timer: rolling campaigns invite who is due before their review, the sender
delivers the invitation, reminders follow (at most the campaign's cap) and stop at the
review."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from bot.scheduler import ReminderScheduler
from storage.campaigns import CohortFilter
from storage.catalog import SurveyCatalog
from storage.database import Database
from storage.outbox import Outbox
from storage.reach import Reach
from storage.rolling import RollingCampaigns, create_rolling_campaign
from storage.tables import ChannelLinkRow, InvitationRow, OutboxRow
from surveys.clock import FixedClock
from tests.bot.test_sender import drain, sender_for
from tests.factories import person, small_survey
from tests.telegram_emulator import BotApiState

CHAT = 6100


async def test_the_timer_invites_before_the_review_and_reminds_within_the_cap(
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    reach: Reach,
    outbox: Outbox,
    state: BotApiState,
) -> None:
    clock.at = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)
    who = await person(db, clock, "R1", next_review_date=date(2026, 3, 10))
    async with db.transaction() as session:
        await catalog.register(session, small_survey())
        await create_rolling_campaign(
            session, catalog, clock, name="Before my review", survey_key="small",
            wanted=CohortFilter(), max_reminders=3,
        )  # fmt: skip
        session.add(
            ChannelLinkRow(person_id=who, channel="telegram", address=str(CHAT), linked_at=clock.at)
        )
    state.add_user(CHAT)
    woken: list[int] = []
    timer = ReminderScheduler(
        reach, rolling=RollingCampaigns(db, clock), on_queued=lambda: woken.append(1)
    )
    await timer.run_once()
    assert woken  # the sender is told at once
    bot, sender = await sender_for(state, outbox)
    await drain(sender)
    (invitation_message,) = state.messages_to(CHAT)
    assert "A small survey" in invitation_message["text"]

    clock.advance(days=3, hours=1)  # quiet for three days: a reminder (5 March)
    assert await timer.run_once() == 1
    await drain(sender)
    clock.advance(days=3, hours=1)  # and another (8 March)
    assert await timer.run_once() == 1
    await drain(sender)
    clock.advance(days=3, hours=1)  # 11 March: the review has passed, so no third
    assert await timer.run_once() == 0
    await bot.shutdown()
    async with db.reader() as session:
        invitation = await session.scalar(select(InvitationRow))
        kinds = (await session.scalars(select(OutboxRow.kind).order_by(OutboxRow.id))).all()
    assert invitation is not None and invitation.reminders_sent == 2
    assert invitation.delivered_at is not None and invitation.review_date == date(2026, 3, 10)
    assert invitation.expires_at == datetime(2026, 3, 10, tzinfo=UTC)
    assert list(kinds) == ["invitation", "reminder", "reminder"]
    assert len(state.messages_to(CHAT)) == 3
