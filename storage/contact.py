"""Messages at any time: a young person starts contact ("something's wrong", "good news",
"talk to my worker") on Telegram from the bot's menu or on the web through their own link.

    Contact.send(...)           store the message; read for risk like an answer is, and an
                                alert raised the same way (`ConversationService.raise_alert`),
                                all in one commit
    issue_contact_link(...)     a young person's own web link (`/talk/<token>`); only a hash
                                of the token is kept, so it is shown once
    Contact.open_link(...)      who a link belongs to, and whether this browser is theirs

The words are children's data: they are never logged, and only officers read them.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from storage.conversations import ConversationService
from storage.database import Database
from storage.people import find_by_ref
from storage.tables import (
    ChannelLinkRow,
    ContactLinkRow,
    ContactMessageRow,
    PersonRow,
    ReplyRow,
    StatementViewRow,
)
from surveys import safeguarding
from surveys.clock import Clock
from surveys.engine import MAX_INPUT_CHARS
from surveys.errors import NotFoundError, ValidationError

log = logging.getLogger(__name__)

TOKEN_BYTES: Final = 24
MAX_MESSAGE: Final = MAX_INPUT_CHARS


class ContactKind(StrEnum):
    """What a young person wants to tell us (Mind of My Own's three doors)."""

    WRONG = "wrong"
    GOOD_NEWS = "good_news"
    TALK = "talk"


LABELS: Final = {
    ContactKind.WRONG: "Something's wrong",
    ContactKind.GOOD_NEWS: "Good news",
    ContactKind.TALK: "Talk to my worker",
}


@dataclass(frozen=True, slots=True)
class Sent:
    """A stored message: its id, the alerts it raised, and whether it was a repeat."""

    message_id: int
    alert_ids: tuple[int, ...] = ()
    duplicate: bool = False


@dataclass(frozen=True, slots=True)
class LinkOwner:
    """Who a personal link belongs to, and whether the browser asking is theirs."""

    person_id: int
    link_id: int
    bound: bool  # some browser is theirs
    this_browser: bool  # ... and it is this one


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def clean_text(text: str | None) -> str:
    """The message as stored: trimmed; empty or too long is refused with a clear word."""
    words = (text or "").strip()
    if not words:
        raise ValidationError("write a message first")
    if len(words) > MAX_MESSAGE:
        raise ValidationError(f"a message is at most {MAX_MESSAGE:,} characters")
    return words


async def live_contact_link(session: AsyncSession, council_ref: str) -> ContactLinkRow | None:
    """The young person's personal link that still works, if any (newest first)."""
    person = await find_by_ref(session, council_ref)
    if person is None:
        return None
    return (await session.scalars(
        select(ContactLinkRow)
        .where(ContactLinkRow.person_id == person.id, ContactLinkRow.revoked_at.is_(None))
        .order_by(ContactLinkRow.created_at.desc())
        .limit(1)
    )).first()


async def issue_contact_link(session: AsyncSession, council_ref: str, clock: Clock) -> str:
    """A new personal link token for a young person; any earlier one stops working."""
    person = await find_by_ref(session, council_ref)
    if person is None or person.erased_at is not None:
        raise NotFoundError("no young person with that reference")
    if person.status != "active":
        raise ValidationError("only active young people get a personal link")
    now = clock.now()
    for old in await session.scalars(
        select(ContactLinkRow).where(
            ContactLinkRow.person_id == person.id, ContactLinkRow.revoked_at.is_(None)
        )
    ):
        old.revoked_at = now
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(ContactLinkRow(person_id=person.id, token_hash=token_hash(token), created_at=now))
    await session.flush()
    return token


@dataclass
class Contact:
    """Messages at any time, over the store; each call is one transaction."""

    db: Database
    clock: Clock
    conversations: ConversationService

    async def send(
        self,
        person_id: int,
        kind: ContactKind,
        text: str | None,
        *,
        channel: str,
        message_key: str | None = None,
    ) -> Sent:
        """Store a message and raise one alert for the signs of risk in it (one commit);
        the same `message_key` again is recorded once."""
        words = clean_text(text)

        def work(session: Session) -> Sent:
            return self._store(session, person_id, kind, words, channel, message_key)

        try:
            sent = await self.db.run(work)
        except IntegrityError:
            if message_key is None:
                raise
            async with self.db.reader() as session:
                found = await session.scalar(
                    select(ContactMessageRow.id).where(ContactMessageRow.message_key == message_key)
                )
            if found is None:
                raise
            return Sent(int(found), duplicate=True)
        log.info(
            "message at any time stored",
            extra={"contact": sent.message_id, "kind": str(kind), "alerts": len(sent.alert_ids)},
        )
        return sent

    async def send_from_chat(
        self,
        kind: ContactKind,
        text: str | None,
        *,
        channel: str,
        address: str,
        message_key: str | None = None,
    ) -> Sent | None:
        """`send` for the young person linked to a chat; None if the chat is not linked."""
        async with self.db.reader() as session:
            person_id = await session.scalar(
                select(ChannelLinkRow.person_id).where(
                    ChannelLinkRow.channel == channel, ChannelLinkRow.address == address
                )
            )
        if person_id is None:
            return None
        return await self.send(int(person_id), kind, text, channel=channel, message_key=message_key)

    def _store(
        self,
        session: Session,
        person_id: int,
        kind: ContactKind,
        words: str,
        channel: str,
        message_key: str | None,
    ) -> Sent:
        hits = safeguarding.detect_risk(words)
        message = ContactMessageRow(
            person_id=person_id,
            kind=str(kind),
            text=words,
            channel=channel,
            message_key=message_key,
            alerted=bool(hits),
            created_at=self.clock.now(),
        )
        session.add(message)
        session.flush()
        if not hits:
            return Sent(message.id)
        # one message, one alert, listing every category it showed
        alert_id = self.conversations.raise_alert(
            session,
            person_id,
            str(hits[0].category),
            hits[0].phrase_id,
            channel,
            words=words,
            also=[str(hit.category) for hit in hits[1:]],
        )
        return Sent(message.id, (alert_id,))

    async def open_link(self, token: str, browser: str | None) -> LinkOwner:
        """The young person a personal link belongs to; `browser` (a hash of the browser's
        cookie) is theirs if it was the first to open the link."""
        if not token or len(token) > 64:
            raise NotFoundError("unknown link")
        async with self.db.reader() as session:
            row = await session.scalar(
                select(ContactLinkRow)
                .join(PersonRow, PersonRow.id == ContactLinkRow.person_id)
                .where(
                    ContactLinkRow.token_hash == token_hash(token),
                    ContactLinkRow.revoked_at.is_(None),
                    PersonRow.erased_at.is_(None),
                )
            )
        if row is None:
            raise NotFoundError("unknown link")
        bound = row.bound_address is not None
        return LinkOwner(row.person_id, row.id, bound, bound and row.bound_address == browser)

    async def bind_link(self, link_id: int, browser: str) -> bool:
        """Make `browser` the one that shows this link's replies, if none is yet."""
        async with self.db.transaction() as session:
            row = await session.get(ContactLinkRow, link_id, with_for_update=True)
            if row is None or row.revoked_at is not None:
                return False
            if row.bound_address is None:
                row.bound_address, row.bound_at = browser, self.clock.now()
            return row.bound_address == browser


async def erase_words(
    session: AsyncSession,
    *,
    person_id: int | None = None,
    before: datetime | None = None,
    now: datetime | None = None,
) -> int:
    """Blank the words of messages at any time and of replies: one young person's (erasure:
    their personal links stop working too, and what they were shown is forgotten), or
    everyone's older than `before` (retention). Returns how many messages were blanked."""
    messages = update(ContactMessageRow).where(ContactMessageRow.text.is_not(None))
    answers = update(ReplyRow).where(ReplyRow.text.is_not(None))
    if person_id is not None:
        messages = messages.where(ContactMessageRow.person_id == person_id)
        answers = answers.where(ReplyRow.person_id == person_id)
        await session.execute(
            update(ContactLinkRow)
            .where(ContactLinkRow.person_id == person_id, ContactLinkRow.revoked_at.is_(None))
            .values(revoked_at=now or func.now())
            .execution_options(synchronize_session=False)
        )
        await session.execute(
            delete(StatementViewRow).where(StatementViewRow.person_id == person_id)
        )
    if before is not None:
        messages = messages.where(ContactMessageRow.created_at < before)
        answers = answers.where(ReplyRow.created_at < before)
    done = await session.execute(
        messages.values(text=None).execution_options(synchronize_session=False)
    )
    await session.execute(answers.values(text=None).execution_options(synchronize_session=False))
    return int(getattr(done, "rowcount", 0) or 0)


async def delete_person_rows(session: AsyncSession, person_ids: Sequence[int]) -> None:
    """Delete everything of this module's that names these young people (their erasure):
    replies to them, what they were shown, their personal links and their messages."""
    for table in (ReplyRow, StatementViewRow, ContactLinkRow, ContactMessageRow):
        await session.execute(
            delete(table)
            .where(table.person_id.in_(list(person_ids)))
            .execution_options(synchronize_session=False)
        )


async def open_messages(session: AsyncSession) -> int:
    """How many messages no officer has marked read."""
    return int(
        await session.scalar(
            select(func.count(ContactMessageRow.id)).where(ContactMessageRow.read_at.is_(None))
        )
        or 0
    )


__all__ = [
    "LABELS",
    "Contact",
    "ContactKind",
    "LinkOwner",
    "Sent",
    "clean_text",
    "erase_words",
    "issue_contact_link",
    "open_messages",
    "token_hash",
]
