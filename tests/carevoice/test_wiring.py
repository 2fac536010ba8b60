"""The composition root wires settings into what young people are told: the emergency duty
team's number while the office is closed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from carevoice.wiring import build_services
from services.settings import Settings
from surveys.clock import FixedClock

DUTY = "0300 123 4567"


async def _help(tmp_path: Path, at: datetime, phone: str | None) -> str:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=f"sqlite:///{tmp_path / 'cv.db'}", out_of_hours_phone=phone
    )
    services = await build_services(settings, clock=FixedClock(at), sync_surveys=False)
    try:
        return services.conversations.engine.speaking("en").help(None)
    finally:
        await services.close()


async def test_a_young_person_at_risk_at_night_is_given_the_emergency_duty_teams_number(
    tmp_path: Path,
) -> None:
    """Found with a 16-year-old on Telegram late on a Saturday: the reply said a person
    would read it on Monday, and gave no one to ring before then but 999 and Childline."""
    saturday_night = datetime(2026, 12, 5, 23, 15, tzinfo=UTC)
    said = await _help(tmp_path, saturday_night, DUTY)
    assert f"emergency duty team can help now, while our office is closed: call {DUTY}." in said
    assert "on Monday after 9am" in said


async def test_in_office_hours_or_unset_no_duty_number_is_given(tmp_path: Path) -> None:
    monday_morning = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    assert DUTY not in await _help(tmp_path, monday_morning, DUTY)
    assert "emergency duty team" not in await _help(
        tmp_path, datetime(2026, 12, 5, 23, 15, tzinfo=UTC), None
    )
