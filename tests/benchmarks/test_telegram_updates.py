"""The floors `benchmarks.telegram_updates` measures carevoice against do what they claim:
every message committed once, before the reply, and carevoice's calls an update."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks.telegram_updates import Floor, echo_run
from tests.conftest import BACKENDS, PG_URL
from tests.telegram_emulator import BotApiState


@pytest.fixture(autouse=True)
def _timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", os.environ.get("PTB_TIMEDELTA", "true"))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("calls", [1.0, 2.7])
async def test_a_floor_commits_each_message_once_and_makes_its_calls(
    backend: str, calls: float, tmp_path: Path
) -> None:
    state = BotApiState()
    url = PG_URL if backend == "postgresql" else None
    async with Floor(url, tmp_path, calls) as floor:
        handled, seconds = await echo_run(5, 4, floor.reply, state)
        assert (handled, await floor.stored()) == (20, 20)
    assert seconds > 0
    assert state.stats.per_method["sendMessage"] == round(20 * calls)
