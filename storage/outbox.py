"""The outbound queue: invitations, reminders and alert notifications, shared by workers.

    enqueue ──> due row ──claim (lease)──> sending ──> mark_sent        (+ delivery recorded)
                   ^                           ├─────> retry_later       (backoff; alerts forever)
                   └───────────────────────────┼─────> release           (rate limit, quiet hours)
                                               └─────> give_up           (blocked, bad chat)

A row is claimed for a lease (`locked_until`): PostgreSQL takes it with
`SELECT ... FOR UPDATE SKIP LOCKED`, so several workers share the queue without waiting on
each other; SQLite runs the same statement under its single writer. A worker that dies
loses nothing: its lease runs out and another worker claims the row again. `mark_sent`
records the delivery (invitation delivered, reminder counted, alert notified) in the same
transaction, and only once.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.alerts import record_notified
from storage.database import Database
from storage.tables import (
    CampaignRow,
    InvitationRow,
    OutboxRow,
    PersonRow,
    ReplyRow,
    SafeguardingAlertRow,
    SurveyVersionRow,
)
from surveys.clock import Clock
from surveys.i18n import DEFAULT_LANGUAGE, normalize_language
from surveys.loader import parse_survey


class OutboxKind(StrEnum):
    """What an outbox row carries."""

    INVITATION = "invitation"
    REMINDER = "reminder"
    ALERT = "alert"
    REPLY = "reply"  # a worker's reply to a young person (storage.replies)


PERSON_KINDS = (OutboxKind.INVITATION, OutboxKind.REMINDER, OutboxKind.REPLY)


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Local hours when young people get no invitations or reminders (21:00-08:00 UK)."""

    start_hour: int = 21
    end_hour: int = 8
    timezone: str = "Europe/London"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # ZoneInfo keeps one instance per key

    def contains(self, at: datetime) -> bool:
        """Whether `at` falls in the quiet hours (an empty window, start == end, never does)."""
        hour = at.astimezone(self.zone).hour
        if self.start_hour == self.end_hour:
            return False
        if self.start_hour > self.end_hour:
            return hour >= self.start_hour or hour < self.end_hour
        return self.start_hour <= hour < self.end_hour

    def next_end(self, at: datetime) -> datetime:
        """The first moment after `at` when the quiet hours are over (UTC)."""
        local = at.astimezone(self.zone)
        day = local.date()
        for _ in range(3):
            end = datetime.combine(day, time(self.end_hour), tzinfo=self.zone)
            if end > local:
                return end.astimezone(UTC)
            day += timedelta(days=1)
        raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff: messages to young people give up after `max_attempts`;
    alerts are retried forever, at most `alert_max_delay` apart."""

    base_delay: timedelta = timedelta(seconds=2)
    max_delay: timedelta = timedelta(minutes=10)
    max_attempts: int = 8
    alert_max_delay: timedelta = timedelta(minutes=5)

    def delay(self, attempts: int, *, alert: bool) -> timedelta:
        """How long to wait after the `attempts`-th failure (with ±20% jitter)."""
        cap = self.alert_max_delay if alert else self.max_delay
        raw: timedelta = self.base_delay * (2 ** max(0, min(attempts - 1, 30)))
        return min(raw, cap) * random.uniform(0.8, 1.2)


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A claimed row, as the sender needs it."""

    id: int
    kind: str
    channel: str
    address: str
    payload: Mapping[str, Any]
    person_id: int | None
    invitation_id: int | None
    alert_id: int | None
    attempts: int
    locked_until: datetime
    language: str = DEFAULT_LANGUAGE  # the young person's (English for officers' alerts)
    title: str | None = None  # the survey's title in `language`, where it has one

    @property
    def is_alert(self) -> bool:
        return self.kind == OutboxKind.ALERT


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    """Rows by state, for status lines and benchmarks."""

    pending: int
    sent: int
    failed: int


async def enqueue(
    session: AsyncSession,
    *,
    kind: str,
    channel: str,
    address: str,
    payload: Mapping[str, Any],
    dedupe_key: str,
    now: datetime,
    not_before: datetime | None = None,
    person_id: int | None = None,
    invitation_id: int | None = None,
    alert_id: int | None = None,
) -> bool:
    """Add a message unless one with the same `dedupe_key` exists; True if added."""
    values = {
        "kind": str(kind),
        "channel": channel,
        "address": address,
        "payload": dict(payload),
        "dedupe_key": dedupe_key,
        "person_id": person_id,
        "invitation_id": invitation_id,
        "alert_id": alert_id,
        "not_before": not_before or now,
        "attempts": 0,
        "created_at": now,
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(OutboxRow)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[OutboxRow.dedupe_key])
    )
    result = await session.execute(statement)
    return bool(getattr(result, "rowcount", 0) == 1)


@dataclass
class Outbox:
    """The queue's use cases; each call is one short transaction."""

    db: Database
    clock: Clock
    lease: timedelta = timedelta(seconds=60)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    quiet: QuietHours | None = field(default_factory=QuietHours)

    async def claim(self, limit: int, *, channel: str = "telegram") -> list[OutboxItem]:
        """Lease up to `limit` due rows (alerts first). Rows no longer wanted (returned,
        stopped, closed...) are cancelled; person messages due in quiet hours are put off."""
        now = self.clock.now()
        due = (
            select(OutboxRow)
            .where(
                OutboxRow.channel == channel,
                OutboxRow.sent_at.is_(None),
                OutboxRow.failed_at.is_(None),
                OutboxRow.not_before <= now,
                or_(OutboxRow.locked_until.is_(None), OutboxRow.locked_until <= now),
            )
            .order_by(
                case((OutboxRow.kind == str(OutboxKind.ALERT), 0), else_=1),
                OutboxRow.not_before,
                OutboxRow.id,
            )
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        async with self.db.transaction() as session:
            rows = list((await session.scalars(due)).all())
            unwanted = await _unwanted(session, rows, now)
            quiet = self.quiet is not None and self.quiet.contains(now)
            wording = await _wording(session, [r for r in rows if r.id not in unwanted])
            items: list[OutboxItem] = []
            for row in rows:
                reason = unwanted.get(row.id)
                if reason is not None:
                    row.failed_at, row.last_error = now, f"cancelled: {reason}"
                    row.locked_until = None
                elif quiet and self.quiet is not None and row.kind in PERSON_KINDS:
                    row.not_before, row.locked_until = self.quiet.next_end(now), None
                else:
                    row.locked_until = now + self.lease
                    items.append(_item(row, *wording.get(row.id, (DEFAULT_LANGUAGE, None))))
        return items

    async def mark_sent(self, item: OutboxItem) -> bool:
        """Record the message as sent, and its delivery; False if it was already recorded."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            result = await session.execute(
                update(OutboxRow)
                .where(OutboxRow.id == item.id, OutboxRow.sent_at.is_(None))
                .values(sent_at=now, locked_until=None)
            )
            if getattr(result, "rowcount", 0) != 1:
                return False
            await _record_delivery(session, item, now)
        return True

    async def retry_later(self, item: OutboxItem, error: str) -> bool:
        """Count a failed attempt and wait (backoff); True if it will be tried again."""
        now = self.clock.now()
        attempts = item.attempts + 1
        gives_up = not item.is_alert and attempts >= self.policy.max_attempts
        values: dict[str, Any] = {
            "attempts": attempts,
            "locked_until": None,
            "last_error": error[:200],
        }
        if gives_up:
            values["failed_at"] = now
        else:
            values["not_before"] = now + self.policy.delay(attempts, alert=item.is_alert)
        async with self.db.transaction() as session:
            await session.execute(_unsettled(item).values(**values))
        return not gives_up

    async def release(self, item: OutboxItem, *, not_before: datetime | None = None) -> None:
        """Hand a row back untried (flood control, lease nearly over); no attempt counted."""
        when = not_before or self.clock.now()
        async with self.db.transaction() as session:
            await session.execute(_unsettled(item).values(locked_until=None, not_before=when))

    async def give_up(self, item: OutboxItem, error: str, *, unreachable: bool = False) -> None:
        """Stop trying a message that cannot be delivered; `unreachable` marks the young
        person who blocked the bot. An alert is never given up: it is retried instead."""
        if item.is_alert:
            await self.retry_later(item, error)
            return
        now = self.clock.now()
        async with self.db.transaction() as session:
            await session.execute(
                _unsettled(item).values(failed_at=now, locked_until=None, last_error=error[:200])
            )
            if unreachable and item.person_id is not None:
                await session.execute(
                    update(PersonRow)
                    .where(PersonRow.id == item.person_id, PersonRow.unreachable_at.is_(None))
                    .values(unreachable_at=now)
                )

    async def counts(self, *, kind: str | None = None) -> OutboxCounts:
        """How many rows are pending, sent and failed."""
        query = select(
            func.count(OutboxRow.id).filter(
                OutboxRow.sent_at.is_(None), OutboxRow.failed_at.is_(None)
            ),
            func.count(OutboxRow.sent_at),
            func.count(OutboxRow.failed_at),
        )
        if kind is not None:
            query = query.where(OutboxRow.kind == kind)
        async with self.db.reader() as session:
            pending, sent, failed = (await session.execute(query)).one()
        return OutboxCounts(int(pending), int(sent), int(failed))


_TITLES: dict[int, Mapping[str, str]] = {}
"""Each survey version's title by language (versions never change)."""


async def _wording(
    session: AsyncSession, rows: Sequence[OutboxRow]
) -> dict[int, tuple[str, str | None]]:
    """The language of each person message among `rows`, and its survey's title in that
    language (None where the survey has no words in it): one query each, for the batch."""
    person_rows = [r for r in rows if r.kind in PERSON_KINDS and r.person_id is not None]
    if not person_rows:
        return {}
    found_languages = await session.execute(
        select(PersonRow.id, PersonRow.language).where(
            PersonRow.id.in_({r.person_id for r in person_rows})
        )
    )
    languages: dict[int, str] = {person_id: language for person_id, language in found_languages}
    versions: dict[int, int] = {}
    invitation_ids = {r.invitation_id for r in person_rows if r.invitation_id is not None}
    if invitation_ids:
        found_versions = await session.execute(
            select(InvitationRow.id, CampaignRow.survey_version_id)
            .join(CampaignRow, CampaignRow.id == InvitationRow.campaign_id)
            .where(InvitationRow.id.in_(invitation_ids))
        )
        versions = {invitation_id: version for invitation_id, version in found_versions}
        unknown = set(versions.values()) - set(_TITLES)
        if unknown:
            found = await session.execute(
                select(SurveyVersionRow.id, SurveyVersionRow.key, SurveyVersionRow.definition)
                .where(SurveyVersionRow.id.in_(unknown))
            )
            for version_id, key, definition in found:
                survey = parse_survey(definition, f"survey {key}")
                _TITLES[version_id] = {
                    language: words["title"]
                    for language, words in survey.translations.items()
                    if words.get("title")
                }
    out: dict[int, tuple[str, str | None]] = {}
    for row in person_rows:
        language = normalize_language(languages.get(row.person_id or 0)) or DEFAULT_LANGUAGE
        version = versions.get(row.invitation_id or 0)
        title = _TITLES.get(version, {}).get(language) if version is not None else None
        out[row.id] = (language, title)
    return out


def _item(
    row: OutboxRow, language: str = DEFAULT_LANGUAGE, title: str | None = None
) -> OutboxItem:
    assert row.locked_until is not None
    return OutboxItem(
        id=row.id,
        kind=row.kind,
        channel=row.channel,
        address=row.address,
        payload=dict(row.payload or {}),
        person_id=row.person_id,
        invitation_id=row.invitation_id,
        alert_id=row.alert_id,
        attempts=row.attempts,
        locked_until=row.locked_until,
        language=language,
        title=title,
    )


def _unsettled(item: OutboxItem) -> Any:
    """An UPDATE of the row, only while it is neither sent nor failed."""
    return update(OutboxRow).where(
        OutboxRow.id == item.id, OutboxRow.sent_at.is_(None), OutboxRow.failed_at.is_(None)
    )


async def _record_delivery(session: AsyncSession, item: OutboxItem, now: datetime) -> None:
    if item.kind == OutboxKind.INVITATION and item.invitation_id is not None:
        await session.execute(
            update(InvitationRow)
            .where(InvitationRow.id == item.invitation_id, InvitationRow.delivered_at.is_(None))
            .values(delivered_at=now, delivered_by=item.channel)
        )
    elif item.kind == OutboxKind.REMINDER and item.invitation_id is not None:
        await session.execute(
            update(InvitationRow)
            .where(InvitationRow.id == item.invitation_id)
            .values(reminders_sent=InvitationRow.reminders_sent + 1, last_reminded_at=now)
        )
    elif item.kind == OutboxKind.REPLY and "reply_id" in item.payload:
        reply_id = int(item.payload["reply_id"])
        await session.execute(
            update(ReplyRow)
            .where(ReplyRow.id == reply_id, ReplyRow.delivered_at.is_(None))
            .values(delivered_at=now)
        )
        # the words stay with the reply only (erasure and retention blank them there)
        await session.execute(
            update(OutboxRow).where(OutboxRow.id == item.id).values(payload={"reply_id": reply_id})
        )
    elif item.kind == OutboxKind.ALERT and item.alert_id is not None:
        await session.execute(
            update(SafeguardingAlertRow)
            .where(
                SafeguardingAlertRow.id == item.alert_id,
                SafeguardingAlertRow.notified_at.is_(None),
            )
            .values(notified_at=now)
        )
        escalated = bool(item.payload.get("escalated"))
        await record_notified(session, item.alert_id, now, escalated=escalated)


async def _unwanted(
    session: AsyncSession, rows: Sequence[OutboxRow], now: datetime
) -> dict[int, str]:
    """Why each person message among `rows` should no longer go out (if it should not)."""
    person_rows = [r for r in rows if r.kind in PERSON_KINDS and r.person_id is not None]
    if not person_rows:
        return {}
    people = {
        p.id: p
        for p in await session.scalars(
            select(PersonRow).where(PersonRow.id.in_({r.person_id for r in person_rows}))
        )
    }
    invitation_ids = {r.invitation_id for r in person_rows if r.invitation_id is not None}
    invitations: dict[int, tuple[InvitationRow, CampaignRow]] = {}
    if invitation_ids:
        found = await session.execute(
            select(InvitationRow, CampaignRow)
            .join(CampaignRow, CampaignRow.id == InvitationRow.campaign_id)
            .where(InvitationRow.id.in_(invitation_ids))
        )
        invitations = {inv.id: (inv, campaign) for inv, campaign in found}
    reasons: dict[int, str] = {}
    for row in person_rows:
        person = people.get(row.person_id or 0)
        pair = invitations.get(row.invitation_id or 0)
        reason = _person_reason(person) or (_invitation_reason(*pair, now) if pair else None)
        if reason is not None:
            reasons[row.id] = reason
    return reasons


def _person_reason(person: PersonRow | None) -> str | None:
    if person is None or person.erased_at is not None:
        return "erased"
    if person.stopped_at is not None:
        return "stopped"
    if person.unreachable_at is not None:
        return "unreachable"
    return None


def _invitation_reason(
    invitation: InvitationRow, campaign: CampaignRow, now: datetime
) -> str | None:
    if invitation.returned_at is not None:
        return "returned"
    if invitation.revoked_at is not None:
        return "revoked"
    if campaign.closes_at <= now or invitation.expires_at <= now:
        return "closed"
    return None
