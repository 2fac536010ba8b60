"""Retention: how long young people's words, responses and the young people themselves are
kept, and the daily job that enforces it through the erasure paths (`storage.erasure`).

Three rules (days; 0 turns a rule off), each counted from a date a council can explain:

- **words** (`text_days`, default 730): free text is blanked two years after its campaign
  closes (or, outside a campaign, after it was written), and so are the words of messages
  young people sent their workers and staff replies, two years after they were written.
  Choices, scores and sentiment stay. (The words that raised a safeguarding alert are a
  safeguarding record: they stay with the alert until the young person is erased.)
- **responses** (`response_days`, default 1095): responses, their answers and the
  invitations (codes, review dates) are deleted three years after the campaign closes (or
  the response was last touched). The board's figures keep them as counts (folded).
- **people** (`people_days`, default 365): a young person is erased a year after the last
  of: the council's list including them (import), being added, consenting, an invitation,
  an answer, a chat linked, a request. Councils re-import their list, so those still in
  care or supported as care leavers stay; those who left go a year later.

Nothing that a safeguarding alert not yet acknowledged hangs on is removed: such people and
responses are held back and counted, so an officer can act first.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, or_, select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.audit import RefHasher
from storage.audit import record as audit_record
from storage.contact import erase_words
from storage.database import Database
from storage.erasure import (
    TEXT_KIND,
    alert_waits_on_person,
    blank_text,
    delete_responses,
    erase_people,
)
from storage.tables import (
    AnswerRow,
    CampaignRow,
    ChannelLinkRow,
    ContactMessageRow,
    InvitationRow,
    PersonRow,
    ReplyRow,
    RequestRow,
    ResponseRow,
    SafeguardingAlertRow,
)
from surveys.clock import Clock
from surveys.i18n import gettext_for, ngettext_for

log = logging.getLogger(__name__)

__all__ = [
    "RetentionPolicy",
    "RetentionReport",
    "enforce",
    "keep_retained",
    "plan",
    "report_lines",
]

BATCH: Final = 200
PEOPLE_BATCH: Final = 25
ACTOR: Final = "retention"
Progress = Callable[[str, int], None]
"""Told (rule, how many more) as each batch is done."""


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """Days each kind of data is kept (0: that rule is off)."""

    text_days: int = 730
    response_days: int = 1095
    people_days: int = 365

    def describe(self, language: str | None = None) -> str:
        """The periods in words, for the privacy notice and the CLI (a rule turned off
        reads "until you ask us to delete them"), in `language` (English by default)."""
        _ = gettext_for(language)
        span = _spanner(language)
        until_them = _("until you ask us to delete them")
        words = _("{span} after the survey closes").format(span=span(self.text_days))
        answers = _("{span} after it closes").format(span=span(self.response_days))
        if not self.text_days and not self.response_days:
            kept = _("your words and your answers {until}").format(until=until_them)
        else:
            kept = _("your words {words}; your answers {answers}").format(
                words=words if self.text_days else until_them,
                answers=answers if self.response_days else until_them,
            )
        about_you = (
            _(
                "{span} after we last hear from you or the council's list last includes you"
            ).format(span=span(self.people_days))
            if self.people_days
            else _("until you ask us to delete it")
        )
        return _("{kept}; everything about you {about_you}").format(
            kept=kept, about_you=about_you
        )

    def describe_for_staff(self) -> str:
        """The periods in words for the people who run carevoice (the command line), about
        young people rather than to one: "young people's words 2 years after ..."."""
        span = _spanner(None)
        kept = [
            f"young people's words {span(self.text_days)} after the survey closes"
            if self.text_days else "young people's words until they ask for them to be deleted",
            f"their answers {span(self.response_days)} after it closes"
            if self.response_days else "their answers until they ask for them to be deleted",
            f"everything about a young person {span(self.people_days)} after we last hear "
            "from them or the council's list last includes them"
            if self.people_days
            else "everything about a young person until they ask for it to be deleted",
        ]  # fmt: skip
        return "; ".join(kept)


def _spanner(language: str | None) -> Callable[[int], str]:
    """Days in words in `language`: whole years as years ("2 years"), else days."""
    ngettext = ngettext_for(language)

    def span(days: int) -> str:
        if days % 365 == 0:
            years = days // 365
            return ngettext("{n} year", "{n} years", years).format(n=years)
        return ngettext("{n} day", "{n} days", days).format(n=days)

    return span


@dataclass(frozen=True, slots=True)
class RetentionReport:
    """What retention removed (or, in a dry run, would remove)."""

    now: datetime
    dry_run: bool
    texts: int
    responses: int
    invitations: int
    people: int
    held_back_responses: int
    held_back_people: int
    messages: int = 0  # messages to workers and staff replies whose words were blanked

    @property
    def total(self) -> int:
        return self.texts + self.messages + self.responses + self.invitations + self.people

    def summary(self) -> str:
        verb = "would remove" if self.dry_run else "removed"
        held = self.held_back_responses + self.held_back_people
        return (
            f"{verb}: words of {self.texts} answers and {self.messages} messages, "
            f"{self.responses} responses, "
            f"{self.invitations} invitations, {self.people} young people"
            + (
                f"; held back for an unacknowledged safeguarding alert: "
                f"{self.held_back_responses} responses, {self.held_back_people} young people"
                if held
                else ""
            )
        )


def _cutoff(now: datetime, days: int) -> datetime | None:
    return None if days <= 0 else now - timedelta(days=days)


def _alert_waits_on_response() -> Any:
    a = SafeguardingAlertRow
    return exists().where(a.response_id == ResponseRow.id, a.acknowledged_at.is_(None))


def _expired_response(cutoff: datetime) -> Any:
    """Conditions on ResponseRow (outer-joined to its campaign) for an expired response."""
    return or_(
        CampaignRow.closes_at < cutoff,
        (ResponseRow.campaign_id.is_(None)) & (ResponseRow.updated_at < cutoff),
    )


def _text_query(cutoff: datetime) -> Any:
    a, r, c = AnswerRow, ResponseRow, CampaignRow
    return (
        select(a.id)
        .join(r, r.id == a.response_id)
        .outerjoin(c, c.id == r.campaign_id)
        .where(
            a.kind == TEXT_KIND,
            a.text.is_not(None),
            or_(c.closes_at < cutoff, (r.campaign_id.is_(None)) & (a.answered_at < cutoff)),
        )
    )


def _messages_query(cutoff: datetime) -> Any:
    """Messages to workers, and staff replies, whose words are older than the cutoff."""
    m, r = ContactMessageRow, ReplyRow
    return select(m.id).where(m.text.is_not(None), m.created_at < cutoff).union_all(
        select(r.id).where(r.text.is_not(None), r.created_at < cutoff)
    )


def _responses_query(cutoff: datetime, *, held: bool) -> Any:
    r, c = ResponseRow, CampaignRow
    waits = _alert_waits_on_response()
    return (
        select(r.id, r.invitation_id)
        .outerjoin(c, c.id == r.campaign_id)
        .where(_expired_response(cutoff), waits if held else ~waits)
    )


def _lone_invitations_query(cutoff: datetime) -> Any:
    """Invitations of closed campaigns that no response was made from."""
    i, c = InvitationRow, CampaignRow
    return (
        select(i.id)
        .join(c, c.id == i.campaign_id)
        .where(c.closes_at < cutoff, ~exists().where(ResponseRow.invitation_id == i.id))
    )


def _people_query(cutoff: datetime, *, held: bool) -> Any:
    p = PersonRow
    waits = alert_waits_on_person()
    return select(p.id, p.council_ref).where(
        p.erased_at.is_(None),
        func.coalesce(p.listed_at, p.created_at) < cutoff,
        p.created_at < cutoff,
        or_(p.consented_at.is_(None), p.consented_at < cutoff),
        ~exists().where(InvitationRow.person_id == p.id, InvitationRow.issued_at >= cutoff),
        ~exists().where(ResponseRow.person_id == p.id, ResponseRow.updated_at >= cutoff),
        ~exists().where(ChannelLinkRow.person_id == p.id, ChannelLinkRow.linked_at >= cutoff),
        ~exists().where(RequestRow.person_id == p.id, RequestRow.created_at >= cutoff),
        waits if held else ~waits,
    )


async def _count(session: AsyncSession, query: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)


async def plan(session: AsyncSession, clock: Clock, policy: RetentionPolicy) -> RetentionReport:
    """What `enforce` would remove now (a dry run: nothing changes)."""
    now = clock.now()
    counts = {"texts": 0, "responses": 0, "invitations": 0, "people": 0, "hr": 0, "hp": 0,
              "messages": 0}
    if (cut := _cutoff(now, policy.text_days)) is not None:
        counts["texts"] = await _count(session, _text_query(cut))
        counts["messages"] = await _count(session, _messages_query(cut))
    if (cut := _cutoff(now, policy.response_days)) is not None:
        counts["responses"] = await _count(session, _responses_query(cut, held=False))
        counts["hr"] = await _count(session, _responses_query(cut, held=True))
        counts["invitations"] = await _count(session, _lone_invitations_query(cut)) + (
            await _count(
                session,
                _responses_query(cut, held=False).where(ResponseRow.invitation_id.is_not(None)),
            )
        )
    if (cut := _cutoff(now, policy.people_days)) is not None:
        counts["people"] = await _count(session, _people_query(cut, held=False))
        counts["hp"] = await _count(session, _people_query(cut, held=True))
    return RetentionReport(
        now, True, counts["texts"], counts["responses"], counts["invitations"],
        counts["people"], counts["hr"], counts["hp"], counts["messages"],
    )  # fmt: skip


async def enforce(
    db: Database,
    clock: Clock,
    policy: RetentionPolicy,
    *,
    hasher: RefHasher,
    actor: str = ACTOR,
    progress: Progress | None = None,
) -> RetentionReport:
    """Apply the three rules in batches (a transaction each, so memory stays flat and
    progress is kept if stopped), through the erasure paths; log a summary in the audit
    log; on SQLite checkpoint the WAL. Words go first, then responses, then people."""
    now = clock.now()
    tell = progress or (lambda _rule, _n: None)
    texts = messages = responses = invitations = people = 0
    if (cut := _cutoff(now, policy.text_days)) is not None:
        while True:
            async with db.transaction() as session:
                batch = [int(i) for i in (await session.scalars(_text_query(cut).limit(BATCH)))]
                if batch:
                    texts += (await blank_text(session, batch))[0]
            tell("words", len(batch))
            if len(batch) < BATCH:
                break
        async with db.transaction() as session:  # messages and replies: one statement each
            messages = await _count(session, _messages_query(cut))
            await erase_words(session, before=cut)
        tell("words", messages)
    if (cut := _cutoff(now, policy.response_days)) is not None:
        while True:
            async with db.transaction() as session:
                rows = (await session.execute(_responses_query(cut, held=False).limit(BATCH))).all()
                lone = (
                    [
                        int(i)
                        for i in await session.scalars(_lone_invitations_query(cut).limit(BATCH))
                    ]
                    if len(rows) < BATCH
                    else []
                )
                ids = [int(r) for r, _ in rows]
                with_invitations = [int(i) for _, i in rows if i is not None] + lone
                done = await delete_responses(session, ids, with_invitations)
                responses += done.get("responses", 0)
                invitations += done.get("invitations", 0)
            tell("responses", len(rows) + len(lone))
            if len(rows) < BATCH and not lone:
                break
    if (cut := _cutoff(now, policy.people_days)) is not None:
        while True:
            async with db.transaction() as session:
                found = (
                    await session.execute(_people_query(cut, held=False).limit(PEOPLE_BATCH))
                ).all()
                # one fold for the batch; anyone erased or alerted meanwhile is left alone
                erased = await erase_people(
                    session, clock, [ref for _, ref in found], actor=actor, hasher=hasher
                )
                people += len(erased)
            tell("people", len(found))
            if len(found) < PEOPLE_BATCH:
                break
    async with db.reader() as session:
        after = await plan(session, clock, policy)
    report = RetentionReport(
        now, False, texts, responses, invitations, people,
        after.held_back_responses, after.held_back_people, messages,
    )  # fmt: skip
    async with db.transaction() as session:
        await audit_record(
            session, clock, actor=actor, action="apply retention", subject=report.summary()
        )
    await db.checkpoint()
    return report


async def keep_retained(
    db: Database,
    clock: Clock,
    policy: RetentionPolicy,
    *,
    hasher: RefHasher,
    hour: int = 3,
    timezone: str = "Europe/London",
) -> None:
    """Apply retention every day at `hour` (local time) until cancelled (`carevoice serve`).
    A failed run is logged by its error class only, and tried again the next day."""
    zone = ZoneInfo(timezone)
    while True:
        await asyncio.sleep(_seconds_until(clock.now(), hour, zone))
        try:
            report = await enforce(db, clock, policy, hasher=hasher)
            log.info("retention applied", extra={"removed": report.total})
        except (DBAPIError, OperationalError) as error:
            log.warning("retention not applied: %s", type(error).__name__)


def _seconds_until(now: datetime, hour: int, zone: ZoneInfo) -> float:
    """Seconds from `now` to the next `hour`:00 in `zone`."""
    local = now.astimezone(zone)
    target = datetime.combine(local.date(), time(hour), tzinfo=zone)
    if target <= local:
        target = datetime.combine(local.date() + timedelta(days=1), time(hour), tzinfo=zone)
    return max(1.0, (target.astimezone(UTC) - now.astimezone(UTC)).total_seconds())


def report_lines(report: RetentionReport) -> list[str]:
    """The report as lines for the CLI."""
    would = report.dry_run
    lines = [
        f"{'Would blank' if would else 'Blanked'} the words of {report.texts} answers and "
        f"{report.messages} messages",
        f"{'Would delete' if would else 'Deleted'} {report.responses} responses and "
        f"{report.invitations} invitations",
        f"{'Would erase' if would else 'Erased'} {report.people} young people",
    ]
    if report.held_back_responses or report.held_back_people:
        lines.append(
            "Held back until an officer acknowledges a safeguarding alert: "
            f"{report.held_back_responses} responses, {report.held_back_people} young people"
        )
    return lines
