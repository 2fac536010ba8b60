"""FastAPI dependencies, as `Annotated` aliases the routes declare.

    ServicesDep   the wired services (settings, database, catalog, clock)
    SessionDep    a session in a transaction, committed before the reply is sent
    ReaderDep     a read-only session (board figures)
    (both are opened only once the caller's key has been checked)
    BoardKey      a caller whose key may read aggregates (board, officer or admin)
    OfficerKey    a caller whose key may run surveys (officer or admin)
    AdminKey      a caller whose key may do anything (admin)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, cast

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from api.clients import client_address, too_many
from api.errors import forbidden, unauthorized
from services.container import Services
from storage import audit
from storage.keys import Role, find_key, key_scope, needs_touch, touch_key
from storage.teams import EVERY_TEAM, TeamScope


def get_services(request: Request) -> Services:
    """The services the app was built with."""
    return cast(Services, request.app.state.services)


ServicesDep = Annotated[Services, Depends(get_services)]


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: the key's name, prefix and role, and the teams it may see."""

    key_id: int
    name: str
    prefix: str
    role: Role
    scope: TeamScope = EVERY_TEAM

    @property
    def actor(self) -> str:
        """How the caller is named in the audit log."""
        return f"{self.name} ({self.prefix})"

    async def audit(
        self, session: AsyncSession, services: Services, action: str, subject: str
    ) -> None:
        """Write an audit row for something this caller read or changed."""
        await audit.record(
            session, services.clock, actor=self.actor, action=action, subject=subject
        )


_bearer = HTTPBearer(auto_error=False, description="An API key: `cv_<prefix>_<secret>`.")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


async def authenticate(
    request: Request, services: ServicesDep, credentials: Credentials
) -> Caller:
    """The caller named by the bearer key; 401 if there is none or it is not valid, 429
    after too many wrong keys from the same client (or from everyone)."""
    if credentials is None:
        raise unauthorized(
            "send an API key: 'Authorization: Bearer cv_...' "
            "(make one with `carevoice keys create`)"
        )
    guard, client = services.throttles.keys, client_address(request)
    wait = guard.wait(client)
    if wait:
        raise too_many(wait, "API keys")
    async with services.db.reader() as session:
        row = await find_key(session, credentials.credentials)
    if row is None or row.revoked_at is not None:
        guard.miss(client)
    if row is None:
        raise unauthorized("this API key is not recognised")
    if row.revoked_at is not None:
        raise unauthorized(f"this API key ({row.prefix}) was revoked")
    if needs_touch(row, services.clock):
        async with services.db.transaction() as session:
            await touch_key(session, row.id, services.clock)
    return Caller(row.id, row.name, row.prefix, Role(row.role), key_scope(row))


async def _session(
    services: ServicesDep, _: Annotated[Caller, Depends(authenticate)]
) -> AsyncIterator[AsyncSession]:
    async with services.db.transaction() as session:
        yield session


async def _reader(
    services: ServicesDep, _: Annotated[Caller, Depends(authenticate)]
) -> AsyncIterator[AsyncSession]:
    async with services.db.reader() as session:
        yield session


# Sessions are opened only for a known caller, after the key is checked (and its use
# recorded in a short transaction of its own: SQLite has one writer at a time).
# scope="function": the transaction ends (commits) before the reply goes out, so a 2xx
# always means the change and its audit row are stored.
SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]
ReaderDep = Annotated[AsyncSession, Depends(_reader, scope="function")]


def require(role: Role) -> Callable[..., Awaitable[Caller]]:
    """A dependency letting through keys whose role includes `role`."""

    async def check(caller: Annotated[Caller, Depends(authenticate)]) -> Caller:
        if not caller.role.allows(role):
            allowed = " or ".join(r.with_article for r in Role if r.allows(role))
            raise forbidden(f"{caller.role.with_article} key cannot do this; "
                            f"it needs {allowed} key")
        return caller

    check.__name__ = f"require_{role}"
    return check


BoardKey = Annotated[Caller, Depends(require(Role.BOARD))]
OfficerKey = Annotated[Caller, Depends(require(Role.OFFICER))]
AdminKey = Annotated[Caller, Depends(require(Role.ADMIN))]


async def _every_team_officer(caller: OfficerKey) -> Caller:
    """An officer or admin key for every team: what the whole council shares (counts of
    forms returned another way, "you said, we did") is not a team's to change."""
    if not caller.scope.every_team:
        raise forbidden(
            f"this key is for {caller.scope.label()} only; what the whole council shares "
            "needs a key for every team (a manager's) or an admin key"
        )
    return caller


CouncilOfficerKey = Annotated[Caller, Depends(_every_team_officer)]


Limit = Annotated[int, Query(ge=1, le=500, description="Items per page.")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip.")]
