"""Asked often enough, never too often: the cap on how often one young person is asked.

Across every campaign, a young person is invited at most `surveys` times in `days` days
and reminded at most `reminders` times about each invitation (`CAREVOICE_ASK_*`; default
2 surveys in 30 days, 1 reminder each). Issuing (`storage.campaigns.issue_invitations`,
the rolling scan in `storage.rolling`) holds back whoever has been asked enough: no
invitation is made, and an `invitation_holds` row says why, so officers see "not
invited: already asked 2 times in the last 30 days" on the campaign, counted per reason.
Issuing again later invites them once the period allows (and removes the hold).
Reminders (`storage.reach.Reach.queue_reminders`) stop at the cap, and never go about an
invitation the young person said "not now" to.

A young person whose request to delete their information waits is asked nothing: not
invited (held, with that reason), sent no invitation or reminder, printed no letter.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import ColumnElement, delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.tables import InvitationHoldRow, InvitationRow, PersonRow, RequestRow
from storage.teams import EVERY_TEAM, TeamScope


@dataclass(frozen=True, slots=True)
class AskingCap:
    """How often one young person may be asked, across all campaigns. 0 surveys turns the
    invitation cap off; `reminders` is the most any invitation gets (the campaign's own
    `max_reminders` may be lower)."""

    surveys: int = 2
    days: int = 30
    reminders: int = 1

    @property
    def on(self) -> bool:
        return self.surveys > 0 and self.days > 0

    def since(self, now: datetime) -> datetime:
        return now - timedelta(days=self.days)

    @property
    def reason(self) -> str:
        """Why a young person was not invited, as officers read it."""
        times = {1: "once", 2: "twice"}.get(self.surveys, f"{self.surveys} times")
        period = "this month" if self.days in (30, 31) else f"in the last {self.days} days"
        return f"already asked {times} {period}"

    @property
    def reminder_reason(self) -> str:
        """Why a young person was not reminded again, as officers read it."""
        times = "once" if self.reminders == 1 else f"{self.reminders} times"
        return f"already reminded {times} (the most each survey gets)"


DELETING_REASON: Final = "asked for their information to be deleted (the request waits)"


def _erasure_waits() -> tuple[ColumnElement[bool], ...]:
    """A request to delete that nobody has dealt with yet."""
    return (RequestRow.kind == "erasure", RequestRow.resolved_at.is_(None))


def deletion_waiting(person_id: Any) -> ColumnElement[bool]:
    """True where the young person (`person_id`, a column) has asked for their information
    to be deleted and the request is not yet dealt with."""
    return exists().where(RequestRow.person_id == person_id, *_erasure_waits())


async def deleting(session: AsyncSession, person_ids: Iterable[int]) -> set[int]:
    """Those of these young people whose request to delete their information waits."""
    ids = sorted(set(person_ids))
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        rows = await session.scalars(
            select(RequestRow.person_id).where(
                RequestRow.person_id.in_(ids[start : start + 500]), *_erasure_waits()
            )
        )
        found.update(int(p) for p in rows.all() if p is not None)
    return found


NO_CAP = AskingCap(surveys=0, days=0, reminders=10)
"""No cap (the demo's history, tests that need none): reminders then follow each
campaign's own `max_reminders` (at most 10)."""


async def asked_counts(
    session: AsyncSession, person_ids: Iterable[int], cap: AskingCap, now: datetime
) -> Counter[int]:
    """How many invitations each young person was issued in the cap's period, across all
    campaigns (revoked ones, never seen, are not counted)."""
    ids = sorted(set(person_ids))
    counts: Counter[int] = Counter()
    if not ids or not cap.on:
        return counts
    i = InvitationRow
    for start in range(0, len(ids), 500):
        rows = await session.execute(
            select(i.person_id, func.count(i.id))
            .where(
                i.person_id.in_(ids[start : start + 500]),
                i.issued_at > cap.since(now),
                i.revoked_at.is_(None),
            )
            .group_by(i.person_id)
        )
        counts.update({int(p): int(n) for p, n in rows.all()})
    return counts


async def hold(
    session: AsyncSession, campaign_id: int, person_ids: Iterable[int], reason: str,
    now: datetime,
) -> None:
    """Record that these young people were not invited to a campaign, and why."""
    for person_id in person_ids:
        row = await session.get(InvitationHoldRow, (campaign_id, person_id))
        if row is None:
            session.add(
                InvitationHoldRow(
                    campaign_id=campaign_id, person_id=person_id, reason=reason, held_at=now
                )
            )
        else:
            row.reason, row.held_at = reason, now
    await session.flush()


async def release(session: AsyncSession, campaign_id: int, person_ids: Iterable[int]) -> None:
    """They were invited after all: no hold any more."""
    ids = list(person_ids)
    for start in range(0, len(ids), 500):
        await session.execute(
            delete(InvitationHoldRow).where(
                InvitationHoldRow.campaign_id == campaign_id,
                InvitationHoldRow.person_id.in_(ids[start : start + 500]),
            )
        )


@dataclass(frozen=True, slots=True)
class HeldPerson:
    """A young person a campaign did not invite, for the officer's campaign page."""

    council_ref: str
    team: str | None
    reason: str
    held_at: datetime


async def held_by_reason(
    session: AsyncSession, campaign_id: int, scope: TeamScope = EVERY_TEAM
) -> dict[str, int]:
    """How many young people (in `scope`) a campaign did not invite, per reason."""
    h = InvitationHoldRow
    query = (
        select(h.reason, func.count())
        .join(PersonRow, PersonRow.id == h.person_id)
        .where(
            h.campaign_id == campaign_id,
            PersonRow.erased_at.is_(None),
            scope.people(PersonRow.team),
        )
        .group_by(h.reason)
        .order_by(h.reason)
    )
    return {str(reason): int(n) for reason, n in (await session.execute(query)).all()}


async def held_people(
    session: AsyncSession, campaign_id: int, scope: TeamScope = EVERY_TEAM, *, limit: int = 200
) -> list[HeldPerson]:
    """The young people (in `scope`) a campaign did not invite, by reference."""
    h = InvitationHoldRow
    rows = await session.execute(
        select(PersonRow.council_ref, PersonRow.team, h.reason, h.held_at)
        .join(PersonRow, PersonRow.id == h.person_id)
        .where(
            h.campaign_id == campaign_id,
            PersonRow.erased_at.is_(None),
            scope.people(PersonRow.team),
        )
        .order_by(PersonRow.council_ref)
        .limit(limit)
    )
    return [HeldPerson(*row) for row in rows.all()]
