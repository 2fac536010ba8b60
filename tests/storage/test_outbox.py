"""The outbound queue: dedupe, leases shared by workers, deliveries recorded once, backoff,
alerts never dropped, quiet hours, and messages no longer wanted cancelled."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from storage.catalog import SurveyCatalog
from storage.database import Database
from storage.outbox import Outbox, OutboxKind, QuietHours, RetryPolicy, enqueue
from storage.tables import (
    CampaignRow,
    InvitationRow,
    OutboxRow,
    PersonRow,
    SafeguardingAlertRow,
)
from surveys.clock import FixedClock
from tests.factories import campaign_with_codes

NO_QUIET = QuietHours(0, 0)


async def invitations(db: Database, catalog: SurveyCatalog, clock: FixedClock, n: int) -> list[Any]:
    await campaign_with_codes(db, catalog, clock, people=n)
    async with db.reader() as session:
        return list((await session.scalars(select(InvitationRow).order_by(InvitationRow.id))).all())


async def put(db: Database, clock: FixedClock, kind: OutboxKind, key: str, **fields: Any) -> bool:
    async with db.transaction() as session:
        return await enqueue(
            session,
            kind=kind,
            channel="telegram",
            address=fields.pop("address", "100"),
            payload=fields.pop("payload", {"title": "A small survey"}),
            dedupe_key=key,
            now=clock.now(),
            **fields,
        )


async def invitation_messages(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, n: int = 1
) -> list[Any]:
    rows = await invitations(db, catalog, clock, n)
    for row in rows:
        await put(
            db,
            clock,
            OutboxKind.INVITATION,
            f"invitation:{row.id}",
            person_id=row.person_id,
            invitation_id=row.id,
            address=str(1000 + row.id),
        )
    return rows


async def test_enqueue_is_once_per_dedupe_key(db: Database, clock: FixedClock) -> None:
    assert await put(db, clock, OutboxKind.ALERT, "k1")
    assert not await put(db, clock, OutboxKind.ALERT, "k1")
    outbox = Outbox(db, clock, quiet=NO_QUIET)
    assert (await outbox.counts()).pending == 1


async def test_a_claim_is_a_lease_other_workers_skip_until_it_runs_out(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    await invitation_messages(db, catalog, clock, 3)
    outbox = Outbox(db, clock, quiet=NO_QUIET, lease=timedelta(seconds=60))
    first = await outbox.claim(2)
    assert len(first) == 2
    second = await outbox.claim(10)
    assert [i.id for i in second] == [3]
    assert await outbox.claim(10) == []
    clock.advance(seconds=61)  # a worker died holding them: the lease runs out
    assert sorted(i.id for i in await outbox.claim(10)) == [1, 2, 3]


async def test_workers_claiming_at_once_never_get_the_same_row(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    await invitation_messages(db, catalog, clock, 12)
    workers = [Outbox(db, clock, quiet=NO_QUIET) for _ in range(4)]
    claimed = await asyncio.gather(*(w.claim(5) for w in workers))
    ids = [item.id for batch in claimed for item in batch]
    assert len(ids) == len(set(ids)) == 12


async def test_alerts_are_claimed_first(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    await invitation_messages(db, catalog, clock, 2)
    await put(db, clock, OutboxKind.ALERT, "alert:1", address="9001")
    items = await Outbox(db, clock, quiet=NO_QUIET).claim(1)
    assert [i.kind for i in items] == ["alert"]


async def test_sent_is_recorded_once_with_the_delivery(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    [row] = await invitation_messages(db, catalog, clock)
    await put(
        db,
        clock,
        OutboxKind.REMINDER,
        f"reminder:{row.id}:1",
        person_id=row.person_id,
        invitation_id=row.id,
    )
    outbox = Outbox(db, clock, quiet=NO_QUIET)
    invitation, reminder = await outbox.claim(10)
    clock.advance(seconds=5)
    assert await outbox.mark_sent(invitation)
    assert await outbox.mark_sent(reminder)
    assert not await outbox.mark_sent(reminder)  # a second worker's late report
    async with db.reader() as session:
        stored = await session.get_one(InvitationRow, row.id)
    assert stored.delivered_at == clock.now() and stored.delivered_by == "telegram"
    assert stored.reminders_sent == 1 and stored.last_reminded_at == clock.now()
    assert (await outbox.counts()).sent == 2


async def test_an_alert_notification_marks_the_alert_notified(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    async with db.transaction() as session:
        alert = SafeguardingAlertRow(
            category="self_harm", phrase_id="x", channel="telegram", created_at=clock.now()
        )
        session.add(alert)
        await session.flush()
        alert_id = alert.id
    await put(db, clock, OutboxKind.ALERT, "alert", alert_id=alert_id, address="9001")
    outbox = Outbox(db, clock, quiet=NO_QUIET)
    [item] = await outbox.claim(1)
    await outbox.mark_sent(item)
    async with db.reader() as session:
        assert (await session.get_one(SafeguardingAlertRow, alert_id)).notified_at == clock.now()


async def test_failures_back_off_then_give_up_but_alerts_never(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    await invitation_messages(db, catalog, clock)
    await put(db, clock, OutboxKind.ALERT, "alert", address="9001")
    policy = RetryPolicy(base_delay=timedelta(seconds=10), max_attempts=3)
    outbox = Outbox(db, clock, quiet=NO_QUIET, policy=policy)
    delays: list[float] = []
    for _ in range(5):
        items = await outbox.claim(10)
        for item in items:
            kept = await outbox.retry_later(item, "TimedOut")
            assert kept or not item.is_alert
        async with db.reader() as session:
            alert = await session.scalar(select(OutboxRow).where(OutboxRow.kind == "alert"))
        assert alert is not None and alert.failed_at is None
        delays.append((alert.not_before - clock.now()).total_seconds())
        clock.advance(hours=1)
    assert delays[0] == pytest.approx(10, rel=0.25)
    assert delays[1] == pytest.approx(20, rel=0.25)
    assert max(delays) <= policy.alert_max_delay.total_seconds() * 1.2
    async with db.reader() as session:
        invitation = await session.scalar(select(OutboxRow).where(OutboxRow.kind == "invitation"))
    assert invitation is not None
    assert invitation.failed_at is not None and invitation.attempts == 3
    assert invitation.last_error == "TimedOut"


async def test_giving_up_on_a_blocked_young_person_marks_them_unreachable(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    [row] = await invitation_messages(db, catalog, clock)
    await put(db, clock, OutboxKind.ALERT, "alert", address="9001")
    outbox = Outbox(db, clock, quiet=NO_QUIET)
    for item in await outbox.claim(10):
        await outbox.give_up(item, "forbidden", unreachable=True)
    async with db.reader() as session:
        person = await session.get_one(PersonRow, row.person_id)
        rows = {r.kind: r for r in await session.scalars(select(OutboxRow))}
    assert person.unreachable_at == clock.now()
    assert rows["invitation"].failed_at is not None
    assert rows["alert"].failed_at is None and rows["alert"].attempts == 1  # retried instead


async def test_release_hands_a_row_back_without_counting_an_attempt(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    await invitation_messages(db, catalog, clock)
    outbox = Outbox(db, clock, quiet=NO_QUIET)
    [item] = await outbox.claim(1)
    await outbox.release(item, not_before=clock.now() + timedelta(seconds=3))
    assert await outbox.claim(1) == []
    clock.advance(seconds=3)
    [again] = await outbox.claim(1)
    assert again.attempts == 0


async def test_young_people_get_nothing_in_quiet_hours_officers_do(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    await invitation_messages(db, catalog, clock)
    await put(db, clock, OutboxKind.ALERT, "alert", address="9001")
    clock.at = datetime(2026, 1, 5, 22, 30, tzinfo=UTC)  # 22:30 in London
    outbox = Outbox(db, clock)  # 21:00-08:00 Europe/London
    [alert] = await outbox.claim(10)
    assert alert.kind == "alert"
    await outbox.mark_sent(alert)
    async with db.reader() as session:
        waiting = await session.scalar(select(OutboxRow).where(OutboxRow.kind == "invitation"))
    assert waiting is not None
    assert waiting.not_before == datetime(2026, 1, 6, 8, 0, tzinfo=UTC)
    clock.at = datetime(2026, 1, 6, 8, 0, tzinfo=UTC)
    assert [i.kind for i in await outbox.claim(10)] == ["invitation"]


@pytest.mark.parametrize("change", ["returned", "revoked", "stopped", "unreachable", "closed"])
async def test_messages_no_longer_wanted_are_cancelled(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, change: str
) -> None:
    await invitation_messages(db, catalog, clock)
    async with db.transaction() as session:
        if change in ("returned", "revoked"):
            await session.execute(update(InvitationRow).values(**{f"{change}_at": clock.now()}))
        elif change in ("stopped", "unreachable"):
            await session.execute(update(PersonRow).values(**{f"{change}_at": clock.now()}))
        else:
            await session.execute(update(CampaignRow).values(closes_at=clock.now()))
    outbox = Outbox(db, clock, quiet=NO_QUIET)
    assert await outbox.claim(10) == []
    async with db.reader() as session:
        cancelled = await session.get_one(OutboxRow, 1)
    assert cancelled.failed_at is not None and cancelled.last_error == f"cancelled: {change}"


def test_quiet_hours_follow_uk_time_through_the_clock_change() -> None:
    quiet = QuietHours()
    assert quiet.contains(datetime(2026, 1, 5, 21, 0, tzinfo=UTC))
    assert quiet.contains(datetime(2026, 1, 6, 7, 59, tzinfo=UTC))
    assert not quiet.contains(datetime(2026, 1, 6, 8, 0, tzinfo=UTC))
    assert not quiet.contains(datetime(2026, 7, 6, 19, 59, tzinfo=UTC))  # 20:59 BST
    assert quiet.contains(datetime(2026, 7, 6, 20, 0, tzinfo=UTC))  # 21:00 BST
    # the night the clocks go forward (29 March 2026): 08:00 BST is 07:00 UTC
    assert quiet.next_end(datetime(2026, 3, 28, 22, 0, tzinfo=UTC)) == datetime(
        2026, 3, 29, 7, 0, tzinfo=UTC
    )
    assert not QuietHours(9, 9).contains(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    assert QuietHours(1, 5).contains(datetime(2026, 1, 5, 3, 0, tzinfo=UTC))
