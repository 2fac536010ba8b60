"""Key messages: what a councillor reads aloud first, in sentences, for one period.

    key_messages(session, period, ...)   how many young people's forms came back (against
                                         target and last period), the three things they
                                         raised most (a count and a quote each), the
                                         biggest change since last period, and what was
                                         done about it ("you said, we did"), when there is
    latest_period_with_figures(...)      the financial year a board should see first

Every figure is read through the board's own functions (`return_rates`, `top_themes`,
`quotes`), so it is disclosure-controlled exactly as the tables are: a count of 1 to 5
(or one that would give such a count away) is "c" here too, and each sentence that holds
one says so where it stands. Quotes come only from surveys at least the quote group size
(CAREVOICE_QUOTE_MIN_GROUP) returned. Nothing here names or counts one young person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import statements as statement_store
from storage.board._common import SUPPRESSED, Count
from storage.board.quotes import QuoteRow, quotes
from storage.board.return_rates import ReturnRateRow, return_rates
from storage.board.themes import ThemeRow, top_themes
from storage.tables import (
    BoardAnswerCellRow,
    BoardChangeRow,
    BoardFormCellRow,
    ErasedAnswerCellRow,
    ErasedFormCellRow,
    ExternalFormCountRow,
    InvitationRow,
)
from surveys.insights.comparators import AUDIENCE_WORDS, FORM_WORDS
from surveys.insights.disclosure import DEFAULT_THRESHOLD
from surveys.insights.periods import (
    Period,
    PeriodKind,
    period_containing,
    uk_date,
)
from surveys.insights.rates import Direction, as_percent, clear_change
from surveys.sentiment import SentimentLabel, label_for
from surveys.topics import topics_of

__all__ = [
    "HIDDEN_WHY",
    "THEMES_READ",
    "Change",
    "FormsBack",
    "KeyMessages",
    "Message",
    "Raised",
    "SaidDid",
    "key_messages",
    "latest_period_with_figures",
]

YOUNG_AUDIENCES: Final = ("child", "young_person", "care_leaver")
NOT_A_THEME: Final = frozenset({"general", "other", "none", ""})
"""Catch-all themes: never one of the things young people raised."""
RAISED: Final = 3
NUMBERS: Final = {2: "two", 3: "three"}
QUOTE_POOL: Final = 60
THEMES_READ: Final = 20
"""How many themes and topics (each) the key messages read to pick what was raised."""
QUOTE_CHARS: Final = 160
HIDDEN_WHY: Final = (
    "c marks a figure that is 5 or fewer, or that would let someone work one out: it is "
    "not shown, so no young person can be identified"
)


@dataclass(frozen=True, slots=True)
class Message:
    """One sentence to read aloud. `kind`: answered, raised, quote, change, did, none.
    `hidden` says the sentence stands beside a hidden figure (and explains it)."""

    kind: str
    text: str
    hidden: bool = False


@dataclass(frozen=True, slots=True)
class FormsBack:
    """One young people's form: sent, returned and rate (as the return-rate table shows
    them), against its target and the period before."""

    form: str
    audience: str
    sent: Count
    returned: Count
    rate: float | None
    target: float | None
    rag: str | None
    previous_rate: float | None
    direction: str | None


@dataclass(frozen=True, slots=True)
class Raised:
    """One of the things young people raised most: a topic (found in their words) or a
    survey theme, how many young people wrote about it ("c" when 1 to 5) and a quote."""

    key: str
    kind: str
    label: str
    young_people: Count
    quote: str | None


@dataclass(frozen=True, slots=True)
class Change:
    """The biggest change since the period before, in percentage points: a return rate,
    or the share of young people who wrote about something."""

    kind: str  # return_rate or topic
    key: str
    label: str
    before: float
    after: float
    points: int
    clear: bool = True  # more than chance would explain (`clear_change`)


@dataclass(frozen=True, slots=True)
class SaidDid:
    """A "you said, we did" statement read beside the change (words only)."""

    you_said: str
    we_did: str
    theme: str | None
    about_the_change: bool


@dataclass(frozen=True, slots=True)
class KeyMessages:
    """The key messages of one period, as sentences and as the figures behind them."""

    period: str
    compared_with: str
    messages: list[Message]
    forms: list[FormsBack]
    raised: list[Raised]
    biggest_change: Change | None
    you_said_we_did: SaidDid | None
    hidden_explained: str | None = None


_SAID_LEADS = ("you told us that ", "you told us ", "you said that ", "you said ")


def _without_lead(said: str) -> str:
    """A "you said" statement after "You said:", without its own "You told us" (officers
    often write one): "You said: you have no say" rather than "You said: You told us..."."""
    for lead in _SAID_LEADS:
        if said.lower().startswith(lead) and len(said) > len(lead):
            said = said[len(lead):]
            return _sentence(said[:1].upper() + said[1:])
    return _sentence(said)


def _pct(value: float) -> str:
    return f"{as_percent(value)}%"


def _n(value: Count) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _what_who(form: str, audience: str) -> tuple[str, str]:
    what = FORM_WORDS.get(form, form.replace("_", " ") + " forms")
    return what, AUDIENCE_WORDS.get(audience, audience.replace("_", " "))


def _form_words(form: str, audience: str) -> str:
    what, who = _what_who(form, audience)
    if form == "feedback_not_attended":  # read aloud, not "feedback forms (did not attend)"
        return f"feedback forms sent to {who} who did not attend their review"
    return f"{what} sent to {who}"


def _lower(label: str) -> str:
    """A label inside a sentence: "Home and carers" reads "home and carers"; "PA", "IRO"
    and "I" keep their capitals."""
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


def _answered(period: Period, row: ReturnRateRow, *, first: bool = True) -> Message:
    """A sentence about one form: how many came back, against target and last period
    (the first of them says the period)."""
    form, audience = row.form or "", row.audience or ""
    before = period.previous().label
    when = f"In {period.label}, " if first else ""
    if isinstance(row.sent, int) and isinstance(row.returned, int) and row.rate is not None:
        text = (
            f"{when}{_n(row.returned)} of the {_n(row.sent)} "
            f"{_form_words(form, audience)} came back ({_pct(row.rate)})"
        )
        if row.target is not None:
            if row.rate >= row.target:
                text += f", meeting the target of {_pct(row.target)}"
            else:
                text += f", below the target of {_pct(row.target)}"
        if row.previous_rate is not None and row.direction is Direction.SAME and as_percent(
            row.rate
        ) != as_percent(row.previous_rate):
            text += (f"; {_pct(row.previous_rate)} in {before}, a difference chance alone "
                     "could make, so not a clear change")
        elif row.previous_rate is not None:
            if as_percent(row.rate) > as_percent(row.previous_rate):
                text += f"; up from {_pct(row.previous_rate)} in {before}"
            elif as_percent(row.rate) < as_percent(row.previous_rate):
                text += f"; down from {_pct(row.previous_rate)} in {before}"
            else:
                text += f"; the same as in {before}"
        elif row.previous_hidden:
            text += f"; the figure for {before} is hidden (c)"
        elif row.target is None:
            text += f"; there is no figure for {before} to compare with"
        return Message("answered", text + ".")
    what, who = _what_who(form, audience)
    if form == "feedback_not_attended":  # read aloud, not "feedback forms (did not attend)"
        what, who = "feedback forms", f"{who} who did not attend their review"
    sent = f"{_n(row.sent)} {what}" if isinstance(row.sent, int) else f"some {what}"
    text = (
        f"{when}{sent} went out to {who}; how many came back is not shown (c), because it "
        f"is 5 or fewer or because it would let someone work out a small figure elsewhere "
        f"in the table."
    )
    return Message("answered", text[:1].upper() + text[1:], hidden=True)


def _forms(rows: Sequence[ReturnRateRow]) -> list[ReturnRateRow]:
    young = [r for r in rows if r.audience in YOUNG_AUDIENCES and r.form]
    return sorted(young, key=lambda r: -(r.sent if isinstance(r.sent, int) else 0))


def _total(rows: Sequence[ReturnRateRow]) -> tuple[int, int] | None:
    """Young people's forms sent and returned over every form, when none is hidden."""
    if not rows or any(not isinstance(r.sent, int) or not isinstance(r.returned, int)
                       for r in rows):  # fmt: skip
        return None
    return sum(int(r.sent) for r in rows), sum(int(r.returned) for r in rows)


def _pick_raised(themed: Sequence[ThemeRow]) -> list[ThemeRow]:
    """The three most written about: topics found in the words first (they say what),
    then the surveys' own themes; never a catch-all."""
    topics = [t for t in themed if t.kind == "topic" and t.key.lower() not in NOT_A_THEME]
    themes = [t for t in themed if t.kind == "theme" and t.key.lower() not in NOT_A_THEME
              and _lower(t.label) not in NOT_A_THEME]  # fmt: skip
    return (topics + themes)[:RAISED]


def _quote_for(
    thing: ThemeRow, pool: Sequence[QuoteRow], used: set[str], topics: dict[str, tuple[str, ...]]
) -> str | None:
    """The first unused quote about `thing` that says how its writer feels (a polarity
    outside the neutral band), else the first about it: read aloud, "My social worker left
    and nobody told me" says more about social workers than "Just my carer and my IRO".
    `topics` keeps the topics each quote's words name, read once whichever thing asks."""
    first: QuoteRow | None = None
    for q in pool:
        if q.text in used:
            continue
        if thing.kind == "topic":
            if q.text not in topics:
                topics[q.text] = topics_of(q.text)
            about = thing.key in topics[q.text]
        else:
            about = q.theme == thing.key
        if not about:
            continue
        if q.polarity is not None and label_for(q.polarity) is not SentimentLabel.NEUTRAL:
            first = q
            break
        first = first or q
    if first is None:
        return None
    used.add(first.text)
    return first.text


def _raised_sentence(things: Sequence[Raised], period: Period) -> Message:
    def part(r: Raised) -> str:
        if r.young_people == SUPPRESSED:
            return f"{_lower(r.label)} (c young people)"
        n = r.young_people
        return f"{_lower(r.label)} ({_n(n)} young {'person' if n == 1 else 'people'})"

    parts = [part(r) for r in things]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    what = "thing" if len(things) == 1 else f"{NUMBERS.get(len(things), len(things))} things"
    hidden = any(r.young_people == SUPPRESSED for r in things)
    text = f"The {what} young people wrote about most in {period.label}: {listed}."
    if hidden:
        text += " (c: 5 or fewer, not shown so no young person can be identified.)"
    return Message("raised", text, hidden=hidden)


async def _changes(
    session: AsyncSession,
    period: Period,
    forms: Sequence[ReturnRateRow],
    themed_now: Sequence[ThemeRow],
    threshold: int,
) -> Change | None:
    """The largest move, in percentage points, among young people's return rates (up or
    down) and the rise in the share each topic has of everything young people wrote about
    (only rises: shares add up to 100%, so one topic rising makes the others fall). Shares
    are worked out from shown counts only (a hidden count is in neither part), so they
    give nothing hidden away."""
    found: list[Change] = []
    for r in forms:
        if r.rate is not None and r.previous_rate is not None:
            found.append(Change(
                "return_rate", f"{r.form}:{r.audience}",
                f"the return rate of {_form_words(r.form or '', r.audience or '')}",
                r.previous_rate, r.rate, as_percent(r.rate) - as_percent(r.previous_rate),
                clear=r.direction is not Direction.SAME,
            ))  # fmt: skip
    earlier = await top_themes(session, period.previous(), limit=50, threshold=threshold)
    (now_counts, now_total), (before_counts, before_total) = _counts(themed_now), _counts(earlier)
    now_shares, before_shares = _shares(now_counts, now_total), _shares(before_counts, before_total)
    labels = {t.key: t.label for t in themed_now if t.kind == "topic"}
    for key, share_now in now_shares.items():
        if key in before_shares and key.lower() not in NOT_A_THEME:
            share_before = before_shares[key]
            if as_percent(share_now) <= as_percent(share_before):
                continue  # shares add up to 100%: one rising makes others fall
            found.append(Change(
                "topic", key, _lower(labels[key]), share_before, share_now,
                as_percent(share_now) - as_percent(share_before),
                clear=clear_change(now_counts[key], now_total, before_counts[key], before_total),
            ))  # fmt: skip
    found = [c for c in found if c.points]
    if not found:
        return None
    # a change bigger than chance first; else the biggest, said to be possibly chance
    return max(found, key=lambda c: (c.clear, abs(c.points), c.kind == "topic"))


def _counts(themed: Sequence[ThemeRow]) -> tuple[dict[str, int], int]:
    """Each shown topic's young people, and their sum over all shown topics."""
    shown = {t.key: int(t.respondents) for t in themed
             if t.kind == "topic" and isinstance(t.respondents, int)}  # fmt: skip
    return shown, sum(shown.values())


def _shares(shown: dict[str, int], total: int) -> dict[str, float]:
    """Each shown topic's young people as a share of all shown topics' (`_counts`)."""
    return {k: n / total for k, n in shown.items()} if total else {}


def _change_sentence(change: Change, period: Period) -> Message:
    way = "rose" if change.points > 0 else "fell"
    points = abs(change.points)
    unit = f"{points} percentage point{'s' if points != 1 else ''}"
    if change.kind == "return_rate":
        text = (
            f"The biggest change since {period.previous().label}: {change.label} {way} "
            f"from {_pct(change.before)} to {_pct(change.after)} ({unit})."
        )
    else:
        more = "more" if change.points > 0 else "less"
        text = (
            f"The biggest change since {period.previous().label}: young people wrote {more} "
            f"about {change.label}, {_pct(change.after)} of all they wrote about, "
            f"{'up' if change.points > 0 else 'down'} from {_pct(change.before)} ({unit})."
        )
    if not change.clear:
        text += " With numbers this small, that may be chance."
    return Message("change", text)


def _said_did(
    said: Sequence[statement_store.Statement], change: Change | None, raised: Sequence[Raised]
) -> SaidDid | None:
    """The statement about the change (by its theme or words), else about one of the
    things raised, else the newest."""
    if not said:
        return None
    keys = [change.key] if change is not None and change.kind == "topic" else []
    for wanted in (keys, [r.key for r in raised]):
        for s in said:
            about = {s.theme or "", *topics_of(f"{s.you_said} {s.we_did}")}
            if any(k in about for k in wanted):
                return SaidDid(s.you_said, s.we_did, s.theme, about_the_change=wanted == keys)
    newest = said[0]
    return SaidDid(newest.you_said, newest.we_did, newest.theme, about_the_change=False)


SAID_AFTER = timedelta(days=92)
"""A statement published within a quarter after a period ends answers that period (the
year's feedback, acted on and written up by the time the board reads the year)."""


def answers_period(statement: statement_store.Statement, period: Period) -> bool:
    """Whether a "you said, we did" statement belongs to `period`: published in it, or in
    the quarter after it; never one from years before or after."""
    published = statement.published_at.date()
    return period.start <= published < period.end_exclusive + SAID_AFTER


async def key_messages(
    session: AsyncSession,
    period: Period,
    *,
    quote_min_group: int = 10,
    ref_patterns: Sequence[str] = (),
    threshold: int = DEFAULT_THRESHOLD,
    rates: Sequence[ReturnRateRow] | None = None,
    themed: Sequence[ThemeRow] | None = None,
    said: Sequence[statement_store.Statement] | None = None,
) -> KeyMessages:
    """The key messages for `period`, compared with the period before.

    A caller that has already read `return_rates(period)`, `top_themes(period,
    limit=THEMES_READ)` (both with `threshold`) or the statements for the board passes them
    as `rates`, `themed` and `said`, so they are not read twice (the dashboard does).
    """
    rows = await return_rates(session, period, threshold=threshold) if rates is None else rates
    forms = _forms(rows)
    messages: list[Message] = []
    total = _total(forms)
    if not forms:
        messages.append(Message("none", f"No young people's forms were sent in {period.label}."))
    else:
        if total is not None and len(forms) > 1:
            sent, returned = total
            share = f" ({_pct(returned / sent)})" if sent else ""
            messages.append(Message(
                "answered",
                f"In {period.label}, young people sent back {_n(returned)} of the {_n(sent)} "
                f"forms sent to them{share}, across {len(forms)} kinds of form.",
            ))  # fmt: skip
        messages.extend(
            _answered(period, r, first=not messages and i == 0) for i, r in enumerate(forms)
        )

    if themed is None:
        themed = await top_themes(session, period, limit=THEMES_READ, threshold=threshold)
    picked = _pick_raised(themed)
    pool = await quotes(
        session, period, limit=QUOTE_POOL, min_group=quote_min_group, max_chars=QUOTE_CHARS,
        ref_patterns=ref_patterns,
    )  # fmt: skip
    used: set[str] = set()
    topics: dict[str, tuple[str, ...]] = {}
    raised = [
        Raised(t.key, t.kind, t.label, t.respondents, _quote_for(t, pool, used, topics))
        for t in picked
    ]
    if raised:
        messages.append(_raised_sentence(raised, period))
        for r in raised:
            if r.quote:
                messages.append(Message("quote", f"On {_lower(r.label)}, one young person "
                                                 f"wrote: {_quoted(r.quote)}"))  # fmt: skip
        if not any(r.quote for r in raised):
            messages.append(Message(
                "quote",
                f"No quotes are shown: quotes come only from young people who agreed to share "
                f"their words, in surveys at least {quote_min_group} young people returned.",
            ))  # fmt: skip
    elif forms:
        messages.append(
            Message("raised", f"No young person wrote about a theme in {period.label}.")
        )

    change = await _changes(session, period, forms, themed, threshold)
    if change is not None:
        messages.append(_change_sentence(change, period))
    elif forms:  # one sentence for what is true, not "no figure ..., or nothing moved"
        before = period.previous().label
        compared = any(r.previous_rate is not None for r in forms)
        messages.append(Message("change", (
            f"Nothing moved by a whole percentage point since {before}." if compared
            else f"The figures for {before} are hidden (c), so none can be compared."
            if any(r.previous_hidden for r in forms)
            else f"There is no figure for {before} to compare with."
        )))  # fmt: skip
    if said is None:
        said = await statement_store.for_board(session)
    did = _said_did([s for s in said if answers_period(s, period)], change, raised)
    if did is not None:
        lead = "What was done about it" if did.about_the_change else "You said, we did"
        messages.append(Message(
            "did",
            f"{lead}. You said: {_without_lead(did.you_said)} We did: {_sentence(did.we_did)}",
        ))  # fmt: skip
    hidden = any(m.hidden for m in messages) or any(
        r.sent == SUPPRESSED or r.returned == SUPPRESSED for r in forms
    )
    return KeyMessages(
        period=period.label,
        compared_with=period.previous().label,
        messages=messages,
        forms=[
            FormsBack(r.form or "", r.audience or "", r.sent, r.returned, r.rate, r.target,
                      None if r.rag is None else str(r.rag), r.previous_rate,
                      None if r.direction is None else str(r.direction))
            for r in forms
        ],
        raised=raised,
        biggest_change=change,
        you_said_we_did=did,
        hidden_explained=HIDDEN_WHY if hidden else None,
    )


SENTENCE_ENDS: Final = (".", "!", "?")
CLOSING_MARKS: Final = "”’\"')] "


def _quoted(words: str) -> str:
    """Words in curly quotes as the end of a sentence read aloud: a full stop after the
    closing quote (British style) unless the words already end with . ! or ? (looked for
    inside any closing quote or bracket of their own). A quote cut short with "…" still
    gets one: the ellipsis says words were left out, not that the sentence is over."""
    words = words.strip()
    ended = words.rstrip(CLOSING_MARKS).endswith(SENTENCE_ENDS)
    return f"“{words}”" if ended else f"“{words}”."


def _sentence(words: str) -> str:
    """Words as a sentence: a capital first and a full stop last."""
    words = words.strip()
    words = words[:1].upper() + words[1:]
    return words if words.endswith((".", "!", "?")) else words + "."


async def latest_period_with_figures(session: AsyncSession, today: date) -> Period:
    """The latest financial year, up to this one, in which forms came back (by any route,
    erased young people's too); this financial year when none has."""
    current = period_containing(today, PeriodKind.YEAR)
    i, e, x = InvitationRow, ErasedFormCellRow, ExternalFormCountRow
    found: list[date] = []
    latest = await session.scalar(
        select(func.max(i.delivered_at)).where(i.returned_at.is_not(None))
    )
    if isinstance(latest, datetime):
        found.append(uk_date(latest))
    for query in (
        select(func.max(e.start)).where(e.returned > 0),
        select(func.max(x.period_start)).where(x.returned > 0),
    ):
        day = await session.scalar(query)
        if isinstance(day, date):
            found.append(day)
        elif isinstance(day, str):
            found.append(date.fromisoformat(day[:10]))
    if not found:
        return current
    year = period_containing(max(found), PeriodKind.YEAR)
    return year if year.start_year <= current.start_year else current


async def years_with_figures(session: AsyncSession) -> set[int]:
    """The financial years (by the calendar year they start in) that have any figure: forms
    sent (by any route, erased young people's too) or scored answers. Read from the rollup
    cells and the days changed since they were refreshed, so it stays cheap at any size."""
    days: set[date] = set()
    for column, where in (
        (BoardFormCellRow.start, BoardFormCellRow.sent > 0),
        (ErasedFormCellRow.start, ErasedFormCellRow.sent > 0),
        (ExternalFormCountRow.period_start, ExternalFormCountRow.sent > 0),
        (BoardAnswerCellRow.start, BoardAnswerCellRow.answers > 0),
        (ErasedAnswerCellRow.start, (ErasedAnswerCellRow.answers > 0)
         & (ErasedAnswerCellRow.grain != "a")),
        (BoardChangeRow.day, None),
    ):
        query = select(column).distinct()
        found = await session.scalars(query if where is None else query.where(where))
        for day in found:
            days.add(date.fromisoformat(day[:10]) if isinstance(day, str) else day)
    return {day.year if day.month >= 4 else day.year - 1 for day in days}
