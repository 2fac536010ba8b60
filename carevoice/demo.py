"""`carevoice demo`: a realistic demo council, built through the real use cases.

The 2017-18 sent and returned counts reproduce Cheshire East's IRO annual report
(`shared/data/cheshire_east_2017_18_forms.csv`): young people's forms go through campaigns,
invitations and the conversation engine; forms for parents, carers and professionals are
counted as returned by other routes. 2016-17 is there so boards see a direction of travel:
its sent counts follow the report's comparison (229 fewer children's forms, 381 fewer
parents'); its returned counts are made up for the demo.
"""

from __future__ import annotations

import asyncio
import random
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final

from rich.progress import Progress as ProgressBar
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from carevoice.wiring import Services
from storage import campaigns as campaign_store
from storage import comparators as comparator_store
from storage import statements as statement_store
from storage.conversations import ConversationService, Turn
from storage.people import import_people
from storage.tables import CampaignRow, ExternalFormCountRow, InvitationRow, PersonRow
from surveys.clock import FixedClock
from surveys.engine import PRIVATE, SHARED, Command, Prompt, PromptKind, UserInput
from surveys.errors import ConflictError
from surveys.insights.comparators import published_comparators
from surveys.insights.redaction import first_names
from surveys.insights.wellbeing import MEASURES
from surveys.model import QuestionKind
from surveys.people import Cohort, PersonRecord

DEMO_PREFIX = "DEMO-"
CHANNEL = "demo"


@dataclass(frozen=True, slots=True)
class Batch:
    """Young people's forms for one period: sent and returned, by campaign."""

    survey: str
    report_form: str
    cohort: Cohort
    year: int  # financial year starting April of this year
    sent: int
    returned: int
    answers: Mapping[str, str] | None = None  # fixed answers, e.g. did not attend


# (form, audience, route, year, sent, returned, target)
OTHER_ROUTES: tuple[tuple[str, str, str, int, int, int, float | None], ...] = (
    ("consultation", "parent", "paper", 2017, 823, 89, 0.30),
    ("consultation", "carer", "paper", 2017, 722, 194, None),
    ("consultation", "health", "paper", 2017, 592, 171, 0.50),
    ("consultation", "education", "paper", 2017, 704, 222, 0.50),
    ("consultation", "professional", "email", 2017, 694, 54, None),
    ("feedback", "parent_of_care_leaver", "paper", 2017, 50, 3, None),
    # 2016-17: sent from the report's comparison; returned made up for the demo
    ("consultation", "parent", "paper", 2016, 442, 44, 0.50),
    ("consultation", "carer", "paper", 2016, 600, 150, None),
    ("consultation", "health", "paper", 2016, 480, 120, 0.75),
    ("consultation", "education", "paper", 2016, 543, 160, 0.75),
)

YOUNG_PEOPLES_FORMS: tuple[Batch, ...] = (
    # 2017-18, as printed: 581 sent, 83 returned; 274 sent, 25 returned
    Batch("review-prep-child", "consultation", Cohort.IN_CARE, 2017, 262, 36),
    Batch("review-prep-young-person", "consultation", Cohort.IN_CARE, 2017, 319, 47),
    Batch(
        "review-feedback",
        "feedback_not_attended",
        Cohort.CARE_LEAVER,
        2017,
        274,
        25,
        {"went_to_review": "did_not_attend"},
    ),
    Batch("wellbeing-16plus", "wellbeing", Cohort.CARE_LEAVER, 2017, 160, 41),
    Batch(
        "review-feedback", "feedback", Cohort.IN_CARE, 2017, 120, 30, {"went_to_review": "attended"}
    ),
    # 2016-17 (illustrative): 352 children's forms sent
    Batch("review-prep-child", "consultation", Cohort.IN_CARE, 2016, 160, 17),
    Batch("review-prep-young-person", "consultation", Cohort.IN_CARE, 2016, 192, 22),
    Batch(
        "review-feedback",
        "feedback_not_attended",
        Cohort.CARE_LEAVER,
        2016,
        200,
        14,
        {"went_to_review": "did_not_attend"},
    ),
)

COHORT_WORDS: Mapping[Cohort, str] = {
    Cohort.IN_CARE: "in care",
    Cohort.CARE_LEAVER: "care leavers",
}


SURVEY_WORDS: Mapping[str, str] = {
    "review-feedback": "How was my review",
    "review-prep-child": "Getting ready for my review, 8 to 12",
    "review-prep-young-person": "Getting ready for my review, 13 to 17",
    "wellbeing-16plus": "How am I getting on, 16 plus",
}
"""What an officer calls each demo survey in a campaign's name (its title, told apart by
age where two share one)."""


def campaign_name(batch: Batch, quarter: int) -> str:
    """A past quarter's campaign as the officer's list names it, told apart from every
    other: the survey, who it went to (the same survey goes to young people in care and to
    care leavers) and the quarter (0 to 3) of its financial year, e.g. "How was my review,
    care leavers, 2017-18 Q4"."""
    period = f"{batch.year}-{(batch.year + 1) % 100:02d} Q{quarter + 1}"
    survey = SURVEY_WORDS.get(batch.survey, batch.survey)
    return f"{survey}, {COHORT_WORDS[batch.cohort]}, {period}"


TEXT_BANK: Mapping[str, tuple[str, ...]] = {
    "positive": (
        "I like my meeting",
        "My carer helped me get ready for my review and that made it easier",
        "My IRO came to see me at home before the meeting and listened",
        "I liked that the meeting was at my school after lessons",
        "My foster carer takes me to see my sister every other weekend",
        "I got to say what I wanted and people listened to me",
        "My PA helped me find a flat and set up my gas and electric",
        "I feel settled at my carers and I want to stay here",
        "My new school is better and I have made friends",
        "Contact with my dad is going well now",
        "I started an apprenticeship and I really like it",
        "I joined the youth club and go every Tuesday",
        "My IRO was descriptive",
        "I know what the SGO is now",
        "I got an explanation why I'm not with my old carer",
        "My carer is really kind to me",
        "I like my school and my teacher helps me",
        "Football on Saturdays with my friends",
        "I feel safe where I live",
        "I see my nan every week and that's nice",
        "My social worker listens to me",
        "I'm doing well at college",
        "Getting my own flat soon, I'm excited",
        "My PA helped me sort my bank account",
        "Everyone explained things properly this time",
        "I enjoy drama club",
    ),
    "negative": (
        "I've had too many changes of social worker",
        "I've had four social workers this year and I have to start again every time",
        "My social worker left and nobody told me who my new worker is",
        "I don't get to see my brothers and sisters because we live in different places",
        "I moved placement again and had to change school",
        "My review got stood down again and nobody said why",
        "There were too many people at my meeting and I didn't want to talk",
        "My money doesn't last and I worry about bills",
        "I'm not allowed my phone after 9 and it's not fair",
        "I don't get to see my brother enough",
        "Nobody told me why the meeting was moved",
        "Time could have been discussed, had to change things to be able to attend",
        "The meeting was boring and too long",
        "I didn't understand what they decided",
        "My money doesn't last the month",
        "I keep having to tell my story again",
        "The school doesn't get me",
        "I miss my mum",
        "I don't like the new house rules",
    ),
    "neutral": (
        "Maybe have it at school instead",
        "I would like my meeting after school so I don't miss lessons",
        "I want my nan and my carer at my meeting",
        "Can my social worker text me before the meeting",
        "I want to know more about leaving care and money",
        "Have it after school please",
        "Can we do it on a video call",
        "Just my carer and my IRO",
        "Not sure",
        "Send me a text before",
        "Shorter meetings",
    ),
}
TONE_WEIGHTS = {"in_care": (0.45, 0.35, 0.20), "care_leaver": (0.35, 0.45, 0.20)}
WORKER_CHANGES: tuple[str, ...] = TEXT_BANK["negative"][:3]
"""In 2017-18 more young people wrote about changes of social worker (as Northumberland's
young people told their board): the demo's biggest change, and its "you said, we did"."""
SAID_DID = (
    "You told us you have had too many changes of social worker and have to tell your "
    "story again each time.",
    "Each team now keeps one named social worker for a young person for at least a year, "
    "and a new worker meets you with the old one before they change.",
)


REVIEW_AFTER = (14, 56)  # days from the letter to the review
LATE = 0.2  # of those who answer, the share who answer after their review


def fy_start(year: int) -> datetime:
    return datetime(year, 4, 1, 9, 0, tzinfo=UTC)


WEB_LINKS = 3
"""How many codes `DemoCouncil.web_links` prints."""


@dataclass(frozen=True, slots=True)
class DemoCouncil:
    """What `load_demo` did (`headline`) and new invitation codes, to try (codes are kept
    hashed, so each run makes three new ones: earlier demo codes stop working)."""

    headline: str
    codes: tuple[str, ...]

    def chat_commands(self, chat: str = "carevoice chat") -> str:
        """How to try a survey in the terminal with the first three codes; `chat` is the
        command as it runs here (`carevoice.cli.chat_command`)."""
        return (
            "Try a survey as a young person would (each code is one young person's; the same "
            "command again carries on where they stopped):\n"
            + "\n".join(f"  {chat} --code {code}" for code in self.codes[:3])
        )

    def web_links(self, base_url: str) -> str:
        """The web chat's links for the first three codes."""
        return (
            "Try a survey in the web chat (each link is one young person's; opened again in "
            "the same browser, it carries on where they stopped):\n"
            + "\n".join(f"  {base_url.rstrip('/')}/c/{code}" for code in self.codes[:WEB_LINKS])
        )

    def terminal_chat(self, chat: str = "carevoice chat") -> str:
        """The terminal chat to print beside `web_links`: with a code of its own (one a web
        link also used would be refused as begun "on another phone or browser"), else a
        practice survey."""
        spare = self.codes[WEB_LINKS:]
        return f"{chat} --code {spare[0]}" if spare else f"{chat} --survey {OPEN_NOW[0].survey}"


async def load_demo(
    services: Services, *, seed: int = 7, bar: ProgressBar | None = None
) -> DemoCouncil:
    """Fill the store with the demo council (once; a second run changes nothing).
    ConflictError if the store holds young people who are not the demo's: made-up people,
    answers and safeguarding alerts must never join a council's real ones."""
    async with services.db.reader() as session:
        already = await session.scalar(
            select(func.count(PersonRow.id)).where(PersonRow.council_ref.like(f"{DEMO_PREFIX}%"))
        )
        real = await session.scalar(
            select(func.count(PersonRow.id)).where(
                PersonRow.council_ref.not_like(f"{DEMO_PREFIX}%")
            )
        )
    if real:
        raise ConflictError(
            f"this database already holds {real} young people who are not the demo's: the "
            "demo council's made-up people, answers and safeguarding alerts would mix with "
            "them. Load the demo into a new database instead, e.g. "
            "--database-url sqlite:///carevoice-demo.db"
        )
    if already:
        codes = await _open_campaign(services, random.Random(seed))
        return DemoCouncil("The demo council is already loaded.", tuple(codes))
    rng = random.Random(seed)
    clock = FixedClock(fy_start(2016) - timedelta(days=1))
    people = _people(rng, on=date(2017, 4, 1))
    async with services.db.transaction() as session:
        await import_people(session, people, clock)
        for form, audience, route, year, sent, returned, target in OTHER_ROUTES:
            session.add(
                ExternalFormCountRow(
                    form=form,
                    audience=audience,
                    route=route,
                    period_start=date(year, 4, 1),
                    period_end=date(year + 1, 4, 1),
                    sent=sent,
                    returned=returned,
                    target_rate=target,
                    created_at=clock.now(),
                )
            )
    total = sum(b.sent for b in YOUNG_PEOPLES_FORMS)
    task = bar.add_task("Demo council", total=total) if bar else None
    answered = 0
    for batch in YOUNG_PEOPLES_FORMS:
        answered += await _run_batch(services, clock, batch, rng, bar, task)
    clock.at = fy_start(2018) + timedelta(days=20)  # after the year's report
    async with services.db.transaction() as session:
        await statement_store.publish(
            session, clock, actor="Demo participation team", you_said=SAID_DID[0],
            we_did=SAID_DID[1], cohort=Cohort.IN_CARE.value,
        )  # fmt: skip
        await comparator_store.load(session, published_comparators(), clock)
    codes = await _open_campaign(services, rng)
    return DemoCouncil(
        f"Demo council loaded: {len(people)} young people, {total} invitations over "
        f"{len(YOUNG_PEOPLES_FORMS) * 4} campaigns, {answered} answers.",
        tuple(codes),
    )


def _people(rng: random.Random, on: date) -> list[PersonRecord]:
    records = []
    teams = ("North", "South", "East", "Care Leavers")
    for i in range(477):
        age = rng.choice([8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 8, 10, 12, 14, 15])
        records.append(
            PersonRecord(
                council_ref=f"{DEMO_PREFIX}C{i + 1:04d}",
                first_name=_first_name(f"{DEMO_PREFIX}C{i + 1:04d}"),
                cohort=Cohort.IN_CARE,
                date_of_birth=_born(rng, age, on),
                team=rng.choice(teams[:3]),
                next_review_date=on + timedelta(days=rng.randint(10, 180)),
            )
        )
    for i in range(215):
        age = rng.randint(17, 24)
        records.append(
            PersonRecord(
                council_ref=f"{DEMO_PREFIX}L{i + 1:04d}",
                first_name=_first_name(f"{DEMO_PREFIX}L{i + 1:04d}"),
                cohort=Cohort.CARE_LEAVER,
                date_of_birth=_born(rng, age, on),
                team=teams[3],
                next_review_date=on + timedelta(days=rng.randint(10, 180)),
            )
        )
    return records


def _first_name(council_ref: str) -> str:
    """A first name from the names list (`surveys/data/names.yaml`), the same for a
    reference every time and drawing nothing from the demo's random sequence."""
    names = first_names()
    return names[zlib.crc32(council_ref.encode()) % len(names)]


def _born(rng: random.Random, age: int, on: date) -> date:
    return date(on.year - age - 1, 1, 1) + timedelta(days=rng.randint(0, 364))


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


# Young people answering at once: their inputs share commits (the store's group commit),
# so the demo loads in batches of transactions rather than one transaction an input.
AT_ONCE = 32


async def _run_batch(
    services: Services,
    clock: FixedClock,
    batch: Batch,
    rng: random.Random,
    bar: ProgressBar | None,
    task: object,
) -> int:
    """Four quarterly campaigns; the returned ones answer through the engine."""
    answered = 0
    # each form for the ages it was written for (children in care's feedback: under 18)
    survey_ages = {"review-prep-child": (8, 12), "review-prep-young-person": (13, 17)}
    if batch.cohort is Cohort.IN_CARE:
        survey_ages["review-feedback"] = (8, 17)
    low, high = survey_ages.get(batch.survey, (0, 99))
    at_once = asyncio.Semaphore(AT_ONCE)
    for quarter, (sent, returned) in enumerate(
        zip(_split(batch.sent, 4), _split(batch.returned, 4), strict=True)
    ):
        opens = fy_start(batch.year) + timedelta(days=91 * quarter + 3)
        closes = opens + timedelta(days=80)
        clock.at = opens
        async with services.db.transaction() as session:
            campaign = await campaign_store.create_campaign(
                session,
                services.catalog,
                clock,
                name=campaign_name(batch, quarter),
                survey_key=batch.survey,
                opens_at=opens,
                closes_at=closes,
                report_form=batch.report_form,
                audience=campaign_store.CohortFilter(cohort=batch.cohort.value),
            )
            pool = await campaign_store.select_people(
                session, campaign_store.CohortFilter(cohort=batch.cohort.value), opens.date()
            )
            pool = [
                p
                for p in pool
                if p.date_of_birth and low <= (opens.date() - p.date_of_birth).days // 365 <= high
            ] or pool
            chosen = rng.sample(pool, min(sent, len(pool)))
            summary = await campaign_store.issue_invitations(session, campaign, chosen, clock)
            codes = sorted((c.council_ref, c.code) for c in summary.codes)
            await _mark_delivered(session, campaign.id, opens)
            reviews = await _review_dates(session, campaign.id, opens.date(), rng)
        rng.shuffle(codes)
        partial = max(1, (sent - returned) // 8)
        # Each young person's answers come from a generator of their own, seeded here in
        # order, so the council is the same every run however their commits interleave.
        answering = [
            (code, opens + timedelta(days=_answer_day(reviews[ref], opens, rng), minutes=n),
             rng.getrandbits(64), n < returned)
            for n, (ref, code) in enumerate(codes[: returned + partial])
        ]  # fmt: skip

        async def one(code: str, start: datetime, seed: int, finish: bool) -> int:
            async with at_once:
                own = FixedClock(start)
                conversations = ConversationService(
                    services.db,
                    services.catalog,
                    services.conversations.scorer,
                    own,
                    engine=services.conversations.engine,
                )
                done = await _answer(
                    conversations, own, code, batch, random.Random(seed), finish=finish
                )
            if bar is not None:
                bar.advance(task, 1)  # type: ignore[arg-type]
            return done

        answered += sum(await asyncio.gather(*(one(*job) for job in answering)))
        if bar is not None:
            bar.advance(task, len(codes) - len(answering))  # type: ignore[arg-type]
    return answered


async def _review_dates(
    session: AsyncSession, campaign_id: int, sent: date, rng: random.Random
) -> dict[str, date]:
    """Each invitation's review: two to eight weeks after its letter went out (as a
    consultation form goes out before a review), by council reference."""
    found = (
        await session.execute(
            select(InvitationRow.id, PersonRow.council_ref)
            .join(PersonRow, PersonRow.id == InvitationRow.person_id)
            .where(InvitationRow.campaign_id == campaign_id)
        )
    ).all()
    dates: dict[str, date] = {}
    rows: list[dict[str, object]] = []
    for invitation_id, ref in found:
        dates[str(ref)] = sent + timedelta(days=rng.randint(REVIEW_AFTER[0], REVIEW_AFTER[1]))
        rows.append({"id": invitation_id, "review_date": dates[str(ref)]})
    if rows:  # one executemany (an ORM bulk update by primary key), not a statement each
        await session.execute(update(InvitationRow), rows)
    return dates


def _answer_day(review: date, opens: datetime, rng: random.Random) -> int:
    """Days after the letter that a young person answers: most before their review, some
    (LATE) in the days after it."""
    before = (review - opens.date()).days
    if rng.random() < LATE:
        return rng.randint(before, before + 14)
    return rng.randint(1, max(1, before - 1))


async def _mark_delivered(session: AsyncSession, campaign_id: int, at: datetime) -> None:
    """Young people's forms went out by letter in the demo years."""
    await session.execute(
        update(InvitationRow)
        .where(InvitationRow.campaign_id == campaign_id)
        .values(delivered_at=at, delivered_by="letter")
    )


async def _answer(
    conversations: ConversationService,
    clock: FixedClock,
    code: str,
    batch: Batch,
    rng: random.Random,
    *,
    finish: bool,
) -> int:
    address = f"demo-{code[:12]}"  # never the reference: message keys outlive erasure
    turn = await conversations.redeem(code, channel=CHANNEL, address=address)
    count = 0
    limit = 200 if finish else rng.randint(1, 3)
    while not turn.finished and count < limit:
        if turn.prompts and turn.prompts[-1].kind is PromptKind.CHECK_IN:
            user_input = UserInput(command=Command.REPEAT)  # after the help: "Carry on"
        else:
            prompt = _question(turn)
            if prompt is None:
                break
            user_input = _choose(prompt, batch, rng)
        clock.advance(seconds=rng.randint(5, 90))
        turn = await conversations.handle(
            user_input, channel=CHANNEL, address=address, message_key=f"{address}:{count}"
        )
        count += 1
    return count


def _question(turn: Turn) -> Prompt | None:
    return next((p for p in reversed(turn.prompts) if p.kind is PromptKind.QUESTION), None)


ONS_WELLBEING_WEIGHTS: Final = (1, 1, 1, 2, 3, 6, 8, 10, 9, 5, 3)
ONS_ANXIETY_WEIGHTS: Final = (6, 6, 7, 7, 6, 6, 5, 4, 3, 2, 2)
"""How demo answers to the ONS questions spread over 0 to 10: life satisfaction, worthwhile
and happiness (mean about 6.4), and anxiety (mean about 4.0)."""
LOW_IS_GOOD: Final = frozenset(m.question_id for m in MEASURES if not m.high_is_good)


def _choose(prompt: Prompt, batch: Batch, rng: random.Random) -> UserInput:
    qid, kind = prompt.question_id, prompt.question_kind
    answers = [o for o in prompt.options if o.command is None]
    if batch.answers and qid is not None and qid in batch.answers:
        return UserInput(option=batch.answers[qid], question_id=qid)
    if {o.id for o in answers} == {SHARED, PRIVATE}:  # who may read the words just given
        return UserInput(option=PRIVATE if rng.random() < 0.25 else SHARED, question_id=qid)
    if qid == "share_quotes":
        return UserInput(option="yes" if rng.random() < 0.7 else "no", question_id=qid)
    can_skip = any(o.command is Command.SKIP for o in prompt.options)
    if can_skip and rng.random() < 0.08:
        return UserInput(command=Command.SKIP, question_id=qid)
    if kind is QuestionKind.TEXT:
        worker_changes = {2016: 0.05, 2017: 0.15}.get(batch.year, 0.0)
        if batch.cohort is Cohort.IN_CARE and rng.random() < worker_changes:
            return UserInput(text=rng.choice(WORKER_CHANGES))
        tone = rng.choices(
            ("positive", "negative", "neutral"), weights=TONE_WEIGHTS[batch.cohort.value]
        )[0]
        return UserInput(text=rng.choice(TEXT_BANK[tone]))
    if kind is QuestionKind.SCALE and len(answers) == 11:  # 0 to 10 (ONS wellbeing)
        # anxiety, where low is good, near 4 (care leavers report more than the nation's
        # 2.9); the other three near 6.5 (the nation's 7.5 to 7.9)
        anxious = qid in LOW_IS_GOOD
        weights = ONS_ANXIETY_WEIGHTS if anxious else ONS_WELLBEING_WEIGHTS
        score = rng.choices(range(11), weights=weights)[0]
        return UserInput(option=str(score), question_id=qid)
    if kind is QuestionKind.SCALE:
        return UserInput(
            option=str(rng.choices([1, 2, 3, 4, 5], weights=[1, 2, 4, 6, 4])[0]), question_id=qid
        )
    if kind is QuestionKind.YESNO:
        yes = 0.2 if qid == "chair" else 0.7
        return UserInput(option="yes" if rng.random() < yes else "no", question_id=qid)
    if kind is QuestionKind.MULTI:
        if any(o.selected for o in answers) or not answers:
            return UserInput(command=Command.DONE, question_id=qid)
        picks = rng.sample(answers, min(len(answers), rng.randint(1, 3)))
        return UserInput(text=", ".join(str(answers.index(p) + 1) for p in picks))
    return UserInput(option=rng.choice(answers).id, question_id=qid)


OPEN_CAMPAIGN = "Getting ready for my review (now)"
CURRENT = "N"  # references DEMO-N0001...: young people on the council's list today


@dataclass(frozen=True, slots=True)
class OpenSurvey:
    """A campaign open now, for the young people whose age and cohort its survey fits."""

    name: str
    survey: str
    cohort: Cohort
    age_bands: tuple[str, ...]
    invite: int


OPEN_NOW: tuple[OpenSurvey, ...] = (
    OpenSurvey("Getting ready for my review, 8 to 12 (open now)", "review-prep-child",
               Cohort.IN_CARE, ("8-12",), 12),
    OpenSurvey(OPEN_CAMPAIGN, "review-prep-young-person", Cohort.IN_CARE,
               ("13-15", "16-17"), 40),
    OpenSurvey("My Pathway Plan review, care leavers (open now)", "pathway-plan-review",
               Cohort.CARE_LEAVER, ("16-17", "18-21", "22-25"), 12),
)  # fmt: skip
"""Each survey goes only to those it was written for: the child's to 8 to 12, the young
person's to 13 to 17 in care, the Pathway Plan one to care leavers."""


def _current_people(rng: random.Random, today: date) -> list[PersonRecord]:
    """Young people on the council's list today (the 2016-18 ones have grown up): in care
    aged 8 to 17 and care leavers aged 18 to 23, each with a review in the next weeks."""
    records = []
    ages = [*([8, 9, 10, 11, 12] * 4), *([13, 14, 15, 16, 17] * 10)]
    teams = ("North", "South", "East")
    for i, age in enumerate(ages):
        ref = f"{DEMO_PREFIX}{CURRENT}{i + 1:04d}"
        records.append(PersonRecord(
            council_ref=ref, first_name=_first_name(ref), cohort=Cohort.IN_CARE,
            date_of_birth=_born(rng, age, today), team=teams[i % 3],
            next_review_date=today + timedelta(days=rng.randint(7, 42)),
        ))  # fmt: skip
    for i in range(20):
        ref = f"{DEMO_PREFIX}{CURRENT}{len(ages) + i + 1:04d}"
        records.append(PersonRecord(
            council_ref=ref, first_name=_first_name(ref),
            cohort=Cohort.CARE_LEAVER, date_of_birth=_born(rng, rng.randint(18, 23), today),
            team="Care Leavers", next_review_date=today + timedelta(days=rng.randint(7, 42)),
        ))  # fmt: skip
    return records


async def _open_campaign(services: Services, rng: random.Random) -> list[str]:
    """Campaigns open now (made again when the last ones have closed), each for the young
    people its survey fits, with unused codes: the first of each survey first."""
    now = services.clock.now()
    today = now.date()
    async with services.db.transaction() as session:
        current = await session.scalar(
            select(func.count(PersonRow.id)).where(
                PersonRow.council_ref.like(f"{DEMO_PREFIX}{CURRENT}%")
            )
        )
        if not current:
            await import_people(session, _current_people(rng, today), services.clock)
        by_survey: list[list[str]] = []
        for spec in OPEN_NOW:
            by_survey.append(await _open_one(session, services, spec, rng))
    first = [codes[0] for codes in by_survey if codes]
    rest = [code for codes in by_survey for code in codes[1:]]
    return first + rest


async def _open_one(
    session: AsyncSession, services: Services, spec: OpenSurvey, rng: random.Random
) -> list[str]:
    now = services.clock.now()
    campaign = await session.scalar(
        select(CampaignRow).where(
            CampaignRow.name == spec.name, CampaignRow.closes_at > now + timedelta(days=1)
        )
    )
    if campaign is not None:  # codes are kept hashed: three new ones to try
        codes = await campaign_store.reprint_letters(session, campaign.id, services.clock, limit=3)
        if codes:
            return [c.printed for c in codes]
    wanted = campaign_store.CohortFilter(cohort=spec.cohort.value, age_bands=spec.age_bands)
    campaign = await campaign_store.create_campaign(
        session,
        services.catalog,
        services.clock,
        name=spec.name,
        survey_key=spec.survey,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=30),
        report_form="consultation",
        audience=wanted,
    )
    pool = [
        p
        for p in await campaign_store.select_people(session, wanted, now.date())
        if p.council_ref.startswith(f"{DEMO_PREFIX}{CURRENT}")
    ]
    summary = await campaign_store.issue_invitations(
        session, campaign, rng.sample(pool, min(spec.invite, len(pool))), services.clock
    )
    return sorted(c.printed for c in summary.codes)
