"""Subject access: everything carevoice holds about one young person, for them to read.

`export_person` gathers it from every table that refers to them (their `people` row, chat
links, invitations, responses with every answer, including ones they changed later, and
how their words were read: mood and topics), safeguarding alerts about them, requests
they made, messages sent to them, and who has looked at their data (the audit log), then
writes the read itself to the audit log. The result is plain data (JSON-ready), used by
`carevoice people export`, the API and the officer's printable page.

Two things are described rather than shown: invitation codes and web chat session ids
are keys (whoever holds one can answer as the young person), so they are never copied
out. Officers' notes on safeguarding alerts (the acknowledgement note and every note
added later) are included for the officer to review before anything is given to the
young person (the printable page leaves them out).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.alerts import EventKind, alert_categories
from storage.audit import containing, mentions
from storage.audit import record as audit_record
from storage.board._common import NEGATIVE_BELOW, POSITIVE_ABOVE
from storage.people import find_by_ref
from storage.tables import (
    AnswerRow,
    AnswerTopicRow,
    AuditLogRow,
    CampaignRow,
    ChannelLinkRow,
    ContactLinkRow,
    ContactMessageRow,
    InvitationRow,
    OutboxRow,
    ReplyRow,
    RequestRow,
    ResponseRow,
    SafeguardingAlertEventRow,
    SafeguardingAlertRow,
    StatementRow,
    StatementViewRow,
    SurveyVersionRow,
)
from surveys.clock import Clock
from surveys.errors import CarevoiceError, NotFoundError
from surveys.loader import parse_survey
from surveys.model import QuestionKind, Survey
from surveys.topics import load_topics

__all__ = ["EXPORT_ACTION", "export_person"]

EXPORT_ACTION: Final = "export person"
FORMAT_VERSION: Final = 1


def _topic_labels() -> dict[str, str]:
    return {topic.key: topic.label for topic in load_topics()}


def _when(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


def mood_of(polarity: float | None) -> str | None:
    """How a piece of writing was read: negative, neutral or positive."""
    if polarity is None:
        return None
    if polarity < NEGATIVE_BELOW:
        return "negative"
    return "positive" if polarity > POSITIVE_ABOVE else "neutral"


@dataclass
class _Surveys:
    """Survey versions by id, parsed once each, for question texts and choice labels."""

    session: AsyncSession
    found: dict[int, tuple[SurveyVersionRow, Survey | None]]

    async def get(self, version_id: int) -> tuple[SurveyVersionRow, Survey | None]:
        if version_id not in self.found:
            row = await self.session.get(SurveyVersionRow, version_id)
            if row is None:
                raise NotFoundError(f"no survey version {version_id}")
            try:
                parsed: Survey | None = parse_survey(row.definition, f"{row.key}.yaml")
            except CarevoiceError:
                parsed = None
            self.found[version_id] = (row, parsed)
        return self.found[version_id]


def readable(answer: AnswerRow, survey: Survey | None) -> str:
    """An answer as the young person gave it: the label they chose, the words they wrote."""
    if answer.skipped:
        return "(skipped)"
    if answer.text is not None:
        return answer.text
    question = None
    if survey is not None and survey.has_question(answer.question_id):
        question = survey.question(answer.question_id)
    labels = {c.id: c.label for c in question.choices} if question else {}
    if answer.kind == QuestionKind.SCALE and answer.number is not None:
        if question is None:
            return f"{answer.number} out of 5"
        top = question.scale_values[-1]
        if answer.number in question.scale_values:
            return f"{question.scale_label(answer.number)} ({answer.number} out of {top})"
        return f"{answer.number} out of {top}"
    if answer.kind == QuestionKind.YESNO and answer.choice is not None:
        return "Yes" if answer.choice == "yes" else "No"
    if isinstance(answer.value, list):
        return ", ".join(labels.get(str(v), str(v)) for v in answer.value)
    if answer.choice is not None:
        return labels.get(answer.choice, answer.choice)
    if answer.kind == QuestionKind.TEXT and answer.value is None:
        return "(your words were deleted under our retention rules)"
    return "" if answer.value is None else str(answer.value)


async def export_person(
    session: AsyncSession,
    clock: Clock,
    council_ref: str,
    *,
    actor: str,
    council: str = "",
    retention: str = "",
) -> dict[str, Any]:
    """Everything held about the young person with `council_ref`, as plain data; the read
    is written to the audit log (in this transaction)."""
    person = await find_by_ref(session, council_ref)
    if person is None:
        raise NotFoundError(f"no young person with reference {council_ref!r}")
    surveys = _Surveys(session, {})
    responses = (
        await session.scalars(
            select(ResponseRow).where(ResponseRow.person_id == person.id).order_by(ResponseRow.id)
        )
    ).all()
    response_ids = [r.id for r in responses]
    out: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "generated_at": _when(clock.now()),
        "council": council,
        "person": {
            "council_ref": person.council_ref,
            "first_name": person.first_name,
            "date_of_birth": _when(person.date_of_birth),
            "age_band": person.age_band,
            "cohort": person.cohort,
            "team": person.team,
            "next_review_date": _when(person.next_review_date),
            "status": person.status,
            "added_at": _when(person.created_at),
            "on_council_list_at": _when(person.listed_at),
            "agreed_to_privacy_notice_at": _when(person.consented_at),
            "asked_for_no_messages_at": _when(person.stopped_at),
            "blocked_the_bot_at": _when(person.unreachable_at),
        },
        "chats": await _chats(session, person.id),
        "invitations": await _invitations(session, person.id),
        "responses": [await _response(session, surveys, r) for r in responses],
        "safeguarding": await _alerts(session, person.id, response_ids),
        "requests": await _requests(session, person.id),
        "messages": await _messages(session, person.id),
        "messages_to_us": await _messages_to_us(session, person.id),
        "replies": await _replies(session, person.id),
        "contact_links": await _contact_links(session, person.id),
        "you_said_we_did_shown": await _statements_shown(session, person.id),
        "who_looked": await _audit(session, person.council_ref, person.id, response_ids),
        "retention": retention,
    }
    await audit_record(session, clock, actor=actor, action=EXPORT_ACTION, subject=council_ref)
    return out


async def _chats(session: AsyncSession, person_id: int) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(ChannelLinkRow)
        .where(ChannelLinkRow.person_id == person_id)
        .order_by(ChannelLinkRow.id)
    )
    return [
        {
            "channel": link.channel,
            "address": link.address
            if link.channel == "telegram"
            else "a web chat session (its id is a key, so it is not shown)",
            "linked_at": _when(link.linked_at),
        }
        for link in rows.all()
    ]


async def _invitations(session: AsyncSession, person_id: int) -> list[dict[str, Any]]:
    i, c, v = InvitationRow, CampaignRow, SurveyVersionRow
    rows = await session.execute(
        select(i, c.name, v.title)
        .join(c, c.id == i.campaign_id)
        .join(v, v.id == c.survey_version_id)
        .where(i.person_id == person_id)
        .order_by(i.id)
    )
    return [
        {
            "campaign": name,
            "survey": title,
            "form": inv.form,
            # the cohort and team it is counted under in the board's figures
            "cohort": inv.cohort,
            "team": inv.team or None,
            "code": "an invitation code (a key, so it is not shown)",
            "review_date": _when(inv.review_date),
            "issued_at": _when(inv.issued_at),
            "expires_at": _when(inv.expires_at),
            "sent_at": _when(inv.delivered_at),
            "sent_by": inv.delivered_by,
            "opened_at": _when(inv.used_at),
            "returned_at": _when(inv.returned_at),
            "revoked_at": _when(inv.revoked_at),
            "reminders_sent": inv.reminders_sent,
        }
        for inv, name, title in rows.all()
    ]


async def _response(
    session: AsyncSession, surveys: _Surveys, response: ResponseRow
) -> dict[str, Any]:
    version, survey = await surveys.get(response.survey_version_id)
    answers = (
        await session.scalars(
            select(AnswerRow).where(AnswerRow.response_id == response.id).order_by(AnswerRow.id)
        )
    ).all()
    tags: dict[int, list[str]] = {}
    for answer_id, topic in (
        await session.execute(
            select(AnswerTopicRow.answer_id, AnswerTopicRow.topic).where(
                AnswerTopicRow.response_id == response.id
            )
        )
    ).all():
        tags.setdefault(answer_id, []).append(topic)

    def question_text(question_id: str) -> str:
        if survey is not None and survey.has_question(question_id):
            return survey.question(question_id).text
        return question_id

    return {
        "survey": version.title,
        "survey_key": version.key,
        "survey_version": version.version,
        "channel": response.channel,
        "status": response.status,
        "opened_at": _when(response.opened_at),
        "started_at": _when(response.started_at),
        "returned_at": _when(response.returned_at),
        "last_changed_at": _when(response.updated_at),
        "may_quote_to_board": response.share_quotes,
        "answers": [
            {
                "question_id": a.question_id,
                "question": question_text(a.question_id),
                "answer": readable(a, survey),
                "kind": a.kind,
                "only_for_your_iro": a.sensitive,
                # their own words are theirs to see; no one else is shown them
                "only_counted_not_shown": a.private,
                "answered_at": _when(a.answered_at),
                "changed_later_at": _when(a.superseded_at),
                "read_as": mood_of(a.polarity),
                "polarity": a.polarity,
                "subjectivity": a.subjectivity,
                "topics": sorted(_topic_labels().get(t, t) for t in tags.get(a.id, [])),
            }
            for a in answers
        ],
    }


async def _alerts(
    session: AsyncSession, person_id: int, response_ids: list[int]
) -> list[dict[str, Any]]:
    a = SafeguardingAlertRow
    rows = await session.scalars(
        select(a)
        .where(or_(a.person_id == person_id, a.response_id.in_(response_ids)))
        .order_by(a.id)
    )
    alerts = list(rows.all())
    more: dict[int, list[str]] = {}
    notes: dict[int, list[dict[str, Any]]] = {}
    for event in await _alert_events(session, [alert.id for alert in alerts]):
        if event.words:
            more.setdefault(event.alert_id, []).append(event.words)
        if event.kind == EventKind.NOTE and event.detail:
            notes.setdefault(event.alert_id, []).append(
                {"at": _when(event.at), "by": event.actor, "note": event.detail})
    return [
        {
            "category": alert.category,
            "categories": list(alert_categories(alert)),
            "raised_at": _when(alert.created_at),
            "channel": alert.channel,
            "your_words": alert.words,
            "what_we_told_you": alert.reply,
            "you_wrote_more": more.get(alert.id, []),
            "officers_told_at": _when(alert.notified_at),
            "acknowledged_at": _when(alert.acknowledged_at),
            "acknowledged_by": alert.acknowledged_by,
            "officer_note": alert.note,
            "officer_notes_added": notes.get(alert.id, []),
        }
        for alert in alerts
    ]


async def _alert_events(
    session: AsyncSession, alert_ids: list[int]
) -> Sequence[SafeguardingAlertEventRow]:
    """The alerts' events that hold words: the young person's, or an officer's note."""
    if not alert_ids:
        return []
    e = SafeguardingAlertEventRow
    events = await session.scalars(
        select(e)
        .where(e.alert_id.in_(alert_ids), or_(e.words.is_not(None), e.kind == EventKind.NOTE))
        .order_by(e.at, e.id)
    )
    return events.all()


async def _requests(session: AsyncSession, person_id: int) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(RequestRow).where(RequestRow.person_id == person_id).order_by(RequestRow.id)
    )
    return [
        {
            "kind": r.kind,
            "channel": r.channel,
            "asked_at": _when(r.created_at),
            "done_at": _when(r.resolved_at),
            "done_by": r.resolved_by,
            "note": r.note,
        }
        for r in rows.all()
    ]


async def _messages(session: AsyncSession, person_id: int) -> list[dict[str, Any]]:
    o = OutboxRow
    rows = await session.scalars(
        select(o).where(o.person_id == person_id, o.alert_id.is_(None)).order_by(o.id)
    )
    return [
        {
            "kind": m.kind,
            "channel": m.channel,
            "queued_at": _when(m.created_at),
            "sent_at": _when(m.sent_at),
            "not_sent_at": _when(m.failed_at),
        }
        for m in rows.all()
    ]


async def _messages_to_us(session: AsyncSession, person_id: int) -> list[dict[str, Any]]:
    """What they wrote to their worker with their own link (`storage.contact`)."""
    m = ContactMessageRow
    rows = await session.scalars(select(m).where(m.person_id == person_id).order_by(m.id))
    return [
        {
            "kind": row.kind,
            "channel": row.channel,
            "words": row.text,
            "sent_at": _when(row.created_at),
            "raised_a_safeguarding_alert": row.alerted,
            "read_at": _when(row.read_at),
            "read_by": row.read_by,
        }
        for row in rows.all()
    ]


async def _replies(session: AsyncSession, person_id: int) -> list[dict[str, Any]]:
    """What staff wrote back to them, and whether it reached them."""
    r = ReplyRow
    rows = await session.scalars(select(r).where(r.person_id == person_id).order_by(r.id))
    return [
        {
            "written_by": row.written_by,
            "words": row.text,
            "written_at": _when(row.created_at),
            "channel": row.channel,
            "reached_you_at": _when(row.delivered_at),
            "could_not_reach_you": row.undelivered,
            "about": "a message you sent" if row.contact_message_id is not None
            else ("a survey you answered" if row.response_id is not None else None),
        }
        for row in rows.all()
    ]


async def _contact_links(session: AsyncSession, person_id: int) -> list[dict[str, Any]]:
    c = ContactLinkRow
    rows = await session.scalars(select(c).where(c.person_id == person_id).order_by(c.id))
    return [
        {
            "link": "your own link for messages (a key, so it is not shown)",
            "made_at": _when(row.created_at),
            "first_opened_at": _when(row.bound_at),
            "stopped_at": _when(row.revoked_at),
        }
        for row in rows.all()
    ]


async def _statements_shown(session: AsyncSession, person_id: int) -> list[dict[str, Any]]:
    """The "you said, we did" statements shown to them, and when."""
    v, s = StatementViewRow, StatementRow
    rows = await session.execute(
        select(s.you_said, s.we_did, v.shown_at)
        .join(s, s.id == v.statement_id)
        .where(v.person_id == person_id)
        .order_by(v.shown_at)
    )
    return [
        {"you_said": said, "we_did": did, "shown_at": _when(at)}
        for said, did, at in rows.all()
    ]


async def _audit(
    session: AsyncSession, council_ref: str, person_id: int, response_ids: list[int]
) -> list[dict[str, Any]]:
    """Audit rows about the young person: who read or changed their data, and when. A row
    names them (their reference, in a single read or one of a list's rows, see
    `storage.audit.record_each`) or one of their responses, alerts or messages by number
    ("response 12", "alert 3", "message 7"), written once that thing existed: a number
    freed by an erasure or retention can be given again, and another young person's
    history under it is not theirs."""
    things = await _numbered_things(session, person_id, response_ids)
    ref_pattern = mentions(council_ref)
    patterns = [(re.compile(rf"(?<![\w-]){re.escape(label)}(?![\w-])"), since)
                for label, since in things.items()]  # fmt: skip
    likes = [containing(council_ref)] + [containing(label) for label in things]
    found: list[AuditLogRow] = []
    for start in range(0, len(likes), 200):  # (a young person has a few dozen at most)
        chunk = likes[start : start + 200]
        found.extend((await session.scalars(select(AuditLogRow).where(
            or_(*(AuditLogRow.subject.like(like, escape="\\") for like in chunk))))).all())
    rows = sorted({r.id: r for r in found}.values(), key=lambda r: (r.at, r.id))
    return [
        {"at": _when(r.at), "who": r.actor, "what": r.action}
        for r in rows
        if ref_pattern.search(r.subject)
        or any(p.search(r.subject) and r.at >= since for p, since in patterns)
    ]


async def _numbered_things(
    session: AsyncSession, person_id: int, response_ids: list[int]
) -> dict[str, datetime]:
    """Their responses, alerts and messages as the audit log names them ("alert 3"), each
    with when it came to be."""
    a, m, r = SafeguardingAlertRow, ContactMessageRow, ResponseRow
    responses = await session.execute(select(r.id, r.opened_at).where(r.id.in_(response_ids)))
    alerts = await session.execute(select(a.id, a.created_at).where(
        or_(a.person_id == person_id, a.response_id.in_(response_ids))))
    messages = await session.execute(select(m.id, m.created_at).where(m.person_id == person_id))
    return (
        {f"response {n}": at for n, at in responses.all()}
        | {f"alert {n}": at for n, at in alerts.all()}
        | {f"message {n}": at for n, at in messages.all()}
    )


def looked_by_day(who_looked: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """"Who looked" for a person to read: one line a day, person and action, with how many
    times (a list page opened 18 times in a morning is one line, not 18)."""
    lines: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in who_looked:
        day = str(row["at"] or "")[:10]
        line = lines.setdefault((day, row["who"], row["what"]),
                                {"at": row["at"], "who": row["who"], "what": row["what"],
                                 "times": 0})  # fmt: skip
        line["times"] += 1
    return list(lines.values())


def summary_counts(export: Mapping[str, Any]) -> dict[str, int]:
    """How many of each kind of record an export holds (for the CLI)."""
    answers = sum(len(r["answers"]) for r in export["responses"])
    return {
        "chats": len(export["chats"]),
        "invitations": len(export["invitations"]),
        "responses": len(export["responses"]),
        "answers": answers,
        "safeguarding": len(export["safeguarding"]),
        "requests": len(export["requests"]),
        "messages": len(export["messages"]),
        "messages_to_us": len(export["messages_to_us"]),
        "replies": len(export["replies"]),
        "who_looked": len(export["who_looked"]),
    }
