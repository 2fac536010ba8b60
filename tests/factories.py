"""Builders for tests: surveys, people, campaigns and codes with sensible defaults."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from functools import cache
from typing import Any

from sqlalchemy import select

from storage import campaigns as campaign_store
from storage.catalog import SurveyCatalog
from storage.database import Database
from storage.people import import_people
from storage.tables import PersonRow
from surveys.clock import Clock
from surveys.loader import load_builtin_surveys, parse_survey
from surveys.model import Survey
from surveys.people import Cohort, PersonRecord, parse_people_csv

SMALL_SURVEY_YAML = """
key: small
version: 1
title: A small survey
form: consultation
audience: young_person
intro: Hi! A few questions.
thanks: Thank you!
questions:
  - id: welcome
    kind: info
    text: Let's start.
  - id: mood
    kind: scale
    text: How are things?
    theme: wellbeing
  - id: where
    kind: choice
    text: Where should the meeting be?
    theme: review
    choices:
      - {id: home, label: Where I live}
      - {id: school, label: At school}
  - id: who
    kind: multi
    text: Who should come?
    theme: review
    choices:
      - {id: carer, label: My carer}
      - {id: mum, label: My mum}
      - {id: teacher, label: My teacher}
  - id: chair
    kind: yesno
    text: Would you like to chair your meeting?
    theme: review
    skippable: false
  - id: why_chair
    kind: text
    text: Why would you like to chair it?
    theme: review
    max_length: 200
    show_if:
      - {question: chair, equals: "yes"}
  - id: for_iro
    kind: text
    text: Anything just for your IRO?
    theme: general
    sensitive: true
"""

# What the `invite_csv` fixture gives: ``await invite_csv(csv, survey_key)`` -> codes.
InviteCsv = Callable[[str, str], Awaitable[list[str]]]


@cache
def _small() -> Survey:
    return parse_survey(SMALL_SURVEY_YAML, "small.yaml")  # read once: surveys are frozen


def small_survey(**changes: Any) -> Survey:
    survey = _small()
    if changes:
        survey = replace(survey, **changes)
    return survey


async def person(db: Database, clock: Clock, ref: str = "REF-1", **fields: Any) -> int:
    record = PersonRecord(
        council_ref=ref,
        cohort=fields.pop("cohort", Cohort.IN_CARE),
        age_band=fields.pop("age_band", "13-15"),
        **fields,
    )
    async with db.transaction() as session:
        await import_people(session, [record], clock)
        row = await session.scalar(select(PersonRow).where(PersonRow.council_ref == ref))
        assert row is not None
        return row.id


async def campaign_with_codes(
    db: Database,
    catalog: SurveyCatalog,
    clock: Clock,
    *,
    people: int = 1,
    survey: Survey | None = None,
    days: int = 14,
    age_band: str = "13-15",
    cohort: Cohort | None = None,
) -> tuple[int, list[str]]:
    """A campaign on the small survey (or another) with one code per new young person (in
    care, or care leavers for a care leavers' survey)."""
    survey = survey or small_survey()
    if cohort is None:
        cohort = Cohort.CARE_LEAVER if survey.audience == "care_leaver" else Cohort.IN_CARE
    records = [
        PersonRecord(council_ref=f"P{i:05d}-{survey.key}", cohort=cohort, age_band=age_band)
        for i in range(people)
    ]
    async with db.transaction() as session:
        await catalog.register(session, survey)
        await import_people(session, records, clock)
        campaign = await campaign_store.create_campaign(
            session,
            catalog,
            clock,
            name="test",
            survey_key=survey.key,
            opens_at=clock.now() - timedelta(hours=1),
            closes_at=clock.now() + timedelta(days=days),
            # for the cohort the young people are in (a child's survey never goes to all)
            audience=campaign_store.CohortFilter(cohort=cohort.value),
        )
        chosen = await campaign_store.select_people(
            session, campaign_store.CohortFilter(), clock.now().date()
        )
        chosen = [p for p in chosen if p.council_ref.endswith(f"-{survey.key}")]
        summary = await campaign_store.issue_invitations(session, campaign, chosen, clock)
        codes = [c.code for c in sorted(summary.codes, key=lambda c: c.council_ref)]
        return campaign.id, codes


async def invite_from_csv(
    db: Database,
    catalog: SurveyCatalog,
    clock: Clock,
    csv: str,
    *,
    survey_key: str,
    name: str = "test",
) -> list[str]:
    """People imported from a CSV (its `language` column included), invited to a built-in
    survey that opened an hour ago for a fortnight; their codes, by council reference."""
    survey = next(s for s in load_builtin_surveys() if s.key == survey_key)
    records = parse_people_csv(csv, source="people.csv", today=clock.now().date())
    async with db.transaction() as session:
        await catalog.register(session, survey, builtin=True)
        await import_people(session, records, clock)
        campaign = await campaign_store.create_campaign(
            session,
            catalog,
            clock,
            name=name,
            survey_key=survey.key,
            opens_at=clock.now() - timedelta(hours=1),
            closes_at=clock.now() + timedelta(days=14),
            audience=campaign_store.CohortFilter(cohort={
                "child": "in_care", "care_leaver": "care_leaver"}.get(survey.audience)),
        )
        chosen = await campaign_store.select_people(
            session, campaign_store.CohortFilter(), clock.now().date()
        )
        summary = await campaign_store.issue_invitations(session, campaign, chosen, clock)
    return [c.code for c in sorted(summary.codes, key=lambda c: c.council_ref)]
