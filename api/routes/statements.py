"""You said, we did: officers publish and withdraw statements; boards read their words
(no person, no author)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from api.deps import BoardKey, CouncilOfficerKey, ReaderDep, ServicesDep, SessionDep
from api.schemas import error_responses
from storage import statements
from surveys.people import Cohort

router = APIRouter(prefix="/statements", tags=["you said, we did"])
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


class StatementWords(BaseModel):
    """A statement's two parts in another language, in the officer's own words."""

    model_config = ConfigDict(extra="forbid")

    you_said: str = Field(min_length=1, max_length=statements.MAX_PART)
    we_did: str = Field(min_length=1, max_length=statements.MAX_PART)


class StatementCreate(BaseModel):
    """A statement for a cohort (none: everyone) and/or a survey (and one of its themes)."""

    model_config = ConfigDict(extra="forbid")

    you_said: str = Field(min_length=1, max_length=statements.MAX_PART)
    we_did: str = Field(min_length=1, max_length=statements.MAX_PART)
    cohort: Cohort | None = None
    survey: str | None = Field(None, max_length=64, description="Survey key.")
    theme: str | None = Field(None, max_length=32)
    translations: dict[str, StatementWords] = Field(
        default_factory=dict,
        max_length=8,
        description="Language code (cy, ar) -> the statement in it, shown to young people "
        "who read that language (otherwise they see the English).",
    )


class StatementPublic(BaseModel):
    """A statement as young people and boards read it."""

    id: int
    you_said: str
    we_did: str
    cohort: str | None
    survey: str | None
    theme: str | None
    published_at: datetime
    translations: dict[str, StatementWords] = Field(default_factory=dict)


def _public(s: statements.Statement) -> StatementPublic:
    return StatementPublic(
        id=s.id, you_said=s.you_said, we_did=s.we_did, cohort=s.cohort, survey=s.survey_key,
        theme=s.theme, published_at=s.published_at,
        translations={
            k: StatementWords(you_said=said, we_did=did)
            for k, (said, did) in s.translations.items()
        },
    )  # fmt: skip


@router.post("", status_code=201, responses=error_responses(401, 403, 422))
async def publish(
    body: StatementCreate, session: SessionDep, services: ServicesDep,
    caller: CouncilOfficerKey,
) -> StatementPublic:
    """Publish a statement: shown at the end of young people's next survey and to boards."""
    made = await statements.publish(
        session, services.clock, actor=caller.actor, you_said=body.you_said,
        we_did=body.we_did, cohort=body.cohort.value if body.cohort else None,
        survey_key=body.survey, theme=body.theme,
        translations={k: (v.you_said, v.we_did) for k, v in body.translations.items()},
    )  # fmt: skip
    await caller.audit(session, services, "publish statement", f"statement {made.id}")
    return _public(made)


@router.get("", responses=error_responses(401, 403, 422))
async def list_statements(session: ReaderDep, _: BoardKey) -> list[StatementPublic]:
    """Statements still shown, newest first (words only)."""
    return [_public(s) for s in await statements.for_board(session)]


@router.post("/{statement_id}/withdraw", responses=error_responses(401, 403, 404, 422))
async def withdraw(
    statement_id: Id, session: SessionDep, services: ServicesDep, caller: CouncilOfficerKey
) -> StatementPublic:
    """Stop showing a statement (it is kept)."""
    done = await statements.withdraw(session, statement_id, services.clock)
    await caller.audit(session, services, "withdraw statement", f"statement {statement_id}")
    return _public(done)
