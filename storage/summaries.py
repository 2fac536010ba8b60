"""What one young person said, for their IRO and worker: a response question by question
with the requests it flags (`surveys.model.Flag`) first; and the flagged requests of many
young people at once, for the officer's overview.

Both read children's answers, so callers write an audit row in the same transaction.
Both see only the young people in the caller's `TeamScope`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.catalog import SurveyCatalog
from storage.tables import AnswerRow, CampaignRow, PersonRow, ResponseRow
from storage.teams import EVERY_TEAM, TeamScope
from surveys.engine import describe_answer
from surveys.errors import NotFoundError
from surveys.model import AnswerValue, Flag, Question, QuestionKind, Survey
from surveys.reach_texts import PRIVATE_WORDS

FLAGGED_WITHIN = timedelta(days=120)  # responses touched this recently are listed
FLAGGED_RESPONSES_MAX = 300


@dataclass(frozen=True, slots=True)
class AnswerLine:
    """One question and what the young person said (or that they skipped it)."""

    question: Question
    words: str  # the answer as it reads, e.g. "🙂 Good", "Yes", or their own words
    skipped: bool
    flags: tuple[Flag, ...]
    answered_at: datetime | None
    own_words: bool  # free text, in the young person's words


@dataclass(frozen=True, slots=True)
class ResponseSummary:
    """A response read through: who, which survey, and every question in order."""

    response: ResponseRow
    person: PersonRow
    survey: Survey
    campaign: str | None
    lines: tuple[AnswerLine, ...]

    @property
    def flagged(self) -> tuple[AnswerLine, ...]:
        """The answers that ask for something, in survey order."""
        return tuple(line for line in self.lines if line.flags)

    @property
    def flags(self) -> tuple[Flag, ...]:
        seen: dict[Flag, None] = {}
        for line in self.flagged:
            seen.update(dict.fromkeys(line.flags))
        return tuple(seen)

    @property
    def not_reached(self) -> tuple[Question, ...]:
        """Questions with no answer yet (not reached, or not asked because of earlier ones)."""
        answered = {line.question.id for line in self.lines}
        return tuple(
            q for q in self.survey.questions if q.answerable and q.id not in answered
        )


def answer_value(question: Question, row: AnswerRow) -> AnswerValue | None:
    """The stored answer as the engine gave it (multi answers as a tuple)."""
    if row.skipped:
        return None
    value: Any = row.value
    if row.kind == QuestionKind.TEXT.value:
        return row.text  # None once erased or past retention
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    if isinstance(value, bool | int | str):
        return value
    return None


def answer_line(question: Question, row: AnswerRow) -> AnswerLine:
    value = answer_value(question, row)
    text_kind = question.kind is QuestionKind.TEXT
    hidden = text_kind and row.private and value is not None
    if text_kind and not row.skipped and value is None:
        words = "(their words were erased)"
    elif hidden:  # they chose "only count it": the request still shows, never the words
        words = PRIVATE_WORDS
    else:
        words = describe_answer(question, value)
    return AnswerLine(
        question=question,
        words=words,
        skipped=row.skipped,
        flags=question.flags_raised(value),
        answered_at=row.answered_at,
        own_words=text_kind and value is not None and not hidden,
    )


async def response_summary(
    session: AsyncSession, catalog: SurveyCatalog, response_id: int, scope: TeamScope = EVERY_TEAM
) -> ResponseSummary:
    """A response with its current answers in survey order; NotFoundError if there is none
    or its young person is not in scope."""
    found = (
        await session.execute(
            select(ResponseRow, PersonRow, CampaignRow.name)
            .join(PersonRow, PersonRow.id == ResponseRow.person_id)
            .outerjoin(CampaignRow, CampaignRow.id == ResponseRow.campaign_id)
            .where(ResponseRow.id == response_id, scope.people(PersonRow.team))
        )
    ).first()
    if found is None:
        raise NotFoundError(f"no response {response_id}")
    response, person, campaign = found
    survey = await catalog.get(session, response.survey_version_id)
    rows = await session.scalars(
        select(AnswerRow)
        .where(AnswerRow.response_id == response_id, AnswerRow.superseded_at.is_(None))
        .order_by(AnswerRow.id)
    )
    by_question = {row.question_id: row for row in rows.all()}
    lines = tuple(
        answer_line(q, by_question[q.id]) for q in survey.questions if q.id in by_question
    )
    return ResponseSummary(response, person, survey, campaign, lines)


@dataclass(frozen=True, slots=True)
class FlaggedRequest:
    """One young person's response that asks for something, for the overview."""

    response_id: int
    council_ref: str
    first_name: str | None
    team: str | None
    review_date: date | None
    survey_title: str
    status: str
    updated_at: datetime
    lines: tuple[AnswerLine, ...]

    @property
    def flags(self) -> tuple[Flag, ...]:
        seen: dict[Flag, None] = {}
        for line in self.lines:
            seen.update(dict.fromkeys(line.flags))
        return tuple(seen)


async def flagged_requests(
    session: AsyncSession,
    catalog: SurveyCatalog,
    now: datetime,
    scope: TeamScope = EVERY_TEAM,
    *,
    limit: int = FLAGGED_RESPONSES_MAX,
) -> list[FlaggedRequest]:
    """Responses touched in the last `FLAGGED_WITHIN` whose current answers raise a flag,
    soonest review first (then newest): at most `limit` responses are read."""
    responses = (
        await session.execute(
            select(ResponseRow, PersonRow)
            .join(PersonRow, PersonRow.id == ResponseRow.person_id)
            .where(
                ResponseRow.updated_at >= now - FLAGGED_WITHIN,
                ResponseRow.started_at.is_not(None),
                PersonRow.erased_at.is_(None),
                scope.people(PersonRow.team),
            )
            .order_by(ResponseRow.updated_at.desc(), ResponseRow.id.desc())
            .limit(limit)
        )
    ).all()
    surveys: dict[int, Survey] = {}
    for response, _ in responses:
        if response.survey_version_id not in surveys:
            surveys[response.survey_version_id] = await catalog.get(
                session, response.survey_version_id
            )
    flagged_ids = {
        q.id for survey in surveys.values() for q in survey.questions if q.flagged
    }
    if not responses or not flagged_ids:
        return []
    answers = await session.scalars(
        select(AnswerRow)
        .where(
            AnswerRow.response_id.in_([r.id for r, _ in responses]),
            AnswerRow.question_id.in_(sorted(flagged_ids)),
            AnswerRow.superseded_at.is_(None),
            AnswerRow.skipped.is_(False),
        )
        .order_by(AnswerRow.id)
    )
    by_response: dict[int, list[AnswerRow]] = {}
    for row in answers.all():
        by_response.setdefault(row.response_id, []).append(row)
    found: list[FlaggedRequest] = []
    for response, person in responses:
        survey = surveys[response.survey_version_id]
        lines = _flagged_lines(survey, by_response.get(response.id, ()))
        if lines:
            found.append(FlaggedRequest(
                response.id, person.council_ref, person.first_name, person.team,
                person.next_review_date, survey.title, response.status, response.updated_at,
                lines,
            ))
    found.sort(key=lambda f: (f.review_date or date.max, -f.updated_at.timestamp()))
    return found


def _flagged_lines(survey: Survey, rows: Sequence[AnswerRow]) -> tuple[AnswerLine, ...]:
    by_question = {row.question_id: row for row in rows}
    lines = (
        answer_line(q, by_question[q.id])
        for q in survey.questions
        if q.id in by_question and q.flagged
    )
    return tuple(line for line in lines if line.flags)


@dataclass(frozen=True, slots=True)
class ResponseLine:
    """One of a young person's responses, for the list on their page."""

    response: ResponseRow
    survey_title: str
    campaign: str | None
    flags: tuple[Flag, ...]


async def person_responses(
    session: AsyncSession, catalog: SurveyCatalog, person_id: int
) -> list[ResponseLine]:
    """A young person's responses, newest first, each with the flags its answers raise."""
    rows = (
        await session.execute(
            select(ResponseRow, CampaignRow.name)
            .outerjoin(CampaignRow, CampaignRow.id == ResponseRow.campaign_id)
            .where(ResponseRow.person_id == person_id)
            .order_by(ResponseRow.opened_at.desc(), ResponseRow.id.desc())
        )
    ).all()
    answers = await session.scalars(
        select(AnswerRow).where(
            AnswerRow.response_id.in_([r.id for r, _ in rows]),
            AnswerRow.superseded_at.is_(None),
            AnswerRow.skipped.is_(False),
        )
    ) if rows else None
    by_response: dict[int, list[AnswerRow]] = {}
    for answer in answers.all() if answers is not None else ():
        by_response.setdefault(answer.response_id, []).append(answer)
    found: list[ResponseLine] = []
    for response, campaign in rows:
        survey = await catalog.get(session, response.survey_version_id)
        lines = _flagged_lines(survey, by_response.get(response.id, ()))
        flags: dict[Flag, None] = {}
        for line in lines:
            flags.update(dict.fromkeys(line.flags))
        found.append(ResponseLine(response, survey.title, campaign, tuple(flags)))
    return found
