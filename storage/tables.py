"""The database schema: SQLAlchemy 2.x declarative tables (classes end in `Row`).

Board figures are GROUP BY queries over these tables, so the columns they group and filter
by are stored flat (form, audience, age band, dates) and indexed. Children's data lives in
`people`, `channel_links`, `answers.text`, the words of safeguarding alerts (with their
events), messages at any time and replies; nothing else holds a name or free text.
Free text (answers' text and value, progress, alerts' words, staff notes, messages and
replies) is encrypted at rest when a data key is set (`storage.encryption`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from storage.encryption import EncryptedJSON, EncryptedText

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Base of every table; constraint names are stable for migrations."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime(), dict[str, Any]: JSON, list[Any]: JSON}  # noqa: RUF012


class SurveyVersionRow(Base):
    """One version of a survey definition; responses point at the version they began."""

    __tablename__ = "survey_versions"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    form: Mapped[str] = mapped_column(String(32))
    audience: Mapped[str] = mapped_column(String(32))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    definition: Mapped[str] = mapped_column(Text)  # YAML, reloaded with surveys.loader
    fingerprint: Mapped[str] = mapped_column(String(64))
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class PersonRow(Base):
    """A young person, pseudonymous: the council's reference, never a full name."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    council_ref: Mapped[str] = mapped_column(String(64), unique=True)
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    age_band: Mapped[str | None] = mapped_column(String(16))
    cohort: Mapped[str] = mapped_column(String(16), index=True)
    team: Mapped[str | None] = mapped_column(String(64), index=True)
    next_review_date: Mapped[date | None] = mapped_column(Date, index=True)
    first_name: Mapped[str | None] = mapped_column(String(64))
    # the language they read (`surveys.i18n.LANGUAGES`): from the people CSV, or chosen in
    # the chat (`language_chosen_at`), which a later import does not undo
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    language_chosen_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="active")
    consented_at: Mapped[datetime | None]
    stopped_at: Mapped[datetime | None]  # said /stop: no more messages until they start again
    unreachable_at: Mapped[datetime | None]  # blocked the bot
    erased_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    listed_at: Mapped[datetime | None]  # the council's list last included them (import)
    easy_read: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # asked the easy survey (pictures, read aloud) where one stands in for the campaign's


class ChannelLinkRow(Base):
    """Which chat (Telegram chat id, web session) belongs to which young person."""

    __tablename__ = "channel_links"
    __table_args__ = (UniqueConstraint("channel", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(128))  # web: the SHA-256 of the session id
    linked_at: Mapped[datetime]
    # The response this chat is answering now (set when a code is redeemed). Not a foreign
    # key: responses are created after the link, and a stale id just falls back to the newest.
    response_id: Mapped[int | None] = mapped_column(Integer)


class CampaignRow(Base):
    """A survey sent to a set of young people between an opening and a closing time."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    survey_version_id: Mapped[int] = mapped_column(ForeignKey("survey_versions.id"))
    report_form: Mapped[str] = mapped_column(String(48))  # the form boards count it as
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    max_reminders: Mapped[int] = mapped_column(Integer, default=2)
    target_rate: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime]
    # who it is for (storage.campaigns.CohortFilter); empty matches everyone active
    cohort: Mapped[str | None] = mapped_column(String(16))
    age_bands: Mapped[list[Any]] = mapped_column(JSON, default=list)
    teams: Mapped[list[Any]] = mapped_column(JSON, default=list)
    review_from: Mapped[date | None] = mapped_column(Date)
    review_to: Mapped[date | None] = mapped_column(Date)
    # the one-time token of the officer's form that made it: the same form posted again
    # (Back, then Create) leads here instead of making a second campaign
    form_token: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)


class InvitationRow(Base):
    """One young person invited to one campaign; the code is single use and expires.

    `form`, `audience`, `age_band` and the dates are copied here so return rates are one
    GROUP BY over this table. `cohort` and `team` are the young person's when invited (""
    for no team; NULL: not recorded, before migration 0022), so a board's breakdowns by
    cohort and team keep a form where it was when a child later leaves care or moves team.
    """

    __tablename__ = "invitations"
    __table_args__ = (
        UniqueConstraint("campaign_id", "person_id", "cycle"),
        Index("ix_invitations_form_audience_delivered", "form", "audience", "delivered_at"),
        # board figures (storage.board): return rates and the scorecard, read from the index
        # the cap on how often one young person is asked (storage.asking)
        Index("ix_invitations_person_issued", "person_id", "issued_at"),
        Index(
            "ix_invitations_delivered_board",
            "delivered_at",
            "form",
            "audience",
            "age_band",
            "returned_at",
            "review_date",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    # SHA-256 of the code (storage.invitation_codes): the plain code is on the letter only.
    # The column keeps its first name, `code` (renaming it would rebuild the table).
    code_hash: Mapped[str] = mapped_column("code", String(64), unique=True)
    form: Mapped[str] = mapped_column(String(48))
    audience: Mapped[str] = mapped_column(String(32))
    age_band: Mapped[str | None] = mapped_column(String(16))
    cohort: Mapped[str | None] = mapped_column(String(16))  # migration 0022
    team: Mapped[str | None] = mapped_column(String(64))  # migration 0022
    review_date: Mapped[date | None] = mapped_column(Date)
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]  # "sent" in the board's figures
    delivered_by: Mapped[str | None] = mapped_column(String(16))  # telegram, letter, web
    started_at: Mapped[datetime | None]
    returned_at: Mapped[datetime | None]
    # how a form came back when an officer recorded it (paper, email...); None: the chat
    returned_by: Mapped[str | None] = mapped_column(String(16))  # migration 0008
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    last_reminded_at: Mapped[datetime | None]
    # 1 for a campaign's one invitation; a rolling campaign invites again before each
    # review (2, 3, ...), so its figures keep every review's form.
    cycle: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    # Carrying on from another phone or browser (storage.invitation_codes): the PIN the
    # young person chose (scrypt), wrong answers in a row and when the last was given,
    # and whether the next new chat may carry on unchecked (a reprinted letter).
    pin_hash: Mapped[str | None] = mapped_column(String(128))
    resume_failures: Mapped[int] = mapped_column(Integer, default=0)
    resume_failed_at: Mapped[datetime | None]
    handover: Mapped[bool] = mapped_column(Boolean, default=False)
    # They said "not now" for this survey: never reminded about it (migration 0011)
    declined_at: Mapped[datetime | None]


class RetiredCodeRow(Base):
    """A code an invitation had before a new letter replaced it (its SHA-256, as
    `InvitationRow.code_hash`), so the old letter's link says a newer letter replaced it
    rather than that the code is unknown. Deleted with its invitation (migration 0023)."""

    __tablename__ = "retired_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id"), index=True)
    retired_at: Mapped[datetime]


class ResponseRow(Base):
    """A young person's answers to one survey version, with where they are in it."""

    __tablename__ = "responses"
    __table_args__ = (
        Index("ix_responses_person_status", "person_id", "status"),
        # board figures: who returned which survey when (quotes only from big enough groups)
        Index("ix_responses_returned_survey", "returned_at", "survey_version_id", "person_id"),
        # the officer's overview: responses touched lately, for their flagged requests
        Index("ix_responses_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id"), unique=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    survey_version_id: Mapped[int] = mapped_column(ForeignKey("survey_versions.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    current_question: Mapped[str | None] = mapped_column(String(64))
    # surveys.progress, as JSON (it holds their answers, so it is encrypted like the text)
    state: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON, default=dict)
    share_quotes: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    returned_at: Mapped[datetime | None] = mapped_column(index=True)
    paused_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    revision: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": revision}  # noqa: RUF012


class AnswerRow(Base):
    """One committed answer. Going back and answering again supersedes, never deletes."""

    __tablename__ = "answers"
    __table_args__ = (
        Index("ix_answers_response_question", "response_id", "question_id"),
        Index("ix_answers_survey_question", "survey_key", "question_id", "answered_at"),
        Index("ix_answers_theme_answered", "theme", "answered_at"),
        # board figures: current scored free text (sentiment, themes, quotes) ...
        Index(
            "ix_answers_scored",
            "answered_at",
            "theme",
            "question_id",
            "survey_key",
            "response_id",
            "polarity",
            sqlite_where=text("superseded_at IS NULL AND sensitive = 0 AND polarity IS NOT NULL"),
            postgresql_where=text(
                "superseded_at IS NULL AND sensitive = false AND polarity IS NOT NULL"
            ),
        ),
        # ... and current answers to one question (the scorecard's measures)
        Index(
            "ix_answers_current_question",
            "question_id",
            "answered_at",
            "survey_key",
            "skipped",
            "choice",
            "number",
            sqlite_where=text("superseded_at IS NULL"),
            postgresql_where=text("superseded_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id"))
    survey_key: Mapped[str] = mapped_column(String(64))
    question_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    theme: Mapped[str] = mapped_column(String(32))
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    # The young person chose "only count it, don't show my words to anyone" (free text;
    # migration 0011): counted in sentiment and themes, never shown to staff or boards.
    private: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    value: Mapped[Any] = mapped_column(EncryptedJSON, nullable=True)
    choice: Mapped[str | None] = mapped_column(String(64))  # choice id, or yes / no
    number: Mapped[int | None] = mapped_column(Integer)  # scale 1-5
    text: Mapped[str | None] = mapped_column(EncryptedText)  # free text (children's words)
    polarity: Mapped[float | None] = mapped_column(Float)
    subjectivity: Mapped[float | None] = mapped_column(Float)
    answered_at: Mapped[datetime]
    superseded_at: Mapped[datetime | None]


class ThemeTaggingRow(Base):
    """What stored answers' topics were tagged by (`surveys.topics.tagging_fingerprint`),
    one row: a fresh database records it (migration 0025), `retag_all` again. Missing, or
    another fingerprint, and the board reads answers tagged by an older taxonomy."""

    __tablename__ = "theme_tagging"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    tagged_at: Mapped[datetime]


class AnswerTopicRow(Base):
    """A topic (`surveys.topics`) that a current free-text answer a board may read talks
    about: tagged when the answer is stored, in the same transaction. Rows exist only
    while the answer is current and its text is held: a trigger (migration 0003) deletes
    them when the answer is superseded or its text erased. The answer's response, survey,
    time and polarity are copied so topic counts read one index."""

    __tablename__ = "answer_topics"
    __table_args__ = (
        Index("ix_answer_topics_board", "answered_at", "topic", "response_id", "polarity"),
        Index("ix_answer_topics_response", "response_id"),
    )

    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(32), primary_key=True)
    response_id: Mapped[int] = mapped_column(Integer)
    survey_key: Mapped[str] = mapped_column(String(64))
    answered_at: Mapped[datetime]
    polarity: Mapped[float] = mapped_column(Float)


class BoardChangeRow(Base):
    """A UTC day whose answers or delivered forms changed since the board's rollups were
    refreshed. Written by triggers (migration 0004) in the changing transaction, deleted
    by `storage.board.rollups.refresh_rollups`; a period with a change is read directly."""

    __tablename__ = "board_changes"
    __table_args__ = (Index("ix_board_changes_day", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)


class BoardAnswerCellRow(Base):
    """Scored free text summed for one quarter (`grain` "q") or financial year ("y"), one
    survey and one group: a question, theme, age band ("band") or topic. Respondents are
    distinct within the cell (a response has one survey and one age band, so cells add
    up across those; never across quarters, themes or topics)."""

    __tablename__ = "board_answer_cells"

    grain: Mapped[str] = mapped_column(String(1), primary_key=True)
    start: Mapped[date] = mapped_column(Date, primary_key=True)
    survey_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    grp: Mapped[str] = mapped_column(String(64), primary_key=True)
    respondents: Mapped[int] = mapped_column(Integer)
    answers: Mapped[int] = mapped_column(Integer)
    total: Mapped[float] = mapped_column(Float)  # sum of polarity
    negative: Mapped[int] = mapped_column(Integer)
    positive: Mapped[int] = mapped_column(Integer)


class BoardBucketCellRow(Base):
    """One bucket's part of `board_answer_cells` (kinds question, theme, band, topic): the
    same sums counted over the responses whose id // 1000 is `bucket` (bucket -1: the
    erased cells as the last refresh saw them). A response never changes bucket, so
    respondents add up across buckets, and a cell is the sum of its buckets' cells
    (`storage.board.buckets`)."""

    __tablename__ = "board_bucket_cells"

    bucket: Mapped[int] = mapped_column(Integer, primary_key=True)
    grain: Mapped[str] = mapped_column(String(1), primary_key=True)
    start: Mapped[date] = mapped_column(Date, primary_key=True)
    survey_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    grp: Mapped[str] = mapped_column(String(64), primary_key=True)
    respondents: Mapped[int] = mapped_column(Integer)
    answers: Mapped[int] = mapped_column(Integer)
    total: Mapped[float] = mapped_column(Float)
    negative: Mapped[int] = mapped_column(Integer)
    positive: Mapped[int] = mapped_column(Integer)


class BoardBucketChangeRow(Base):
    """A bucket of responses (id // 1000; -1: the erased cells) whose answer cells changed
    since the last refresh. Written by triggers (migration 0020) in the changing
    transaction, deleted by `storage.board.rollups.refresh_rollups`."""

    __tablename__ = "board_bucket_changes"
    __table_args__ = (Index("ix_board_bucket_changes_bucket", "bucket"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer)


class BoardFormCellRow(Base):
    """Invitations delivered in one quarter (UK dates) by form, audience and age band:
    sent, returned, returned before the review, and returned with a review date."""

    __tablename__ = "board_form_cells"

    start: Mapped[date] = mapped_column(Date, primary_key=True)
    form: Mapped[str] = mapped_column(String(48), primary_key=True)
    audience: Mapped[str] = mapped_column(String(32), primary_key=True)
    age_band: Mapped[str] = mapped_column(String(16), primary_key=True)
    sent: Mapped[int] = mapped_column(Integer)
    returned: Mapped[int] = mapped_column(Integer)
    early: Mapped[int] = mapped_column(Integer)
    reviewed: Mapped[int] = mapped_column(Integer)


class BoardChoiceCellRow(Base):
    """Current answers given (not skipped) in one quarter by survey, question and choice
    or number: the scorecard's measures."""

    __tablename__ = "board_choice_cells"
    __table_args__ = (Index("ix_board_choice_cells_start", "start", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    start: Mapped[date] = mapped_column(Date)
    survey_key: Mapped[str] = mapped_column(String(64))
    question_id: Mapped[str] = mapped_column(String(64))
    choice: Mapped[str | None] = mapped_column(String(64))
    number: Mapped[int | None] = mapped_column(Integer)
    answers: Mapped[int] = mapped_column(Integer)


class ErasedAnswerCellRow(Base):
    """What erased young people (and responses removed by retention) added to
    `board_answer_cells`, in the same cells, plus all-time cells (`grain` "a", `start`
    ALL_TIME). Holds no person: respondents are counts. Board figures add these to what
    they count from the rows, so erasing changes no figure (`storage.erasure`)."""

    __tablename__ = "erased_answer_cells"

    grain: Mapped[str] = mapped_column(String(1), primary_key=True)
    start: Mapped[date] = mapped_column(Date, primary_key=True)
    survey_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    grp: Mapped[str] = mapped_column(String(64), primary_key=True)
    respondents: Mapped[int] = mapped_column(Integer)
    answers: Mapped[int] = mapped_column(Integer)
    total: Mapped[float] = mapped_column(Float)
    negative: Mapped[int] = mapped_column(Integer)
    positive: Mapped[int] = mapped_column(Integer)


class ErasedFormCellRow(Base):
    """What erased invitations added to `board_form_cells` (sent, returned, ...), also by
    the young person's cohort, team and language (the breakdowns a board reads, which
    `board_form_cells` do not hold); counts only, naming no one."""

    __tablename__ = "erased_form_cells"

    start: Mapped[date] = mapped_column(Date, primary_key=True)
    form: Mapped[str] = mapped_column(String(48), primary_key=True)
    audience: Mapped[str] = mapped_column(String(32), primary_key=True)
    age_band: Mapped[str] = mapped_column(String(16), primary_key=True)
    cohort: Mapped[str] = mapped_column(String(16), primary_key=True, server_default="unknown")
    team: Mapped[str] = mapped_column(String(64), primary_key=True, server_default="unknown")
    language: Mapped[str] = mapped_column(String(16), primary_key=True, server_default="unknown")
    sent: Mapped[int] = mapped_column(Integer)
    returned: Mapped[int] = mapped_column(Integer)
    early: Mapped[int] = mapped_column(Integer)
    reviewed: Mapped[int] = mapped_column(Integer)


class ErasedChoiceCellRow(Base):
    """What erased answers added to `board_choice_cells` (the scorecard's measures)."""

    __tablename__ = "erased_choice_cells"
    __table_args__ = (Index("ix_erased_choice_cells_start", "start", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    start: Mapped[date] = mapped_column(Date)
    survey_key: Mapped[str] = mapped_column(String(64))
    question_id: Mapped[str] = mapped_column(String(64))
    choice: Mapped[str | None] = mapped_column(String(64))
    number: Mapped[int | None] = mapped_column(Integer)
    answers: Mapped[int] = mapped_column(Integer)


class InboundMessageRow(Base):
    """Every incoming message id seen, so a duplicate delivery is recorded once."""

    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("channel", "message_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    message_key: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime]


class SafeguardingAlertRow(Base):
    """A sign of risk or a call for help. Stored before anything else; never deleted.

    `words` is what the young person wrote (staff only; blanked by erasure), `reply` what
    they were told. One input raises one alert: `category` is its main category and
    `categories` lists every one it showed, space-separated (NULL before 0015: just
    `category`). An answer raises at most one alert per category (`answer_id`), so a rescan
    never raises a second. `escalate_at` is when, unacknowledged, it goes to the duty
    team (office time counted); `escalated_at` says it did (set once, by one worker)."""

    __tablename__ = "safeguarding_alerts"
    __table_args__ = (
        Index("ix_safeguarding_alerts_response", "response_id", "question_id"),
        Index("ix_safeguarding_alerts_escalate", "escalate_at"),
        UniqueConstraint("answer_id", "category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id"))
    question_id: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(32))
    categories: Mapped[str | None] = mapped_column(String(400))  # all of them, main first
    phrase_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(index=True)
    notified_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(EncryptedText)
    words: Mapped[str | None] = mapped_column(EncryptedText)  # the young person's own words
    reply: Mapped[str | None] = mapped_column(EncryptedText)  # what they were told
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id"))
    source: Mapped[str] = mapped_column(String(16), default="live")  # live, rescan, message
    escalate_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]


class SafeguardingAlertEventRow(Base):
    """One step in an alert's history: raised, joined (another call for help), wrote more,
    notified, escalated, note, acknowledged. Kept for ever, like the alert."""

    __tablename__ = "safeguarding_alert_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("safeguarding_alerts.id"), index=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str | None] = mapped_column(String(100))  # staff, for notes
    detail: Mapped[str | None] = mapped_column(EncryptedText)  # staff notes, or what happened
    words: Mapped[str | None] = mapped_column(EncryptedText)  # theirs, when they wrote more


class OutboxRow(Base):
    """A message waiting to go out (invitation, reminder, alert); workers share the queue."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "sent_at", "failed_at", "not_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    dedupe_key: Mapped[str] = mapped_column(String(128), unique=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id"))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("safeguarding_alerts.id"))
    not_before: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]


class ExternalFormCountRow(Base):
    """Forms sent and returned by other routes (paper, email), counted by form and period."""

    __tablename__ = "external_form_counts"
    __table_args__ = (
        Index("ix_external_counts_form_audience", "form", "audience", "period_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    form: Mapped[str] = mapped_column(String(48))
    audience: Mapped[str] = mapped_column(String(32))
    route: Mapped[str] = mapped_column(String(16))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)  # exclusive
    sent: Mapped[int] = mapped_column(Integer)
    returned: Mapped[int] = mapped_column(Integer)
    target_rate: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime]


class RequestRow(Base):
    """A young person asked for something a person must do: erase my data, talk to me."""

    __tablename__ = "requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None once the young person is erased: the request and what was done stay
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # erasure, talk, access
    channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(EncryptedText)


class ApiKeyRow(Base):
    """A bearer key for the API, stored as a hash."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    # The teams an officer key may see (`storage.teams`); None: every team (migration 0008).
    teams: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)


class AuditLogRow(Base):
    """Who read or changed identifiable data, and when."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(index=True)


class RollingCampaignRow(Base):
    """A standing campaign that invites each young person matching it `days_before` their
    `next_review_date`; each invitation closes at the review (`storage.rolling`)."""

    __tablename__ = "rolling_campaigns"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    days_before: Mapped[int] = mapped_column(Integer)
    cohort: Mapped[str | None] = mapped_column(String(16))
    team: Mapped[str | None] = mapped_column(String(64))
    age_bands: Mapped[list[Any]] = mapped_column(JSON, default=list)
    last_scan_at: Mapped[datetime | None]


class ContactMessageRow(Base):
    """Something a young person sent at any time, outside a survey ("something's wrong",
    "good news", "talk to my worker"): read by officers, checked for risk when stored."""

    __tablename__ = "contact_messages"
    __table_args__ = (Index("ix_contact_messages_open", "read_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(EncryptedText)  # a young person's words
    channel: Mapped[str] = mapped_column(String(16))
    message_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    alerted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    read_by: Mapped[str | None] = mapped_column(String(100))


class ReplyRow(Base):
    """A worker's answer to a young person's response or message, in plain words; it goes
    back on the channel they used (Telegram through the outbox; the web chat shows it when
    they next open their link)."""

    __tablename__ = "replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id"), index=True)
    contact_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact_messages.id"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(EncryptedText)  # staff words to one young person
    written_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]  # sent on Telegram, or shown on the web
    undelivered: Mapped[str | None] = mapped_column(String(64))  # why it could not go


class ContactLinkRow(Base):
    """A young person's own web link for messages at any time (`/talk/<token>`), not tied
    to a survey. Only a hash of the token is kept; the first browser to open it is theirs
    (`bound_address`, a hash of that browser's cookie) and alone shows replies."""

    __tablename__ = "contact_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    bound_address: Mapped[str | None] = mapped_column(String(64))
    bound_at: Mapped[datetime | None]


class StatementRow(Base):
    """A "you said, we did" statement for a cohort and/or a survey (and its theme), shown to
    young people at the end of their next survey and to boards beside the figures."""

    __tablename__ = "statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    you_said: Mapped[str] = mapped_column(Text)
    we_did: Mapped[str] = mapped_column(Text)
    cohort: Mapped[str | None] = mapped_column(String(16))
    survey_key: Mapped[str | None] = mapped_column(String(64))
    theme: Mapped[str | None] = mapped_column(String(32))
    # language -> {"you_said": ..., "we_did": ...}: the officer's own words in Welsh, say
    translations: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    published_by: Mapped[str] = mapped_column(String(100))
    published_at: Mapped[datetime] = mapped_column(index=True)
    withdrawn_at: Mapped[datetime | None]


class StatementViewRow(Base):
    """A statement shown to a young person (each is shown once)."""

    __tablename__ = "statement_views"

    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    shown_at: Mapped[datetime]


class ComparatorRow(Base):
    """A figure published by another council or nationally (a return rate, wellbeing, ...)
    for a board to read beside its own: loaded from a CSV (`storage.comparators`), with
    its source and year. Holds no person; one row per measure, area and year."""

    __tablename__ = "comparators"
    __table_args__ = (UniqueConstraint("measure", "area", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure: Mapped[str] = mapped_column(String(80))
    label: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(8))  # rate (0 to 1), score or number
    area: Mapped[str] = mapped_column(String(120))
    area_type: Mapped[str] = mapped_column(String(24))  # council, neighbours, region, national
    year: Mapped[str] = mapped_column(String(16))  # 2017-18, or a calendar year 2019
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(String(500))
    note: Mapped[str | None] = mapped_column(String(500))
    loaded_at: Mapped[datetime]


class InvitationHoldRow(Base):
    """A young person a campaign did not invite, and why (`storage.asking`: already asked
    as often as the council allows in the period). Deleted when they are invited after
    all; shown to officers on the campaign, counted per reason (migration 0011)."""

    __tablename__ = "invitation_holds"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True, index=True)
    reason: Mapped[str] = mapped_column(String(120))
    held_at: Mapped[datetime]
