"""Who sees whom: an officer key (or a sign-in with it) belongs to one or more teams, or to
every team (a manager's or an admin's key).

    scope = TeamScope.of(key_row.teams)      # from `api_keys.teams` (None: every team)
    query.where(scope.people(PersonRow.team))   # young people in the scope's teams

Everything about one young person (their record, responses, answers, alerts, requests,
invitations) is seen through their `people.team`. A young person with no team is seen
only by keys for every team. A campaign is seen by a team key when it invited at least
one young person in its teams, and then only that part of it. Something outside a key's
teams is "not found" (404 in the API, a not-found page on the web), never "forbidden":
a key cannot learn that a young person in another team exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from difflib import get_close_matches
from typing import Any

from sqlalchemy import ColumnElement, false, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from storage.tables import ApiKeyRow, InvitationRow, PersonRow
from surveys.errors import ImportFault, ValidationError
from surveys.people import PersonRecord

TEAM_MAX = 64
TEAMS_MAX = 50


def clean_teams(names: Iterable[str]) -> tuple[str, ...]:
    """Team names as given (blank space tidied), each once, in the order given."""
    seen: dict[str, None] = {}
    for name in names:
        tidy = " ".join(str(name).split())
        if not tidy:
            continue
        if len(tidy) > TEAM_MAX:
            raise ValidationError(f"team {tidy[:20]!r}...: at most {TEAM_MAX} characters")
        seen[tidy] = None
    if len(seen) > TEAMS_MAX:
        raise ValidationError(f"at most {TEAMS_MAX} teams on one key")
    return tuple(seen)


@dataclass(frozen=True, slots=True)
class TeamScope:
    """The teams a key may see; `teams` None means every team."""

    teams: frozenset[str] | None = None

    @classmethod
    def of(cls, stored: Sequence[Any] | None) -> TeamScope:
        """The scope of a key from its stored `teams` (None: every team)."""
        if stored is None:
            return EVERY_TEAM
        return cls(frozenset(str(t) for t in stored))

    @property
    def every_team(self) -> bool:
        return self.teams is None

    def sees_team(self, team: str | None) -> bool:
        """Whether a young person in `team` (None: no team) is in scope."""
        return self.teams is None or (team is not None and team in self.teams)

    def people(self, team_column: InstrumentedAttribute[str | None]) -> ColumnElement[bool]:
        """A WHERE clause keeping rows whose young person's team is in scope."""
        if self.teams is None:
            return true()
        if not self.teams:
            return false()
        return team_column.in_(sorted(self.teams))

    def person_ids(self) -> Any:
        """A subquery of the ids of the young people in scope."""
        return select(PersonRow.id).where(self.people(PersonRow.team))

    def campaigns(self, campaign_column: InstrumentedAttribute[int]) -> ColumnElement[bool]:
        """A WHERE clause keeping campaigns that invited someone in scope."""
        if self.teams is None:
            return true()
        invited = select(InvitationRow.campaign_id).where(
            InvitationRow.person_id.in_(self.person_ids())
        )
        return campaign_column.in_(invited)

    def label(self) -> str:
        """The teams for people to read: "every team" or "North, South"."""
        if self.teams is None:
            return "every team"
        return ", ".join(sorted(self.teams)) or "no team"


EVERY_TEAM = TeamScope(None)


async def person_in_scope(session: AsyncSession, scope: TeamScope, person_id: int | None) -> bool:
    """Whether a young person (by id) is one the scope may see."""
    if scope.every_team:
        return True
    if person_id is None:
        return False
    team = await session.scalar(select(PersonRow.team).where(PersonRow.id == person_id))
    return scope.sees_team(team)


async def known_teams(session: AsyncSession, scope: TeamScope = EVERY_TEAM) -> list[str]:
    """The teams young people belong to (those in scope), by name."""
    rows = await session.scalars(
        select(PersonRow.team)
        .where(PersonRow.team.is_not(None), scope.people(PersonRow.team))
        .distinct()
        .order_by(PersonRow.team)
    )
    return [t for t in rows.all() if t]


def folded_team(team: str) -> str:
    """A team name as compared: "north", "NORTH " and "North" are one team."""
    return " ".join(team.split()).casefold()


async def council_spellings(session: AsyncSession) -> dict[str, str]:
    """Each team the council has (young people's, and keys'), by its folded name."""
    spelling: dict[str, str] = {}
    for team in await known_teams(session):
        spelling.setdefault(folded_team(team), team)
    for teams in (await session.scalars(select(ApiKeyRow.teams))).all():
        for team in teams or ():
            if isinstance(team, str) and team.strip():
                spelling.setdefault(folded_team(team), team)
    return spelling


@dataclass(frozen=True, slots=True)
class NewTeam:
    """A team an import would make, and the council's team it is closest to, if any."""

    name: str
    close_to: str | None


async def new_teams(session: AsyncSession, records: Sequence[PersonRecord]) -> list[NewTeam]:
    """The teams the records name that the council does not have yet ("Nroth", when North
    is meant), each with a close match among the teams it has. None while the council has
    no teams at all (its first import)."""
    spelling = await council_spellings(session)
    if not spelling:
        return []
    named = dict.fromkeys(t for r in records if (t := r.team) and folded_team(t) not in spelling)
    found: list[NewTeam] = []
    for team in named:
        close = get_close_matches(folded_team(team), list(spelling), n=1, cutoff=0.6)
        found.append(NewTeam(team, spelling[close[0]] if close else None))
    return found


async def known_spellings(
    session: AsyncSession, records: Sequence[PersonRecord]
) -> list[PersonRecord]:
    """The records with each team written as the council already writes it: "north" or
    "NORTH " in a spreadsheet is the North team young people and keys already belong to,
    not a new team that North's key cannot see. A team new to the council keeps the first
    spelling the records use."""
    spelling = await council_spellings(session)
    changed: list[PersonRecord] = []
    for record in records:
        if record.team is not None:
            known = spelling.setdefault(folded_team(record.team), record.team)
            if known != record.team:
                record = replace(record, team=known)
        changed.append(record)
    return changed


async def out_of_scope(
    session: AsyncSession, scope: TeamScope, records: Sequence[PersonRecord], *,
    first_line: int = 1, lines: Sequence[int] | None = None,
) -> list[ImportFault]:
    """Faults for the rows a team key may not write (none for a key for every team): a
    team not its own, or a reference (in any capitals) held by a young person outside its
    teams. Both read alike, so a refusal never says that such a young person exists.
    Rows are numbered from `first_line`, or by `lines` (one per record) when given."""
    if scope.every_team:
        return []
    records = await known_spellings(session, records)
    elsewhere = await _held_elsewhere(session, scope, [r.council_ref for r in records])
    refused = f"outside your teams ({scope.label()}): ask a manager to import this row"
    return [
        ImportFault(lines[n] if lines is not None else first_line + n, "team", refused)
        for n, record in enumerate(records)
        if not scope.sees_team(record.team) or record.council_ref.lower() in elsewhere
    ]


async def _held_elsewhere(
    session: AsyncSession, scope: TeamScope, refs: Sequence[str]
) -> set[str]:
    """Of `refs`, in lower case, those held (in any capitals) outside the scope's teams."""
    wanted = sorted({ref.lower() for ref in refs})
    elsewhere: set[str] = set()
    for start in range(0, len(wanted), 500):
        rows = await session.execute(
            select(PersonRow.council_ref, PersonRow.team).where(
                func.lower(PersonRow.council_ref).in_(wanted[start : start + 500])
            )
        )
        elsewhere |= {ref.lower() for ref, team in rows.all() if not scope.sees_team(team)}
    return elsewhere
