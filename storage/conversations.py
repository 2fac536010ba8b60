"""Conversations: the use cases every channel calls (redeem a code, open, handle an input).

Each call is one transaction, a plain function of a `Session` run by `Database.run` (which
may commit it together with inputs that arrived meanwhile). Safeguarding alerts are written
first, then answers, then where the young person is; one commit makes all of it durable
before anything is shown. A duplicate delivery (same channel and message key) is
recognised and changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Final, TypeVar

from sqlalchemy import and_, bindparam, case, func, insert, or_, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from storage import alerts
from storage.alerts import AlertPolicy
from storage.alerts import AlertRecipient as AlertRecipient  # where it used to live
from storage.board.topics import tag_answer
from storage.campaigns import no_invitation, retired_code
from storage.catalog import SurveyCatalog, easy_alternatives
from storage.database import Database
from storage.direct import Direct
from storage.invitation_codes import (
    ResumeThrottle,
    code_hash,
    hash_pin,
    name_matches,
    pin_matches,
)
from storage.tables import (
    Base,
    CampaignRow,
    ChannelLinkRow,
    InboundMessageRow,
    InvitationRow,
    PersonRow,
    ResponseRow,
    SafeguardingAlertRow,
    SurveyVersionRow,
)
from surveys import safeguarding
from surveys.cleaning import storable, storable_input
from surveys.clock import Clock
from surveys.engine import (
    AnswerRecorded,
    Command,
    Engine,
    Prompt,
    PromptKind,
    ResponseDeclined,
    ResponsePaused,
    ResponseReturned,
    ResponseStarted,
    RiskFlagged,
    SaidMore,
    Step,
    UserInput,
    VisibilityChosen,
    audience_of,
    describe_answer,
    visibility_label,
)
from surveys.errors import CarevoiceError, InvitationError
from surveys.i18n import DEFAULT_LANGUAGE, N_, format_day, gettext_for, normalize_language
from surveys.insights.periods import uk_date
from surveys.model import (
    SHARE_QUOTES_QUESTION,
    AnswerValue,
    Audience,
    Form,
    QuestionKind,
    Survey,
)
from surveys.people import Cohort, age_band, age_on, is_adult, wants_easy, words_private_by_default
from surveys.progress import Progress, ResponseStatus, progress_from_json, progress_to_json
from surveys.sentiment import SentimentScorer
from surveys.topics import topics_of
from surveys.translations import localize

log = logging.getLogger(__name__)
T = TypeVar("T")
NOTHING_TO_DO = N_(
    "You don't have a survey to answer right now. Thank you for checking! "
    "If you need help, type “I need help now”."
)


@dataclass(frozen=True, slots=True)
class RecordedAnswer:
    """An answer just committed, as it reads back (for editing the question's message)."""

    question_id: str
    display: str


@dataclass(frozen=True, slots=True)
class Turn:
    """What a channel shows after one call."""

    prompts: tuple[Prompt, ...]
    response_id: int | None = None
    duplicate: bool = False
    finished: bool = False
    alert_ids: tuple[int, ...] = ()
    recorded: tuple[RecordedAnswer, ...] = ()
    current_question: str | None = None
    language: str = DEFAULT_LANGUAGE  # the language the young person reads
    # the survey being answered, in that language, when the call had it to hand (so a
    # channel need not read it again to show its pictures)
    survey: Survey | None = field(default=None, compare=False, repr=False)


PRACTICE_STATUS = "practice"  # a young person made up to try a survey (`carevoice chat`)


class NotLinkedError(Exception):
    """The chat is not linked to a young person: they need their invitation link."""


NAME_AND_MONTH_THROTTLE: Final = ResumeThrottle(tries=3, first_wait=timedelta(0), limit=3)
"""The carry-on check by first name and birth month: three wrong answers in all."""


PIN_THROTTLE: Final = ResumeThrottle()
"""The carry-on check by PIN (`ResumeThrottle`'s defaults)."""


def carry_on_locked(
    invitation: InvitationRow,
    *,
    pin: ResumeThrottle = PIN_THROTTLE,
    name: ResumeThrottle = NAME_AND_MONTH_THROTTLE,
) -> bool:
    """Whether too many wrong answers to the carry-on check mean only a new letter (a new
    code) will carry this invitation on in another chat."""
    return (pin if invitation.pin_hash else name).locked(invitation.resume_failures)


class ResumeAsk(StrEnum):
    """What the check to carry on a started link in a new chat asks for."""

    PIN = "pin"  # the PIN they chose when they started
    NAME_AND_MONTH = "name_and_month"  # their first name and the month of their birthday
    NONE = "none"  # nothing known to check: only a new letter will do


@dataclass(frozen=True, slots=True)
class ResumeCheck:
    """What the young person typed into the carry-on check."""

    pin: str | None = None
    first_name: str | None = None
    birth_month: int | None = None


class ResumeRefused(CarevoiceError):
    """The carry-on check failed (`tries_left` before a wait) or must wait until
    `wait_until`; `locked` when only a new letter will do."""

    def __init__(
        self, tries_left: int, wait_until: datetime | None, *, locked: bool = False
    ) -> None:
        self.tries_left = tries_left
        self.wait_until = wait_until
        self.locked = locked
        super().__init__("that doesn't match")


@dataclass(frozen=True, slots=True)
class ActiveResponse:
    """The columns of a response the hot path reads; written back with a revision check."""

    id: int
    person_id: int
    survey_version_id: int
    channel: str
    invitation_id: int | None
    state: dict[str, object]
    revision: int

    @classmethod
    def of(cls, row: ResponseRow) -> ActiveResponse:
        return cls(
            row.id,
            row.person_id,
            row.survey_version_id,
            row.channel,
            row.invitation_id,
            dict(row.state),
            row.revision,
        )


_ACTIVE_COLUMNS = (
    ResponseRow.id,
    ResponseRow.person_id,
    ResponseRow.survey_version_id,
    ResponseRow.channel,
    ResponseRow.invitation_id,
    ResponseRow.state,
    ResponseRow.revision,
)

# Statements of the hot path, built once (binding values per call is far cheaper than
# building the expression each time).
_RESPONSES = Base.metadata.tables["responses"]
_ANSWERS = Base.metadata.tables["answers"]
_INSERT_INBOUND = insert(Base.metadata.tables["inbound_messages"])
_INSERT_ANSWER = (  # every column bound by name, so it compiles once (storage.direct)
    insert(_ANSWERS)
    .values({c.name: bindparam(c.name, type_=c.type) for c in _ANSWERS.c if c.name != "id"})
    .returning(_ANSWERS.c.id)
)
_CURRENT_ANSWER = (  # the answer to question `qid` in response `rid` that stands now
    _ANSWERS.c.response_id == bindparam("rid"),
    _ANSWERS.c.question_id == bindparam("qid"),
    _ANSWERS.c.superseded_at.is_(None),
)
_CHOOSE_VISIBILITY = update(_ANSWERS).where(*_CURRENT_ANSWER).values(private=bindparam("private"))
_SUPERSEDE = update(_ANSWERS).where(*_CURRENT_ANSWER).values(superseded_at=bindparam("now"))
_SAVE_PROGRESS = (
    update(_RESPONSES)
    .where(_RESPONSES.c.id == bindparam("rid"), _RESPONSES.c.revision == bindparam("rev"))
    .values(
        state=bindparam("state", type_=_RESPONSES.c.state.type),
        status=bindparam("status"),
        current_question=bindparam("current"),
        updated_at=bindparam("now", type_=_RESPONSES.c.updated_at.type),
        revision=bindparam("new_rev"),
    )
)
_FIND = (
    select(ChannelLinkRow.person_id, PersonRow.language, *_ACTIVE_COLUMNS)
    .select_from(ChannelLinkRow)
    .join(PersonRow, PersonRow.id == ChannelLinkRow.person_id)
    .outerjoin(
        ResponseRow,
        and_(
            ResponseRow.person_id == ChannelLinkRow.person_id,
            ResponseRow.status != str(ResponseStatus.RETURNED),
            or_(
                ResponseRow.campaign_id.is_(None),
                ResponseRow.campaign_id.in_(
                    select(CampaignRow.id).where(CampaignRow.closes_at > bindparam("now"))
                ),
            ),
        ),
    )
    .where(
        ChannelLinkRow.channel == bindparam("channel"),
        ChannelLinkRow.address == bindparam("address"),
    )
    .order_by(
        # the response this chat redeemed last comes first, then the newest
        case((ResponseRow.id == ChannelLinkRow.response_id, 0), else_=1),
        ResponseRow.opened_at.desc(),
        ResponseRow.id.desc(),
    )
    .limit(1)
)


_INBOUND = Base.metadata.tables["inbound_messages"]
_FIND_AFTER_INBOUND = _FIND.add_cte(
    insert(_INBOUND)
    .values(
        channel=bindparam("channel"), message_key=bindparam("key"), received_at=bindparam("now")
    )
    .returning(_INBOUND.c.id)
    .cte("inbound")
)
"""PostgreSQL: the message's key stored and the young person found in one round trip (a
data-modifying WITH runs whether or not the SELECT reads it; a repeat still fails)."""
_DIRECT_FIND = Direct(_FIND)
_DIRECT_FIND_AFTER_INBOUND = Direct(_FIND_AFTER_INBOUND)
_DIRECT_SAVE_PROGRESS = Direct(_SAVE_PROGRESS)
_DIRECT_SUPERSEDE = Direct(_SUPERSEDE)
_DIRECT_INSERT_ANSWER = Direct(_INSERT_ANSWER)
_DIRECT_SUPERSEDE_AND_INSERT = Direct(_INSERT_ANSWER.add_cte(_SUPERSEDE.cte("superseded")))
"""PostgreSQL: an answer given again supersedes the one before in the same round trip (a
data-modifying WITH: the UPDATE sees the rows as they were, never the new one)."""


@dataclass
class ConversationService:
    """The conversation use cases, over the store."""

    db: Database
    catalog: SurveyCatalog
    scorer: SentimentScorer
    clock: Clock
    engine: Engine = field(default_factory=Engine)
    alert_recipients: Sequence[AlertRecipient] = ()
    retries: int = 8
    alert_policy: AlertPolicy | None = None  # default: notify `alert_recipients`

    def __post_init__(self) -> None:
        if self.alert_policy is None:
            self.alert_policy = AlertPolicy(recipients=tuple(self.alert_recipients))

    @property
    def policy(self) -> AlertPolicy:
        assert self.alert_policy is not None
        return self.alert_policy

    resume_throttle: ResumeThrottle = field(default_factory=ResumeThrottle)
    # A first name (printed on the letter) and a birth month (12 to choose from) are far
    # easier to guess than a PIN: three wrong answers and only a new letter will do.
    name_throttle: ResumeThrottle = field(default_factory=lambda: NAME_AND_MONTH_THROTTLE)

    def warm(self) -> None:
        """Load the safeguarding phrase book and model, the sentiment scorer and the themes
        with their model now (each once a process), so the first young person's input does
        not pay for it inside its transaction, holding up every other writer meanwhile."""
        safeguarding.detect_risk("warming up")
        self.scorer.score("warming up")
        topics_of("warming up at my foster home")

    # ----- use cases -----------------------------------------------------------------

    async def redeem(
        self,
        code: str,
        *,
        channel: str,
        address: str,
        pin: str | None = None,
        consent: bool = False,
        language: str | None = None,
    ) -> Turn:
        """Link a chat to the young person an invitation code was issued to, and begin;
        `pin` (chosen as they start) lets them carry on in another chat later; `consent`
        records, in the same transaction, that they agreed to the privacy notice just now
        (first time only); `language`, chosen on the privacy notice before starting, is
        kept on them as a choice in the chat is (a first start only; ValueError for a
        language not shipped).

        A code already started in another chat raises InvitationError("started"): that
        chat may carry on after the check (`resume`)."""
        code, address = storable(code), storable(address)
        hashed = code_hash(code) if code.strip() else ""
        pin_hash = await asyncio.to_thread(hash_pin, pin) if pin else None
        chosen = None
        if language is not None:
            chosen = normalize_language(language)
            if chosen is None:
                raise ValueError(f"no language {language!r} is shipped")
        return await self._retrying(
            lambda s: self._redeem(s, hashed, channel, address, pin_hash, consent, chosen)
        )

    async def redeem_invitation(self, invitation_id: int, *, channel: str, address: str) -> Turn:
        """Begin (or carry on) an invitation of the young person this chat is linked to
        (a Telegram invitation message's button: the chat is the check)."""

        def run(session: Session) -> Turn:
            invitation = session.get(InvitationRow, invitation_id, with_for_update=True)
            if invitation is None:
                raise InvitationError("unknown")
            if self._person_id(session, channel, address) != invitation.person_id:
                raise NotLinkedError
            return self._begin(session, invitation, channel, address, checked=True)

        return await self._retrying(run)

    async def resume(
        self, code: str, check: ResumeCheck, *, channel: str, address: str
    ) -> Turn:
        """Carry on a started invitation in a new chat (another phone or browser) after a
        check only the young person can pass: the PIN they chose, or their birth month
        and first name. Wrong answers are throttled (`ResumeThrottle`): ResumeRefused."""
        hashed = code_hash(code)
        outcome = await self._retrying(
            lambda s: self._resume(s, hashed, check, channel, address)
        )
        if isinstance(outcome, ResumeRefused):
            if outcome.locked:
                raise InvitationError("locked")
            raise outcome
        return outcome

    async def resume_check(self, code: str) -> ResumeAsk:
        """What the carry-on check asks for this code (read only)."""

        def run(session: Session) -> ResumeAsk:
            hashed = code_hash(code)
            invitation = session.scalar(
                select(InvitationRow).where(InvitationRow.code_hash == hashed)
            )
            if invitation is None:
                raise no_invitation(session.scalar(retired_code(hashed)))
            if invitation.returned_at is not None:  # nothing to carry on: no check to ask
                raise InvitationError("used")
            person = session.get_one(PersonRow, invitation.person_id)
            ask = self._ask(invitation, person)
            if ask is not ResumeAsk.NONE and self.carry_on_locked(invitation):
                raise InvitationError("locked")  # only a new letter will do: say so now
            return ask

        return await self.db.run(run)

    def carry_on_locked(self, invitation: InvitationRow) -> bool:
        """`carry_on_locked` with this service's throttles."""
        return carry_on_locked(invitation, pin=self.resume_throttle, name=self.name_throttle)

    async def survey_of(self, response_id: int | None) -> Survey | None:
        """The survey a response is answering (None for none)."""
        if response_id is None:
            return None
        async with self.db.reader() as session:
            version = await session.scalar(
                select(ResponseRow.survey_version_id).where(ResponseRow.id == response_id)
            )
            return None if version is None else await self.catalog.get(session, version)

    async def open(self, *, channel: str, address: str) -> Turn:
        """Resume the young person's current survey (or say there is none)."""
        return await self._retrying(lambda s: self._open(s, channel, address))

    async def handle(
        self,
        user_input: UserInput,
        *,
        channel: str,
        address: str,
        message_key: str | None = None,
    ) -> Turn:
        """Apply one input; a repeated `message_key` on the same channel is recorded once.
        NUL and other characters no store can keep are removed first (never the answer)."""
        user_input, address = storable_input(user_input), storable(address)
        message_key = storable(message_key)
        try:
            return await self._retrying(
                lambda s: self._handle(s, user_input, channel, address, message_key)
            )
        except IntegrityError as error:
            if message_key is not None and await self._seen(channel, message_key):
                log.info("duplicate delivery ignored", extra={"channel": channel})
                return Turn((), duplicate=True)
            raise error

    async def begin_practice(
        self, survey_version_id: int, person_id: int, *, channel: str, address: str
    ) -> Turn:
        """Start a response with no invitation (the terminal `chat`, officers trying a survey)."""

        def run(session: Session) -> Turn:
            person = session.get(PersonRow, person_id)
            response = self._new_response(
                person_id, survey_version_id, channel, None, None, person=person
            )
            session.add(response)
            session.flush()
            self._link(session, person_id, channel, address, response.id)
            return self._open_response(session, ActiveResponse.of(response))

        return await self._retrying(run)

    async def language_of(self, *, channel: str, address: str) -> str:
        """The language of the young person a chat is linked to (English if none)."""
        async with self.db.reader() as session:
            found = await session.scalar(
                select(PersonRow.language)
                .join(ChannelLinkRow, ChannelLinkRow.person_id == PersonRow.id)
                .where(ChannelLinkRow.channel == channel, ChannelLinkRow.address == address)
            )
        return found or DEFAULT_LANGUAGE

    async def help_reply(self, person_id: int | None, language: str) -> str:
        """The help reply for a young person outside a survey: adult helplines for a care
        leaver or anyone 18 or over (Childline is for the under-19s), Childline otherwise."""
        async with self.db.reader() as session:
            return await session.run_sync(self._help_for, person_id, language)

    def _help_for(self, session: Session, person_id: int | None, language: str) -> str:
        audience = None
        if person_id is not None:
            found = session.execute(
                select(PersonRow).where(PersonRow.id == person_id)
            ).scalar()
            if found is not None and self._leaver(found, uk_date(self.clock.now())):
                audience = str(Audience.CARE_LEAVER)
        return self.engine.speaking(language).help(audience)

    @staticmethod
    def _leaver(person: PersonRow, day: date) -> bool:
        """A care leaver by cohort, or 18 or over (they have left care)."""
        return person.cohort == str(Cohort.CARE_LEAVER) or is_adult(
            person.date_of_birth, person.age_band, day
        )

    async def person_linked(self, *, channel: str, address: str) -> int | None:
        """The young person a chat is linked to, if any."""
        async with self.db.reader() as session:
            found: int | None = await session.scalar(
                select(ChannelLinkRow.person_id).where(
                    ChannelLinkRow.channel == channel, ChannelLinkRow.address == address
                )
            )
        return found

    async def language_of_code(self, code: str) -> str:
        """The language of the young person an invitation code was made for (English if
        the code names no one): the privacy notice is read before anything is linked."""
        return await self.invited_language(code) or DEFAULT_LANGUAGE

    async def unknown_code(self, code: str) -> InvitationError:
        """The error for a code that names no invitation: "replaced" when a newer letter
        replaced it, else "unknown" (a guess, for the caller's throttle to count)."""
        async with self.db.reader() as session:
            return no_invitation(await session.scalar(retired_code(code_hash(code))))

    async def invited_language(self, code: str) -> str | None:
        """The language of the young person an invitation code was made for; None if the
        code names no invitation (a guess, to be counted by the caller's throttle)."""
        async with self.db.reader() as session:
            found = (
                await session.execute(
                    select(PersonRow.language)
                    .join(InvitationRow, InvitationRow.person_id == PersonRow.id)
                    .where(InvitationRow.code_hash == code_hash(code))
                )
            ).first()
        if found is None:
            return None
        return found[0] or DEFAULT_LANGUAGE

    async def set_language(self, language: str, *, channel: str, address: str) -> Turn:
        """The young person chose the language they read, in the chat: kept on them (a
        later CSV import does not undo it), and the current question asked again in it.
        NotLinkedError if the chat is not linked; ValueError for a language not shipped."""
        chosen = normalize_language(language)
        if chosen is None:
            raise ValueError(f"{language!r} is not a shipped language")

        def run(session: Session) -> Turn:
            person_id, response, _ = self._find(session, channel, address)
            session.execute(
                update(PersonRow)
                .where(PersonRow.id == person_id)
                .values(language=chosen, language_chosen_at=self.clock.now())
            )
            if response is None:
                said = gettext_for(chosen)(NOTHING_TO_DO)
                return Turn((Prompt(PromptKind.NOTICE, said),), language=chosen)
            return self._open_response(session, response, chosen)

        return await self._retrying(run)

    def raise_alert(
        self,
        session: Session,
        person_id: int,
        category: str,
        phrase_id: str,
        channel: str,
        *,
        words: str | None = None,
        reply: str | None = None,
        also: Sequence[str] = (),
    ) -> int:
        """Store an alert for something said outside a survey (a message at any time), with
        its officer notifications, the same way as for an answer (the words are for staff
        only); `also`: the message's other categories. Returns the alert's id."""
        return alerts.raise_alert(
            session,
            self.policy,
            self.clock.now(),
            person_id=person_id,
            response_id=None,
            question_id=None,
            category=category,
            phrase_id=phrase_id,
            channel=channel,
            words=words,
            reply=reply,
            source="message",
            also=also,
        )

    # ----- transactions ----------------------------------------------------------------

    def _redeem(
        self,
        session: Session,
        hashed: str,
        channel: str,
        address: str,
        pin_hash: str | None,
        consent: bool = False,
        language: str | None = None,
    ) -> Turn:
        invitation = (
            session.scalar(
                select(InvitationRow).where(InvitationRow.code_hash == hashed).with_for_update()
            )
            if hashed
            else None
        )
        if invitation is None:
            raise no_invitation(session.scalar(retired_code(hashed)) if hashed else None)
        if language is not None and invitation.used_at is None:  # chosen on the notice
            session.execute(
                update(PersonRow)
                .where(PersonRow.id == invitation.person_id)
                .values(language=language, language_chosen_at=self.clock.now())
            )
        turn = self._begin(session, invitation, channel, address, checked=False, pin_hash=pin_hash)
        if consent:
            session.execute(
                update(PersonRow)
                .where(PersonRow.id == invitation.person_id, PersonRow.consented_at.is_(None))
                .values(consented_at=self.clock.now())
            )
        return turn

    def _begin(
        self,
        session: Session,
        invitation: InvitationRow,
        channel: str,
        address: str,
        *,
        checked: bool,
        pin_hash: str | None = None,
    ) -> Turn:
        now = self.clock.now()
        if invitation.revoked_at is not None:
            raise InvitationError("revoked")
        if invitation.used_at is not None:
            response = session.scalar(
                select(ResponseRow).where(ResponseRow.invitation_id == invitation.id)
            )
            if response is None:  # erased since
                raise InvitationError("used")
            if response.status != str(ResponseStatus.RETURNED) and invitation.expires_at <= now:
                raise InvitationError("closed")  # closed (or ran out) before they finished
            linked = self._person_id(session, channel, address)
            if not (checked or invitation.handover or linked == invitation.person_id):
                raise InvitationError("started")
            invitation.handover = False
            self._link(session, invitation.person_id, channel, address, response.id)
            return self._open_response(session, ActiveResponse.of(response))
        if invitation.returned_at is not None:  # their form came back by hand
            raise InvitationError("used")
        campaign = session.get_one(CampaignRow, invitation.campaign_id)
        if invitation.expires_at <= now:
            raise InvitationError("expired")
        if campaign.closes_at <= now:
            raise InvitationError("closed")
        if campaign.opens_at > now:
            raise InvitationError("not_open")
        invitation.used_at = now
        invitation.handover = False
        invitation.pin_hash = pin_hash
        if invitation.delivered_at is None:  # reached them by another route: they have it
            invitation.delivered_at = now
            invitation.delivered_by = channel
        person = session.get_one(PersonRow, invitation.person_id)
        person.stopped_at = None
        version_id = self._easy_version(session, person, invitation, campaign.survey_version_id)
        response = self._new_response(
            invitation.person_id, version_id, channel, invitation.id, campaign.id,
            person=person,
        )
        session.add(response)
        session.flush()
        self._link(session, invitation.person_id, channel, address, response.id)
        log.info("invitation redeemed", extra={"response": response.id, "channel": channel})
        return self._open_response(
            session, ActiveResponse.of(response), person.language or DEFAULT_LANGUAGE
        )

    def _easy_version(
        self, session: Session, person: PersonRow, invitation: InvitationRow, version_id: int
    ) -> int:
        """The survey version to ask: the newest easy survey standing in for the campaign's
        (`stands_in_for`) for a child under 8 or a young person flagged `easy_read`."""
        band = invitation.age_band or person.age_band
        if person.date_of_birth is not None:
            band = age_band(age_on(person.date_of_birth, uk_date(self.clock.now())))
        if not wants_easy(person.easy_read, band):
            return version_id
        key = session.scalar(select(SurveyVersionRow.key).where(SurveyVersionRow.id == version_id))
        for easy_key in easy_alternatives().get(key or "", ()):
            easy_id = session.scalar(
                select(SurveyVersionRow.id)
                .where(SurveyVersionRow.key == easy_key)
                .order_by(SurveyVersionRow.version.desc())
                .limit(1)
            )
            if easy_id is not None:
                return easy_id
        return version_id

    def _ask(self, invitation: InvitationRow, person: PersonRow) -> ResumeAsk:
        if invitation.pin_hash is not None:
            return ResumeAsk.PIN
        if person.first_name and person.date_of_birth is not None:
            return ResumeAsk.NAME_AND_MONTH
        return ResumeAsk.NONE

    def _resume(
        self, session: Session, hashed: str, check: ResumeCheck, channel: str, address: str
    ) -> Turn | ResumeRefused:
        now = self.clock.now()
        invitation = session.scalar(
            select(InvitationRow).where(InvitationRow.code_hash == hashed).with_for_update()
        )
        if invitation is None:
            raise no_invitation(session.scalar(retired_code(hashed)))
        person = session.get_one(PersonRow, invitation.person_id)
        ask = self._ask(invitation, person)
        throttle = self.resume_throttle if ask is ResumeAsk.PIN else self.name_throttle
        if ask is ResumeAsk.NONE:
            raise InvitationError("started")
        if throttle.locked(invitation.resume_failures):
            raise InvitationError("locked")
        wait = throttle.wait_until(invitation.resume_failures, invitation.resume_failed_at)
        if wait is not None and wait > now:
            return ResumeRefused(0, wait)
        if ask is ResumeAsk.PIN:
            passed = invitation.pin_hash is not None and pin_matches(
                check.pin or "", invitation.pin_hash
            )
        else:
            born = person.date_of_birth
            passed = (
                born is not None
                and check.birth_month == born.month
                and name_matches(check.first_name or "", person.first_name)
            )
        if not passed:
            invitation.resume_failures += 1
            invitation.resume_failed_at = now
            log.info("carry-on check failed", extra={"invitation": invitation.id})
            failures = invitation.resume_failures
            return ResumeRefused(
                throttle.left(failures),
                throttle.wait_until(failures, now),
                locked=throttle.locked(failures),
            )
        invitation.resume_failures = 0
        invitation.resume_failed_at = None
        log.info("carried on in a new chat", extra={"invitation": invitation.id})
        if ask is ResumeAsk.NAME_AND_MONTH:  # a carer could pass it: nothing said so far
            self._seal(session, invitation)  # is shown or changed from the new chat
        return self._begin(session, invitation, channel, address, checked=True)

    @staticmethod
    def _seal(session: Session, invitation: InvitationRow) -> None:
        """Seal the answers given so far (`Progress.sealed`): a first name and birth
        month are known to a carer or a brother as well as to the young person."""
        response = session.scalar(
            select(ResponseRow).where(ResponseRow.invitation_id == invitation.id)
        )
        if response is None or response.status == str(ResponseStatus.RETURNED):
            return
        progress = progress_from_json(response.state)
        response.state = progress_to_json(progress.sealing_history())

    def _open(self, session: Session, channel: str, address: str) -> Turn:
        _, response, language = self._find(session, channel, address)
        if response is None:
            said = gettext_for(language)(NOTHING_TO_DO)
            return Turn((Prompt(PromptKind.NOTICE, said),), language=language)
        return self._open_response(session, response, language)

    def _handle(
        self,
        session: Session,
        user_input: UserInput,
        channel: str,
        address: str,
        message_key: str | None,
    ) -> Turn:
        now = self.clock.now()
        if message_key is not None and session.connection().dialect.name == "postgresql":
            person_id, response, language = self._find(
                session, channel, address, inbound=message_key
            )
        else:
            if message_key is not None:
                session.connection().execute(
                    _INSERT_INBOUND,
                    {"channel": channel, "message_key": message_key, "received_at": now},
                )
            person_id, response, language = self._find(session, channel, address)
        if response is None:
            return self._outside_survey(session, person_id, channel, user_input, language)
        survey = localize(self.catalog.survey(session, response.survey_version_id), language)
        progress = progress_from_json(response.state)
        step = self.engine.speaking(language, channel).advance(survey, progress, user_input)
        return self._apply(
            session, response, survey, step, words=user_input.text, language=language
        )

    def _outside_survey(
        self,
        session: Session,
        person_id: int,
        channel: str,
        user_input: UserInput,
        language: str = DEFAULT_LANGUAGE,
    ) -> Turn:
        """No survey open: still listen for risk and for "I need help now"."""
        text = (user_input.text or "").strip()
        hits = [(str(h.category), h.phrase_id) for h in safeguarding.detect_risk(text)]
        if user_input.command is Command.HELP_NOW:
            hits.append(("help_now", "help_now"))
        if not hits:
            said = gettext_for(language)(NOTHING_TO_DO)
            ids: tuple[int, ...] = ()
            if safeguarding.needs_reading(text, language):
                # words the net cannot read: a person reads them; nothing is said
                unread = safeguarding.UNREAD_CATEGORY
                flag = RiskFlagged(unread, unread, None)
                ids, _ = self._store_alerts(session, person_id, None, channel, [flag], text, None)
            return Turn((Prompt(PromptKind.NOTICE, said),), alert_ids=ids, language=language)
        prompts = (Prompt(PromptKind.HELP, self._help_for(session, person_id, language)),)
        flagged = [RiskFlagged(category, phrase, None) for category, phrase in dict(hits).items()]
        ids, _ = self._store_alerts(
            session, person_id, None, channel, flagged, text or None, _told(prompts)
        )
        return Turn(prompts, alert_ids=ids, language=language)

    # ----- applying a step -----------------------------------------------------------

    def _open_response(
        self, session: Session, response: ActiveResponse, language: str | None = None
    ) -> Turn:
        if language is None:
            language = self._language(session, response.person_id)
        survey = localize(self.catalog.survey(session, response.survey_version_id), language)
        step = self.engine.speaking(language).open_survey(
            survey, progress_from_json(response.state)
        )
        return self._apply(session, response, survey, step, language=language)

    def _apply(
        self,
        session: Session,
        response: ActiveResponse,
        survey: Survey,
        step: Step,
        words: str | None = None,
        language: str = DEFAULT_LANGUAGE,
    ) -> Turn:
        now = self.clock.now()
        _ = gettext_for(language)
        prompts = step.prompts
        history = response.state.get("history", ())
        answered_before = set(history) if isinstance(history, list) else set()
        changes: dict[str, object] = {}
        recorded: list[RecordedAnswer] = []
        # alerts first: they must never be lost
        flagged = list(step.alerts)
        more_risk = [r for e in step.events if isinstance(e, SaidMore) for r in e.risk]
        still_open = alerts.open_alert_id(session, response.person_id) if more_risk else None
        if more_risk and still_open is None:
            flagged += more_risk  # no alert left open to keep them with: a new one
        alert_ids, raised = self._store_alerts(
            session, response.person_id, response, response.channel, flagged,
            (words or "").strip() or None, _told(step.prompts),
        )
        for event in step.events:
            if isinstance(event, SaidMore) and not event.risk:
                alerts.add_words(session, now, response.person_id, event.text)
            elif isinstance(event, SaidMore) and still_open is not None:
                alerts.keep_words(session, now, still_open, event.text)
            elif isinstance(event, AnswerRecorded):
                again = event.question_id in answered_before
                answer_id = self._store_answer(session, response, survey, event, now, again=again)
                if raised and event.text is not None:
                    session.execute(
                        update(SafeguardingAlertRow)
                        .where(
                            SafeguardingAlertRow.id.in_(raised),
                            SafeguardingAlertRow.question_id == event.question_id,
                            SafeguardingAlertRow.category != alerts.HELP_NOW,
                        )
                        .values(answer_id=answer_id)
                    )
                if event.question_id == SHARE_QUOTES_QUESTION:
                    changes["share_quotes"] = event.value == "yes"
                question = survey.question(event.question_id)
                said = describe_answer(question, event.value, _)
                recorded.append(RecordedAnswer(question.id, said))
            elif isinstance(event, ResponseStarted):
                changes["started_at"] = now
                self._mark_invitation(session, response, started_at=now)
            elif isinstance(event, ResponseReturned):  # again after a last "who reads it"
                changes["returned_at"] = func.coalesce(_RESPONSES.c.returned_at, now)
                if response.invitation_id is not None:
                    session.execute(
                        update(InvitationRow)
                        .where(
                            InvitationRow.id == response.invitation_id,
                            InvitationRow.returned_at.is_(None),
                        )
                        .values(returned_at=now)
                    )
                if step.progress.finished:
                    prompts = self._with_what_next(session, response, survey, language, prompts)
            elif isinstance(event, VisibilityChosen):
                session.connection().execute(
                    _CHOOSE_VISIBILITY,
                    {"rid": response.id, "qid": event.question_id, "private": event.private},
                )
                said = _(visibility_label(event.private, audience_of(survey, step.progress)))
                recorded.append(RecordedAnswer(event.question_id, said))
            elif isinstance(event, ResponsePaused):
                changes["paused_at"] = now
            elif isinstance(event, ResponseDeclined):
                changes["paused_at"] = now
                self._decline(session, response, now)
        self._save_progress(session, response, step.progress, now, changes)
        return Turn(
            prompts,
            response_id=response.id,
            finished=step.progress.finished,
            alert_ids=tuple(alert_ids),
            recorded=tuple(recorded),
            current_question=step.progress.current,
            language=language,
            survey=survey,
        )

    def _with_what_next(
        self,
        session: Session,
        response: ActiveResponse,
        survey: Survey,
        language: str,
        prompts: tuple[Prompt, ...],
    ) -> tuple[Prompt, ...]:
        """The prompts at the end with what happens next said after them, once: when it
        names the review's date, the survey's thanks loses its own undated "your IRO will
        read this before your meeting" (in their language, or in English when the thanks
        was not translated), so the young person is not told the same thing twice."""
        words, dated = self._what_next(session, response, survey, language)
        if dated:
            _ = gettext_for(language)
            said = [s for n in UNDATED_READER for s in dict.fromkeys((_(n), n))]
            prompts = tuple(
                replace(p, text=_without(p.text, said)) if p.kind is PromptKind.THANKS else p
                for p in prompts
            )
        return (*prompts, Prompt(PromptKind.NOTICE, words))

    def _what_next(
        self, session: Session, response: ActiveResponse, survey: Survey, language: str
    ) -> tuple[str, bool]:
        """At the end: what happens to their answers next, and when (their review date, or
        when the survey closes), in their language; and whether it names the review's date.
        A care leaver's pathway plan review is read by their PA, anyone else's by the IRO."""
        _ = gettext_for(language)
        today = self.clock.now().date()
        review = session.scalar(
            select(PersonRow.next_review_date).where(PersonRow.id == response.person_id)
        )
        if survey.form is Form.CONSULTATION and review is not None and review >= today:
            dated = (
                _("Your PA will read this before your review on {date}.")
                if survey.audience is Audience.CARE_LEAVER
                else _("Your IRO will read this before your review on {date}.")
            )
            return dated.format(date=format_day(review, language)), True
        closes = session.scalar(
            select(CampaignRow.closes_at)
            .join(ResponseRow, ResponseRow.campaign_id == CampaignRow.id)
            .where(ResponseRow.id == response.id)
        )
        if closes is not None and closes.date() >= today:
            words = _(
                "The participation team will read everyone's answers after {date}, "
                "when this survey closes."
            ).format(date=format_day(closes.date(), language))
        else:
            words = _("The participation team will read your answers soon.")
        return words, False

    def _language(self, session: Session, person_id: int) -> str:
        found = session.scalar(select(PersonRow.language).where(PersonRow.id == person_id))
        return found or DEFAULT_LANGUAGE

    def _save_progress(
        self,
        session: Session,
        response: ActiveResponse,
        progress: Progress,
        now: datetime,
        changes: dict[str, object],
    ) -> None:
        """Write where the young person is; another writer in between means start again."""
        state = progress_to_json(progress)
        if state == response.state and not changes:
            return
        connection = session.connection()
        params = {
            "rid": response.id,
            "rev": response.revision,
            "state": state,
            "status": str(progress.status),
            "current": progress.current,
            "now": now,
            "new_rev": response.revision + 1,
        }
        if changes:
            rowcount = connection.execute(_SAVE_PROGRESS.values(**changes), params).rowcount
        else:
            rowcount = _DIRECT_SAVE_PROGRESS.execute(connection, params).rowcount
        if rowcount != 1:
            raise StaleDataError(f"response {response.id} changed while this input was applied")

    def _store_answer(
        self,
        session: Session,
        response: ActiveResponse,
        survey: Survey,
        event: AnswerRecorded,
        now: datetime,
        *,
        again: bool,
    ) -> int:
        question = survey.question(event.question_id)
        connection = session.connection()
        insert = _DIRECT_INSERT_ANSWER
        superseding: dict[str, object] = {}
        if again:  # answered before (then went back): the earlier answer is kept, superseded
            superseding = {"rid": response.id, "qid": question.id, "now": now}
            if connection.dialect.name == "postgresql":  # in the same statement
                insert = _DIRECT_SUPERSEDE_AND_INSERT
            else:
                _DIRECT_SUPERSEDE.execute(connection, superseding)
                superseding = {}
        value = event.value
        score = self.scorer.score(event.text) if event.text else None
        answer_id = insert.execute(
            connection,
            dict(
                superseding,
                response_id=response.id,
                survey_key=survey.key,
                question_id=question.id,
                kind=str(question.kind),
                theme=str(question.theme),
                sensitive=question.sensitive,
                private=event.private,
                skipped=value is None,
                value=_json_value(value),
                choice=value if isinstance(value, str) and question.kind in _CHOICE_KINDS else None,
                number=value if isinstance(value, int) and not isinstance(value, bool) else None,
                text=event.text,
                polarity=score.polarity if score else None,
                subjectivity=score.subjectivity if score else None,
                answered_at=now,
                superseded_at=None,
            ),
        ).inserted_id
        # Free text a board may read is tagged with its topics in this transaction
        # (storage.board.topics): one executemany, only when the text names a topic.
        if event.text and score is not None and not question.sensitive:
            tag_answer(
                connection,
                answer_id,
                response_id=response.id,
                survey_key=survey.key,
                answered_at=now,
                polarity=score.polarity,
                text=event.text,
            )
        return answer_id

    def _store_alerts(
        self,
        session: Session,
        person_id: int,
        response: ActiveResponse | None,
        channel: str,
        flagged: Sequence[RiskFlagged],
        words: str | None,
        reply: str | None,
    ) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """One new alert for the signs of risk in one input, listing every category it
        showed; a call for help joins the young person's open alert (one raised just now
        included) and raises one only when none is open. Returns the alerts this input
        raised or joined, and those it raised. A practice young person's (an officer trying
        a survey in the terminal) raise none: the help is shown, and the duty queue is left
        to real children."""
        if flagged and session.scalar(
            select(PersonRow.status).where(PersonRow.id == person_id)
        ) == PRACTICE_STATUS:
            log.info("practice chat: no alert raised", extra={"channel": channel})
            return (), ()
        now = self.clock.now()
        ids: list[int] = []
        raised: list[int] = []

        def raise_for(first: RiskFlagged, also: Sequence[str] = ()) -> None:
            raised.append(
                alerts.raise_alert(
                    session,
                    self.policy,
                    now,
                    person_id=person_id,
                    response_id=response.id if response else None,
                    question_id=first.question_id,
                    category=first.category,
                    phrase_id=first.phrase_id,
                    channel=channel,
                    words=words,
                    reply=reply,
                    also=list(also),
                )
            )
            ids.append(raised[-1])

        risk = [e for e in flagged if e.category != alerts.HELP_NOW]
        if risk:
            raise_for(risk[0], [e.category for e in risk[1:]])
        help_now = next((e for e in flagged if e.category == alerts.HELP_NOW), None)
        if help_now is not None:
            joined = alerts.join_open_alert(session, now, person_id, None if ids else words)
            if joined is not None:
                ids.append(joined)
            else:
                raise_for(help_now)
        return tuple(dict.fromkeys(ids)), tuple(raised)

    def _decline(self, session: Session, response: ActiveResponse, now: datetime) -> None:
        """ "Not now": the invitation is never reminded about (the first time is kept)."""
        if response.invitation_id is not None:
            session.execute(
                update(InvitationRow)
                .where(
                    InvitationRow.id == response.invitation_id,
                    InvitationRow.declined_at.is_(None),
                )
                .values(declined_at=now)
            )

    def _mark_invitation(
        self, session: Session, response: ActiveResponse, **values: datetime
    ) -> None:
        if response.invitation_id is not None:
            session.execute(
                update(InvitationRow)
                .where(InvitationRow.id == response.invitation_id)
                .values(**values)
            )

    # ----- lookups -------------------------------------------------------------------

    def _person_id(self, session: Session, channel: str, address: str) -> int | None:
        return session.scalar(
            select(ChannelLinkRow.person_id).where(
                ChannelLinkRow.channel == channel, ChannelLinkRow.address == address
            )
        )

    def _find(
        self, session: Session, channel: str, address: str, *, inbound: str | None = None
    ) -> tuple[int, ActiveResponse | None, str]:
        """The linked young person and their newest unfinished response in an open campaign
        (storing the input's key `inbound` in the same statement: PostgreSQL only).

        One query. Two inputs for the same response are serialised by the revision check
        when the new progress is written (see `_save_progress`).
        """
        connection = session.connection()
        params = {"channel": channel, "address": address, "now": self.clock.now()}
        if inbound is not None:
            params["key"] = inbound
        row = (_DIRECT_FIND_AFTER_INBOUND if inbound else _DIRECT_FIND).execute(
            connection, params
        ).first()
        if row is None:
            raise NotLinkedError
        person_id, language, response_id, *rest = row
        language = language or DEFAULT_LANGUAGE
        if response_id is None:
            return int(person_id), None, language
        return int(person_id), ActiveResponse(response_id, *rest), language

    def _link(
        self,
        session: Session,
        person_id: int,
        channel: str,
        address: str,
        response_id: int | None = None,
    ) -> None:
        """Link the chat to the young person, and to the response it is answering."""
        link = session.scalar(
            select(ChannelLinkRow).where(
                ChannelLinkRow.channel == channel, ChannelLinkRow.address == address
            )
        )
        if link is None:
            session.add(
                ChannelLinkRow(
                    person_id=person_id,
                    channel=channel,
                    address=address,
                    linked_at=self.clock.now(),
                    response_id=response_id,
                )
            )
            return
        if link.person_id != person_id:
            link.person_id = person_id
            link.linked_at = self.clock.now()
        link.response_id = response_id

    def _new_response(
        self,
        person_id: int,
        version_id: int,
        channel: str,
        invitation_id: int | None,
        campaign_id: int | None,
        *,
        person: PersonRow | None = None,
    ) -> ResponseRow:
        """A new response; a young person under 13 (or of unknown age) starts with their
        words "only counted" until they choose otherwise."""
        now = self.clock.now()
        private = person is None or words_private_by_default(
            person.date_of_birth, person.age_band, now.date()
        )
        state: dict[str, object] = {}
        if private:
            state["private_default"] = True
        if person is not None and self._leaver(person, now.date()):
            state["leaver"] = True
        return ResponseRow(
            person_id=person_id,
            invitation_id=invitation_id,
            campaign_id=campaign_id,
            survey_version_id=version_id,
            channel=channel,
            status=str(ResponseStatus.OPEN),
            state=state,
            opened_at=now,
            updated_at=now,
        )

    async def _seen(self, channel: str, message_key: str) -> bool:
        async with self.db.reader() as session:
            found = await session.scalar(
                select(InboundMessageRow.id).where(
                    InboundMessageRow.channel == channel,
                    InboundMessageRow.message_key == message_key,
                )
            )
        return found is not None

    async def _retrying(self, work: Callable[[Session], T]) -> T:
        """Run `work` in a transaction; retry when another writer got there first."""
        for attempt in range(self.retries):
            try:
                return await self.db.run(work)
            except (StaleDataError, OperationalError) as error:
                if attempt == self.retries - 1 or not _retryable(error):
                    raise
            except DBAPIError as error:
                if attempt == self.retries - 1 or not _retryable(error):
                    raise
            await asyncio.sleep(0.005 * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover


_CHOICE_KINDS = (QuestionKind.CHOICE, QuestionKind.YESNO)


def _told(prompts: Sequence[Prompt]) -> str | None:
    """What the young person was told after a disclosure: the help reply and the check-in."""
    said = [p.text for p in prompts if p.kind in (PromptKind.HELP, PromptKind.CHECK_IN)]
    return "\n\n".join(said) or None


def _json_value(value: AnswerValue | None) -> object:
    return list(value) if isinstance(value, tuple) else value


def _retryable(error: Exception) -> bool:
    if isinstance(error, StaleDataError) or getattr(error, "connection_invalidated", False):
        return True  # lost a race, or a connection the pool has now replaced
    text = str(error).lower()
    return any(
        marker in text
        for marker in ("database is locked", "could not serialize", "deadlock detected", "busy")
    )


UNDATED_READER: Final = (
    N_("Your IRO will read this before your meeting."),
    N_("Your PA will read this before your review."),
)
"""What the built-in surveys' thanks say about who reads the answers, without a date:
left out of the thanks when the line after it names the review's date."""


def _without(text: str, sentences: Sequence[str]) -> str:
    """`text` less each of `sentences` (whole, where it stands), the spaces closed up."""
    for sentence in sentences:
        if sentence in text:
            text = text.replace(sentence, "")
    return re.sub(r"[ \t]{2,}", " ", text).strip()
