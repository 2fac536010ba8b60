"""Property: no sequence of inputs through the store crashes or loses a committed answer."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from storage.catalog import SurveyCatalog
from storage.conversations import ConversationService
from storage.database import Database
from storage.tables import AnswerRow, ResponseRow
from surveys.clock import FixedClock
from surveys.engine import Command, UserInput
from surveys.progress import progress_from_json
from tests.factories import campaign_with_codes
from tests.fakes import FakeScorer

inputs = st.one_of(
    st.builds(UserInput, text=st.text(max_size=120)),
    st.builds(UserInput, text=st.sampled_from(["1", "2", "9", "yes", "no", "🙂", "", "help"])),
    st.builds(
        UserInput,
        option=st.sampled_from(["1", "3", "5", "home", "mum", "yes", "no", "x"]),
        question_id=st.sampled_from([None, "mood", "where", "who", "chair"]),
    ),
    st.builds(UserInput, command=st.sampled_from(list(Command))),
)
# (input, delivered twice?)
deliveries = st.lists(st.tuples(inputs, st.booleans()), max_size=25)


class World:
    """One store for all examples; each example is a new young person."""

    def __init__(self, folder: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.clock = FixedClock()
        self.db = self.loop.run_until_complete(Database.connect(f"sqlite:///{folder / 'p.db'}"))
        self.catalog = SurveyCatalog(self.clock)
        self.service = ConversationService(self.db, self.catalog, FakeScorer(), self.clock)
        self.count = 0

    def close(self) -> None:
        self.loop.run_until_complete(self.db.dispose())
        self.loop.close()

    async def play(self, sequence: list[tuple[UserInput, bool]]) -> None:
        self.count += 1
        address = f"p{self.count}"
        if self.count == 1:
            _, codes = await campaign_with_codes(self.db, self.catalog, self.clock, people=1000)
            self.codes = codes
        await self.service.redeem(self.codes[self.count - 1], channel="t", address=address)
        for n, (user_input, twice) in enumerate(sequence):
            key = f"{address}:{n}"
            await self.service.handle(user_input, channel="t", address=address, message_key=key)
            if twice:
                again = await self.service.handle(
                    user_input, channel="t", address=address, message_key=key
                )
                assert again.duplicate
        async with self.db.reader() as session:
            response = await session.scalar(
                select(ResponseRow).order_by(ResponseRow.id.desc()).limit(1)
            )
            assert response is not None
            rows = (
                await session.execute(
                    select(AnswerRow.question_id, AnswerRow.value, AnswerRow.skipped).where(
                        AnswerRow.response_id == response.id, AnswerRow.superseded_at.is_(None)
                    )
                )
            ).all()
        progress = progress_from_json(response.state)
        stored = {q: v for q, v, skipped in rows if not skipped}
        expected = {q: list(v) if isinstance(v, tuple) else v for q, v in progress.answers.items()}
        assert stored == expected  # every committed answer is there, once
        assert len({q for q, _, _ in rows}) == len(rows)  # one current answer per question


@pytest.mark.slow
def test_no_sequence_of_deliveries_crashes_or_loses_an_answer() -> None:
    with tempfile.TemporaryDirectory() as folder:
        world = World(Path(folder))
        try:

            @settings(
                max_examples=60,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
                database=None,
            )
            @given(deliveries)
            def check(sequence: list[tuple[UserInput, bool]]) -> None:
                world.loop.run_until_complete(world.play(sequence))

            check()
        finally:
            world.close()
