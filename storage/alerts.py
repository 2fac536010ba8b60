"""Safeguarding alerts: raise, join, escalate, acknowledge, note, read, rescan.

    raise_alert / join_open_alert / add_words    inside a conversation's transaction (sync)
    escalate_due(db, clock, policy)              a periodic job in `serve` and `bot`
    acknowledge / add_note / alert_detail        officers, through the API and pages (async)
    rescan(db, clock, policy, since)             `carevoice alerts rescan`

An alert is never deleted; each step is an event in its history. A repeated call for help
from the same young person joins their open alert instead of raising another. An alert not
acknowledged within `policy.escalate_after` minutes of office time is escalated to the duty
team once: the escalation is a conditional update (`escalated_at IS NULL`), so two workers
cannot both do it, and the due time is stored, so a restart changes nothing. Logs carry ids
and categories only, never words.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from storage.catalog import SurveyCatalog
from storage.database import Database
from storage.tables import (
    AnswerRow,
    OutboxRow,
    PersonRow,
    ResponseRow,
    SafeguardingAlertEventRow,
    SafeguardingAlertRow,
)
from surveys import safeguarding
from surveys.clock import Clock
from surveys.engine import describe_answer
from surveys.errors import ConflictError, NotFoundError
from surveys.office_hours import OfficeHours
from surveys.people import age_band, age_on

log = logging.getLogger(__name__)
HELP_NOW = "help_now"
RELATED_SHOWN = 20


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
    return "asked for help now" if category == HELP_NOW else category.replace("_", " ")


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
) -> int:
    """Store a new alert, its first event and a notification per officer; returns its id."""
    alert = SafeguardingAlertRow(
        person_id=person_id,
        response_id=response_id,
        question_id=question_id,
        category=category,
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
    log.info("safeguarding alert stored", extra={"alert": alert.id, "category": category})
    return alert.id


def join_open_alert(
    session: Session, now: datetime, person_id: int, words: str | None
) -> int | None:
    """Add a call for help to the young person's newest open alert; None if none is open."""
    alert_id = session.scalar(
        select(SafeguardingAlertRow.id)
        .where(
            SafeguardingAlertRow.person_id == person_id,
            SafeguardingAlertRow.acknowledged_at.is_(None),
        )
        .order_by(SafeguardingAlertRow.created_at.desc(), SafeguardingAlertRow.id.desc())
        .limit(1)
    )
    if alert_id is not None:
        session.add(SafeguardingAlertEventRow(alert_id=alert_id, at=now, kind=EventKind.JOINED,
                                              words=words))
        log.info("call for help joined an open alert", extra={"alert": alert_id})
    return alert_id


def add_words(session: Session, now: datetime, person_id: int, words: str) -> int | None:
    """Keep words written after a help reply with the young person's newest alert."""
    alert_id = session.scalar(
        select(SafeguardingAlertRow.id)
        .where(SafeguardingAlertRow.person_id == person_id)
        .order_by(SafeguardingAlertRow.created_at.desc(), SafeguardingAlertRow.id.desc())
        .limit(1)
    )
    if alert_id is not None:
        session.add(SafeguardingAlertEventRow(alert_id=alert_id, at=now, kind=EventKind.MORE,
                                              words=words))
    return alert_id


def _notify(
    session: Session,
    alert: SafeguardingAlertRow,
    recipients: Iterable[AlertRecipient],
    now: datetime,
    prefix: str,
) -> None:
    for recipient in recipients:
        session.add(
            OutboxRow(
                kind="alert",
                channel=recipient.channel,
                address=recipient.address,
                payload={"alert_id": alert.id, "category": alert.category,
                         "escalated": prefix == "escalate"},
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
    for alert_id in escalated:
        log.warning("safeguarding alert escalated", extra={"alert": alert_id})
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


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """One line of an alert's history."""

    at: datetime
    kind: str
    actor: str | None
    detail: str | None
    words: str | None


@dataclass(frozen=True, slots=True)
class RelatedAlert:
    """Another alert about the same young person (a pattern matters to safeguarding)."""

    id: int
    category: str
    created_at: datetime
    acknowledged: bool

    @property
    def label(self) -> str:
        return category_label(self.category)


@dataclass(frozen=True, slots=True)
class AlertDetail:
    """Everything an officer needs to act on an alert (staff only: it holds words)."""

    alert: SafeguardingAlertRow
    council_ref: str | None
    first_name: str | None
    age_band: str | None
    team: str | None
    survey_title: str | None
    question_text: str | None
    events: tuple[AlertEvent, ...]
    related: tuple[RelatedAlert, ...] = ()  # the young person's other alerts, newest first

    @property
    def label(self) -> str:
        return category_label(self.alert.category)

    @property
    def calls_for_help(self) -> int:
        """How many times the young person asked for help while it was open (joined)."""
        return sum(1 for e in self.events if e.kind == EventKind.JOINED)


async def alert_detail(
    session: AsyncSession, catalog: SurveyCatalog, alert_id: int
) -> AlertDetail:
    """One alert with the young person's details, the question and its history."""
    found = (
        await session.execute(
            select(SafeguardingAlertRow, PersonRow, ResponseRow.survey_version_id)
            .outerjoin(PersonRow, PersonRow.id == SafeguardingAlertRow.person_id)
            .outerjoin(ResponseRow, ResponseRow.id == SafeguardingAlertRow.response_id)
            .where(SafeguardingAlertRow.id == alert_id)
        )
    ).first()
    if found is None:
        raise NotFoundError(f"no alert {alert_id}")
    alert, person, version_id = found
    title = question = None
    if version_id is not None:
        survey = await catalog.get(session, version_id)
        title = survey.title
        if alert.question_id and survey.has_question(alert.question_id):
            question = survey.question(alert.question_id).text
    events = (
        await session.scalars(
            select(SafeguardingAlertEventRow)
            .where(SafeguardingAlertEventRow.alert_id == alert_id)
            .order_by(SafeguardingAlertEventRow.at, SafeguardingAlertEventRow.id)
        )
    ).all()
    related: list[RelatedAlert] = []
    if alert.person_id is not None:
        others = await session.execute(
            select(SafeguardingAlertRow.id, SafeguardingAlertRow.category,
                   SafeguardingAlertRow.created_at, SafeguardingAlertRow.acknowledged_at)
            .where(SafeguardingAlertRow.person_id == alert.person_id,
                   SafeguardingAlertRow.id != alert.id)
            .order_by(SafeguardingAlertRow.created_at.desc(), SafeguardingAlertRow.id.desc())
            .limit(RELATED_SHOWN)
        )
        related = [RelatedAlert(i, c, at, ack is not None) for i, c, at, ack in others.all()]
    band = person.age_band if person else None
    if person is not None and person.date_of_birth is not None:
        band = age_band(age_on(person.date_of_birth, alert.created_at.date()))
    return AlertDetail(
        alert,
        person.council_ref if person else None,
        person.first_name if person else None,
        band,
        person.team if person else None,
        title,
        question,
        tuple(AlertEvent(e.at, e.kind, e.actor, e.detail, e.words) for e in events),
        tuple(related),
    )


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


# ----- rescan ---------------------------------------------------------------------------


@dataclass
class RescanSummary:
    """What a rescan looked at and did."""

    scanned: int = 0
    matched: int = 0  # answers with at least one hit
    raised: int = 0  # new alerts
    already: int = 0  # hits that already had an alert
    alert_ids: list[int] = field(default_factory=list)


Detector = Callable[[str], Sequence[safeguarding.RiskHit]]


async def count_rescannable(db: Database, since: datetime) -> int:
    async with db.reader() as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(AnswerRow).where(
                    AnswerRow.answered_at >= since, AnswerRow.text.is_not(None)
                )
            ) or 0
        )


async def rescan(
    db: Database,
    clock: Clock,
    policy: AlertPolicy,
    since: datetime,
    *,
    detect: Detector | None = None,
    batch: int = 500,
    progress: Callable[[int], None] = lambda n: None,
) -> RescanSummary:
    """Raise alerts for stored free-text answers since `since` that the net now catches.

    Idempotent: an answer never gets a second alert for the same category (the unique
    `answer_id, category`; alerts from before answers were linked count by their response,
    question and category). The young person was told nothing at the time, and the alert
    says so. Runs in batches of `batch` answers, one transaction each.
    """
    found = detect or safeguarding.detect_risk
    summary = RescanSummary()
    after_id = 0
    while True:
        def work(session: Session, after_id: int = after_id) -> _Batch:
            # A plain function of the session: it may be run again (group commit retries).
            rows = session.execute(
                select(AnswerRow.id, AnswerRow.response_id, AnswerRow.question_id,
                       AnswerRow.text, ResponseRow.person_id, ResponseRow.channel)
                .join(ResponseRow, ResponseRow.id == AnswerRow.response_id)
                .where(AnswerRow.id > after_id, AnswerRow.answered_at >= since,
                       AnswerRow.text.is_not(None))
                .order_by(AnswerRow.id)
                .limit(batch)
            ).all()
            now = clock.now()
            done = _Batch(len(rows), rows[-1][0] if rows else after_id)
            for answer_id, response_id, question_id, text, person_id, channel in rows:
                hits = {str(h.category): h.phrase_id for h in found(str(text))}
                done.matched += bool(hits)
                for category, phrase_id in hits.items():
                    if _has_alert(session, answer_id, response_id, question_id, category):
                        done.already += 1
                        continue
                    done.raised.append(raise_alert(
                        session, policy, now, person_id=person_id, response_id=response_id,
                        question_id=question_id, category=category, phrase_id=phrase_id,
                        channel=channel, words=text, reply=None, answer_id=answer_id,
                        source="rescan",
                    ))
            return done

        try:
            done = await db.run(work)
        except IntegrityError:  # a rescan running beside this one raised it first: again
            continue
        summary.scanned += done.scanned
        summary.matched += done.matched
        summary.already += done.already
        summary.raised += len(done.raised)
        summary.alert_ids.extend(done.raised)
        after_id = done.last_id
        progress(done.scanned)
        if done.scanned < batch:
            return summary


@dataclass
class _Batch:
    scanned: int
    last_id: int
    matched: int = 0
    already: int = 0
    raised: list[int] = field(default_factory=list)


def _has_alert(
    session: Session, answer_id: int, response_id: int, question_id: str, category: str
) -> bool:
    return session.scalar(
        select(SafeguardingAlertRow.id).where(
            SafeguardingAlertRow.category == category,
            or_(
                SafeguardingAlertRow.answer_id == answer_id,
                and_(
                    SafeguardingAlertRow.answer_id.is_(None),
                    SafeguardingAlertRow.response_id == response_id,
                    SafeguardingAlertRow.question_id == question_id,
                ),
            ),
        ).limit(1)
    ) is not None


# ----- the whole response an alert came from ----------------------------------------------


@dataclass(frozen=True, slots=True)
class AnswerLine:
    """One answer of a response, as an officer reads it."""

    question_id: str
    question: str
    answer: str
    answered_at: datetime
    superseded: bool


@dataclass(frozen=True, slots=True)
class ResponseView:
    """A young person's whole response (staff only)."""

    response_id: int
    survey_title: str
    status: str
    channel: str
    answers: tuple[AnswerLine, ...]


async def alert_response(
    session: AsyncSession, catalog: SurveyCatalog, alert_id: int
) -> ResponseView:
    """Every answer (going back kept, marked) of the response an alert came from."""
    response_id = await session.scalar(
        select(SafeguardingAlertRow.response_id).where(SafeguardingAlertRow.id == alert_id)
    )
    response = await session.get(ResponseRow, response_id) if response_id else None
    if response is None:
        raise NotFoundError(f"alert {alert_id} did not come from a survey response")
    survey = await catalog.get(session, response.survey_version_id)
    rows = (
        await session.scalars(
            select(AnswerRow)
            .where(AnswerRow.response_id == response.id)
            .order_by(AnswerRow.answered_at, AnswerRow.id)
        )
    ).all()
    lines = []
    for row in rows:
        known = survey.has_question(row.question_id)
        question = survey.question(row.question_id) if known else None
        value = tuple(row.value) if isinstance(row.value, list) else row.value
        shown = (
            row.text if row.text is not None
            else "Skipped" if row.skipped
            else "(erased)" if value is None
            else describe_answer(question, value) if question is not None
            else str(value)
        )
        lines.append(AnswerLine(row.question_id, question.text if question else row.question_id,
                                shown, row.answered_at, row.superseded_at is not None))
    return ResponseView(response.id, survey.title, response.status, response.channel,
                        tuple(lines))


def local_time(at: datetime, zone: str = "Europe/London") -> str:
    """A time as people in the UK read it: "Tue 2 Dec 2026, 09:14 GMT" (BST in summer)."""
    local = at.astimezone(ZoneInfo(zone))
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"
