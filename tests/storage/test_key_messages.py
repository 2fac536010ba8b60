"""Key messages, breakdowns by cohort and team, comparators and the default period: the
board's sentences read the same suppressed figures as its tables."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import update

from storage import campaigns as campaign_store
from storage import statements
from storage.board import (
    SUPPRESSED,
    key_messages,
    latest_period_with_figures,
    return_rates,
    top_themes,
)
from storage.board.key_messages import THEMES_READ
from storage.catalog import SurveyCatalog
from storage.comparators import all_comparators, load
from storage.database import Database
from storage.people import import_people
from storage.tables import InvitationRow, PersonRow
from surveys.clock import FixedClock
from surveys.insights.comparators import parse_comparators_csv, published_comparators
from surveys.insights.periods import parse_period
from surveys.people import Cohort, PersonRecord
from tests.factories import small_survey
from tests.storage.board_factories import BoardData, uk

YEAR = parse_period("2017-18")


async def _two_years(db: Database, *, with_statement: bool = True) -> None:
    """Children's consultation forms in 2016-17 and 2017-18, and words about topics: more
    of them about changes of social worker in 2017-18."""
    async with db.transaction() as s:
        b = BoardData(s)
        await b.forms(100, 10, at=uk(2016, 6, 1))
        await b.forms(120, 24, at=uk(2017, 6, 1))
        await b.forms(40, 3, at=uk(2017, 7, 1), form="feedback", audience="child")
        before = datetime(2016, 7, 1, tzinfo=UTC)
        now = datetime(2017, 7, 1, tzinfo=UTC)
        await b.texts([("I see my mum every week", 0.4)] * 10, at=before, share_quotes=True)
        await b.texts([("I like my school", 0.5)] * 8, at=before, share_quotes=True)
        await b.texts([("too many changes of social worker", -0.5)] * 6, at=before)
        await b.texts([("I see my mum every week", 0.4)] * 14, at=now, share_quotes=True)
        await b.texts([("I like my school a lot", 0.5)] * 13, at=now, share_quotes=True)
        changes = [f"too many changes of social worker, {how}" for how in (
            "I had four", "it's not fair", "I have to start again", "nobody told me",
            "I keep telling my story")]  # fmt: skip
        await b.texts([(text, -0.5) for text in changes] * 5, at=now, share_quotes=True)
        await b.texts([("my hamster is called Bob and I love pets", 0.5)] * 3, at=now)
        if with_statement:
            await statements.publish(
                s, FixedClock(datetime(2018, 4, 20, tzinfo=UTC)), actor="test",
                you_said="too many changes of social worker",
                we_did="each young person keeps one named worker for a year",
            )  # fmt: skip


async def test_key_messages_read_aloud(db: Database) -> None:
    await _two_years(db)
    async with db.reader() as s:
        found = await key_messages(s, YEAR, quote_min_group=10)
    text = "\n".join(m.text for m in found.messages)
    assert "In 2017-18, 24 of the 120 consultation forms sent to children and young people " \
           "came back (20%), below the target of 30%; up from 10% in 2016-17." in text
    # the feedback form's 3 returned are hidden, and the sentence says why where it stands
    hidden = [m for m in found.messages if m.hidden]
    assert hidden and "not shown (c)" in hidden[0].text and "5 or fewer" in hidden[0].text
    assert found.hidden_explained
    # "changes of social worker" is about social workers too: both topics count it
    assert {r.key for r in found.raised[:2]} == {"worker_changes", "social_worker"}
    assert [r.young_people for r in found.raised] == [25, 25, 14]
    assert all(r.quote for r in found.raised)
    assert "changes of social worker" in (found.raised[0].quote or "")
    assert len({r.quote for r in found.raised}) == 3  # one quote each, never the same
    assert "general" not in {r.key for r in found.raised}
    # the biggest clear change: 10% -> 20% of 100 and 120 forms is more than chance; the
    # 12-point rise in changes of worker (6 then 25 of 30 and 80 mentions) may be chance
    change = found.biggest_change
    assert change is not None and change.kind == "return_rate" and change.clear
    assert change.points == 10
    said = found.you_said_we_did
    assert said is not None and not said.about_the_change
    assert any(m.kind == "did" and "You said, we did" in m.text for m in found.messages)


async def test_a_change_that_may_be_chance_is_said_to_be(db: Database) -> None:
    """Only topics moved (no forms compared): the biggest rise is reported, and said to be
    possibly chance at these numbers."""
    async with db.transaction() as s:
        b = BoardData(s)
        await b.texts([("I see my mum every week", 0.4)] * 10, at=uk(2016, 7, 1))
        await b.texts([("too many changes of social worker", -0.5)] * 6, at=uk(2016, 7, 1))
        await b.texts([("I see my mum every week", 0.4)] * 10, at=uk(2017, 7, 1))
        await b.texts([("too many changes of social worker", -0.5)] * 9, at=uk(2017, 7, 1))
    async with db.reader() as s:
        found = await key_messages(s, YEAR, quote_min_group=10)
    change = found.biggest_change
    assert change is not None and change.kind == "topic" and not change.clear
    [said] = [m.text for m in found.messages if m.kind == "change"]
    assert said.endswith("With numbers this small, that may be chance."), said


async def test_a_statement_is_read_only_beside_the_period_it_answers(db: Database) -> None:
    """Published 20 April 2018, it answers 2017-18 (a quarter after it ends), not 2016-17,
    nor 2019-20 a year later."""
    await _two_years(db)
    async with db.reader() as s:
        for label in ("2016-17", "2019-20", "2018-19 Q2"):
            found = await key_messages(s, parse_period(label), quote_min_group=10)
            assert found.you_said_we_did is None, label
            assert not any(m.kind == "did" for m in found.messages), label
        assert (await key_messages(s, YEAR, quote_min_group=10)).you_said_we_did is not None
        first_quarter = await key_messages(s, parse_period("2018-19 Q1"), quote_min_group=10)
        assert first_quarter.you_said_we_did is not None  # published in it


async def test_with_nothing_to_compare_the_change_sentence_says_just_that(db: Database) -> None:
    await _two_years(db)
    async with db.reader() as s:
        first = await key_messages(s, parse_period("2016-17"), quote_min_group=10)
    [change] = [m.text for m in first.messages if m.kind == "change"]
    assert change == "There is no figure for 2015-16 to compare with."


async def test_figures_already_read_give_the_same_messages(db: Database) -> None:
    """The dashboard hands key messages the return rates, themes and statements it read;
    the messages are the same as when they read their own."""
    await _two_years(db)
    async with db.reader() as s:
        alone = await key_messages(s, YEAR, quote_min_group=10)
        read = await top_themes(s, YEAR, limit=THEMES_READ)
        given = await key_messages(
            s, YEAR, quote_min_group=10, rates=await return_rates(s, YEAR), themed=read,
            said=await statements.for_board(s),
        )  # fmt: skip
    assert given == alone
    assert alone.you_said_we_did is not None and alone.raised


async def test_counts_of_one_to_five_and_small_groups_stay_hidden(db: Database) -> None:
    async with db.transaction() as s:
        b = BoardData(s)
        await b.forms(40, 4, at=uk(2017, 6, 1))
        await b.texts([("too many changes of social worker", -0.5)] * 4,
                      at=datetime(2017, 7, 1, tzinfo=UTC), share_quotes=True)  # fmt: skip
    async with db.reader() as s:
        found = await key_messages(s, YEAR, quote_min_group=10)
    assert found.forms[0].returned == SUPPRESSED and found.forms[0].rate is None
    said = " ".join(m.text for m in found.messages if m.kind == "answered")
    assert "40 consultation forms went out" in said and " 4 " not in said and "(10%)" not in said
    assert [r.young_people for r in found.raised] == [SUPPRESSED, SUPPRESSED]
    assert all(r.quote is None for r in found.raised)  # 4 returned: below the group size
    assert any("c young people" in m.text and m.hidden for m in found.messages)


async def test_no_statement_no_did_sentence(db: Database) -> None:
    await _two_years(db, with_statement=False)
    async with db.reader() as s:
        found = await key_messages(s, YEAR)
    assert found.you_said_we_did is None and not any(m.kind == "did" for m in found.messages)


async def test_the_default_period_is_the_latest_with_returned_forms(db: Database) -> None:
    today = date(2026, 12, 2)
    async with db.reader() as s:
        assert (await latest_period_with_figures(s, today)).label == "2026-27"
    async with db.transaction() as s:
        b = BoardData(s)
        await b.forms(10, 0, at=uk(2019, 6, 1))  # sent, none back: not "figures" yet
        await b.forms(10, 7, at=uk(2017, 6, 1))
    async with db.reader() as s:
        assert (await latest_period_with_figures(s, today)).label == "2017-18"
    async with db.transaction() as s:
        await BoardData(s).external("consultation", "parent", 50, 9,
                                    start=date(2018, 4, 1), end=date(2019, 4, 1))  # fmt: skip
    async with db.reader() as s:
        assert (await latest_period_with_figures(s, today)).label == "2018-19"


async def test_return_rates_by_cohort_and_team_are_suppressed(db: Database) -> None:
    async with db.transaction() as s:
        b = BoardData(s)
        north = await b.forms(60, 20, at=uk(2017, 6, 1))
        south = await b.forms(50, 14, at=uk(2017, 6, 1))
        east = await b.forms(9, 3, at=uk(2017, 6, 1))
        leavers = await b.forms(30, 10, at=uk(2017, 6, 1), audience="care_leaver",
                                cohort="care_leaver")  # fmt: skip
        for team, ids in (("North", north), ("South", south), ("East", east),
                          ("Care Leavers", leavers)):  # fmt: skip
            people = InvitationRow.__table__.select().with_only_columns(InvitationRow.person_id)
            await s.execute(
                update(PersonRow)
                .where(PersonRow.id.in_(people.where(InvitationRow.id.in_(ids))))
                .values(team=team)
            )
    async with db.reader() as s:
        rows = await return_rates(s, YEAR, by=("cohort", "team"))
        fine = await return_rates(s, YEAR, by=("form", "audience", "cohort", "team"))
        whole = await return_rates(s, YEAR, by=("cohort",))
    by_team = {(r.cohort, r.team): r for r in rows}
    assert (by_team[("in_care", "North")].sent, by_team[("in_care", "North")].returned) == (60, 20)
    assert by_team[("in_care", "East")].returned == SUPPRESSED  # 3 of 9
    # South is hidden too, or the in-care total less North and South would give East away
    assert by_team[("in_care", "South")].returned == SUPPRESSED
    assert by_team[("care_leaver", "Care Leavers")].returned == 10
    assert {(r.cohort, r.team) for r in fine} == set(by_team)
    assert {r.cohort: r.returned for r in whole} == {"in_care": 37, "care_leaver": 10}


async def test_comparators_load_and_update(db: Database) -> None:
    clock = FixedClock(datetime(2026, 12, 2, tzinfo=UTC))
    example = published_comparators()
    async with db.transaction() as s:
        first = await load(s, example, clock)
    assert first.added == len(example) >= 10
    changed = parse_comparators_csv(
        "measure,area,year,value,source\n"
        "return_rate:consultation:child,cheshire east,2017-18,15%,corrected\n"
        "return_rate:consultation:child,Leeds,2017-18,0.2,Leeds annual report\n",
        source="x.csv",
    )
    async with db.transaction() as s:
        again = await load(s, changed, clock)
    assert (again.added, again.updated, again.unchanged) == (1, 1, 0)
    async with db.transaction() as s:
        assert (await load(s, changed, clock, replace=True)).removed == len(example) - 1
    async with db.reader() as s:
        kept = await all_comparators(s)
    assert [(c.area, c.value) for c in kept] == [("cheshire east", 0.15), ("Leeds", 0.2)]


async def test_the_quote_read_aloud_says_how_its_writer_feels(db: Database) -> None:
    """Of the quotes about a thing raised, one with a feeling is read before a bare fact."""
    async with db.transaction() as s:
        b = BoardData(s)
        await b.forms(60, 30, at=uk(2017, 6, 1))
        early = datetime(2017, 5, 1, tzinfo=UTC)  # first in the pool: the quotes run in time
        await b.texts([("Just my social worker and my nan", 0.0)] * 10, at=early,
                      share_quotes=True)  # fmt: skip
        await b.texts([("My social worker never calls me back", -0.6)] * 10,
                      at=datetime(2017, 9, 1, tzinfo=UTC), share_quotes=True)  # fmt: skip
    async with db.reader() as s:
        found = await key_messages(s, YEAR, quote_min_group=10)
    worker = next(r for r in found.raised if r.key == "social_worker")
    assert worker.quote == "My social worker never calls me back"


async def test_a_form_for_a_review_not_attended_reads_as_a_sentence(db: Database) -> None:
    async with db.transaction() as s:
        await BoardData(s).forms(80, 20, at=uk(2017, 6, 1), form="feedback_not_attended",
                                 audience="care_leaver")  # fmt: skip
    async with db.reader() as s:
        found = await key_messages(s, YEAR)
    said = " ".join(m.text for m in found.messages)
    assert "20 of the 80 feedback forms sent to care leavers who did not attend their " \
           "review came back (25%)" in said, said


async def test_a_form_stays_in_the_cohort_and_team_it_was_sent_to(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    """A child in care in North is sent a form and returns it; a year later they have left
    care and are imported again as a care leaver in the leaving care team. Last year's
    figures by cohort and team do not move."""
    async with db.transaction() as s:
        await catalog.register(s, small_survey())
    records = [PersonRecord(council_ref=f"N{n}", cohort=Cohort.IN_CARE, age_band="16-17",
                            team="North") for n in range(8)]  # fmt: skip
    async with db.transaction() as s:
        await import_people(s, records, clock)
        campaign = await campaign_store.create_campaign(
            s, catalog, clock, name="c", survey_key="small", opens_at=clock.now(),
            closes_at=clock.now() + timedelta(days=14),
            audience=campaign_store.CohortFilter(cohort="in_care"),
        )  # fmt: skip
        people = await campaign_store.select_people(
            s, campaign_store.CohortFilter(), clock.now().date()
        )
        await campaign_store.issue_invitations(s, campaign, people, clock)
        await s.execute(update(InvitationRow).values(delivered_at=clock.now()))
        await s.execute(
            update(InvitationRow).where(InvitationRow.id % 2 == 0).values(returned_at=clock.now())
        )
    period = parse_period(f"{clock.now().year - 1}-{clock.now().year % 100:02d}")

    async def by_group() -> dict[tuple[str | None, str | None], tuple[int | str, int | str]]:
        async with db.reader() as s:
            rows = await return_rates(s, period, by=("cohort", "team"))
        return {(r.cohort, r.team): (r.sent, r.returned) for r in rows}

    before = await by_group()
    assert set(before) == {("in_care", "North")} and before[("in_care", "North")][0] == 8
    clock.at += timedelta(days=400)
    async with db.transaction() as s:
        await import_people(s, [replace(r, cohort=Cohort.CARE_LEAVER, age_band="18-21",
                                        team="Leaving care") for r in records], clock)  # fmt: skip
    assert await by_group() == before


async def test_a_hidden_figure_last_period_is_said_to_be_hidden_not_missing(
    db: Database,
) -> None:
    async with db.transaction() as s:
        b = BoardData(s)
        await b.forms(40, 4, at=uk(2016, 6, 1))  # 4 of 40: hidden (c)
        await b.forms(60, 20, at=uk(2017, 6, 1))
    async with db.reader() as s:
        [row] = [r for r in await return_rates(s, YEAR) if r.form == "consultation"]
        found = await key_messages(s, YEAR)
    assert row.previous_rate is None and row.previous_hidden
    [answered] = [m.text for m in found.messages if m.kind == "answered"]
    assert answered.endswith("; the figure for 2016-17 is hidden (c).") and "no figure" \
        not in answered
    [change] = [m.text for m in found.messages if m.kind == "change"]
    assert change == "The figures for 2016-17 are hidden (c), so none can be compared."


async def test_a_hidden_form_not_attended_reads_as_a_sentence(db: Database) -> None:
    async with db.transaction() as s:
        await BoardData(s).forms(50, 3, at=uk(2017, 6, 1), form="feedback_not_attended",
                                 audience="care_leaver")  # fmt: skip
    async with db.reader() as s:
        found = await key_messages(s, YEAR)
    said = " ".join(m.text for m in found.messages if m.hidden)
    assert said.startswith("In 2017-18, 50 feedback forms went out to care leavers who did not "
                           "attend their review; how many came back is not shown (c)"), said
    assert "(did not attend)" not in said


async def test_you_said_is_not_said_twice(db: Database) -> None:
    await _two_years(db, with_statement=False)
    async with db.transaction() as s:
        await statements.publish(
            s, FixedClock(datetime(2018, 4, 20, tzinfo=UTC)), actor="test",
            you_said="You told us there were too many changes of social worker",
            we_did="each young person keeps one named worker for a year",
        )  # fmt: skip
    async with db.reader() as s:
        found = await key_messages(s, YEAR, quote_min_group=10)
    [did] = [m.text for m in found.messages if m.kind == "did"]
    assert "You said: There were too many changes of social worker." in did
    assert "You told us" not in did
