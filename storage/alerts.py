"""Safeguarding alerts: raise, join, escalate, send to the duty team, acknowledge, note,
read, rescan.

    raise_alert / join_open_alert / add_words    inside a conversation's transaction (sync)
    escalate_due(db, clock, policy)              a periodic job in `serve` and `bot`
    acknowledge / add_note / send_to_duty        officers, through the API and pages (async)

What officers read is in `storage.alert_views`; `carevoice alerts rescan` in
`storage.alert_rescan`.

An alert is never deleted; each step is an event in its history. One input raises one
alert, listing every category it showed (`categories`). A repeated call for help
from the same young person joins their open alert instead of raising another. An alert not
acknowledged within `policy.escalate_after` minutes of office time is escalated to the duty
team once: the escalation is a conditional update (`escalated_at IS NULL`), so two workers
cannot both do it, and the due time is stored, so a restart changes nothing. Logs carry ids
and categories only, never words.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from storage.database import Database
from storage.tables import (
    OutboxRow,
    SafeguardingAlertEventRow,
    SafeguardingAlertRow,
)
from surveys import safeguarding
from surveys.clock import Clock
from surveys.errors import ConflictError, NotFoundError, ValidationError
from surveys.office_hours import OfficeHours

log = logging.getLogger(__name__)
HELP_NOW = "help_now"


class EventKind(StrEnum):
    """What happened to an alert."""

    RAISED = "raised"
    JOINED = "joined"  # the young person asked for help again while it was open
    MORE = "more"  # they wrote more after the help reply
    NOTIFIED = "notified"  # a message reached an officer's chat
    ESCALATED = "escalated"  # not acknowledged in time: sent to the duty team
    NOTE = "note"
    ACKNOWLEDGED = "acknowledged"


@dataclass(frozen=True, slots=True)
class AlertRecipient:
    """Where a safeguarding alert notification goes (an officer's chat)."""

    channel: str
    address: str


@dataclass(frozen=True)
class AlertPolicy:
    """Who is told, and when an unacknowledged alert goes to the duty team."""

    recipients: Sequence[AlertRecipient] = ()
    duty: Sequence[AlertRecipient] = ()
    office: OfficeHours = field(default_factory=OfficeHours.parse)
    escalate_after: int = 15  # minutes of office time

    def escalate_at(self, raised: datetime) -> datetime:
        return self.office.add_minutes(raised, self.escalate_after)


def category_label(category: str) -> str:
    """A category as officers read it: its `label` where the detector gives one, else its
    value in words ("self_harm" -> "self harm"). Categories are never assumed fixed."""
    try:
        label = getattr(safeguarding.RiskCategory(category), "label", None)
    except ValueError:
        label = None
    if isinstance(label, str) and label:
        return label
    if category == safeguarding.UNREAD_CATEGORY:
        return safeguarding.UNREAD_LABEL
    return "asked for help now" if category == HELP_NOW else category.replace("_", " ")


def alert_categories(alert: SafeguardingAlertRow) -> tuple[str, ...]:
    """Every category an alert's input showed, its main one first."""
    return tuple(alert.categories.split()) if alert.categories else (alert.category,)


def categories_label(categories: Sequence[str]) -> str:
    """Categories as officers read them, the main one first, joined by semicolons."""
    return "; ".join(category_label(c) for c in categories)


# ----- inside a conversation's transaction ------------------------------------------------


def raise_alert(
    session: Session,
    policy: AlertPolicy,
    now: datetime,
    *,
    person_id: int | None,
    response_id: int | None,
    question_id: str | None,
    category: str,
    phrase_id: str,
    channel: str,
    words: str | None,
    reply: str | None,
    answer_id: int | None = None,
    source: str = "live",
    also: Sequence[str] = (),
) -> int:
    """Store a new alert, its first event and a notification per officer; returns its id.

    `category` is the input's main category; `also` any others the same input showed (one
    input, one alert)."""
    others = [c for c in dict.fromkeys(also) if c != category]
    alert = SafeguardingAlertRow(
        person_id=person_id,
        response_id=response_id,
        question_id=question_id,
        category=category,
        categories=" ".join((category, *others)) if others else None,
        phrase_id=phrase_id,
        channel=channel,
        created_at=now,
        words=words,
        reply=reply,
        answer_id=answer_id,
        source=source,
        escalate_at=policy.escalate_at(now),
    )
    session.add(alert)
    session.flush()
    detail = "found by a rescan of stored answers" if source == "rescan" else None
    session.add(SafeguardingAlertEventRow(alert_id=alert.id, at=now, kind=EventKind.RAISED,
                                          detail=detail))
    _notify(session, alert, policy.recipients, now, "alert")
    log.info("safeguarding alert stored",
             extra={"alert": alert.id, "category": category, "also": others})
    return alert.id


def join_open_alert(
    session: Session, now: datetime, person_id: int, words: str | None
) -> int | None:
    """Add a call for help to the young person's newest open alert; None if none is open."""
    alert_id = open_alert_id(session, person_id)
    if alert_id is not None:
        session.add(SafeguardingAlertEventRow(alert_id=alert_id, at=now, kind=EventKind.JOINED,
                                              words=words))
        log.info("call for help joined an open alert", extra={"alert": alert_id})
    return alert_id


def open_alert_id(session: Session, person_id: int) -> int | None:
    """The young person's newest alert nobody has acknowledged yet, if any."""
    return _newest_alert(session, person_id, SafeguardingAlertRow.acknowledged_at.is_(None))


def add_words(session: Session, now: datetime, person_id: int, words: str) -> int | None:
    """Keep words written after a help reply with the young person's newest alert."""
    alert_id = _newest_alert(session, person_id)
    if alert_id is not None:
        keep_words(session, now, alert_id, words)
    return alert_id


def keep_words(session: Session, now: datetime, alert_id: int, words: str) -> None:
    """Keep words the young person wrote after an alert with it (its history's "more")."""
    session.add(SafeguardingAlertEventRow(alert_id=alert_id, at=now, kind=EventKind.MORE,
                                          words=words))


def _newest_alert(session: Session, person_id: int, *where: ColumnElement[bool]) -> int | None:
    return session.scalar(
        select(SafeguardingAlertRow.id)
        .where(SafeguardingAlertRow.person_id == person_id, *where)
        .order_by(SafeguardingAlertRow.created_at.desc(), SafeguardingAlertRow.id.desc())
        .limit(1)
    )


def _notify(
    session: Session | AsyncSession,
    alert: SafeguardingAlertRow,
    recipients: Iterable[AlertRecipient],
    now: datetime,
    prefix: str,
    *,
    escalated: bool | None = None,
) -> None:
    """Queue a Telegram message about `alert` to each recipient (once per `prefix`)."""
    escalated = prefix == "escalate" if escalated is None else escalated
    for recipient in recipients:
        session.add(
            OutboxRow(
                kind="alert",
                channel=recipient.channel,
                address=recipient.address,
                payload={"alert_id": alert.id, "category": alert.category,
                         "categories": list(alert_categories(alert)),
                         "escalated": escalated},
                dedupe_key=f"{prefix}:{alert.id}:{recipient.channel}:{recipient.address}",
                person_id=None,
                alert_id=alert.id,
                not_before=now,
                attempts=0,
                created_at=now,
            )
        )


# ----- escalation ---------------------------------------------------------------------------


async def escalate_due(
    db: Database, clock: Clock, policy: AlertPolicy, *, limit: int = 100
) -> list[int]:
    """Escalate every unacknowledged alert whose time has come; returns their ids."""

    def work(session: Session) -> list[int]:
        now = clock.now()
        due = session.scalars(
            select(SafeguardingAlertRow.id)
            .where(
                SafeguardingAlertRow.escalate_at <= now,
                SafeguardingAlertRow.escalated_at.is_(None),
                SafeguardingAlertRow.acknowledged_at.is_(None),
            )
            .order_by(SafeguardingAlertRow.escalate_at)
            .limit(limit)
        ).all()
        done: list[int] = []
        for alert_id in due:
            won = session.execute(
                update(SafeguardingAlertRow)
                .where(
                    SafeguardingAlertRow.id == alert_id,
                    SafeguardingAlertRow.escalated_at.is_(None),
                    SafeguardingAlertRow.acknowledged_at.is_(None),
                )
                .values(escalated_at=now)
            )
            if getattr(won, "rowcount", 0) != 1:
                continue  # another worker escalated it, or it was acknowledged meanwhile
            alert = session.get_one(SafeguardingAlertRow, alert_id)
            who = (
                f"sent to the duty team ({len(policy.duty)} "
                f"{'person' if len(policy.duty) == 1 else 'people'})"
                if policy.duty
                else "no duty team is set (CAREVOICE_DUTY_CHAT_IDS): shown as overdue"
            )
            session.add(SafeguardingAlertEventRow(
                alert_id=alert_id, at=now, kind=EventKind.ESCALATED,
                detail=f"not acknowledged after {policy.escalate_after} minutes of office "
                       f"time; {who}",
            ))
            _notify(session, alert, policy.duty, now, "escalate")
            done.append(alert_id)
        return done

    escalated = await db.run(work)
    told = (f"sent to the duty team ({len(policy.duty)})" if policy.duty
            else "no duty team is set (CAREVOICE_DUTY_CHAT_IDS): shown as overdue only")
    for alert_id in escalated:  # the number, not the words: `carevoice alerts show N`
        log.warning("safeguarding alert %d escalated: not acknowledged in time; %s",
                    alert_id, told, extra={"alert": alert_id})  # fmt: skip
    return escalated


async def keep_escalating(
    db: Database, clock: Clock, policy: AlertPolicy, *, every: float = 30.0
) -> None:
    """Run `escalate_due` every `every` seconds until cancelled (`serve`, `bot`)."""
    while True:
        try:
            await escalate_due(db, clock, policy)
        except Exception as error:  # the database may be briefly away: try again next time
            log.error("alert escalation failed: %s", type(error).__name__)
        await asyncio.sleep(every)


# ----- officers -----------------------------------------------------------------------------


async def acknowledge(
    session: AsyncSession, now: datetime, alert_id: int, *, actor: str, note: str
) -> SafeguardingAlertRow:
    """Record that a person has dealt with an alert and what they did (once)."""
    note = note.strip()
    if not note:
        raise ValueError("a note of the action taken is needed to acknowledge an alert")
    alert = await session.scalar(
        select(SafeguardingAlertRow).where(SafeguardingAlertRow.id == alert_id).with_for_update()
    )
    if alert is None:
        raise NotFoundError(f"no alert {alert_id}")
    if alert.acknowledged_at is not None:
        raise ConflictError(
            f"alert {alert_id} was already acknowledged by {alert.acknowledged_by} "
            f"at {alert.acknowledged_at:%Y-%m-%d %H:%M} UTC"
        )
    alert.acknowledged_at = now
    alert.acknowledged_by = actor[:100]
    alert.note = note
    session.add(SafeguardingAlertEventRow(alert_id=alert_id, at=now, kind=EventKind.ACKNOWLEDGED,
                                          actor=actor[:100], detail=note))
    await session.flush()
    return alert


async def send_to_duty(
    session: AsyncSession,
    now: datetime,
    alert_id: int,
    *,
    actor: str,
    note: str,
    policy: AlertPolicy,
) -> int:
    """An officer sends an alert to the duty team now (out of hours, or it cannot wait for
    the escalation): queued to each of them, written in its history with the reason, and
    not escalated again by the clock. Returns how many were sent to; ValidationError
    when no duty team is set."""
    note = note.strip()
    if not note:
        raise ValueError("say why it goes to the duty team, for its history")
    if not policy.duty:
        raise ValidationError("no duty team is set (CAREVOICE_DUTY_CHAT_IDS)")
    alert = await session.scalar(
        select(SafeguardingAlertRow).where(SafeguardingAlertRow.id == alert_id).with_for_update()
    )
    if alert is None:
        raise NotFoundError(f"no alert {alert_id}")
    if alert.escalated_at is None:
        alert.escalated_at = now
    people = len(policy.duty)
    event = SafeguardingAlertEventRow(
        alert_id=alert_id, at=now, kind=EventKind.ESCALATED, actor=actor[:100],
        detail=f"sent to the duty team by hand ({people} {'person' if people == 1 else 'people'})"
               f": {note}",
    )  # fmt: skip
    session.add(event)
    await session.flush()
    _notify(session, alert, policy.duty, now, f"duty-{event.id}", escalated=True)
    await session.flush()
    log.warning("safeguarding alert sent to the duty team", extra={"alert": alert_id})
    return people


async def add_note(
    session: AsyncSession, now: datetime, alert_id: int, *, actor: str, note: str
) -> None:
    """Add a note to an alert's history (before or after it is acknowledged)."""
    note = note.strip()
    if not note:
        raise ValueError("the note is empty")
    exists = await session.scalar(
        select(SafeguardingAlertRow.id).where(SafeguardingAlertRow.id == alert_id)
    )
    if exists is None:
        raise NotFoundError(f"no alert {alert_id}")
    session.add(SafeguardingAlertEventRow(alert_id=alert_id, at=now, kind=EventKind.NOTE,
                                          actor=actor[:100], detail=note))
    await session.flush()


async def record_notified(session: AsyncSession, alert_id: int, now: datetime,
                          *, escalated: bool) -> None:
    """A notification reached an officer's (or the duty team's) chat: say so in the history."""
    who = "the duty team's" if escalated else "an officer's"
    session.add(SafeguardingAlertEventRow(alert_id=alert_id, at=now, kind=EventKind.NOTIFIED,
                                          detail=f"Telegram message delivered to {who} chat"))
