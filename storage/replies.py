"""A worker's reply to what a young person said, back on the channel they used.

    write_reply(...)       an officer answers a response, a message or a safeguarding
                           alert (finished or not) in plain words: on
                           Telegram it is queued in the outbox (`OutboxKind.REPLY`, sent
                           within the quiet hours like any message to a young person); on
                           the web it waits until they next open their link
    take_web_replies(...)  the web replies not yet shown to a young person (marked shown)
    thread(...)            a young person's messages and the replies to them, oldest first
    withdraw_reply(...)    take back a reply that has not reached them yet (a mistake, the
                           wrong young person): never shown, never sent

Replies are staff words, not a young person's, so they do not go through the safeguarding
net; each is written to the audit log (who wrote to whom, never the words) and the words
never reach a log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit
from storage.outbox import OutboxKind, enqueue
from storage.tables import (
    ChannelLinkRow,
    ContactMessageRow,
    OutboxRow,
    PersonRow,
    ReplyRow,
    ResponseRow,
    SafeguardingAlertRow,
)
from surveys.clock import Clock
from surveys.errors import ConflictError, NotFoundError, ValidationError

MAX_REPLY: Final = 2000
WEB: Final = "web"
TELEGRAM: Final = "telegram"
WITHDRAWN: Final = "withdrawn by staff"
"""`ReplyRow.undelivered` for a reply taken back before it reached the young person."""
_NOT_WITHDRAWN = or_(ReplyRow.undelivered.is_(None), ReplyRow.undelivered != WITHDRAWN)


class ErasedError(ValidationError):
    """A reply to a young person whose data has been erased: there is no one to send it to."""


@dataclass(frozen=True, slots=True)
class ReplyStatus:
    """A reply as officers see it: where it went and whether it arrived."""

    id: int
    text: str | None
    written_by: str
    created_at: datetime
    channel: str
    state: str  # "sent", "shown", "waiting", "not sent: ..."
    waiting: bool = False  # not yet with them: it can still be withdrawn


@dataclass(frozen=True, slots=True)
class ThreadItem:
    """One line of a young person's thread: their message or a worker's reply."""

    who: str  # "you" or "worker"
    text: str
    at: datetime
    kind: str | None = None


@dataclass(frozen=True, slots=True)
class _Target:
    """Whom a reply answers: the young person, their channel, what it is stored against."""

    person_id: int
    channel: str
    subject: str
    response_id: int | None = None
    contact_message_id: int | None = None


async def _target(
    session: AsyncSession,
    clock: Clock,
    actor: str,
    *,
    response_id: int | None,
    contact_message_id: int | None,
    alert_id: int | None,
) -> _Target:
    """What a reply answers; NotFoundError if it is gone. A message counts as read."""
    if sum(x is not None for x in (response_id, contact_message_id, alert_id)) != 1:
        raise ValidationError("reply to one response, one message or one alert")
    if response_id is not None:
        found = await session.get(ResponseRow, response_id)
        if found is None:
            raise NotFoundError(f"no response {response_id}")
        return _Target(found.person_id, found.channel, f"response {response_id}",
                       response_id=response_id)  # fmt: skip
    if alert_id is not None:
        alert = await session.get(SafeguardingAlertRow, alert_id)
        if alert is None or alert.person_id is None:
            raise NotFoundError(f"no young person to reply to for alert {alert_id}")
        return _Target(alert.person_id, alert.channel, f"alert {alert_id}",
                       response_id=alert.response_id)  # fmt: skip
    message = await session.get(ContactMessageRow, contact_message_id)
    if message is None:
        raise NotFoundError(f"no message {contact_message_id}")
    if message.read_at is None:
        message.read_at, message.read_by = clock.now(), actor[:100]
    return _Target(message.person_id, message.channel, f"message {contact_message_id}",
                   contact_message_id=contact_message_id)  # fmt: skip


async def write_reply(
    session: AsyncSession,
    clock: Clock,
    *,
    actor: str,
    text: str,
    response_id: int | None = None,
    contact_message_id: int | None = None,
    alert_id: int | None = None,
) -> ReplyRow:
    """Store a reply to a response, a message or an alert (kept with the alert's response,
    returned or not) and send it on the young person's channel."""
    words = (text or "").strip()
    if not words:
        raise ValidationError("write the reply first")
    if len(words) > MAX_REPLY:
        raise ValidationError(f"a reply is at most {MAX_REPLY:,} characters")
    target = await _target(session, clock, actor, response_id=response_id,
                           contact_message_id=contact_message_id, alert_id=alert_id)
    person = await session.get_one(PersonRow, target.person_id)
    if person.erased_at is not None:
        raise ErasedError("this young person's data has been erased")
    now = clock.now()
    reply = ReplyRow(
        person_id=target.person_id,
        response_id=target.response_id,
        contact_message_id=target.contact_message_id,
        channel=target.channel,
        text=words,
        written_by=actor[:100],
        created_at=now,
    )
    session.add(reply)
    await session.flush()
    if target.channel == TELEGRAM:
        await _queue(session, reply, now)
    elif target.channel != WEB:
        reply.undelivered = f"no way to reach them on {target.channel}"[:64]
    await audit.record(session, clock, actor=actor, action="reply to young person",
                       subject=target.subject)
    return reply


async def _queue(session: AsyncSession, reply: ReplyRow, now: datetime) -> None:
    address = await session.scalar(
        select(ChannelLinkRow.address)
        .where(ChannelLinkRow.person_id == reply.person_id, ChannelLinkRow.channel == TELEGRAM)
        .order_by(ChannelLinkRow.linked_at.desc(), ChannelLinkRow.id.desc())
        .limit(1)
    )
    if address is None:
        reply.undelivered = "no Telegram chat"
        return
    await enqueue(
        session,
        kind=OutboxKind.REPLY,
        channel=TELEGRAM,
        address=address,
        payload={"reply_id": reply.id, "text": reply.text},
        dedupe_key=f"reply:{reply.id}",
        now=now,
        person_id=reply.person_id,
    )


def _web(person_id: int, *, shown: bool) -> tuple[ColumnElement[bool], ...]:
    """This young person's web replies with words, waiting to be shown or shown."""
    return (
        ReplyRow.person_id == person_id,
        ReplyRow.channel == WEB,
        ReplyRow.delivered_at.is_not(None) if shown else ReplyRow.delivered_at.is_(None),
        ReplyRow.text.is_not(None),
        _NOT_WITHDRAWN if shown else ReplyRow.undelivered.is_(None),
    )


async def web_replies_waiting(session: AsyncSession, person_id: int) -> bool:
    """Whether a web reply waits to be shown to this young person (a cheap read)."""
    found = await session.scalar(select(ReplyRow.id).where(*_web(person_id, shown=False)).limit(1))
    return found is not None


async def take_web_replies(session: AsyncSession, person_id: int, clock: Clock) -> list[str]:
    """Web replies not yet shown to the young person, oldest first; marked shown now."""
    rows = list(
        (
            await session.scalars(
                select(ReplyRow)
                .where(*_web(person_id, shown=False))
                .order_by(ReplyRow.id)
                .with_for_update()
            )
        ).all()
    )
    now = clock.now()
    for row in rows:
        row.delivered_at = now
    return [row.text for row in rows if row.text]


async def shown_web_replies(
    session: AsyncSession, person_id: int, *, limit: int = 3
) -> list[str]:
    """The newest web replies already shown to this young person (not withdrawn), oldest
    first: the survey chat keeps them on its page, so a reply read once does not vanish
    on the next reload."""
    rows = await session.scalars(
        select(ReplyRow.text)
        .where(*_web(person_id, shown=True))
        .order_by(ReplyRow.id.desc())
        .limit(limit)
    )
    return [text for text in reversed(rows.all()) if text]


async def thread(session: AsyncSession, person_id: int, *, limit: int = 50) -> list[ThreadItem]:
    """A young person's newest messages at any time and all replies to them (or to their
    responses), oldest first."""
    messages = await session.scalars(
        select(ContactMessageRow)
        .where(ContactMessageRow.person_id == person_id, ContactMessageRow.text.is_not(None))
        .order_by(ContactMessageRow.id.desc())
        .limit(limit)
    )
    replies = await session.scalars(
        select(ReplyRow)
        .where(ReplyRow.person_id == person_id, ReplyRow.text.is_not(None), _NOT_WITHDRAWN)
        .order_by(ReplyRow.id.desc())
        .limit(limit)
    )
    items = [ThreadItem("you", m.text or "", m.created_at, m.kind) for m in messages]
    items += [ThreadItem("worker", r.text or "", r.created_at) for r in replies]
    return sorted(items, key=lambda item: item.at)[-limit:]


async def mark_web_replies_shown(session: AsyncSession, person_id: int, clock: Clock) -> None:
    """Every web reply to this young person counts as shown (their thread was opened)."""
    await session.execute(
        update(ReplyRow)
        .where(
            ReplyRow.person_id == person_id,
            ReplyRow.channel == WEB,
            ReplyRow.delivered_at.is_(None),
        )
        .values(delivered_at=clock.now())
        .execution_options(synchronize_session=False)
    )


async def replies_to(
    session: AsyncSession, *, response_id: int | None = None, contact_message_id: int | None = None
) -> list[ReplyStatus]:
    """The replies to one response or message, oldest first, with how each went."""
    where = (
        ReplyRow.response_id == response_id
        if response_id is not None
        else ReplyRow.contact_message_id == contact_message_id
    )
    return await _statuses(session, (where,))


async def _statuses(
    session: AsyncSession, where: tuple[ColumnElement[bool], ...]
) -> list[ReplyStatus]:
    rows = list((await session.scalars(select(ReplyRow).where(*where).order_by(ReplyRow.id))).all())
    failures = await _failures(session, [r.id for r in rows])
    return [
        ReplyStatus(
            r.id, r.text, r.written_by, r.created_at, r.channel, _state(r, failures.get(r.id)),
            waiting=r.delivered_at is None and r.undelivered is None and r.id not in failures,
        )
        for r in rows
    ]


async def replies_to_alert(session: AsyncSession, alert: SafeguardingAlertRow) -> list[ReplyStatus]:
    """The replies about an alert: to its response, or (raised outside a survey) the
    young person's replies to neither a response nor a message."""
    if alert.response_id is not None:
        return await replies_to(session, response_id=alert.response_id)
    if alert.person_id is None:
        return []
    return await _statuses(session, (
        ReplyRow.person_id == alert.person_id,
        ReplyRow.response_id.is_(None),
        ReplyRow.contact_message_id.is_(None),
    ))  # fmt: skip


async def withdraw_reply(
    session: AsyncSession, clock: Clock, *, reply_id: int, actor: str
) -> ReplyRow:
    """Take back a reply before it reaches the young person: a Telegram reply waiting in
    the outbox is cancelled, a web reply is never shown, and neither is in their thread.
    The words stay for staff, marked withdrawn; audited. NotFoundError if there is no such
    reply; ConflictError once it has been sent or shown, is being sent this minute, or was
    never going to be sent."""
    reply = await session.get(ReplyRow, reply_id, with_for_update=True)
    if reply is None:
        raise NotFoundError(f"no reply {reply_id}")
    if reply.undelivered is not None:
        raise ConflictError(f"this reply was not sent ({reply.undelivered})")
    if reply.delivered_at is not None:
        raise ConflictError("this reply has already reached them")
    now = clock.now()
    if reply.channel == TELEGRAM:
        cancelled = await session.execute(
            update(OutboxRow)
            .where(
                OutboxRow.dedupe_key == f"reply:{reply.id}",
                OutboxRow.sent_at.is_(None),
                OutboxRow.failed_at.is_(None),
                or_(OutboxRow.locked_until.is_(None), OutboxRow.locked_until <= now),
            )
            .values(failed_at=now, locked_until=None, last_error=f"cancelled: {WITHDRAWN}")
            .execution_options(synchronize_session=False)
        )
        if getattr(cancelled, "rowcount", 0) != 1:
            raise ConflictError("this reply is being sent now, or could not be sent")
    reply.undelivered = WITHDRAWN
    await audit.record(
        session, clock, actor=actor, action="withdraw reply", subject=f"reply {reply.id}"
    )
    return reply


async def _failures(session: AsyncSession, reply_ids: list[int]) -> dict[int, str]:
    """Why a Telegram reply was not sent, by reply id (cancelled or given up)."""
    if not reply_ids:
        return {}
    keys = {f"reply:{i}": i for i in reply_ids}
    rows = await session.execute(
        select(OutboxRow.dedupe_key, OutboxRow.last_error).where(
            OutboxRow.dedupe_key.in_(list(keys)), OutboxRow.failed_at.is_not(None)
        )
    )
    return {keys[key]: (error or "failed") for key, error in rows.all()}


def _state(reply: ReplyRow, failure: str | None) -> str:
    if reply.undelivered == WITHDRAWN:
        return "withdrawn: they never saw it"
    if reply.undelivered:
        return f"not sent: {reply.undelivered}"
    if reply.delivered_at is not None:
        return "sent on Telegram" if reply.channel == TELEGRAM else "shown on the web chat"
    if failure is not None:
        return f"not sent: {failure.removeprefix('cancelled: ')}"
    if reply.channel == TELEGRAM:
        return "waiting to be sent"
    return "waiting: shown when they next open their link"


__all__ = [
    "MAX_REPLY",
    "WITHDRAWN",
    "ErasedError",
    "ReplyStatus",
    "ThreadItem",
    "mark_web_replies_shown",
    "replies_to",
    "replies_to_alert",
    "take_web_replies",
    "thread",
    "web_replies_waiting",
    "withdraw_reply",
    "write_reply",
]
