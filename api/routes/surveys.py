"""Surveys: list them, show one with its versions, upload a new one (or a new version)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.bodies import survey_yaml
from api.deps import OfficerKey, ReaderDep, ServicesDep, SessionDep
from api.errors import forbidden
from api.schemas import (
    ChoicePublic,
    QuestionPublic,
    SurveyPublic,
    SurveySummary,
    SurveyUploaded,
    SurveyVersionPublic,
    error_responses,
)
from surveys.errors import NotFoundError
from surveys.loader import parse_survey
from surveys.model import Survey

router = APIRouter(prefix="/surveys", tags=["surveys"])
SurveyKey = Annotated[str, Path(min_length=1, max_length=64, description="e.g. review-prep-child")]

UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "text/yaml": {"schema": {"type": "string"}},
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["yaml"],
                    "properties": {"yaml": {"type": "string"}},
                }
            },
        },
    }
}


def _questions(survey: Survey) -> list[QuestionPublic]:
    return [
        QuestionPublic(
            id=q.id, kind=str(q.kind), text=q.text, theme=str(q.theme), skippable=q.skippable,
            sensitive=q.sensitive, conditional=bool(q.show_if),
            choices=[ChoicePublic(id=c.id, label=c.label) for c in q.choices],
        )
        for q in survey.questions
    ]


@router.get("", responses=error_responses(401, 403))
async def list_surveys(
    session: ReaderDep, services: ServicesDep, _: OfficerKey
) -> list[SurveySummary]:
    """The newest version of every survey."""
    summaries = []
    for row in await services.catalog.latest_rows(session):
        survey = await services.catalog.get(session, row.id)
        summaries.append(SurveySummary(
            key=row.key, version=row.version, title=row.title, form=row.form,
            audience=row.audience, anonymous=row.anonymous, builtin=row.builtin,
            questions=sum(q.answerable for q in survey.questions), created_at=row.created_at,
        ))
    return summaries


@router.get("/{key}", responses=error_responses(401, 403, 404, 422))
async def show_survey(
    key: SurveyKey,
    session: ReaderDep,
    services: ServicesDep,
    _: OfficerKey,
    version: Annotated[int | None, Query(ge=1, le=1_000_000, description="Default: newest.")]
    = None,
) -> SurveyPublic:
    """A survey's questions (newest version unless asked) and every stored version."""
    rows = await services.catalog.versions(session, key)
    row = next((r for r in rows if r.version == version), None) if version else (
        rows[-1] if rows else None)
    if row is None:
        raise NotFoundError(f"no survey {key!r}" + (f" version {version}" if version else ""))
    survey = await services.catalog.get(session, row.id)
    return SurveyPublic(
        key=survey.key, version=row.version, title=survey.title, form=str(survey.form),
        audience=str(survey.audience), anonymous=survey.anonymous,
        description=survey.description, intro=survey.intro, thanks=survey.thanks,
        questions=_questions(survey),
        versions=[SurveyVersionPublic.model_validate(r) for r in rows],
    )


@router.post(
    "",
    status_code=201,
    openapi_extra=UPLOAD_BODY,
    responses={200: {"model": SurveyUploaded, "description": "Already stored: unchanged."},
               **error_responses(401, 403, 413, 415, 422)},
)
async def upload_survey(
    request: Request, response: Response, session: SessionDep, services: ServicesDep,
    caller: OfficerKey,
) -> SurveyUploaded:
    """Store a survey from YAML: a changed survey becomes a new version; faults are listed.
    Surveys are shared by every team, so this needs a key for every team (or an admin key)."""
    if not caller.scope.every_team:
        raise forbidden(
            "surveys are shared by every team: storing one needs a key for every team "
            f"(this key is for {caller.scope.label()}) or an admin key"
        )
    text = await survey_yaml(request)
    # parsed in a worker thread, so a large or tricky file never stalls anyone's chat
    survey = await run_in_threadpool(parse_survey, text, "upload")
    registered = await services.catalog.register(session, survey)
    if not registered.created:
        response.status_code = 200
    return SurveyUploaded(
        key=registered.row.key, version=registered.row.version, title=registered.row.title,
        created=registered.created,
        questions=sum(q.answerable for q in registered.survey.questions),
    )
