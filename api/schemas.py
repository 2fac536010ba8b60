"""Pydantic schemas of the API: `XCreate` is what a client sends, `XPublic` what it gets.

Board figures are not here: they are the store's own dataclasses, already suppressed,
turned into JSON by `api.board`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)

from storage.keys import Role
from surveys.people import Cohort, parse_day

T = TypeVar("T")

AgeBand = Literal["under 8", "8-12", "13-15", "16-17", "18-21", "22-25", "over 25"]
"""The age bands of `surveys.people.AGE_BANDS` (a test keeps the two the same)."""

NAME_PATTERN = r"^[a-z][a-z0-9_]*$"


class Public(BaseModel):
    """Base of what the API returns: read from objects, no extra fields."""

    model_config = ConfigDict(from_attributes=True)


# ----- errors ----------------------------------------------------------------------------


class FaultPublic(BaseModel):
    """One thing wrong: where (a place in a file, a line, a field) and what."""

    location: str | None = None
    line: int | None = None
    field: str | None = None
    message: str


class ErrorDetail(BaseModel):
    """What went wrong: a stable `code`, a message for people, and every fault found."""

    code: str
    message: str
    faults: list[FaultPublic] = Field(default_factory=list)


class ErrorResponse(BaseModel):
    """Every error reply has this shape."""

    error: ErrorDetail

    @classmethod
    def build(cls, code: str, message: str, faults: Sequence[FaultPublic] = ()) -> ErrorResponse:
        return cls(error=ErrorDetail(code=code, message=message, faults=list(faults)))


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for error statuses, all with the error shape."""
    words = {
        400: "The request cannot be carried out.",
        401: "No key, or a key that is unknown or revoked.",
        403: "The key's role may not do this.",
        404: "Not found.",
        409: "Clashes with what is stored.",
        410: "Gone: the invitation was used, revoked or has expired.",
        413: "The body is too large.",
    415: "The body is not in a form this route reads.",
        422: "The request is not valid; `faults` says where.",
        429: "Too many wrong keys or codes from this client (or from everyone); wait as "
        "`Retry-After` says.",
        503: "The database cannot be reached.",
    }
    retry = {"Retry-After": {"description": "Seconds to wait before trying again.",
                             "schema": {"type": "integer", "minimum": 1}}}
    return {
        s: {"model": ErrorResponse, "description": words.get(s, "Error."),
            **({"headers": retry} if s == 429 else {})}
        for s in statuses
    }


class Page(BaseModel, Generic[T]):
    """One page of a list: `items`, and `total` matching items."""

    items: list[T]
    total: int
    limit: int
    offset: int


# ----- health ----------------------------------------------------------------------------


class HealthPublic(BaseModel):
    """Whether the process (and, for readiness, the database) is up."""

    status: Literal["ok"]


# ----- surveys ---------------------------------------------------------------------------


class SurveyUpload(BaseModel):
    """A survey definition in YAML, sent as JSON."""

    model_config = ConfigDict(extra="forbid")

    yaml: str = Field(max_length=200_000, description="The survey definition, as YAML text.")


class SurveySummary(Public):
    """The newest version of one survey."""

    key: str
    version: int
    title: str
    form: str
    audience: str
    anonymous: bool
    builtin: bool
    questions: int = Field(description="Questions a young person answers (info steps aside).")
    created_at: datetime


class SurveyVersionPublic(Public):
    """One stored version of a survey."""

    version: int
    title: str
    fingerprint: str
    builtin: bool
    created_at: datetime


class ChoicePublic(Public):
    id: str
    label: str


class QuestionPublic(BaseModel):
    """A question as a young person meets it."""

    id: str
    kind: str
    text: str
    theme: str
    skippable: bool
    sensitive: bool
    conditional: bool = Field(description="Only asked when earlier answers say so.")
    choices: list[ChoicePublic]


class SurveyPublic(BaseModel):
    """A survey version in full, with the list of every version."""

    key: str
    version: int
    title: str
    form: str
    audience: str
    anonymous: bool
    description: str
    intro: str
    thanks: str
    questions: list[QuestionPublic]
    versions: list[SurveyVersionPublic]


class SurveyUploaded(BaseModel):
    """The version an upload became; `created` is false if it matched a stored version."""

    key: str
    version: int
    title: str
    created: bool
    questions: int


# ----- people ----------------------------------------------------------------------------


class PersonCreate(BaseModel):
    """One young person to import (the same fields as the CSV columns)."""

    council_ref: str | None = None
    cohort: str | None = None
    date_of_birth: str | None = None
    age_band: str | None = None
    team: str | None = None
    next_review_date: str | None = None
    first_name: str | None = None
    easy_read: str | None = None


class ImportPublic(BaseModel):
    """How an import went: young people added, and updated by council reference."""

    added: int
    updated: int


class PersonPublic(Public):
    """A young person, as officers see them (no date of birth: the age band instead)."""

    council_ref: str
    cohort: str
    age_band: str | None
    team: str | None
    next_review_date: date | None
    first_name: str | None
    status: str
    consented_at: datetime | None
    stopped_at: datetime | None
    unreachable_at: datetime | None
    erased_at: datetime | None
    created_at: datetime


# ----- campaigns and invitations -------------------------------------------------------


def _as_text(value: object) -> object:
    """Dates and times come as ISO text (pydantic would also read a number as seconds
    since 1970, which the schema does not offer and nobody means)."""
    if isinstance(value, int | float):
        raise ValueError("give a date as YYYY-MM-DD, or a time as ISO 8601 text")
    return value


def _day(value: Any) -> Any:
    """A date as the people CSV takes it: YYYY-MM-DD or DD/MM/YYYY."""
    _as_text(value)
    if isinstance(value, str) and value.strip():
        return parse_day(value)
    return value


Day = Annotated[
    date | None,
    BeforeValidator(_day),
    WithJsonSchema({"type": ["string", "null"], "examples": ["2026-03-31", "31/03/2026"]}),
]


class AudienceFilter(BaseModel):
    """Which active young people: every field given must match (none given: everyone).
    A campaign keeps the filter it was created with; issuing more invitations later
    narrows it, never widens it."""

    model_config = ConfigDict(extra="forbid")

    cohort: Cohort | None = None
    age_bands: list[AgeBand] = Field(default_factory=list, max_length=7)
    team: str | None = Field(None, max_length=64, description="One team.")
    teams: list[Annotated[str, Field(max_length=64)]] = Field(
        default_factory=list, max_length=50, description="Any of these teams."
    )
    review_from: Day = Field(
        None, description="Next review on or after this day (YYYY-MM-DD or DD/MM/YYYY)."
    )
    review_to: Day = Field(
        None, description="Next review on or before this day (YYYY-MM-DD or DD/MM/YYYY)."
    )

    @model_validator(mode="after")
    def _review_order(self) -> AudienceFilter:
        if self.review_from and self.review_to and self.review_from > self.review_to:
            raise ValueError("review_from is after review_to")
        return self


class CampaignCreate(AudienceFilter):
    """A campaign: a survey sent to the young people who match, between two times."""

    name: str = Field(min_length=1, max_length=200)
    survey: str = Field(min_length=1, max_length=64, description="Survey key.")
    opens_at: Annotated[AwareDatetime | None, BeforeValidator(_as_text)] = Field(
        None, description="Default: now."
    )
    closes_at: Annotated[AwareDatetime | None, BeforeValidator(_as_text)] = Field(
        None, description="Default: 14 days after opening."
    )
    report_form: str | None = Field(
        None, max_length=48, pattern=NAME_PATTERN,
        description="The form boards count it as (default: the survey's form).",
    )
    max_reminders: int = Field(2, ge=0, le=10)
    target_rate: float | None = Field(None, gt=0, le=1, description="e.g. 0.3 for 30%.")
    issue_invitations: bool = Field(True, description="Issue invitations at once.")


class CampaignClosed(BaseModel):
    """What closing a campaign did: invitations never opened were withdrawn (they don't
    count towards the asking cap), those started can no longer be finished, returns are
    kept, and messages not yet sent were cancelled."""

    unopened_withdrawn: int
    started_unfinished: int
    returned: int
    messages_cancelled: int


class CampaignPublic(BaseModel):
    """A campaign."""

    id: int
    name: str
    survey: str
    survey_version: int
    report_form: str
    opens_at: datetime
    closes_at: datetime
    max_reminders: int
    target_rate: float | None
    created_at: datetime
    cohort: Cohort | None = None
    age_bands: list[str] = Field(default_factory=list)
    teams: list[str] = Field(default_factory=list)
    review_from: date | None = None
    review_to: date | None = None


class IssuedInvitationPublic(BaseModel):
    """An invitation's code, shown this once (only its hash is kept): print the letter now.
    Reprinting makes a new code and the old one stops working."""

    id: int
    council_ref: str
    first_name: str | None
    code: str = Field(description="As printed for a young person to type, e.g. K7MQ-2X9P-H3TD.")
    web_link: str
    telegram_link: str | None
    expires_at: datetime


class CampaignCreated(CampaignPublic):
    """A new campaign, with how many matched and the invitations issued (codes shown once)."""

    matched: int
    invitations_issued: int
    invitations: list[IssuedInvitationPublic] = Field(default_factory=list)
    not_invited: dict[str, int] = Field(
        default_factory=dict,
        description="Matching young people not invited, per reason (the cap on how often "
        "one young person is asked).",
    )


class ProgressPublic(Public):
    """How a campaign is going."""

    invited: int
    delivered: int
    started: int
    returned: int
    opted_out: int
    unreachable: int
    declined: int = Field(0, description="Said 'not now': never reminded, not a return.")
    not_invited: dict[str, int] = Field(
        default_factory=dict,
        description="Young people not invited, per reason (the cap on how often one young "
        "person is asked, e.g. 'already asked twice this month').",
    )


class IssuePublic(BaseModel):
    """Invitations issued now (their codes, shown once), and matching young people who
    already had one, or were not invited (per reason)."""

    issued: int
    already_invited: int
    not_invited: dict[str, int] = Field(
        default_factory=dict,
        description="Matching young people not invited now, per reason (e.g. 'already "
        "asked twice this month'); issuing again later invites them once the period allows.",
    )
    invitations: list[IssuedInvitationPublic] = Field(default_factory=list)


class InvitationPublic(BaseModel):
    """An invitation (its code is kept only as a hash: reprint it for a new one)."""

    id: int
    council_ref: str
    status: Literal["issued", "delivered", "started", "returned", "revoked", "expired"]
    issued_at: datetime
    expires_at: datetime
    delivered_at: datetime | None
    started_at: datetime | None
    returned_at: datetime | None
    revoked_at: datetime | None


class AnswerPublic(BaseModel):
    """A current answer (superseded ones are left out)."""

    question_id: str
    kind: str
    theme: str
    sensitive: bool
    private: bool = Field(
        False, description="The young person chose 'only count it, don't show my words to "
        "anyone': `text` and `value` are null (the answer still counts in the figures)."
    )
    skipped: bool
    value: str | int | bool | list[str] | None
    text: str | None
    answered_at: datetime


class ResponsePublic(BaseModel):
    """A young person's response to a campaign."""

    id: int
    council_ref: str
    status: str
    channel: str
    share_quotes: bool
    started_at: datetime | None
    returned_at: datetime | None
    answers: list[AnswerPublic]


# ----- forms returned by other routes --------------------------------------------------


class FormCountCreate(BaseModel):
    """Forms sent and returned by another route (paper, email) in a period."""

    model_config = ConfigDict(extra="forbid")

    form: str = Field(max_length=48, pattern=NAME_PATTERN, examples=["consultation"])
    audience: str = Field(max_length=32, pattern=NAME_PATTERN, examples=["parent"])
    route: Literal["paper", "email", "post", "phone", "in_person", "other"]
    period: str = Field(max_length=32, examples=["2017-18", "2017-18 Q1"])
    sent: int = Field(ge=0, le=10_000_000)
    returned: int = Field(ge=0, le=10_000_000)
    target_rate: float | None = Field(None, gt=0, le=1)


class FormCountPublic(BaseModel):
    """A stored count."""

    id: int
    form: str
    audience: str
    route: str
    period: str
    period_start: date
    period_end: date = Field(description="The first day after the period.")
    sent: int
    returned: int
    target_rate: float | None
    created_at: datetime


# ----- alerts and requests ---------------------------------------------------------------


class NoteCreate(BaseModel):
    """A note of what was done."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=4000)


class RequestResolve(NoteCreate):
    """What was done about a request. A request to delete their information is done by
    erasing the young person (an admin's `DELETE /people/{ref}`); otherwise it is
    `decline`d, the note saying why (they must be told, and may complain to the ICO)."""

    decline: bool = False


class AlertPublic(BaseModel):
    """A safeguarding alert. Alerts are never deleted."""

    id: int
    council_ref: str | None
    category: str = Field(description="The main category.")
    categories: list[str] = Field(
        default_factory=list,
        description="Every category the input showed, the main one first (one input, one alert).",
    )
    phrase_id: str
    question_id: str | None
    channel: str
    created_at: datetime
    notified_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    note: str | None
    label: str = Field("", description="The categories in words, as officers read them.")
    source: str = Field("live", description="live, or rescan (found later in a stored answer).")
    escalate_at: datetime | None = Field(
        None, description="When it goes to the duty team if still not acknowledged."
    )
    escalated_at: datetime | None = None
    page: str = Field("", description="The alert's page for officers (sign in first).")


class AlertEventPublic(BaseModel):
    """One step in an alert's history."""

    at: datetime
    at_uk: str = Field(description="The same time in UK local time, as people read it.")
    kind: str = Field(description="raised, joined, more, notified, escalated, note, "
                      "acknowledged")
    actor: str | None
    detail: str | None
    words: str | None = Field(description="The young person's words (joined or wrote more).")


class RelatedAlertPublic(BaseModel):
    """Another alert about the same young person."""

    id: int
    label: str
    created_at: datetime
    acknowledged: bool


class AlertDetailPublic(AlertPublic):
    """An alert as an officer acts on it: the young person's own words (staff only), the
    question they answered, who they are, what they were told, and its history."""

    words: str | None
    question: str | None = Field(description="The question they were answering, in words.")
    survey: str | None
    first_name: str | None
    age_band: str | None
    team: str | None
    created_uk: str = Field(description="When it was raised, in UK local time.")
    reply: str | None = Field(description="What the young person was told.")
    response_id: int | None
    response_link: str | None = Field(description="The whole response, answer by answer.")
    calls_for_help: int = Field(description="Further calls for help joined to this alert.")
    events: list[AlertEventPublic]
    other_alerts: list[RelatedAlertPublic] = Field(
        default_factory=list, description="The young person's other alerts, newest first."
    )


class AnswerLinePublic(BaseModel):
    """One answer in a response."""

    question_id: str
    question: str
    answer: str
    answered_at: datetime
    superseded: bool = Field(description="Changed later (the young person went back).")


class AlertResponsePublic(BaseModel):
    """A young person's whole response, answer by answer (staff only)."""

    response_id: int
    survey: str
    status: str
    channel: str
    answers: list[AnswerLinePublic]


class RequestPublic(BaseModel):
    """Something a young person asked a person to do: erase my data, talk to me, or send
    me my data. `council_ref` is null once the young person has been erased."""

    id: int
    council_ref: str | None
    kind: str
    channel: str
    created_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    note: str | None


class ErasurePublic(BaseModel):
    """What erasing a young person removed; `subject` names them in the audit log (a keyed
    hash of the reference, never the reference)."""

    subject: str
    already_erased: bool
    answers_deleted: int
    responses_deleted: int
    invitations_deleted: int
    links_removed: int
    messages_deleted: int
    requests_closed: int
    alerts_kept: int


class RetentionPublic(BaseModel):
    """What applying retention changed."""

    cutoff: datetime
    answers_blanked: int
    responses_scrubbed: int


# ----- keys and audit --------------------------------------------------------------------


class KeyCreate(BaseModel):
    """A key to make."""

    model_config = ConfigDict(extra="forbid")

    role: Role
    name: str = Field(min_length=1, max_length=80, examples=["Corporate parenting board"])


class KeyPublic(Public):
    """A key, without its secret."""

    prefix: str
    name: str
    role: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class KeyCreated(KeyPublic):
    """A new key: `key` is shown this once and cannot be shown again."""

    key: str


class AuditPublic(Public):
    """Who read or changed identifiable data."""

    actor: str
    action: str
    subject: str
    at: datetime
