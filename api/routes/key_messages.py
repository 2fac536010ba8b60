"""Key messages (what a councillor reads aloud first) and comparators (figures other
councils or the nation published), for boards."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.board import Format, FormatQuery, csv_responses, period_of, reply
from api.deps import BoardKey, ReaderDep, ServicesDep
from storage import board
from storage.comparators import all_comparators
from surveys.insights.comparators import Comparator
from surveys.insights.periods import uk_date

router = APIRouter(tags=["board"])

OptionalPeriod = Annotated[
    str | None,
    Query(
        alias="period", max_length=32,
        description="A UK financial year or quarter: 2017-18, or 2017-18 Q1. Left out (or "
        "empty): the latest financial year in which forms came back.",
        examples=["2017-18", "2017-18 Q1"],
    ),
]  # fmt: skip


@router.get(
    "/key-messages",
    response_model=board.KeyMessages,
    responses=csv_responses("The key messages as sentences, with the figures behind them "
                            "(CSV with format=csv: one row a sentence)."),
)  # fmt: skip
async def key_messages(
    session: ReaderDep,
    services: ServicesDep,
    _: BoardKey,
    period: OptionalPeriod = None,
    fmt: FormatQuery = Format.JSON,
) -> Any:
    """The key messages of a period, in sentences a councillor can read aloud.

    How many young people's forms came back against target and last period, the three
    things young people raised most (a count and a quote each), the biggest change since
    last period and what was done about it ("you said, we did"). Counts of 1 to 5 are "c"
    and each sentence holding one says why; quotes come only from surveys at least the
    quote group size returned."""
    chosen = (
        period_of(period)
        if period and period.strip()
        else await board.latest_period_with_figures(session, uk_date(services.clock.now()))
    )
    found = await board.key_messages(
        session, chosen, quote_min_group=services.settings.quote_min_group,
        ref_patterns=services.settings.ref_patterns,
    )  # fmt: skip
    if fmt is Format.CSV:
        return reply(
            [{"period": found.period, "kind": m.kind, "text": m.text, "hidden": m.hidden}
             for m in found.messages],
            fmt, f"key-messages-{found.period}",
        )  # fmt: skip
    return reply(found, fmt, f"key-messages-{found.period}")


@router.get(
    "/comparators",
    response_model=list[Comparator],
    responses=csv_responses("Published figures of other councils and the nation, each with "
                            "its source and year (CSV with format=csv)."),
)  # fmt: skip
async def comparators(session: ReaderDep, _: BoardKey, fmt: FormatQuery = Format.JSON) -> Any:
    """Figures published by other councils or nationally, with their source and year.

    Return rates, participation and wellbeing, as loaded by `carevoice comparators load`:
    measure, area, year, value (a rate as a fraction), source, link and note."""
    return reply(await all_comparators(session), fmt, "comparators", Comparator)
