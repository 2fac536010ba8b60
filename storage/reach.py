"""Reaching young people by chat: who a chat is, consent, stop, requests, and what to send.

The chat adapters call these beside `ConversationService`: they know a chat by its channel
and address (a Telegram chat id) and never see more of the young person than they need.
`queue_invitations` and `queue_reminders` put messages in the outbox (`storage.outbox`);
each message has a dedupe key, so queueing twice sends once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import asking
from storage.asking import NO_CAP, AskingCap
from storage.campaigns import ACTIVE
from storage.database import Database
from storage.invitation_codes import code_hash
from storage.outbox import OutboxKind, QuietHours, enqueue
from storage.tables import (
    CampaignRow,
    ChannelLinkRow,
    InvitationRow,
    OutboxRow,
    PersonRow,
    RequestRow,
    ResponseRow,
    SurveyVersionRow,
)
from storage.teams import EVERY_TEAM, TeamScope
from surveys.clock import Clock
from surveys.errors import NotFoundError, ValidationError


class RequestKind(StrEnum):
    """What a young person asked a person to do."""

    ERASURE = "erasure"  # delete my data
    TALK = "talk"  # ask my worker or an advocate to get in touch
    ACCESS = "access"  # send me a copy of everything you hold about me


class RequestOutcome(StrEnum):
    CREATED = "created"
    ALREADY_OPEN = "already_open"
    NOT_LINKED = "not_linked"


@dataclass(frozen=True, slots=True)
class ChatStatus:
    """What the adapter may know about a chat: linked or not, consent given, stopped."""

    person_id: int | None
    consented: bool = False
    stopped: bool = False
    owns_code: bool = False  # the code asked about is this young person's

    @property
    def linked(self) -> bool:
        return self.person_id is not None


@dataclass(frozen=True, slots=True)
class QueueSummary:
    """What `queue_invitations` did."""

    queued: int
    already_queued: int
    not_linked: int
    not_reachable: int  # stopped, blocked the bot, erased, or asked to be deleted
    already_started: int


@dataclass
class Reach:
    """Chat-level use cases over the store; each call is one transaction."""

    db: Database
    clock: Clock
    quiet: QuietHours = field(default_factory=QuietHours)
    reminder_gap: timedelta = timedelta(days=3)
    cap: AskingCap = NO_CAP  # how often one young person may be asked (CAREVOICE_ASK_*)

    # ----- one chat ----------------------------------------------------------------------

    async def chat_status(
        self, channel: str, address: str, *, code: str | None = None
    ) -> ChatStatus:
        """Whether the chat is linked to a young person, who consented, has stopped, and
        (given an invitation `code`) whether the code is theirs."""
        async with self.db.reader() as session:
            row = (
                await session.execute(
                    select(PersonRow.id, PersonRow.consented_at, PersonRow.stopped_at)
                    .join(ChannelLinkRow, ChannelLinkRow.person_id == PersonRow.id)
                    .where(ChannelLinkRow.channel == channel, ChannelLinkRow.address == address)
                )
            ).first()
            if row is None:
                return ChatStatus(None)
            owner = (
                await session.scalar(
                    select(InvitationRow.person_id).where(
                        InvitationRow.code_hash == code_hash(code)
                    )
                )
                if code and code.strip()
                else None
            )
        return ChatStatus(
            row[0],
            consented=row[1] is not None,
            stopped=row[2] is not None,
            owns_code=owner is not None and owner == row[0],
        )

    async def record_consent(self, channel: str, address: str) -> bool:
        """Note that the young person agreed to the privacy notice (first time only)."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            person = await _linked_person(session, channel, address)
            if person is None:
                return False
            if person.consented_at is None:
                person.consented_at = now
        return True

    async def stop(self, channel: str, address: str) -> bool:
        """/stop: no more invitations or reminders until they start again; False if unlinked."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            person = await _linked_person(session, channel, address)
            if person is None:
                return False
            if person.stopped_at is None:
                person.stopped_at = now
            await _cancel_messages(session, person.id, now, "stopped")
        return True

    async def restart(self, channel: str, address: str) -> bool:
        """/start again: messages may be sent again; False if the chat is not linked."""
        async with self.db.transaction() as session:
            person = await _linked_person(session, channel, address)
            if person is None:
                return False
            person.stopped_at = None
            person.unreachable_at = None
        return True

    async def set_blocked(self, channel: str, address: str, *, blocked: bool) -> bool:
        """The young person blocked (or unblocked) the bot; False if the chat is unlinked."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            person = await _linked_person(session, channel, address)
            if person is None:
                return False
            if not blocked:
                person.unreachable_at = None
            elif person.unreachable_at is None:
                person.unreachable_at = now
        return True

    async def request(self, kind: RequestKind, channel: str, address: str) -> RequestOutcome:
        """Record a request for an officer (one open request of each kind at a time).
        An erasure request also stops messages."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            person = await _linked_person(session, channel, address)
            if person is None:
                return RequestOutcome.NOT_LINKED
            if kind is RequestKind.ERASURE:
                if person.stopped_at is None:
                    person.stopped_at = now
                await _cancel_messages(session, person.id, now, "erasure requested")
            return await record_request(session, person.id, kind, channel, now)

    async def owns_invitation(self, invitation_id: int, channel: str, address: str) -> bool:
        """Whether an invitation belongs to the young person linked to this chat."""
        return await self._owns(InvitationRow.id == invitation_id, channel, address)

    async def owns_code(self, code: str, channel: str, address: str) -> bool:
        """Whether the invitation with this code is for the young person linked to this
        chat (the chat started here)."""
        return await self._owns(InvitationRow.code_hash == code_hash(code), channel, address)

    async def _owns(self, which: ColumnElement[bool], channel: str, address: str) -> bool:
        async with self.db.reader() as session:
            found = await session.scalar(
                select(InvitationRow.id)
                .join(ChannelLinkRow, ChannelLinkRow.person_id == InvitationRow.person_id)
                .where(which, ChannelLinkRow.channel == channel, ChannelLinkRow.address == address)
            )
        return found is not None

    # ----- queueing ----------------------------------------------------------------------

    async def queue_invitations(
        self, campaign_id: int, *, channel: str = "telegram", scope: TeamScope = EVERY_TEAM
    ) -> QueueSummary:
        """Queue the campaign's invitation for every young person linked on `channel` (in
        `scope`'s teams). Nothing goes before the campaign opens; quiet hours are kept by
        the sender."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            found = (
                await session.execute(
                    select(CampaignRow, SurveyVersionRow.title)
                    .join(SurveyVersionRow, SurveyVersionRow.id == CampaignRow.survey_version_id)
                    .where(CampaignRow.id == campaign_id)
                )
            ).first()
            if found is None:
                raise NotFoundError(f"no campaign {campaign_id}")
            campaign, title = found
            if campaign.closes_at <= now:
                raise ValidationError(f"campaign {campaign_id} has closed")
            rows = (
                await session.execute(
                    select(InvitationRow, PersonRow, _latest_address(channel))
                    .join(PersonRow, PersonRow.id == InvitationRow.person_id)
                    .where(
                        InvitationRow.campaign_id == campaign_id,
                        InvitationRow.revoked_at.is_(None),
                        InvitationRow.returned_at.is_(None),
                        scope.people(PersonRow.team),
                    )
                    .order_by(InvitationRow.id)
                )
            ).all()
            deleting = await asking.deleting(session, [person.id for _, person, _ in rows])
            counts = {"queued": 0, "already": 0, "unlinked": 0, "unreachable": 0, "started": 0}
            payload = {"title": title, "closes_at": campaign.closes_at.isoformat()}
            for invitation, person, address in rows:
                if address is None:
                    counts["unlinked"] += 1
                elif _unreachable(person) or person.id in deleting:
                    counts["unreachable"] += 1
                elif invitation.used_at is not None:
                    counts["started"] += 1
                else:
                    added = await enqueue(
                        session,
                        kind=OutboxKind.INVITATION,
                        channel=channel,
                        address=address,
                        payload=payload,
                        dedupe_key=f"invitation:{invitation.id}:{channel}",
                        now=now,
                        not_before=max(now, campaign.opens_at),
                        person_id=person.id,
                        invitation_id=invitation.id,
                    )
                    counts["queued" if added else "already"] += 1
        return QueueSummary(
            counts["queued"],
            counts["already"],
            counts["unlinked"],
            counts["unreachable"],
            counts["started"],
        )

    async def queue_reminders(self, *, channel: str = "telegram", limit: int = 500) -> int:
        """Queue a reminder for linked young people who have not returned an open campaign's
        survey: invitation delivered, quiet for `reminder_gap`, fewer than the campaign's
        `max_reminders` and the council's cap (`cap.reminders`), not "not now", not stopped
        or blocked; none in quiet hours. Returns how many."""
        now = self.clock.now()
        if self.quiet.contains(now):
            return 0
        cutoff = now - self.reminder_gap
        address = _latest_address(channel)
        query = (
            select(
                InvitationRow.id,
                InvitationRow.person_id,
                InvitationRow.reminders_sent,
                CampaignRow.closes_at,
                SurveyVersionRow.title,
                ResponseRow.started_at,
                address,
            )
            .join(CampaignRow, CampaignRow.id == InvitationRow.campaign_id)
            .join(SurveyVersionRow, SurveyVersionRow.id == CampaignRow.survey_version_id)
            .join(PersonRow, PersonRow.id == InvitationRow.person_id)
            .outerjoin(ResponseRow, ResponseRow.invitation_id == InvitationRow.id)
            .where(
                CampaignRow.opens_at <= now,
                CampaignRow.closes_at > now,
                InvitationRow.expires_at > now,
                InvitationRow.revoked_at.is_(None),
                InvitationRow.returned_at.is_(None),
                InvitationRow.delivered_at.is_not(None),
                InvitationRow.delivered_at <= cutoff,
                InvitationRow.reminders_sent < CampaignRow.max_reminders,
                InvitationRow.reminders_sent < self.cap.reminders,
                InvitationRow.declined_at.is_(None),  # said "not now": never chased
                (InvitationRow.last_reminded_at.is_(None))
                | (InvitationRow.last_reminded_at <= cutoff),
                (ResponseRow.updated_at.is_(None)) | (ResponseRow.updated_at <= cutoff),
                PersonRow.stopped_at.is_(None),
                PersonRow.unreachable_at.is_(None),
                PersonRow.erased_at.is_(None),
                PersonRow.status == ACTIVE,  # never a practice person
                ~asking.deletion_waiting(PersonRow.id),
                address.is_not(None),
                ~exists().where(  # one message at a time: nothing already waiting to go
                    OutboxRow.invitation_id == InvitationRow.id,
                    OutboxRow.sent_at.is_(None),
                    OutboxRow.failed_at.is_(None),
                ),
            )
            .order_by(InvitationRow.id)
            .limit(limit)
        )
        queued = 0
        async with self.db.transaction() as session:
            for inv_id, person_id, sent, closes_at, title, started, chat in (
                await session.execute(query)
            ).all():
                number = sent + 1
                queued += await enqueue(
                    session,
                    kind=OutboxKind.REMINDER,
                    channel=channel,
                    address=str(chat),
                    payload={
                        "title": title,
                        "closes_at": closes_at.isoformat(),
                        "started": started is not None,
                        "number": number,
                    },
                    dedupe_key=f"reminder:{inv_id}:{number}:{channel}",
                    now=now,
                    person_id=person_id,
                    invitation_id=inv_id,
                )
        return queued


def _latest_address(channel: str) -> Any:
    """A scalar subquery: the young person's most recently linked address on `channel`."""
    link = ChannelLinkRow.__table__.alias("link")
    return (
        select(link.c.address)
        .where(link.c.person_id == PersonRow.id, link.c.channel == channel)
        .order_by(link.c.linked_at.desc(), link.c.id.desc())
        .limit(1)
        .correlate(PersonRow)
        .scalar_subquery()
    )


def _unreachable(person: PersonRow) -> bool:
    return person.status != ACTIVE or any(
        value is not None for value in (person.stopped_at, person.unreachable_at, person.erased_at)
    )


async def record_request(
    session: AsyncSession, person_id: int, kind: RequestKind, channel: str,
    received_at: datetime,
) -> RequestOutcome:
    """Record a request dated when it was received (the legal clock runs from then): from
    the chat, or one that reached an officer by phone, letter, email or in person. One
    open request of each kind at a time."""
    open_request = await session.scalar(
        select(RequestRow.id).where(
            RequestRow.person_id == person_id,
            RequestRow.kind == str(kind),
            RequestRow.resolved_at.is_(None),
        )
    )
    if open_request is not None:
        return RequestOutcome.ALREADY_OPEN
    session.add(
        RequestRow(person_id=person_id, kind=str(kind), channel=channel, created_at=received_at)
    )
    return RequestOutcome.CREATED


async def _linked_person(session: AsyncSession, channel: str, address: str) -> PersonRow | None:
    return await session.scalar(
        select(PersonRow)
        .join(ChannelLinkRow, ChannelLinkRow.person_id == PersonRow.id)
        .where(ChannelLinkRow.channel == channel, ChannelLinkRow.address == address)
        .with_for_update(of=PersonRow)
    )


async def _cancel_messages(
    session: AsyncSession, person_id: int, now: datetime, reason: str
) -> None:
    """Cancel invitations and reminders not yet sent to this young person."""
    await session.execute(
        update(OutboxRow)
        .where(
            OutboxRow.person_id == person_id,
            OutboxRow.kind.in_([str(k) for k in (OutboxKind.INVITATION, OutboxKind.REMINDER)]),
            OutboxRow.sent_at.is_(None),
            OutboxRow.failed_at.is_(None),
        )
        .values(failed_at=now, last_error=f"cancelled: {reason}")
        .execution_options(synchronize_session=False)
    )


__all__ = [
    "ChatStatus",
    "QueueSummary",
    "Reach",
    "RequestKind",
    "RequestOutcome",
]
