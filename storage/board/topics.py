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
from datetime import UTC, datetime
from typing import Final

from sqlalchemy import Connection, delete, false, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.board.rollups import log_every_day
from storage.tables import AnswerRow, AnswerTopicRow, ThemeTaggingRow
from surveys.topics import Topic, tagging_fingerprint, topics_of

__all__ = ["STALE_TAGS", "record_tagging", "retag_all", "tag_answer", "tags_are_stale"]

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
    if topics is None:
        await record_tagging(session)
    return written


STALE_TAGS: Final = (
    "Stored answers' themes were tagged by an older taxonomy or theme model: run "
    "`carevoice retag-themes` so the board reads them all tagged the same way."
)


async def tags_are_stale(session: AsyncSession) -> bool:
    """Whether stored answers were tagged by another taxonomy or theme model than this
    release's (or by one from before the fingerprint was kept)."""
    row = await session.get(ThemeTaggingRow, 1)
    if row is None:
        return await session.scalar(select(AnswerTopicRow.answer_id).limit(1)) is not None
    return row.fingerprint != tagging_fingerprint()


async def record_tagging(session: AsyncSession) -> None:
    """Record that every stored answer is tagged by this release's taxonomy and model."""
    row = await session.get(ThemeTaggingRow, 1)
    if row is None:
        row = ThemeTaggingRow(id=1)
        session.add(row)
    row.fingerprint = tagging_fingerprint()
    row.tagged_at = datetime.now(UTC)
