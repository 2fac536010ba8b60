"""Topic tags of free-text answers (`answer_topics`), written when an answer is stored.

`tag_answer` is called in the transaction that stores an answer: a free-text answer to
a question that is not sensitive, once scored, gets a row per topic it talks about
(`surveys.topics.topics_of`), so the board counts tags instead of searching text. Going
back (superseding) or erasing the text deletes the tags (a trigger, migration 0003).
After the lexicon changes, existing answers are tagged again by a migration that
calls `surveys.topics` the same way, then `storage.board.rollups.log_every_day` so the
next refresh rebuilds the topic cells.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import Connection, insert

from storage.tables import AnswerTopicRow
from surveys.topics import topics_of

__all__ = ["tag_answer"]

_INSERT_TOPICS: Final = insert(AnswerTopicRow.__table__)  # type: ignore[arg-type]


def tag_answer(
    connection: Connection,
    answer_id: int,
    *,
    response_id: int,
    survey_key: str,
    answered_at: datetime,
    polarity: float,
    text: str,
) -> None:
    """Write the topics `text` talks about for the stored answer `answer_id` (one
    executemany; nothing when it names no topic)."""
    found = topics_of(text)
    if found:
        connection.execute(
            _INSERT_TOPICS,
            [
                {
                    "answer_id": answer_id,
                    "topic": topic,
                    "response_id": response_id,
                    "survey_key": survey_key,
                    "answered_at": answered_at,
                    "polarity": polarity,
                }
                for topic in found
            ],
        )
