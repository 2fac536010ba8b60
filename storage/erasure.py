"""Erasure: a young person's rows deleted, their part of the board's figures kept without them.

`erase_person` deletes everything that holds the young person or what they said: their
`people` row (council reference, name, date of birth, team, review date), chat links,
invitations (codes), responses (progress and its copy of their words), answers (words,
choices and scores), topic tags, and messages to them. Before that, what those rows add to
the board's figures is folded into cells that hold no person (`storage.board.folding`),
so forms sent and returned, the scorecard, sentiment, themes and topics read the same
before and after. Their reference in the audit log (and in officers' notes) becomes a
keyed hash (`storage.audit.RefHasher`), and the erasure is logged under that hash.

Safeguarding alerts are never deleted. An erasure waits until every alert about the young
person has been acknowledged (an officer has acted on it: an alert that names no one can
no longer be acted on). Then each alert keeps that it happened, its category and the
phrase list entry that raised it, channel, times, and who acknowledged it; its link to
the person and response, and the officer's note (which may quote or name the child) go.

Retention (`storage.retention`) removes old words and responses through the same paths:
`blank_text` and `delete_responses`, each folded first.

On SQLite, deleted bytes are overwritten (`secure_delete`, set on every connection) and
`Database.checkpoint` then copies the WAL into the database and truncates it, so the words
are in neither file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import case, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.audit import RefHasher, containing, mentions
from storage.audit import record as audit_record
from storage.board.folding import fold
from storage.contact import delete_person_rows, erase_words
from storage.people import find_by_ref
from storage.tables import (
    AnswerRow,
    AnswerTopicRow,
    AuditLogRow,
    ChannelLinkRow,
    InboundMessageRow,
    InvitationHoldRow,
    InvitationRow,
    OutboxRow,
    PersonRow,
    ReplyRow,
    RequestRow,
    ResponseRow,
    RetiredCodeRow,
    SafeguardingAlertEventRow,
    SafeguardingAlertRow,
)
from surveys.clock import Clock
from surveys.errors import ConflictError, NotFoundError, ValidationError

TEXT_KIND = "text"
REQUEST_KINDS = ("erasure", "talk", "access")
RETENTION_BATCH = 200
MAX_RETENTION_DAYS = 36_500
ERASE_ACTION: Final = "erase person"
NOTE_REMOVED: Final = "[note removed when the young person's data was erased]"


@dataclass(frozen=True, slots=True)
class ErasureSummary:
    """What erasing one young person removed. `subject` is how the audit log names them."""

    subject: str
    already_erased: bool
    answers_deleted: int = 0
    responses_deleted: int = 0
    invitations_deleted: int = 0
    links_removed: int = 0
    messages_deleted: int = 0
    requests_closed: int = 0
    alerts_kept: int = 0


@dataclass(frozen=True, slots=True)
class RetentionSummary:
    """What blanking old free text changed."""

    cutoff: datetime
    answers_blanked: int
    responses_scrubbed: int


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _without_text(state: Mapping[str, Any], question_ids: Iterable[str]) -> dict[str, Any] | None:
    """The progress JSON with those questions' answers taken out, or None if unchanged."""
    answers = state.get("answers")
    if not isinstance(answers, Mapping):
        return None
    drop = set(question_ids)
    kept = {k: v for k, v in answers.items() if k not in drop}
    if len(kept) == len(answers):
        return None
    return {**state, "answers": kept}


async def open_alerts(session: AsyncSession, person_id: int) -> list[int]:
    """Ids of the young person's safeguarding alerts no officer has acknowledged."""
    a = SafeguardingAlertRow
    theirs = select(ResponseRow.id).where(ResponseRow.person_id == person_id)
    rows = await session.scalars(
        select(a.id).where(
            a.acknowledged_at.is_(None), or_(a.person_id == person_id, a.response_id.in_(theirs))
        )
    )
    return list(rows.all())


def alert_waits_on_person() -> Any:
    """A waiting alert about the outer query's young person, or about one of their
    responses. The responses are correlated to the outer person by name: left to
    SQLAlchemy, a subquery two levels down took `people` as a table of its own, and one
    waiting alert held back everyone."""
    a, r = SafeguardingAlertRow, ResponseRow
    theirs = select(r.id).where(r.person_id == PersonRow.id).correlate(PersonRow)
    return exists().where(
        a.acknowledged_at.is_(None), or_(a.person_id == PersonRow.id, a.response_id.in_(theirs))
    )


async def erase_person(
    session: AsyncSession,
    clock: Clock,
    council_ref: str,
    *,
    actor: str,
    hasher: RefHasher | None = None,
) -> ErasureSummary:
    """Erase a young person (see the module's docstring). Asking again for someone already
    erased says so when the audit log can tell (a keyed hash); otherwise NotFoundError.
    ConflictError while a safeguarding alert about them is not yet acknowledged."""
    hasher = hasher or RefHasher(None)
    subject = hasher.label(council_ref)
    person = await find_by_ref(session, council_ref, for_update=True)
    if person is not None:
        council_ref = person.council_ref  # as stored, however it was typed
        subject = hasher.label(council_ref)
    if person is None:
        if hasher.keyed and await _erased_before(session, subject):
            return ErasureSummary(subject, already_erased=True)
        raise NotFoundError(f"no young person with reference {council_ref!r}")
    waiting = await open_alerts(session, person.id)
    if waiting:
        listed = ", ".join(f"#{n}" for n in waiting)
        raise ConflictError(
            f"safeguarding alert {listed} about this young person is not yet acknowledged: "
            "an officer must act on it before the young person can be erased"
        )
    person_id = person.id
    session.expunge(person)
    counts = await _erase(session, clock, {person_id: council_ref}, actor=actor, hasher=hasher)
    return ErasureSummary(
        subject=subject,
        already_erased=False,
        answers_deleted=counts.get("answers", 0),
        responses_deleted=counts.get("responses", 0),
        invitations_deleted=counts.get("invitations", 0),
        links_removed=counts["links"],
        messages_deleted=counts.get("messages", 0),
        requests_closed=counts["requests"],
        alerts_kept=counts["alerts"],
    )


async def erase_people(
    session: AsyncSession,
    clock: Clock,
    council_refs: Sequence[str],
    *,
    actor: str,
    hasher: RefHasher | None = None,
) -> list[str]:
    """Erase several young people at once (retention), exactly as `erase_person` erases
    each, with one fold of the board's figures for them all. Anyone not found, or about
    whom a safeguarding alert is not yet acknowledged, is left alone. Returns the
    references erased."""
    if not council_refs:
        return []
    rows = (
        await session.execute(
            select(PersonRow.id, PersonRow.council_ref)
            .where(PersonRow.council_ref.in_(list(council_refs)))
            .order_by(PersonRow.id)
            .with_for_update()
        )
    ).all()
    found = {int(i): str(ref) for i, ref in rows}
    waiting = select(PersonRow.id).where(PersonRow.id.in_(list(found)), alert_waits_on_person())
    held = set((await session.scalars(waiting)).all())
    chosen = {i: ref for i, ref in found.items() if i not in held}
    if chosen:
        await _erase(session, clock, chosen, actor=actor, hasher=hasher or RefHasher(None))
    return list(chosen.values())


async def _erase(
    session: AsyncSession,
    clock: Clock,
    people: Mapping[int, str],
    *,
    actor: str,
    hasher: RefHasher,
) -> dict[str, int]:
    """Erase these young people (id -> reference), found and free of waiting alerts."""
    counts: dict[str, int] = {}
    ids = list(people)
    # An answer arriving meanwhile waits for this erasure (it updates its response, and
    # inserting answers or responses needs these rows unlocked), then finds nothing: so
    # what is folded is exactly what is deleted.
    await session.execute(
        select(ResponseRow.id).where(ResponseRow.person_id.in_(ids)).with_for_update()
    )

    async def remove() -> None:
        responses = [
            int(r)
            for r in (
                await session.scalars(select(ResponseRow.id).where(ResponseRow.person_id.in_(ids)))
            ).all()
        ]
        invitations = [
            int(i)
            for i in (
                await session.scalars(
                    select(InvitationRow.id).where(InvitationRow.person_id.in_(ids))
                )
            ).all()
        ]
        await _forget_alert_words(session, ids, responses)
        await delete_person_rows(session, ids)  # messages at any time, replies, links
        counts.update(await _delete_rows(session, responses, invitations, person_ids=ids))
        counts["links"] = _count(
            await session.execute(delete(ChannelLinkRow).where(ChannelLinkRow.person_id.in_(ids)))
        )
        await session.execute(  # "not invited: asked enough" notes name them
            delete(InvitationHoldRow).where(InvitationHoldRow.person_id.in_(ids))
        )
        counts["alerts"] = _count(
            await session.execute(
                update(SafeguardingAlertRow)
                .where(SafeguardingAlertRow.person_id.in_(ids))
                .values(
                    person_id=None,
                    response_id=None,
                    answer_id=None,
                    words=None,
                    note=case((SafeguardingAlertRow.note.is_(None), None), else_=NOTE_REMOVED),
                )
            )
        )
        now = clock.now()
        counts["requests"] = _count(
            await session.execute(
                update(RequestRow)
                .where(RequestRow.person_id.in_(ids), RequestRow.resolved_at.is_(None))
                .values(resolved_at=now, resolved_by=actor[:100], note="erased")
            )
        )
        await session.execute(
            update(RequestRow).where(RequestRow.person_id.in_(ids)).values(person_id=None)
        )
        await session.execute(delete(PersonRow).where(PersonRow.id.in_(ids)))

    # Another's response on one of their invitations (not made by carevoice, but possible
    # in imported data) loses the link: folding that person too keeps the figures exact.
    theirs = select(InvitationRow.id).where(InvitationRow.person_id.in_(ids))
    others = [
        int(p)
        for p in (
            await session.scalars(
                select(ResponseRow.person_id)
                .where(ResponseRow.invitation_id.in_(theirs), ResponseRow.person_id.not_in(ids))
                .distinct()
            )
        ).all()
    ]

    async def unlink_then_remove() -> None:
        if others:
            await session.execute(
                update(ResponseRow)
                .where(ResponseRow.invitation_id.in_(theirs), ResponseRow.person_id.not_in(ids))
                .values(invitation_id=None)
                .execution_options(synchronize_session=False)
            )
        await remove()

    await fold(session, [*ids, *others], unlink_then_remove)
    subjects = {ref: hasher.label(ref) for ref in people.values()}
    await rewrite_mentions(session, subjects)
    await forget_message_keys(session, subjects)
    for subject in subjects.values():
        await audit_record(session, clock, actor=actor, action=ERASE_ACTION, subject=subject)
    return counts


async def _forget_alert_words(
    session: AsyncSession, person_ids: Sequence[int], responses: Sequence[int]
) -> None:
    """The young people's words leave their alerts and the alerts' history; the alerts stay
    (that one was raised, its category, what was done), unlinked from their answers."""
    a = SafeguardingAlertRow
    about_them = or_(a.person_id.in_(list(person_ids)), a.response_id.in_(list(responses)))
    theirs = select(a.id).where(about_them)
    events = SafeguardingAlertEventRow
    await session.execute(
        update(events)
        .where(events.alert_id.in_(theirs))
        .values(words=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(  # officers' notes may quote or name the child
        update(events)
        .where(events.alert_id.in_(theirs), events.kind.in_(("note", "acknowledged")))
        .values(detail=NOTE_REMOVED)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(a)
        .where(about_them)
        .values(words=None, answer_id=None)
        .execution_options(synchronize_session=False)
    )


async def _erased_before(session: AsyncSession, subject: str) -> bool:
    found = await session.scalar(
        select(AuditLogRow.id)
        .where(AuditLogRow.action == ERASE_ACTION, AuditLogRow.subject == subject)
        .limit(1)
    )
    return found is not None


async def _delete_rows(
    session: AsyncSession,
    responses: Sequence[int],
    invitations: Sequence[int],
    *,
    person_ids: Sequence[int] = (),
) -> dict[str, int]:
    """Delete responses and invitations with everything hanging off them: answers, topic
    tags, messages (and, given `person_ids`, every message to those young people), the
    codes new letters replaced. Alerts raised in those responses stay, unlinked from them."""
    answers = select(AnswerRow.id).where(AnswerRow.response_id.in_(list(responses)))
    await session.execute(delete(AnswerTopicRow).where(AnswerTopicRow.answer_id.in_(answers)))
    await session.execute(
        update(SafeguardingAlertRow)
        .where(SafeguardingAlertRow.response_id.in_(list(responses)))
        .values(response_id=None, answer_id=None)
    )
    await session.execute(
        update(ReplyRow).where(ReplyRow.response_id.in_(list(responses))).values(response_id=None)
    )
    counts = {
        "answers": _count(
            await session.execute(
                delete(AnswerRow).where(AnswerRow.response_id.in_(list(responses)))
            )
        )
    }
    to_them: Any = OutboxRow.invitation_id.in_(list(invitations))
    if person_ids:
        to_them = or_(to_them, OutboxRow.person_id.in_(list(person_ids)))
    counts["messages"] = _count(
        await session.execute(delete(OutboxRow).where(to_them, OutboxRow.alert_id.is_(None)))
    )
    counts["responses"] = _count(
        await session.execute(delete(ResponseRow).where(ResponseRow.id.in_(list(responses))))
    )
    await session.execute(
        delete(RetiredCodeRow).where(RetiredCodeRow.invitation_id.in_(list(invitations)))
    )
    counts["invitations"] = _count(
        await session.execute(
            delete(InvitationRow).where(
                InvitationRow.id.in_(list(invitations)),
                ~InvitationRow.id.in_(
                    select(ResponseRow.invitation_id).where(ResponseRow.invitation_id.is_not(None))
                ),
            )
        )
    )
    return counts


async def delete_responses(
    session: AsyncSession, responses: Sequence[int], invitations: Sequence[int]
) -> dict[str, int]:
    """Delete responses and invitations (retention), folding their part of the board's
    figures first. Their young people stay."""
    if not responses and not invitations:
        return {}
    persons = await _persons_of(session, responses, invitations)
    counts: dict[str, int] = {}

    async def remove() -> None:
        counts.update(await _delete_rows(session, responses, invitations))

    await fold(session, persons, remove)
    return counts


async def _persons_of(
    session: AsyncSession, responses: Sequence[int], invitations: Sequence[int]
) -> list[int]:
    found = set(
        (
            await session.scalars(
                select(ResponseRow.person_id).where(ResponseRow.id.in_(list(responses)))
            )
        ).all()
    )
    found.update(
        (
            await session.scalars(
                select(InvitationRow.person_id).where(InvitationRow.id.in_(list(invitations)))
            )
        ).all()
    )
    return sorted(found)


async def forget_message_keys(session: AsyncSession, council_refs: Iterable[str]) -> int:
    """Delete the duplicate-detection keys of incoming messages that name a reference
    (a chat adapter that built keys from it); the chat is unlinked, so none is needed."""
    refs = list(council_refs)
    if not refs:
        return 0
    patterns = [mentions(ref, loose=True) for ref in refs]
    column = InboundMessageRow.message_key
    rows = (
        await session.execute(
            select(InboundMessageRow.id, column).where(
                or_(*(column.like(containing(ref), escape="\\") for ref in refs))
            )
        )
    ).all()
    ids = [row_id for row_id, key in rows if any(p.search(key) for p in patterns)]
    if ids:
        await session.execute(delete(InboundMessageRow).where(InboundMessageRow.id.in_(ids)))
    return len(ids)


async def rewrite_mentions(session: AsyncSession, subjects: Mapping[str, str]) -> int:
    """Replace each reference (as a whole word) with its subject (reference -> subject) in
    the audit log and in officers' notes on requests and alerts, one scan of each for all
    of them. Returns how many rows changed."""
    if not subjects:
        return 0
    patterns = [(mentions(ref), subject) for ref, subject in subjects.items()]
    changed = 0
    for table, column in (
        (AuditLogRow, AuditLogRow.subject),
        (RequestRow, RequestRow.note),
        (SafeguardingAlertRow, SafeguardingAlertRow.note),
    ):
        found = or_(*(column.like(containing(ref), escape="\\") for ref in subjects))
        rows = (await session.execute(select(table.id, column).where(found))).all()
        for row_id, value in rows:
            rewritten = value or ""
            for pattern, subject in patterns:
                rewritten = pattern.sub(subject, rewritten)
            if rewritten != value:
                limit = 200 if table is AuditLogRow else None
                await session.execute(
                    update(table)
                    .where(table.id == row_id)
                    .values({column.key: rewritten[:limit] if limit else rewritten})
                )
                changed += 1
    return changed


async def blank_text(session: AsyncSession, answer_ids: Sequence[int]) -> tuple[int, int]:
    """Blank the words of these free-text answers (and their copy in the responses'
    progress), folding what their topic tags added to the board first. Returns
    (answers blanked, responses scrubbed)."""
    if not answer_ids:
        return 0, 0
    rows = (
        await session.execute(
            select(AnswerRow.response_id, AnswerRow.question_id, AnswerRow.superseded_at).where(
                AnswerRow.id.in_(list(answer_ids))
            )
        )
    ).all()
    text_questions: dict[int, set[str]] = {}
    for response_id, question_id, superseded in rows:
        if superseded is None:
            text_questions.setdefault(response_id, set()).add(question_id)
    persons = list(
        (
            await session.scalars(
                select(ResponseRow.person_id)
                .where(ResponseRow.id.in_({r for r, _, _ in rows}))
                .distinct()
            )
        ).all()
    )
    done = [0, 0]

    async def remove() -> None:
        done[0] = _count(
            await session.execute(
                update(AnswerRow)
                .where(AnswerRow.id.in_(list(answer_ids)), AnswerRow.text.is_not(None))
                .values(text=None, value=None)
                .execution_options(synchronize_session=False)
            )
        )
        done[1] = await _scrub_responses(session, text_questions)

    await fold(session, persons, remove)
    return done[0], done[1]


async def _scrub_responses(session: AsyncSession, text_questions: Mapping[int, set[str]]) -> int:
    if not text_questions:
        return 0
    scrubbed = 0
    rows = await session.scalars(
        select(ResponseRow).where(ResponseRow.id.in_(list(text_questions)))
    )
    for response in rows.all():
        state = _without_text(response.state or {}, text_questions[response.id])
        if state is not None:
            response.state = state
            scrubbed += 1
    await session.flush()
    return scrubbed


async def apply_retention(
    session: AsyncSession, clock: Clock, *, older_than_days: int
) -> RetentionSummary:
    """Blank the free text of answers given more than `older_than_days` days ago, in
    batches of responses (memory stays flat), folding their topics first."""
    if not 1 <= older_than_days <= MAX_RETENTION_DAYS:
        raise ValidationError(f"older_than_days must be 1 to {MAX_RETENTION_DAYS}")
    cutoff = clock.now() - timedelta(days=older_than_days)
    blanked = scrubbed = 0
    while True:
        batch = list(
            (
                await session.scalars(
                    select(AnswerRow.id)
                    .where(
                        AnswerRow.kind == TEXT_KIND,
                        AnswerRow.text.is_not(None),
                        AnswerRow.answered_at < cutoff,
                    )
                    .order_by(AnswerRow.id)
                    .limit(RETENTION_BATCH)
                )
            ).all()
        )
        if not batch:
            break
        b, s = await blank_text(session, batch)
        blanked += b
        scrubbed += s
    await erase_words(session, before=cutoff)
    return RetentionSummary(cutoff, blanked, scrubbed)


# ----- requests (erase my data, talk to me, my data) -------------------------------------


async def list_requests(
    session: AsyncSession,
    *,
    kind: str | None = None,
    open_only: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[tuple[RequestRow, str | None]], int]:
    """Requests newest first, each with the young person's reference (None once they are
    erased); and how many match."""
    query = select(RequestRow, PersonRow.council_ref).outerjoin(
        PersonRow, PersonRow.id == RequestRow.person_id
    )
    counted = select(func.count(RequestRow.id))
    if kind is not None:
        query = query.where(RequestRow.kind == kind)
        counted = counted.where(RequestRow.kind == kind)
    if open_only:
        query = query.where(RequestRow.resolved_at.is_(None))
        counted = counted.where(RequestRow.resolved_at.is_(None))
    rows = await session.execute(
        query.order_by(RequestRow.created_at.desc(), RequestRow.id.desc())
        .limit(limit)
        .offset(offset)
    )
    total = int(await session.scalar(counted) or 0)
    return [(row, ref) for row, ref in rows.all()], total


DECLINED_PREFIX: Final = "Declined: "


class ErasureStillDue(ConflictError):
    """A request to delete someone's information, marked done while they are not erased."""


async def resolve_request(
    session: AsyncSession, clock: Clock, request_id: int, *, actor: str, note: str,
    decline: bool = False,
) -> tuple[RequestRow, str | None]:
    """Mark a request done, with a note of what was done. A request to delete their
    information is done by erasing them (`erase_person` resolves it); marked done without
    that, it must be `decline`d, the note saying why (the young person is told, and may
    complain to the ICO): it is never closed as done with their information still held."""
    found = (
        await session.execute(
            select(RequestRow, PersonRow.council_ref)
            .outerjoin(PersonRow, PersonRow.id == RequestRow.person_id)
            .where(RequestRow.id == request_id)
        )
    ).one_or_none()
    if found is None:
        raise NotFoundError(f"no request {request_id}")
    row, ref = found
    if row.resolved_at is not None:
        raise ConflictError(f"request {request_id} was already resolved by {row.resolved_by}")
    if row.kind == "erasure" and ref is not None and not decline:
        raise ErasureStillDue(
            f"request {request_id} asks for {ref}'s information to be deleted and they are "
            "not erased: an administrator erases them (which marks it done), or decline it "
            "with the reason"
        )
    row.resolved_at = clock.now()
    row.resolved_by = actor[:100]
    row.note = f"{DECLINED_PREFIX}{note}" if decline else note
    await session.flush()
    return row, ref
