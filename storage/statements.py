"""You said, we did: what changed because young people spoke, published by a
participation officer for a cohort and/or a survey (optionally one of its themes).

    publish(...)            a statement (no young person is named in it: it is about many),
                            with the officer's own words in Welsh or Arabic if given
    take_for_person(...)    statements a young person has not seen, for the end of their
                            next survey (each shown once; `statement_views`)
    for_board(...)          the statements published, as text beside the board's figures
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.database import Database
from storage.tables import (
    PersonRow,
    ResponseRow,
    StatementRow,
    StatementViewRow,
    SurveyVersionRow,
)
from surveys.clock import Clock
from surveys.errors import NotFoundError, ValidationError
from surveys.i18n import DEFAULT_LANGUAGE, LANGUAGES
from surveys.people import Cohort

MAX_PART: Final = 600
SHOWN_AT_END: Final = 3  # at most this many at the end of one survey


@dataclass(frozen=True, slots=True)
class Statement:
    """A published statement, as young people and boards read it."""

    id: int
    you_said: str
    we_did: str
    cohort: str | None
    survey_key: str | None
    theme: str | None
    published_at: datetime
    translations: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """language -> (you said, we did), in the officer's own words."""

    @classmethod
    def of(cls, row: StatementRow) -> Statement:
        return cls(
            row.id,
            row.you_said,
            row.we_did,
            row.cohort,
            row.survey_key,
            row.theme,
            row.published_at,
            _read_translations(row.translations),
        )

    def words(self, language: str | None) -> tuple[str, str]:
        """(you said, we did) in `language` where the officer wrote them, else English."""
        return self.translations.get(language or DEFAULT_LANGUAGE, (self.you_said, self.we_did))


def _read_translations(stored: Mapping[str, Any] | None) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for language, parts in (stored or {}).items():
        if isinstance(parts, Mapping):
            said, did = parts.get("you_said"), parts.get("we_did")
            if isinstance(said, str) and isinstance(did, str):
                out[str(language)] = (said, did)
    return out


class StatementFault(ValidationError):
    """A statement refused, naming the field to fix (`you_said`, `we_did_cy`, `theme`...)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _translations(given: Mapping[str, tuple[str, str]] | None) -> dict[str, dict[str, str]]:
    """Translations as stored; both parts for each language, or neither (blank: none)."""
    stored: dict[str, dict[str, str]] = {}
    for language, (said, did) in (given or {}).items():
        if language == DEFAULT_LANGUAGE or language not in LANGUAGES:
            others = ", ".join(k for k in LANGUAGES if k != DEFAULT_LANGUAGE)
            raise StatementFault(
                "language", f"no language {language!r} to translate into: use {others}"
            )
        if not (said or "").strip() and not (did or "").strip():
            continue
        name = LANGUAGES[language]
        stored[language] = {
            "you_said": _part(said, f"You said ({name})", f"you_said_{language}"),
            "we_did": _part(did, f"We did ({name})", f"we_did_{language}"),
        }
    return stored


def _part(value: str | None, name: str, field: str) -> str:
    words = " ".join((value or "").split())
    if not words:
        raise StatementFault(field, f"write what goes after “{name}”")
    if len(words) > MAX_PART:
        raise StatementFault(field, f"“{name}” is at most {MAX_PART} characters")
    return words


async def publish(
    session: AsyncSession,
    clock: Clock,
    *,
    actor: str,
    you_said: str,
    we_did: str,
    cohort: str | None = None,
    survey_key: str | None = None,
    theme: str | None = None,
    translations: Mapping[str, tuple[str, str]] | None = None,
) -> Statement:
    """Publish a statement for a cohort (in_care, care_leaver; none: everyone) and/or a
    survey (by key, optionally one of its themes); `translations` (language -> you said,
    we did) are shown to young people who read that language."""
    cohort = cohort or None
    if cohort is not None and cohort not in {c.value for c in Cohort}:
        valid = ", ".join(c.value for c in Cohort)
        raise StatementFault("cohort", f"unknown cohort {cohort!r}: use one of {valid}")
    survey_key = (survey_key or "").strip() or None
    if survey_key is not None:
        known = await session.scalar(
            select(SurveyVersionRow.id).where(SurveyVersionRow.key == survey_key).limit(1)
        )
        if known is None:
            raise StatementFault("survey", f"no survey with key {survey_key!r}")
    theme = (theme or "").strip() or None
    if theme is not None and survey_key is None:
        raise StatementFault("theme", "a theme belongs to a survey: choose the survey too")
    row = StatementRow(
        you_said=_part(you_said, "You said", "you_said"),
        we_did=_part(we_did, "We did", "we_did"),
        cohort=cohort,
        survey_key=survey_key,
        theme=theme[:32] if theme else None,
        translations=_translations(translations) or None,
        published_by=actor[:100],
        published_at=clock.now(),
    )
    session.add(row)
    await session.flush()
    return Statement.of(row)


async def withdraw(session: AsyncSession, statement_id: int, clock: Clock) -> Statement:
    """Stop showing a statement (kept, for the record)."""
    row = await session.get(StatementRow, statement_id)
    if row is None:
        raise NotFoundError(f"no statement {statement_id}")
    if row.withdrawn_at is None:
        row.withdrawn_at = clock.now()
    return Statement.of(row)


async def published(session: AsyncSession, *, limit: int = 100) -> list[Statement]:
    """Statements still shown, newest first."""
    rows = await session.scalars(
        select(StatementRow)
        .where(StatementRow.withdrawn_at.is_(None))
        .order_by(StatementRow.published_at.desc(), StatementRow.id.desc())
        .limit(limit)
    )
    return [Statement.of(r) for r in rows]


async def for_board(session: AsyncSession, *, limit: int = 50) -> list[Statement]:
    """What boards read beside the figures: the statements' words, nothing about anyone."""
    return await published(session, limit=limit)


async def take_for_person(
    session: AsyncSession, person_id: int, survey_key: str | None, clock: Clock
) -> list[Statement]:
    """Statements for this young person's cohort and this survey (or for everyone) that
    they have not seen, newest first (a few at most); recorded as shown."""
    cohort = await session.scalar(select(PersonRow.cohort).where(PersonRow.id == person_id))
    if cohort is None:
        return []
    seen = exists().where(
        StatementViewRow.statement_id == StatementRow.id,
        StatementViewRow.person_id == person_id,
    )
    survey = or_(StatementRow.survey_key.is_(None), StatementRow.survey_key == survey_key)
    rows = list(
        (
            await session.scalars(
                select(StatementRow)
                .where(
                    StatementRow.withdrawn_at.is_(None),
                    or_(StatementRow.cohort.is_(None), StatementRow.cohort == cohort),
                    survey,
                    ~seen,
                )
                .order_by(StatementRow.published_at.desc(), StatementRow.id.desc())
                .limit(SHOWN_AT_END)
            )
        ).all()
    )
    now = clock.now()
    for row in rows:
        session.add(StatementViewRow(statement_id=row.id, person_id=person_id, shown_at=now))
    await session.flush()
    return [Statement.of(r) for r in rows]


async def take_at_end(db: Database, clock: Clock, response_id: int) -> list[Statement]:
    """`take_for_person` for the young person who just finished `response_id`."""
    async with db.transaction() as session:
        row = (
            await session.execute(
                select(ResponseRow.person_id, SurveyVersionRow.key)
                .join(SurveyVersionRow, SurveyVersionRow.id == ResponseRow.survey_version_id)
                .where(ResponseRow.id == response_id)
            )
        ).first()
        if row is None:
            return []
        return await take_for_person(session, row[0], row[1], clock)


__all__ = [
    "Statement",
    "for_board",
    "publish",
    "published",
    "take_at_end",
    "take_for_person",
    "withdraw",
]
