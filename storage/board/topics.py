"""Topic tags of free-text answers (`answer_topics`), written when an answer is stored.

`tag_answer` is called in the transaction that stores an answer: a free-text answer to
a question that is not sensitive, once scored, gets a row per topic it talks about
(`surveys.topics.topics_of`), so the board counts tags instead of searching text. Going
back (superseding) or erasing the text deletes the tags (a trigger, migration 0003).
After the taxonomy changes (new keys, labels or keywords), `retag_all` (the command
`carevoice retag-themes`) tags every stored answer again the same way and logs every day
changed, so the next refresh rebuilds the topic cells. Text already erased or expired
cannot be read again: what it added stays folded under the theme keys it had then.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from sqlalchemy import Connection, delete, false, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.board.rollups import log_every_day
from storage.tables import AnswerRow, AnswerTopicRow
from surveys.topics import Topic, topics_of

__all__ = ["retag_all", "tag_answer"]

BATCH: Final = 2000

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


async def retag_all(session: AsyncSession, topics: Sequence[Topic] | None = None) -> int:
    """Tag every current, non-sensitive, scored free-text answer again with `topics`
    (default: the taxonomy), replacing all tags, and log every day for the rollups.
    Returns the number of tags written. Run it in one transaction."""
    await session.execute(delete(AnswerTopicRow))
    a = AnswerRow
    last, written = 0, 0
    while True:
        rows = (
            await session.execute(
                select(a.id, a.response_id, a.survey_key, a.answered_at, a.polarity, a.text)
                .where(
                    a.id > last,
                    a.superseded_at.is_(None),
                    a.sensitive == false(),
                    a.polarity.is_not(None),
                    a.text.is_not(None),
                )
                .order_by(a.id)
                .limit(BATCH)
            )
        ).all()
        if not rows:
            break
        found = [
            {
                "answer_id": row.id,
                "topic": topic,
                "response_id": row.response_id,
                "survey_key": row.survey_key,
                "answered_at": row.answered_at,
                "polarity": row.polarity,
            }
            for row in rows
            for topic in topics_of(row.text, topics)
        ]
        if found:
            await session.execute(_INSERT_TOPICS, found)
            written += len(found)
        last = rows[-1].id
    await log_every_day(session)
    return written
