"""Builders for board figures: rows written straight to the tables, so a test states
exactly what was sent, returned and answered, and when (UK time)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from storage.board.topics import tag_answer
from storage.tables import (
    AnswerRow,
    CampaignRow,
    ExternalFormCountRow,
    InvitationRow,
    PersonRow,
    ResponseRow,
    SurveyVersionRow,
)

UK = ZoneInfo("Europe/London")
CREATED = datetime(2015, 1, 1, tzinfo=UTC)


def uk(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    """A moment given in UK local time, as an aware datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=UK)


@dataclass
class BoardData:
    """Writes people, campaigns, invitations, responses and answers in one session."""

    session: AsyncSession
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _versions: dict[str, int] = field(default_factory=dict)

    def _next(self) -> int:
        return next(self._serial)

    async def version(self, key: str = "survey", form: str = "consultation") -> int:
        """A survey version row (its definition is not needed for board figures)."""
        if key not in self._versions:
            row = SurveyVersionRow(
                key=key,
                version=1,
                title=key,
                form=form,
                audience="young_person",
                anonymous=False,
                definition="",
                fingerprint=key,
                builtin=False,
                created_at=CREATED,
            )
            self.session.add(row)
            await self.session.flush()
            self._versions[key] = row.id
        return self._versions[key]

    async def people(
        self, n: int, *, cohort: str = "in_care", first_name: str | None = None
    ) -> list[int]:
        rows = [
            PersonRow(
                council_ref=f"B{self._next():06d}",
                cohort=cohort,
                first_name=first_name,
                status="active",
                created_at=CREATED,
            )
            for _ in range(n)
        ]
        self.session.add_all(rows)
        await self.session.flush()
        return [r.id for r in rows]

    async def campaign(
        self,
        *,
        form: str = "consultation",
        survey: str = "survey",
        opens: datetime = datetime(2017, 4, 1, tzinfo=UTC),
        closes: datetime = datetime(2019, 4, 1, tzinfo=UTC),
        target: float | None = None,
    ) -> int:
        row = CampaignRow(
            name=f"c{self._next()}",
            survey_version_id=await self.version(survey, form),
            report_form=form,
            opens_at=opens,
            closes_at=closes,
            max_reminders=0,
            target_rate=target,
            created_at=CREATED,
        )
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def forms(
        self,
        sent: int,
        returned: int,
        *,
        at: datetime,
        form: str = "consultation",
        audience: str = "child",
        age_band: str | None = "8-12",
        returned_at: datetime | None = None,
        review_date: date | None = None,
        campaign: int | None = None,
        cohort: str = "in_care",
    ) -> list[int]:
        """`sent` invitations delivered `at`, the first `returned` of them returned."""
        campaign = campaign or await self.campaign(form=form)
        people = await self.people(sent, cohort=cohort)
        rows = []
        for n, person in enumerate(people):
            done = n < returned
            rows.append(
                InvitationRow(
                    campaign_id=campaign,
                    person_id=person,
                    code_hash=f"code{self._next()}",
                    form=form,
                    audience=audience,
                    age_band=age_band,
                    review_date=review_date,
                    issued_at=at,
                    expires_at=datetime(2030, 1, 1, tzinfo=UTC),
                    delivered_at=at,
                    delivered_by="letter",
                    returned_at=(returned_at or at) if done else None,
                    reminders_sent=0,
                )
            )
        self.session.add_all(rows)
        await self.session.flush()
        return [r.id for r in rows]

    async def external(
        self,
        form: str,
        audience: str,
        sent: int,
        returned: int,
        *,
        start: date,
        end: date,
        target: float | None = None,
        route: str = "paper",
    ) -> None:
        self.session.add(
            ExternalFormCountRow(
                form=form,
                audience=audience,
                route=route,
                period_start=start,
                period_end=end,
                sent=sent,
                returned=returned,
                target_rate=target,
                created_at=CREATED,
            )
        )
        await self.session.flush()

    async def response(
        self,
        *,
        survey: str = "survey",
        person: int | None = None,
        invitation: int | None = None,
        share_quotes: bool = False,
        first_name: str | None = None,
        at: datetime = datetime(2017, 6, 1, tzinfo=UTC),
    ) -> int:
        if person is None:
            (person,) = await self.people(1, first_name=first_name)
        row = ResponseRow(
            person_id=person,
            invitation_id=invitation,
            survey_version_id=await self.version(survey),
            channel="test",
            status="returned",
            state={},
            share_quotes=share_quotes,
            opened_at=at,
            returned_at=at,
            updated_at=at,
        )
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def answer(
        self,
        response: int,
        question: str,
        *,
        survey: str = "survey",
        at: datetime = datetime(2017, 6, 1, tzinfo=UTC),
        kind: str = "text",
        theme: str = "general",
        text: str | None = None,
        polarity: float | None = None,
        number: int | None = None,
        choice: str | None = None,
        sensitive: bool = False,
        superseded: datetime | None = None,
    ) -> int:
        value: Any = text if text is not None else choice if choice is not None else number
        row = AnswerRow(
            response_id=response,
            survey_key=survey,
            question_id=question,
            kind=kind,
            theme=theme,
            sensitive=sensitive,
            skipped=value is None,
            value=value,
            choice=choice,
            number=number,
            text=text,
            polarity=polarity,
            subjectivity=None if polarity is None else 0.5,
            answered_at=at,
            superseded_at=superseded,
        )
        self.session.add(row)
        await self.session.flush()
        if text is not None and polarity is not None and not sensitive and superseded is None:
            connection = await self.session.connection()
            await connection.run_sync(
                lambda sync: tag_answer(
                    sync,
                    row.id,
                    response_id=response,
                    survey_key=survey,
                    answered_at=at,
                    polarity=polarity,
                    text=text,
                )
            )
        return row.id

    async def texts(
        self,
        texts: Sequence[tuple[str, float]],
        *,
        survey: str = "survey",
        question: str = "going_well",
        theme: str = "general",
        at: datetime = datetime(2017, 6, 1, tzinfo=UTC),
        share_quotes: bool = False,
        sensitive: bool = False,
        invitation: int | None = None,
    ) -> list[int]:
        """One response per (text, polarity), each answering `question`."""
        responses = []
        for text, polarity in texts:
            response = await self.response(
                survey=survey, share_quotes=share_quotes, at=at, invitation=invitation
            )
            await self.answer(
                response,
                question,
                survey=survey,
                at=at,
                theme=theme,
                text=text,
                polarity=polarity,
                sensitive=sensitive,
            )
            responses.append(response)
        return responses
