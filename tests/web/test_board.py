"""The board dashboard and its print view: the figures from the store's board queries,
a table with every chart, "c" with its footnote, and a period selector."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from datetime import UTC, date, datetime

import httpx

from api.web.board import _first_of_each_kind, _not_read_above, board_page
from api.web.render import environment
from storage.board import QuoteRow, ThemeRow
from storage.board.key_messages import _quoted
from storage.database import Database
from storage.tables import ExternalFormCountRow
from surveys.clock import FixedClock
from surveys.insights.periods import PeriodKind, parse_period, period_containing
from surveys.insights.rates import as_percent
from surveys.sentiment import how_measured
from tests.seed import seed_rows
from tests.storage.board_factories import BoardData, uk
from tests.web.conftest import Keys, sign_in
from tests.web.pages import Page
from tests.web.test_chat import Chat


def cell(html: str, form: str, audience: str, column: str) -> str:
    """The data-value of a cell of the return-rates table."""
    row = re.search(
        rf'<tr data-form="{form}" data-audience="{audience}">(.*?)</tr>', html, re.S
    )
    assert row is not None, (form, audience)
    found = re.search(rf'data-col="{column}"(?: data-value="([^"]*)")?>(.*?)</td>', row[1], re.S)
    assert found is not None, column
    return found[1] if found[1] is not None else " ".join(re.sub("<[^>]+>", " ", found[2]).split())


async def test_the_board_shows_the_seed_table(
    client: httpx.AsyncClient, keys: Keys, db: Database, clock: FixedClock
) -> None:
    rows = seed_rows()
    async with db.transaction() as session:
        for r in rows:
            session.add(ExternalFormCountRow(
                form=r["form"], audience=r["audience"], route="paper",
                period_start=date(2017, 4, 1), period_end=date(2018, 4, 1),
                sent=int(r["sent"]), returned=int(r["returned"]),
                target_rate=float(r["target_rate"]) if r["target_rate"] else None,
                created_at=clock.now(),
            ))
    await sign_in(client, keys.board)
    page = await client.get("/board?period=2017-18")
    assert page.status_code == 200
    html = page.text
    for r in rows:
        sent, returned = int(r["sent"]), int(r["returned"])
        assert cell(html, r["form"], r["audience"], "sent") == str(sent)
        shown = cell(html, r["form"], r["audience"], "returned")
        if returned <= 5:
            assert shown == "c"
            assert cell(html, r["form"], r["audience"], "rate") == "–"
        else:
            assert shown == str(returned)
            assert cell(html, r["form"], r["audience"], "rate") == f"{as_percent(returned / sent)}%"
    assert cell(html, "consultation", "child", "rate") == "14%"
    assert cell(html, "consultation", "carer", "rate") == "27%"
    assert "Red: below target" in cell(html, "consultation", "child", "rag")
    assert 'id="note-c"' in html and "disclosure control" in html

    # each table also comes away as CSV, exactly as shown ("c" where hidden)
    assert 'href="/board/download/return-rates.csv?period=2017-18"' in html
    got = await client.get("/board/download/return-rates.csv?period=2017-18")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert 'filename="return-rates-2017-18.csv"' in got.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(got.text)))
    assert len(table) == len(rows)
    for r in rows:
        [row] = [t for t in table if (t["form"], t["audience"]) == (r["form"], r["audience"])]
        assert row["sent"] == r["sent"]
        assert row["returned"] == ("c" if int(r["returned"]) <= 5 else r["returned"])
    for name in ("cohort-team", "age", "scorecard"):
        other = await client.get(f"/board/download/{name}.csv?period=2017-18")
        assert other.status_code == 200 and other.text.splitlines()[0], name
    assert (await client.get("/board/download/people.csv")).status_code in (404, 422)
    wrong = await client.get("/board/download/age.csv?period=nonsense")
    assert wrong.status_code == 400 and "Showing" in wrong.text
    signed_out = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
    async with signed_out:
        away = await signed_out.get("/board/download/age.csv?period=2017-18")
    assert away.status_code in (303, 401) and "text/csv" not in away.headers.get(
        "content-type", "")
    # the period menu offers the years with figures and this one, not years of nothing
    menu = html[html.index('<select id="period"'):html.index("</select>")]
    this_year = period_containing(clock.now().date(), PeriodKind.YEAR).label
    assert "2017-18" in menu and this_year in menu
    assert "2016-17" not in menu and "2019-20" not in menu
    read = (await client.get("/board?period=2019-20")).text  # asked for: offered while read
    assert '<option value="2019-20" selected>' in read


async def test_small_numbers_show_as_c_with_a_footnote(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, keys: Keys, codes: list[str]
) -> None:
    chat = Chat(other_client, codes[0])
    await chat.start()  # one invitation delivered: a count of 1
    await sign_in(client, keys.board)
    html = (await client.get("/board")).text
    assert cell(html, "consultation", "child", "sent") == "c"
    assert "hidden: 5 or fewer, or it would let someone work out a small figure" in html
    text = Page.of(html).text
    assert "2025-26" in text and "5 or fewer young people" in text
    assert "Nothing on this page needed it" not in text


async def test_the_default_period_is_this_financial_year(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    await sign_in(client, keys.board)
    page = Page.of((await client.get("/board")).text)
    assert "Corporate parenting board, 2025-26" in page.text
    assert "See 2017-18" in page.text
    assert 'href="/board?period=2017-18"' in page.html
    assert '<option value="2025-26" selected>' in page.html
    assert "Nothing on this page needed it" in page.text


async def test_a_period_that_cannot_be_read_is_explained(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    await sign_in(client, keys.board)
    for bad in ("2017-19", "next year", "x" * 40):
        response = await client.get("/board", params={"period": bad})
        assert response.status_code == 400
        text = Page.of(response.text).text
        assert "Showing 2025-26" in text  # the latest year with figures (none: this one)


async def test_quarters_and_the_print_view(client: httpx.AsyncClient, keys: Keys) -> None:
    await sign_in(client, keys.board)
    quarter = await client.get("/board", params={"period": "2017-18 Q2"})
    assert quarter.status_code == 200 and "Trend by quarter, 2017-18" in Page.of(quarter.text).text
    printed = await client.get("/board/print", params={"period": "2017-18"})
    text = Page.of(printed.text).text
    assert printed.status_code == 200
    assert "Corporate Parenting Board" in text and "Produced 5 January 2026" in text
    assert 'id="return-rates"' in printed.text and 'class="staff-top"' not in printed.text


async def test_every_chart_has_a_table_and_a_text_alternative(
    client: httpx.AsyncClient, keys: Keys, db: Database
) -> None:
    await sign_in(client, keys.board)
    html = (await client.get("/board?period=2017-18")).text
    charts = re.findall(r'<svg class="chart"[^>]*aria-labelledby="([^"]+)"', html)
    for ids in charts:
        for part in ids.split():
            assert f'id="{part}"' in html
    assert html.count('<svg class="chart"') <= html.count('<table class="data"')


async def test_quotes_are_escaped(db: Database, clock: FixedClock, keys: Keys) -> None:
    async with db.reader() as session:
        page = await board_page(session, parse_period("2017-18"), date(2026, 1, 5))
    page = dataclasses.replace(page, quotes=[
        QuoteRow("<script>alert(1)</script>", "review", 0.1, "small", "2017-18 Q1"),
        QuoteRow('"><img src=x onerror=alert(1)>', "review", 0.1, "small", "2017-18 Q1"),
    ])
    html = environment().get_template("board.html").render(
        title="t", council="c", staff=None, page=page, problem=None, demo_year="2017-18",
        today=date(2026, 1, 5),
    )
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html


async def test_the_board_shows_ons_wellbeing_beside_national_figures(
    client: httpx.AsyncClient, keys: Keys, db: Database
) -> None:
    from tests.storage.board_factories import BoardData, uk

    async with db.transaction() as s:
        b = BoardData(s)
        for invitation in await b.forms(8, 8, at=uk(2017, 5, 1), age_band="18-21"):
            r = await b.response(survey="ons-check-in", invitation=invitation,
                                 at=uk(2017, 5, 2))  # fmt: skip
            await b.answer(r, "ons_anxious", survey="ons-check-in", kind="scale",
                           number=3, at=uk(2017, 5, 2))  # fmt: skip
    await sign_in(client, keys.board)
    html = (await client.get("/board?period=2017-18")).text
    assert "Wellbeing beside published national figures, 2017-18" in html
    row = re.search(r'<tr data-measure="anxious" data-group="16 and over">(.*?)</tr>', html, re.S)
    assert row is not None
    assert 'data-col="respondents">8<' in row.group(1)
    assert 'data-col="mean">3.0<' in row.group(1)
    assert "not yet checked against the source" in row.group(1)
    # on a phone the table slides sideways (and says so) rather than a word a line
    assert 'class="table-box wide" role="region" tabindex="0" aria-labelledby="ons-caption"' in html
    # nobody under 16 answered: one line, not four rows of dashes
    assert 'data-group="under 16"' not in html
    assert "No young person under 16 answered these questions in 2017-18." in html


async def test_feelings_say_how_they_are_measured_and_general_is_never_a_theme(
    client: httpx.AsyncClient, keys: Keys, db: Database
) -> None:
    async with db.transaction() as session:
        await BoardData(session).texts([("they take my phone at bedtime", -0.4)] * 7)
    await sign_in(client, keys.board)
    for path in ("/board", "/board/print"):
        page = await client.get(path, params={"period": "2017-18"})
        text = " ".join(Page.of(page.text).text.split())
        assert 'id="feelings-method"' in page.text
        assert " ".join(how_measured().split()) in text  # from the shipped figures file
        assert "House rules, phones and bedtime" in text  # the care theme's label
        assert "Other questions" in text and "General" not in text


def test_first_of_each_kind_is_a_shorter_top_themes() -> None:
    """The dashboard reads the themes once, for the key messages, and shows the first
    eight of each kind: `top_themes` ranks each kind on its own, so that is its limit=8."""
    rows = [ThemeRow("theme", f"t{n}", f"T{n}", 9, 9, None) for n in range(4)] + [
        ThemeRow("topic", f"k{n}", f"K{n}", 9, 9, None) for n in range(3)
    ]
    short = _first_of_each_kind(rows, 2)
    assert [r.key for r in short] == ["t0", "t1", "k0", "k1"]
    assert _first_of_each_kind(rows, 20) == rows


def test_quotes_read_in_the_key_messages_are_not_listed_again() -> None:
    def row(text: str) -> QuoteRow:
        return QuoteRow(text, "school", 0.0, "s", "2017-18 Q1")

    long = "my school is ok but the bus takes ages and i miss my friends from before " * 3
    listed = [row("i like my carers"), row(long.strip()), row("i want to see my brother")]
    kept = _not_read_above(listed, ["i like my carers", long[:60].rstrip() + "…"])
    assert [q.text for q in kept] == ["i want to see my brother"]
    assert _not_read_above(listed, []) == listed


async def test_key_messages_end_each_quote_as_a_sentence(
    client: httpx.AsyncClient, keys: Keys, db: Database
) -> None:
    """Read aloud, a quote ends its sentence: a full stop after the closing quote when the
    words have none (British style), none added when they end with . ! or ?; on the
    dashboard, in the print view and in the CSV's sentences alike."""
    async with db.transaction() as session:
        b = BoardData(session)
        await b.forms(120, 24, at=uk(2017, 6, 1))
        now = datetime(2017, 7, 1, tzinfo=UTC)
        await b.texts([("I see my mum every week", 0.4)] * 14, at=now, share_quotes=True)
        await b.texts([("I like my school a lot!", 0.5)] * 13, at=now, share_quotes=True)
        await b.texts([("too many changes of social worker, I had four", -0.5)] * 12, at=now,
                      share_quotes=True)  # fmt: skip
    await sign_in(client, keys.board)
    for path in ("/board?period=2017-18", "/board/print?period=2017-18"):
        page = await client.get(path)
        assert page.status_code == 200, path
        said = [
            " ".join(re.sub("<[^>]+>", " ", li).split())
            for li in re.findall(r'<li class="key-quote">(.*?)</li>', page.text, re.S)
        ]
        assert len(said) == 3, (path, said)
        assert all(s.endswith(("”.", "!”", "?”", ".”")) for s in said), said
        text = Page.of(page.text).text
        assert "wrote: “I see my mum every week”." in text
        assert "wrote: “I like my school a lot!”" in text
        assert "“I like my school a lot!”." not in text
        assert "I had four”." in text


def test_a_quote_gets_one_full_stop_outside_its_closing_mark() -> None:
    assert _quoted("I've had too many changes of social worker") == (
        "“I've had too many changes of social worker”."
    )
    assert _quoted("I like my carers.") == "“I like my carers.”"
    assert _quoted("Why does nobody tell me?") == "“Why does nobody tell me?”"
    assert _quoted("I love it here! ") == "“I love it here!”"
    assert _quoted("my worker said “wait and see.”") == "“my worker said “wait and see.””"
    assert _quoted("I was moved and then (again)") == "“I was moved and then (again)”."
    assert _quoted("my school is ok but the bus takes…") == "“my school is ok but the bus takes…”."


async def test_you_said_we_did_sits_beside_the_period_it_answers(
    client: httpx.AsyncClient, keys: Keys, db: Database
) -> None:
    """A statement of April 2018 answers 2017-18 (published in the quarter after it); on
    2016-17's page it would be read as an answer to feedback it came before."""
    from storage import statements

    async with db.transaction() as session:
        await statements.publish(
            session, FixedClock(datetime(2018, 4, 20, tzinfo=UTC)), actor="test",
            you_said="too many changes of social worker",
            we_did="each young person keeps one named worker for a year",
        )  # fmt: skip
    await sign_in(client, keys.board)
    answered = (await client.get("/board?period=2017-18")).text
    assert "each young person keeps one named worker for a year" in answered
    for before_or_long_after in ("2016-17", "2019-20"):
        page = (await client.get(f"/board?period={before_or_long_after}")).text
        assert "each young person keeps one named worker for a year" not in page
        assert f"None was published for {before_or_long_after}" in page
    printed = (await client.get("/board/print?period=2016-17")).text
    assert "each young person keeps one named worker for a year" not in printed


async def test_a_quote_is_labelled_by_what_its_words_are_about(db: Database) -> None:
    """A quote from a catch-all question is labelled by the care themes its words name, not
    "Other questions" (found by reading the board as its chair)."""
    async with db.reader() as session:
        page = await board_page(session, parse_period("2017-18"), date(2026, 1, 5))
    page = dataclasses.replace(page, quotes=[
        QuoteRow("My money doesn't last and I worry about bills", "general", -0.4, "s",
                 "2017-18 Q2"),
        QuoteRow("It was fine", "review", 0.1, "s", "2017-18 Q3"),
    ])  # fmt: skip
    html = environment().get_template("board.html").render(
        title="t", council="c", staff=None, page=page, problem=None, demo_year="2017-18",
        today=date(2026, 1, 5),
    )
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", html)
    assert "Health and feelings · Leaving care: money, 2017-18 Q2" in captions
    assert any(c.endswith(", 2017-18 Q3") and "Other questions" not in c for c in captions)
