"""The easy survey on Telegram: each question's OpenMoji symbol is sent as a photo with it."""

from __future__ import annotations

from datetime import timedelta

from bot.pictures import picture_png
from storage import campaigns as campaign_store
from storage.catalog import SurveyCatalog
from storage.database import Database
from storage.people import import_people
from surveys.clock import FixedClock
from surveys.loader import load_builtin_surveys
from surveys.people import parse_people_csv
from tests.bot.conftest import YoungPerson

CSV = "council_ref,cohort,age_band\nE1,in_care,8-12\n"


async def easy_code(db: Database, catalog: SurveyCatalog, clock: FixedClock) -> str:
    survey = next(s for s in load_builtin_surveys() if s.key == "review-prep-easy")
    records = parse_people_csv(CSV, source="people.csv", today=clock.now().date())
    async with db.transaction() as session:
        await catalog.register(session, survey, builtin=True)
        await import_people(session, records, clock)
        campaign = await campaign_store.create_campaign(
            session, catalog, clock, name="easy", survey_key=survey.key,
            opens_at=clock.now() - timedelta(hours=1), closes_at=clock.now() + timedelta(days=14),
            audience=campaign_store.CohortFilter(cohort="in_care"),
        )  # fmt: skip
        chosen = await campaign_store.select_people(
            session, campaign_store.CohortFilter(), clock.now().date()
        )
        summary = await campaign_store.issue_invitations(session, campaign, chosen, clock)
    return summary.codes[0].code


def test_a_symbol_is_drawn_as_png_once_and_only_shipped_names_are() -> None:
    png = picture_png("face-1")
    assert png is not None and png[:8] == b"\x89PNG\r\n\x1a\n" and 1_000 < len(png) < 100_000
    assert picture_png("face-1") is png  # kept, not drawn again
    assert picture_png("../secrets") is None and picture_png("no-such-symbol") is None


async def test_each_easy_question_comes_with_its_picture(
    young: YoungPerson, db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    survey = next(s for s in load_builtin_surveys() if s.key == "review-prep-easy")
    code = await easy_code(db, catalog, clock)
    await young.command("start", code)
    await young.tap("Yes")
    messages = young.messages()
    first = survey.questions[0]
    asked = next(i for i, m in enumerate(messages) if first.text in m.get("text", ""))
    assert first.picture is not None
    photo = messages[asked - 1]
    assert "photo" in photo, "the picture comes just before its question"
    assert photo["photo"][-1]["file_size"] == len(picture_png(first.picture) or b"")
