"""What officers read about safeguarding alerts: one alert with the young person's words,
details and history (`alert_detail`), the whole response it came from (`alert_response`),
the alerts a response raised, by answer and in all (`response_alerts`), and times in UK
local time (`local_time`). Staff only: callers audit each read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.alerts import HELP_NOW, EventKind, alert_categories, categories_label
from storage.catalog import SurveyCatalog
from storage.tables import (
    AnswerRow,
    PersonRow,
    ResponseRow,
    SafeguardingAlertEventRow,
    SafeguardingAlertRow,
)
from surveys.engine import ANSWER_PHRASE_ID, describe_answer
from surveys.errors import NotFoundError
from surveys.model import Question
from surveys.people import age_band, age_on
from surveys.reach_texts import PRIVATE_WORDS

RELATED_SHOWN = 20


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
    category: str  # its categories, space-separated, the main one first
    created_at: datetime
    acknowledged: bool

    @property
    def label(self) -> str:
        return categories_label(self.category.split())


@dataclass(frozen=True, slots=True)
class ResponseAlerts:
    """The alerts one response raised: by the question whose answer raised them (the
    "I need help now" button is not an answer), and every one, oldest first."""

    by_question: dict[str, tuple[RelatedAlert, ...]]
    all: tuple[RelatedAlert, ...]


async def response_alerts(session: AsyncSession, response_id: int) -> ResponseAlerts:
    """The safeguarding alerts raised while a young person answered this response."""
    rows = (
        await session.scalars(
            select(SafeguardingAlertRow)
            .where(SafeguardingAlertRow.response_id == response_id)
            .order_by(SafeguardingAlertRow.created_at, SafeguardingAlertRow.id)
        )
    ).all()
    by_question: dict[str, tuple[RelatedAlert, ...]] = {}
    every = []
    for row in rows:
        seen = RelatedAlert(row.id, " ".join(alert_categories(row)), row.created_at,
                            row.acknowledged_at is not None)  # fmt: skip
        every.append(seen)
        if row.question_id is not None and row.phrase_id != HELP_NOW:
            by_question[row.question_id] = (*by_question.get(row.question_id, ()), seen)
    return ResponseAlerts(by_question, tuple(every))


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
    answered: str | None = None  # the answer that raised it, when an answer did ("No")

    @property
    def label(self) -> str:
        return categories_label(alert_categories(self.alert))

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
    title = question = answered = None
    if version_id is not None:
        survey = await catalog.get(session, version_id)
        title = survey.title
        if alert.question_id and survey.has_question(alert.question_id):
            asked = survey.question(alert.question_id)
            question = asked.text
            if alert.phrase_id == ANSWER_PHRASE_ID and alert.response_id is not None:
                answered = await _answer_that_raised(session, alert, asked)
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
            select(SafeguardingAlertRow.id,
                   func.coalesce(SafeguardingAlertRow.categories, SafeguardingAlertRow.category),
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
        answered,
    )


async def _answer_that_raised(
    session: AsyncSession, alert: SafeguardingAlertRow, question: Question
) -> str | None:
    """The answer to the alert's question given when it was raised (stored in the same
    transaction), in words: "No" to "Do you feel safe where you live?"."""
    value = await session.scalar(
        select(AnswerRow.value)
        .where(AnswerRow.response_id == alert.response_id,
               AnswerRow.question_id == alert.question_id,
               AnswerRow.answered_at <= alert.created_at)
        .order_by(AnswerRow.answered_at.desc(), AnswerRow.id.desc())
        .limit(1)
    )  # fmt: skip
    if value is None:
        return None
    return describe_answer(question, tuple(value) if isinstance(value, list) else value)



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
    # Safety overrides privacy for the words that raised an alert on this response (the
    # young person was told so); their other "only counted" words stay hidden here.
    alerted = set(
        (
            await session.scalars(
                select(SafeguardingAlertRow.answer_id).where(
                    SafeguardingAlertRow.response_id == response.id,
                    SafeguardingAlertRow.answer_id.is_not(None),
                )
            )
        ).all()
    )
    lines = []
    for row in rows:
        known = survey.has_question(row.question_id)
        question = survey.question(row.question_id) if known else None
        value = tuple(row.value) if isinstance(row.value, list) else row.value
        shown = (
            PRIVATE_WORDS if row.private and row.text is not None and row.id not in alerted
            else row.text if row.text is not None
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
