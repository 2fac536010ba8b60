"""The store never quotes what was written in its errors (they reach logs)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session

from storage.database import Database

WORDS = "my carer Sam hits me"
BAD = text("SELECT no_such_column FROM inbound_messages WHERE channel = :words")


async def test_an_error_in_a_transaction_does_not_quote_its_parameters(db: Database) -> None:
    with pytest.raises((DBAPIError, StatementError)) as caught:
        async with db.transaction() as session:
            await session.execute(BAD, {"words": WORDS})
    assert WORDS not in str(caught.value)
    assert "hidden due to hide_parameters" in str(caught.value)


async def test_an_error_on_the_hot_path_does_not_quote_its_parameters(db: Database) -> None:
    def work(session: Session) -> None:
        session.execute(BAD, {"words": WORDS})

    with pytest.raises((DBAPIError, StatementError)) as caught:
        await db.run(work)
    assert WORDS not in str(caught.value)
