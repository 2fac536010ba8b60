"""The loop back to young people: messages they sent at any time (audited reads), a
worker's replies to a message or a response, and a young person's own link."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from api.deps import Limit, OfficerKey, Offset, ServicesDep, SessionDep
from api.queries import message_in_scope, person_by_ref, response_in_scope
from api.schemas import Page, error_responses
from storage import replies
from storage.contact import issue_contact_link
from storage.tables import ContactMessageRow, PersonRow

router = APIRouter(tags=["replies and messages"])
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Ref = Annotated[str, Path(min_length=1, max_length=64)]


class ReplyCreate(BaseModel):
    """A reply in plain words, for the young person to read."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=replies.MAX_REPLY)


class ReplyPublic(BaseModel):
    """A reply and how it went: sent on Telegram, shown on the web, or waiting."""

    id: int
    text: str | None
    written_by: str
    created_at: datetime
    channel: str
    state: str


class MessagePublic(BaseModel):
    """A message a young person sent at any time."""

    id: int
    council_ref: str
    kind: str = Field(description="wrong, good_news or talk")
    text: str | None
    channel: str
    alerted: bool = Field(description="It raised a safeguarding alert.")
    created_at: datetime
    read_at: datetime | None
    read_by: str | None
    replies: list[ReplyPublic]


class ContactLinkPublic(BaseModel):
    """A young person's own link; shown once (only a hash is kept)."""

    council_ref: str
    link: str


def _reply(status: replies.ReplyStatus) -> ReplyPublic:
    return ReplyPublic(
        id=status.id, text=status.text, written_by=status.written_by,
        created_at=status.created_at, channel=status.channel, state=status.state,
    )  # fmt: skip


@router.get("/messages", responses=error_responses(401, 403, 422))
async def list_messages(
    session: SessionDep,
    services: ServicesDep,
    caller: OfficerKey,
    unread: bool = False,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[MessagePublic]:
    """Messages young people sent at any time, newest first, with replies (audited)."""
    where = [PersonRow.erased_at.is_(None), caller.scope.people(PersonRow.team)]
    if unread:
        where.append(ContactMessageRow.read_at.is_(None))
    base = (
        select(ContactMessageRow, PersonRow.council_ref)
        .join(PersonRow, PersonRow.id == ContactMessageRow.person_id)
        .where(*where)
    )
    total = int(await session.scalar(select(func.count()).select_from(base.subquery())) or 0)
    rows = (
        await session.execute(
            base.order_by(ContactMessageRow.id.desc()).limit(limit).offset(offset)
        )
    ).all()
    items = []
    for m, ref in rows:
        answered = await replies.replies_to(session, contact_message_id=m.id)
        items.append(
            MessagePublic(
                id=m.id,
                council_ref=ref,
                kind=m.kind,
                text=m.text,
                channel=m.channel,
                alerted=m.alerted,
                created_at=m.created_at,
                read_at=m.read_at,
                read_by=m.read_by,
                replies=[_reply(r) for r in answered],
            )
        )
    await caller.audit(
        session, services, "read messages", f"{len(items)} of {total} (offset {offset})"
    )
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.post(
    "/messages/{message_id}/replies", status_code=201, responses=error_responses(401, 403, 404, 422)
)
async def reply_to_message(
    message_id: Id,
    body: ReplyCreate,
    session: SessionDep,
    services: ServicesDep,
    caller: OfficerKey,
) -> ReplyPublic:
    """Answer a message; it goes back on the channel the young person used (audited)."""
    await message_in_scope(session, message_id, caller.scope)
    row = await replies.write_reply(
        session, services.clock, actor=caller.actor, text=body.text,
        contact_message_id=message_id,
    )  # fmt: skip
    (status,) = [s for s in await replies.replies_to(
        session, contact_message_id=message_id) if s.id == row.id]  # fmt: skip
    return _reply(status)


@router.post(
    "/responses/{response_id}/replies",
    status_code=201,
    responses=error_responses(401, 403, 404, 422),
)
async def reply_to_response(
    response_id: Id,
    body: ReplyCreate,
    session: SessionDep,
    services: ServicesDep,
    caller: OfficerKey,
) -> ReplyPublic:
    """Answer what a young person said in a response, on the channel they used (audited)."""
    await response_in_scope(session, response_id, caller.scope)
    row = await replies.write_reply(
        session, services.clock, actor=caller.actor, text=body.text, response_id=response_id
    )
    (status,) = [s for s in await replies.replies_to(
        session, response_id=response_id) if s.id == row.id]  # fmt: skip
    return _reply(status)


@router.get("/responses/{response_id}/replies", responses=error_responses(401, 403, 404, 422))
async def response_replies(
    response_id: Id, session: SessionDep, services: ServicesDep, caller: OfficerKey
) -> list[ReplyPublic]:
    """The replies to one response and how each went (audited)."""
    await response_in_scope(session, response_id, caller.scope)
    await caller.audit(session, services, "read replies", f"response {response_id}")
    return [_reply(s) for s in await replies.replies_to(session, response_id=response_id)]


@router.post(
    "/people/{council_ref}/contact-link",
    status_code=201,
    responses=error_responses(401, 403, 404, 422),
)
async def make_contact_link(
    council_ref: Ref, session: SessionDep, services: ServicesDep, caller: OfficerKey
) -> ContactLinkPublic:
    """A young person's own link for messages at any time; any earlier one stops working.
    Shown once."""
    # the reference as held: the one the key may see (`find_by_ref` forgives case)
    council_ref = (await person_by_ref(session, council_ref, caller.scope)).council_ref
    token = await issue_contact_link(session, council_ref, services.clock)
    await caller.audit(session, services, "issue contact link", f"person {council_ref}")
    base = services.settings.public_url.rstrip("/")
    return ContactLinkPublic(council_ref=council_ref, link=f"{base}/talk/{token}")
