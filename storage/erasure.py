"""Erasure, retention and the requests young people make of a person (erase me, talk to me).

Erasing a young person removes what identifies them and everything they wrote, and keeps
what boards count: their answers' choices, scores, themes and sentiment stay (so last
year's figures do not change), their free text goes (`answers.text`, the copy in
`answers.value` and the one in the response's progress), as do their first name, date of
birth (the age band is kept) and chat links, and the words of their messages at any time
and of replies to them (`storage.contact.erase_words`). Safeguarding alerts are kept (that
one was raised, and what was done), without the young person's words.
Retention blanks free text older than a number of days in the same way, for everyone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.contact import erase_words
from storage.tables import (
    AnswerRow,
    ChannelLinkRow,
    InvitationRow,
    OutboxRow,
    PersonRow,
    RequestRow,
    ResponseRow,
    SafeguardingAlertEventRow,
    SafeguardingAlertRow,
)
from surveys.clock import Clock
from surveys.errors import ConflictError, NotFoundError, ValidationError
from surveys.people import age_band, age_on

TEXT_KIND = "text"
REQUEST_KINDS = ("erasure", "talk")
RETENTION_BATCH = 500
MAX_RETENTION_DAYS = 36_500


@dataclass(frozen=True, slots=True)
class ErasureSummary:
    """What erasing one young person changed."""

    council_ref: str
    already_erased: bool
    answers_blanked: int
    responses_scrubbed: int
    links_removed: int
    invitations_revoked: int
    messages_cancelled: int
    requests_resolved: int


@dataclass(frozen=True, slots=True)
class RetentionSummary:
    """What applying retention changed."""

    cutoff: datetime
    answers_blanked: int
    responses_scrubbed: int


def _without_text(state: Mapping[str, Any], question_ids: Iterable[str]) -> dict[str, Any] | None:
    """The progress JSON with those questions' answers taken out, or None if unchanged."""
    answers = state.get("answers")
    if not isinstance(answers, Mapping):
        return None
    kept = {k: v for k, v in answers.items() if k not in set(question_ids)}
    if len(kept) == len(answers):
        return None
    return {**state, "answers": kept}


async def _blank_answers(session: AsyncSession, *conditions: Any) -> int:
    result = await session.execute(
        update(AnswerRow)
        .where(AnswerRow.kind == TEXT_KIND, AnswerRow.text.is_not(None), *conditions)
        .values(text=None, value=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


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


async def _blank_alert_words(session: AsyncSession, person_id: int) -> None:
    """The words on a young person's alerts and in their history go; the alerts stay."""
    alerts = select(SafeguardingAlertRow.id).where(SafeguardingAlertRow.person_id == person_id)
    await session.execute(
        update(SafeguardingAlertEventRow)
        .where(SafeguardingAlertEventRow.alert_id.in_(alerts))
        .values(words=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(SafeguardingAlertRow)
        .where(SafeguardingAlertRow.person_id == person_id)
        .values(words=None)
        .execution_options(synchronize_session=False)
    )


async def erase_person(
    session: AsyncSession, clock: Clock, council_ref: str, *, actor: str
) -> ErasureSummary:
    """Erase a young person's identifying data and free text (again is harmless)."""
    person = await session.scalar(
        select(PersonRow).where(PersonRow.council_ref == council_ref).with_for_update()
    )
    if person is None:
        raise NotFoundError(f"no young person with reference {council_ref!r}")
    now = clock.now()
    already = person.erased_at is not None
    responses = select(ResponseRow.id).where(ResponseRow.person_id == person.id)
    text_rows = await session.execute(
        select(AnswerRow.response_id, AnswerRow.question_id).where(
            AnswerRow.response_id.in_(responses), AnswerRow.kind == TEXT_KIND
        )
    )
    text_questions: dict[int, set[str]] = {}
    for response_id, question_id in text_rows.all():
        text_questions.setdefault(response_id, set()).add(question_id)
    blanked = await _blank_answers(session, AnswerRow.response_id.in_(responses))
    scrubbed = await _scrub_responses(session, text_questions)
    await session.execute(
        update(ResponseRow)
        .where(ResponseRow.person_id == person.id, ResponseRow.share_quotes.is_(True))
        .values(share_quotes=False)
        .execution_options(synchronize_session=False)
    )
    links = await session.execute(
        delete(ChannelLinkRow)
        .where(ChannelLinkRow.person_id == person.id)
        .execution_options(synchronize_session=False)
    )
    revoked = await session.execute(
        update(InvitationRow)
        .where(
            InvitationRow.person_id == person.id,
            InvitationRow.used_at.is_(None),
            InvitationRow.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    # Messages to the young person (not alerts about them, which go to officers).
    cancelled = await session.execute(
        update(OutboxRow)
        .where(
            OutboxRow.person_id == person.id,
            OutboxRow.alert_id.is_(None),
            OutboxRow.sent_at.is_(None),
            OutboxRow.failed_at.is_(None),
        )
        .values(failed_at=now, last_error="erased")
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(OutboxRow)
        .where(OutboxRow.person_id == person.id, OutboxRow.alert_id.is_(None))
        .values(address="erased", payload={})
        .execution_options(synchronize_session=False)
    )
    resolved = await session.execute(
        update(RequestRow)
        .where(
            RequestRow.person_id == person.id,
            RequestRow.kind == "erasure",
            RequestRow.resolved_at.is_(None),
        )
        .values(resolved_at=now, resolved_by=actor[:100], note="erased")
        .execution_options(synchronize_session=False)
    )
    await _blank_alert_words(session, person.id)
    await erase_words(session, person_id=person.id, now=now)
    if person.date_of_birth is not None:
        person.age_band = age_band(age_on(person.date_of_birth, now.date()))
    person.date_of_birth = None
    person.first_name = None
    person.status = "erased"
    if person.erased_at is None:
        person.erased_at = now
    await session.flush()

    def count(result: Any) -> int:
        return int(getattr(result, "rowcount", 0) or 0)

    return ErasureSummary(
        council_ref=person.council_ref,
        already_erased=already,
        answers_blanked=blanked,
        responses_scrubbed=scrubbed,
        links_removed=count(links),
        invitations_revoked=count(revoked),
        messages_cancelled=count(cancelled),
        requests_resolved=count(resolved),
    )


async def apply_retention(
    session: AsyncSession, clock: Clock, *, older_than_days: int
) -> RetentionSummary:
    """Blank the free text of answers given more than `older_than_days` days ago.

    Works in batches of responses, so memory stays flat however much there is to blank.
    """
    if not 1 <= older_than_days <= MAX_RETENTION_DAYS:
        raise ValidationError(f"older_than_days must be 1 to {MAX_RETENTION_DAYS}")
    cutoff = clock.now() - timedelta(days=older_than_days)
    old_text = (
        AnswerRow.kind == TEXT_KIND,
        AnswerRow.text.is_not(None),
        AnswerRow.answered_at < cutoff,
    )
    blanked = scrubbed = 0
    while True:
        batch = list(
            (
                await session.scalars(
                    select(AnswerRow.response_id)
                    .where(*old_text)
                    .group_by(AnswerRow.response_id)
                    .order_by(AnswerRow.response_id)
                    .limit(RETENTION_BATCH)
                )
            ).all()
        )
        if not batch:
            break
        current = await session.execute(
            select(AnswerRow.response_id, AnswerRow.question_id).where(
                *old_text, AnswerRow.response_id.in_(batch), AnswerRow.superseded_at.is_(None)
            )
        )
        text_questions: dict[int, set[str]] = {}
        for response_id, question_id in current.all():
            text_questions.setdefault(response_id, set()).add(question_id)
        blanked += await _blank_answers(
            session, AnswerRow.answered_at < cutoff, AnswerRow.response_id.in_(batch)
        )
        scrubbed += await _scrub_responses(session, text_questions)
    await erase_words(session, before=cutoff)
    return RetentionSummary(cutoff, blanked, scrubbed)


# ----- requests (erase my data, talk to me) --------------------------------------------


async def list_requests(
    session: AsyncSession,
    *,
    kind: str | None = None,
    open_only: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[tuple[RequestRow, str]], int]:
    """Requests newest first, each with the young person's reference; and how many match."""
    query = select(RequestRow, PersonRow.council_ref).join(
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


async def resolve_request(
    session: AsyncSession, clock: Clock, request_id: int, *, actor: str, note: str
) -> tuple[RequestRow, str]:
    """Mark a request done, with a note of what was done."""
    found = (
        await session.execute(
            select(RequestRow, PersonRow.council_ref)
            .join(PersonRow, PersonRow.id == RequestRow.person_id)
            .where(RequestRow.id == request_id)
        )
    ).one_or_none()
    if found is None:
        raise NotFoundError(f"no request {request_id}")
    row, ref = found
    if row.resolved_at is not None:
        raise ConflictError(f"request {request_id} was already resolved by {row.resolved_by}")
    row.resolved_at = clock.now()
    row.resolved_by = actor[:100]
    row.note = note
    await session.flush()
    return row, ref
