"""Survey versions in the store: built-ins synced, uploads versioned, definitions cached."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from storage.tables import SurveyVersionRow
from surveys.clock import Clock
from surveys.errors import NotFoundError
from surveys.loader import dump_survey_yaml, load_builtin_surveys, parse_survey, survey_fingerprint
from surveys.model import Survey

SYNC_LOCK = 421339
"""PostgreSQL advisory lock: one sync of the built-in surveys at a time."""


@dataclass(frozen=True, slots=True)
class Registered:
    """The stored version a survey became, and whether it was new."""

    row: SurveyVersionRow
    survey: Survey
    created: bool


@cache
def easy_alternatives() -> Mapping[str, tuple[str, ...]]:
    """For each survey key, the built-in easy surveys that stand in for it (`stands_in_for`)
    for children under 8 and young people flagged `easy_read`."""
    found: dict[str, list[str]] = {}
    for survey in load_builtin_surveys():
        for key in survey.stands_in_for if survey.easy else ():
            found.setdefault(key, []).append(survey.key)
    return {key: tuple(keys) for key, keys in found.items()}


def content_fingerprint(survey: Survey) -> str:
    """A fingerprint of what a survey says, whatever version number it carries."""
    return survey_fingerprint(replace(survey, version=0))


@cache
def _builtins_with_fingerprints() -> tuple[tuple[Survey, str], ...]:
    """The built-in surveys, each with its content fingerprint (both fixed for a process)."""
    return tuple((survey, content_fingerprint(survey)) for survey in load_builtin_surveys())


# A survey's YAML by (content fingerprint, version): the built-ins are stored again in
# every new database (each test's, each council's first start), and dumping is the slow part.
_DEFINITIONS: dict[tuple[str, int], str] = {}


def _definition(survey: Survey, fingerprint: str) -> str:
    """`dump_survey_yaml(survey)`, remembered: equal content and version, equal text."""
    key = (fingerprint, survey.version)
    text = _DEFINITIONS.get(key)
    if text is None:
        if len(_DEFINITIONS) >= 256:  # officers' own surveys pass here too: keep it small
            _DEFINITIONS.clear()
        text = _DEFINITIONS[key] = dump_survey_yaml(survey)
    return text


# Parsed surveys by their stored YAML: every new catalog (each process, each test) reads
# the built-ins' rows again, and parsing the YAML is the slow part (tens of ms a survey).
# Keyed by the text itself, so a rolled-back row whose id is reused cannot be confused.
_PARSED: dict[str, Survey] = {}


def _parsed(definition: str, source: str) -> Survey:
    """`parse_survey(definition, source)`, remembered by the text (surveys are immutable)."""
    survey = _PARSED.get(definition)
    if survey is None:
        survey = parse_survey(definition, source)
        if len(_PARSED) >= 256:  # officers' own surveys pass here too: keep it small
            _PARSED.clear()
        _PARSED[definition] = survey
    return survey


class SurveyCatalog:
    """Reads and writes survey versions; parsed definitions are cached by version id."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._cache: dict[int, Survey] = {}

    async def register(
        self, session: AsyncSession, survey: Survey, *, builtin: bool = False
    ) -> Registered:
        """Store a survey; a changed survey becomes a new version, an unchanged one is reused."""
        rows = (
            await session.scalars(
                select(SurveyVersionRow).where(SurveyVersionRow.key == survey.key)
            )
        ).all()
        placed = self._place(session, survey, content_fingerprint(survey), list(rows),
                             builtin=builtin)  # fmt: skip
        if placed.created:
            await session.flush()
        # Not cached when new: if the transaction rolls back, the id may be reused.
        return placed

    def _place(
        self, session: AsyncSession, survey: Survey, fingerprint: str,
        stored: list[SurveyVersionRow], *, builtin: bool,
    ) -> Registered:
        """The stored version (of `stored`, this key's rows) with the survey's content, or a
        new row added to the session (and to `stored`) with the next free version number."""
        for row in stored:
            if row.fingerprint == fingerprint:  # the same content: no need to parse it again
                known = self._cache.setdefault(row.id, replace(survey, version=row.version))
                return Registered(row, known, created=False)
        taken = {row.version for row in stored}
        version = survey.version if survey.version not in taken else max(taken) + 1
        kept = replace(survey, version=version)
        row = SurveyVersionRow(
            key=kept.key,
            version=version,
            title=kept.title,
            form=str(kept.form),
            audience=str(kept.audience),
            anonymous=kept.anonymous,
            definition=_definition(kept, fingerprint),
            fingerprint=fingerprint,
            builtin=builtin,
            created_at=self._clock.now(),
        )
        session.add(row)
        stored.append(row)
        return Registered(row, kept, created=True)

    async def sync_builtins(self, session: AsyncSession) -> list[Registered]:
        """Make sure every built-in template is stored (a changed template is a new version).

        One query reads what is stored and one flush writes what is new, whatever the
        number of templates (every test's store and every council's first start pays this).
        On PostgreSQL the transaction first takes an advisory lock, so workers starting
        together sync one after another (the second finds the first's rows) instead of
        racing to insert the same version."""
        if (await session.connection()).dialect.name == "postgresql":
            await session.execute(select(func.pg_advisory_xact_lock(SYNC_LOCK)))
        surveys = _builtins_with_fingerprints()
        stored: dict[str, list[SurveyVersionRow]] = {}
        rows = await session.scalars(
            select(SurveyVersionRow).where(SurveyVersionRow.key.in_({s.key for s, _ in surveys}))
        )
        for row in rows.all():
            stored.setdefault(row.key, []).append(row)
        registered = [
            self._place(session, survey, fingerprint, stored.setdefault(survey.key, []),
                        builtin=True)
            for survey, fingerprint in surveys
        ]  # fmt: skip
        if any(r.created for r in registered):
            await session.flush()
        return registered

    async def latest(self, session: AsyncSession, key: str) -> SurveyVersionRow:
        """The newest version of a survey; NotFoundError naming the key if there is none."""
        row = await session.scalar(
            select(SurveyVersionRow)
            .where(SurveyVersionRow.key == key)
            .order_by(SurveyVersionRow.version.desc())
            .limit(1)
        )
        if row is None:
            raise NotFoundError(f"no survey with key {key!r}")
        return row

    async def latest_rows(self, session: AsyncSession) -> list[SurveyVersionRow]:
        """The newest version of every survey, by key."""
        newest = (
            select(SurveyVersionRow.key, func.max(SurveyVersionRow.version).label("v"))
            .group_by(SurveyVersionRow.key)
            .subquery()
        )
        query = (
            select(SurveyVersionRow)
            .join(
                newest,
                (SurveyVersionRow.key == newest.c.key) & (SurveyVersionRow.version == newest.c.v),
            )
            .order_by(SurveyVersionRow.key)
        )
        return list((await session.scalars(query)).all())

    async def versions(self, session: AsyncSession, key: str) -> list[SurveyVersionRow]:
        rows = await session.scalars(
            select(SurveyVersionRow)
            .where(SurveyVersionRow.key == key)
            .order_by(SurveyVersionRow.version)
        )
        return list(rows.all())

    async def get(self, session: AsyncSession, version_id: int) -> Survey:
        """The parsed survey of a stored version (cached: versions never change)."""
        cached = self._cache.get(version_id)
        if cached is not None:
            return cached
        return await session.run_sync(self.survey, version_id)

    def survey(self, session: Session, version_id: int) -> Survey:
        """`get` for a sync session (the conversation service's transactions)."""
        cached = self._cache.get(version_id)
        if cached is not None:
            return cached
        row = session.get(SurveyVersionRow, version_id)
        if row is None:
            raise NotFoundError(f"no survey version {version_id}")
        return self._remember(row)

    def _remember(self, row: SurveyVersionRow) -> Survey:
        survey = self._cache.get(row.id)
        if survey is None:
            survey = _parsed(row.definition, f"survey {row.key} v{row.version}")
            self._cache[row.id] = survey
        return survey
