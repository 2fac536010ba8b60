"""API keys: made once, shown once, stored as a hash, revocable.

A key reads `cv_<prefix>_<secret>`: the prefix (8 hex characters) names the key in lists
and logs; the secret is 256 random bits. Only SHA-256 of the prefix and secret is stored.
A fast hash is right here: a slow hash (scrypt, bcrypt) protects guessable passwords, but
no one can search a 256-bit random space, so there is nothing for slowness to buy, and a
fast check keeps every API request cheap. Hashes are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.tables import ApiKeyRow
from storage.teams import TeamScope, clean_teams
from surveys.clock import Clock
from surveys.errors import ConflictError, NotFoundError, ValidationError

KEY_PREFIX = "cv"
PREFIX_BYTES = 4  # 8 hex characters
SECRET_BYTES = 32  # 256 bits
TOUCH_EVERY = timedelta(minutes=1)  # how often `last_used_at` is written, at most


class Role(StrEnum):
    """What a key may do; each role can do everything the roles before it can."""

    BOARD = "board"  # aggregate figures only
    OFFICER = "officer"  # run surveys; see their responses, alerts and requests
    ADMIN = "admin"  # everything, plus keys, retention and erasure

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def allows(self, needed: Role) -> bool:
        """Whether a key with this role may do what `needed` may."""
        return self.rank >= needed.rank

    @property
    def with_article(self) -> str:
        """"a board", "an officer", "an admin": for sentences."""
        return f"{'an' if self.value[0] in 'aeiou' else 'a'} {self.value}"


_RANKS = {Role.BOARD: 1, Role.OFFICER: 2, Role.ADMIN: 3}


@dataclass(frozen=True, slots=True)
class NewKey:
    """A key just made: `token` is shown once and never stored."""

    row: ApiKeyRow
    token: str


def _digest(prefix: str, secret: str) -> str:
    return hashlib.sha256(f"{prefix}:{secret}".encode()).hexdigest()


def split_token(token: str) -> tuple[str, str] | None:
    """(prefix, secret) of a well-formed key, or None."""
    parts = token.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    prefix, secret = parts[1], parts[2]
    if len(prefix) != PREFIX_BYTES * 2 or not secret or len(secret) > 128:
        return None
    return prefix, secret


async def create_key(
    session: AsyncSession,
    clock: Clock,
    *,
    role: Role | str,
    name: str,
    teams: Sequence[str] | None = None,
) -> NewKey:
    """Make a key for a role; the returned token is the only copy of the secret.

    `teams` limits an officer key to those teams' young people; None is every team (a
    manager). Board keys see aggregates only and admin keys see everything, so neither
    takes teams.
    """
    try:
        role = Role(role)
    except ValueError:
        raise ValidationError(
            f"unknown role {role!r}: use {', '.join(r.value for r in Role)}"
        ) from None
    team_list = None if teams is None else list(clean_teams(teams))
    if team_list is not None and role is not Role.OFFICER:
        raise ValidationError(
            f"only officer keys belong to teams; a {role} key sees "
            + ("aggregates only" if role is Role.BOARD else "every team")
        )
    if team_list is not None and not team_list:
        raise ValidationError("name at least one team, or give the key every team")
    name = " ".join(name.split())
    if not name or len(name) > 80:
        raise ValidationError("give the key a name of 1 to 80 characters, e.g. 'Board 2026'")
    for _ in range(5):
        prefix = secrets.token_hex(PREFIX_BYTES)
        if await session.scalar(select(ApiKeyRow.id).where(ApiKeyRow.prefix == prefix)) is None:
            break
    else:  # pragma: no cover - 2**32 prefixes
        raise ConflictError("could not find a free key prefix; try again")
    secret = secrets.token_urlsafe(SECRET_BYTES)
    row = ApiKeyRow(
        name=name,
        role=role.value,
        prefix=prefix,
        key_hash=_digest(prefix, secret),
        created_at=clock.now(),
        teams=team_list,
    )
    session.add(row)
    await session.flush()
    return NewKey(row, f"{KEY_PREFIX}_{prefix}_{secret}")


async def find_key(session: AsyncSession, token: str) -> ApiKeyRow | None:
    """The key a token belongs to (revoked or not), or None if no key matches it."""
    parts = split_token(token)
    if parts is None:
        return None
    prefix, secret = parts
    row = await session.scalar(select(ApiKeyRow).where(ApiKeyRow.prefix == prefix))
    if row is None or not hmac.compare_digest(row.key_hash, _digest(prefix, secret)):
        return None
    return row


def needs_touch(row: ApiKeyRow, clock: Clock) -> bool:
    """Whether `last_used_at` is stale enough to be written again."""
    return row.last_used_at is None or clock.now() - row.last_used_at >= TOUCH_EVERY


async def touch_key(session: AsyncSession, key_id: int, clock: Clock) -> None:
    """Record that a key was used just now."""
    row = await session.get(ApiKeyRow, key_id)
    if row is not None:
        row.last_used_at = clock.now()


async def list_keys(session: AsyncSession) -> list[ApiKeyRow]:
    """Every key, newest first (hashes included: callers show only what they need)."""
    rows = await session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.id.desc()))
    return list(rows.all())


async def revoke_key(session: AsyncSession, clock: Clock, prefix: str) -> ApiKeyRow:
    """Revoke a key by its prefix; revoking twice keeps the first time."""
    row = await session.scalar(select(ApiKeyRow).where(ApiKeyRow.prefix == prefix.strip()))
    if row is None:
        raise NotFoundError(f"no key with prefix {prefix!r}")
    if row.revoked_at is None:
        row.revoked_at = clock.now()
        await session.flush()
    return row


def key_scope(row: ApiKeyRow) -> TeamScope:
    """The teams a key may see (every team unless it is an officer key with teams)."""
    if row.role != Role.OFFICER.value:
        return TeamScope.of(None)
    return TeamScope.of(row.teams)
