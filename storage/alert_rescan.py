"""`carevoice alerts rescan`: raise alerts for stored answers the safeguarding net catches
now (after a phrase-book update), never twice for the same answer and category."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.alerts import AlertPolicy, alert_categories, raise_alert
from storage.database import Database
from storage.tables import AnswerRow, ResponseRow, SafeguardingAlertRow
from surveys import safeguarding
from surveys.clock import Clock


@dataclass
class RescanSummary:
    """What a rescan looked at and did."""

    scanned: int = 0
    matched: int = 0  # answers with at least one hit
    raised: int = 0  # new alerts
    already: int = 0  # hits that already had an alert
    alert_ids: list[int] = field(default_factory=list)


Detector = Callable[[str], Sequence[safeguarding.RiskHit]]


async def count_rescannable(db: Database, since: datetime) -> int:
    async with db.reader() as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(AnswerRow).where(
                    AnswerRow.answered_at >= since, AnswerRow.text.is_not(None)
                )
            ) or 0
        )


async def rescan(
    db: Database,
    clock: Clock,
    policy: AlertPolicy,
    since: datetime,
    *,
    detect: Detector | None = None,
    batch: int = 500,
    progress: Callable[[int], None] = lambda n: None,
) -> RescanSummary:
    """Raise alerts for stored free-text answers since `since` that the net now catches.

    Idempotent: an answer never gets a second alert for a category one of its alerts lists
    (alerts from before answers were linked count by their response and question); its new
    categories make one alert. The young person was told nothing at the time, and the alert
    says so. Runs in batches of `batch` answers, one transaction each.
    """
    found = detect or safeguarding.detect_risk
    summary = RescanSummary()
    after_id = 0
    while True:
        def work(session: Session, after_id: int = after_id) -> _Batch:
            # A plain function of the session: it may be run again (group commit retries).
            rows = session.execute(
                select(AnswerRow.id, AnswerRow.response_id, AnswerRow.question_id,
                       AnswerRow.text, ResponseRow.person_id, ResponseRow.channel)
                .join(ResponseRow, ResponseRow.id == AnswerRow.response_id)
                .where(AnswerRow.id > after_id, AnswerRow.answered_at >= since,
                       AnswerRow.text.is_not(None))
                .order_by(AnswerRow.id)
                .limit(batch)
            ).all()
            now = clock.now()
            done = _Batch(len(rows), rows[-1][0] if rows else after_id)
            for answer_id, response_id, question_id, text, person_id, channel in rows:
                hits = {str(h.category): h.phrase_id for h in found(str(text))}
                done.matched += bool(hits)
                known = _alerted(session, answer_id, response_id, question_id)
                new = [c for c in hits if c not in known]
                done.already += len(hits) - len(new)
                if new:  # one answer, one alert, listing every category not alerted before
                    done.raised.append(raise_alert(
                        session, policy, now, person_id=person_id, response_id=response_id,
                        question_id=question_id, category=new[0], phrase_id=hits[new[0]],
                        channel=channel, words=text, reply=None, answer_id=answer_id,
                        source="rescan", also=new[1:],
                    ))
            return done

        try:
            done = await db.run(work)
        except IntegrityError:  # a rescan running beside this one raised it first: again
            continue
        summary.scanned += done.scanned
        summary.matched += done.matched
        summary.already += done.already
        summary.raised += len(done.raised)
        summary.alert_ids.extend(done.raised)
        after_id = done.last_id
        progress(done.scanned)
        if done.scanned < batch:
            return summary


@dataclass
class _Batch:
    scanned: int
    last_id: int
    matched: int = 0
    already: int = 0
    raised: list[int] = field(default_factory=list)


def _alerted(
    session: Session, answer_id: int, response_id: int, question_id: str
) -> set[str]:
    """The categories an answer already has alerts for (any of an alert's categories)."""
    found = session.scalars(
        select(SafeguardingAlertRow).where(
            or_(
                SafeguardingAlertRow.answer_id == answer_id,
                and_(
                    SafeguardingAlertRow.answer_id.is_(None),
                    SafeguardingAlertRow.response_id == response_id,
                    SafeguardingAlertRow.question_id == question_id,
                ),
            ),
        )
    )
    return {c for alert in found for c in alert_categories(alert)}
