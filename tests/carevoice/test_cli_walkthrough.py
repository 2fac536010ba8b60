"""What a QA walkthrough of the command line found: help that broke sentences, `{file}` in
usage lines, tables that cut references and dates, a chat language quietly ignored,
multi-choice answers typed two ways, question counts that disagreed, invitation ids
nobody could find, and the demo's terminal code that its web link had already used."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

import pytest
import typer.main
from rich.console import Console
from rich.text import Text
from typer.testing import CliRunner

from carevoice.cli import app
from carevoice.cli_help import reflow
from carevoice.cli_tables import Listing
from carevoice.demo import DemoCouncil

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
CODE = r"[0-9A-Z]{4}(?:-[0-9A-Z]{4}){2}"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"CAREVOICE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "COLUMNS": "80"}


def run(env: dict[str, str], *args: str, input: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env, input=input, prog_name="carevoice")
    return result.exit_code, result.output


def commands() -> Iterator[tuple[tuple[str, ...], object]]:
    """Every command and group of `carevoice`, by the words that reach it."""
    def walk(command: object, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], object]]:
        yield path, command
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, (*path, name))

    yield from walk(typer.main.get_command(app), ())


COMMANDS = [path for path, _ in commands()]


def _plain(help_text: str) -> str:
    """A help paragraph as the screen shows it: markup gone, spaces single."""
    return " ".join(Text.from_markup(help_text).plain.split())


def _screen_lines(output: str) -> list[str]:
    return [" ".join(line.strip(" │╭╮╰╯─").split()) for line in output.splitlines()]


# ----- 1. help reflows to the terminal ------------------------------------------------


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "carevoice")
def test_no_help_breaks_a_line_inside_a_sentence(path: tuple[str, ...]) -> None:
    """At a terminal wide enough for any paragraph, each paragraph of the command's help,
    of its options' and arguments' help, and of its commands' one-line summaries is on one
    line: a line break written in the code never reaches the screen."""
    command = dict(commands())[path]
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    lines = _screen_lines(result.output)
    texts = [getattr(command, "help", None) or ""]
    texts += [getattr(p, "help", None) or "" for p in getattr(command, "params", [])]
    texts += [
        (sub.help or "").split("\n\n")[0]
        for sub in getattr(command, "commands", {}).values() if not sub.hidden
    ]
    for text in texts:
        assert "\n" not in text.replace("\n\n", ""), repr(text)  # paragraphs are lines
        for paragraph in filter(None, (_plain(p) for p in text.split("\n\n"))):
            assert any(paragraph in line for line in lines), (paragraph, result.output)


def test_reflow_joins_lines_and_keeps_paragraphs() -> None:
    assert reflow("One sentence,\n    carried on.\n\n  A second\n  paragraph.") == (
        "One sentence, carried on.\n\nA second paragraph."
    )
    assert reflow("\b\nkept\nas is") == "\b\nkept\nas is"
    assert reflow(None) is None


def test_surveys_help_reflows_at_80_columns(env: dict[str, str]) -> None:
    code, out = run(env, "surveys", "--help")
    assert code == 0
    assert "language they carry; lists what is missing" in out
    code, out = run(env, "keys", "new-data-key", "--help")
    assert "(first, before any old keys)" in " ".join(out.split())
    assert not re.search(r"\(first, before\s*\n", out)


# ----- 2. arguments by their word --------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "usage"),
    [
        (("surveys", "validate"), "carevoice surveys validate [OPTIONS] FILE..."),
        (("people", "import"), "carevoice people import [OPTIONS] FILE"),
        (("surveys", "show"), "carevoice surveys show [OPTIONS] KEY"),
        (("people", "erase"), "carevoice people erase [OPTIONS] REF"),
        (("campaign", "reviews"), "carevoice campaign reviews [OPTIONS] ID"),
        (("surveys", "check"), "carevoice surveys check [OPTIONS] [FILE...]"),
    ],
)
def test_usage_names_arguments_as_the_readme_does(
    env: dict[str, str], path: tuple[str, ...], usage: str
) -> None:
    code, out = run(env, *path, "--help")
    assert code == 0 and usage in out, out


def test_no_usage_line_or_error_shows_braces(env: dict[str, str]) -> None:
    for path in COMMANDS:
        code, out = run(env, *path, "--help")
        usage = next(line for line in out.splitlines() if "Usage:" in line)
        assert "{" not in usage and "}" not in usage, usage
    code, out = run(env, "surveys", "validate")
    assert code == 2
    assert "Usage: carevoice surveys validate [OPTIONS] FILE..." in out
    assert "Missing argument 'FILE...'" in out and "{" not in out


def test_no_help_says_required_twice(env: dict[str, str]) -> None:
    for path, command in commands():
        for param in getattr(command, "params", []):
            if getattr(param, "required", False):
                assert "(required)" not in (getattr(param, "help", None) or ""), (path, param)
    code, out = run(env, "alerts", "ack", "--help")
    assert code == 0 and "What was done about it. [required]" in out


# ----- 3. tables keep references, dates and codes whole ---------------------------------


def _terminal(width: int) -> tuple[Console, StringIO]:
    buffer = StringIO()
    return Console(file=buffer, width=width, force_terminal=True, color_system=None), buffer


def test_a_table_at_80_columns_wraps_free_text_and_cuts_nothing_else() -> None:
    table = Listing(("young person", "review", "invited", "a long title"),
                    free=frozenset({"a long title"}))
    table.add_row("DEMO-NOW-0001", "2026-12-14", "2026-12-04 09:30",
                  "Getting ready for my Pathway Plan review, with the people I choose")
    console, buffer = _terminal(80)
    table.print(console)
    out = buffer.getvalue()
    assert "…" not in out
    for whole in ("DEMO-NOW-0001", "2026-12-14", "2026-12-04 09:30", "young", "person"):
        assert whole in out
    assert all(len(line) <= 80 for line in out.splitlines()), out
    assert len(out.splitlines()) > 3  # the title wrapped


def test_a_keyed_column_keeps_its_first_line_whole_and_wraps_the_rest() -> None:
    survey = "survey (key, title)"
    table = Listing((survey, "ver.", "form"), free=frozenset({survey}),
                    keyed=frozenset({survey}), spaced=True)
    table.add_row("review-prep-young-person\nGetting ready for my review, with my IRO", "1",
                  "consultation")
    for width in (80, 40):
        console, buffer = _terminal(width)
        table.print(console)
        lines = buffer.getvalue().splitlines()
        assert any(line.startswith("review-prep-young-person ") for line in lines), lines
        assert "…" not in "\n".join(lines)
    assert table.least_width() >= len("review-prep-young-person")


def test_surveys_list_puts_each_title_under_its_key(env: dict[str, str]) -> None:
    assert run(env, "db", "upgrade")[0] == 0
    code, out = run(env, "surveys", "list")
    assert code == 0, out
    lines = out.splitlines()
    at = next(n for n, line in enumerate(lines) if line.startswith("pathway-plan-review "))
    assert lines[at + 1].startswith("Getting ready for my"), out  # (the width: test above)


def test_a_table_too_wide_for_the_terminal_is_drawn_wider_not_cut() -> None:
    headings = tuple(f"column {i}" for i in range(8))
    table = Listing(headings)
    table.add_row(*(f"REF-{i:04d}-ABCDEFGH" for i in range(8)))
    console, buffer = _terminal(80)
    table.print(console)
    out = buffer.getvalue()
    assert "…" not in out
    for i in range(8):
        assert f"REF-{i:04d}-ABCDEFGH" in out
    assert console.width == 80  # the console is left as it was


def test_surveys_list_at_80_columns(env: dict[str, str]) -> None:
    assert run(env, "db", "upgrade")[0] == 0
    code, out = run(env, "surveys", "list")
    assert code == 0 and "…" not in out
    for word in ("review-prep-young-person", "consultation", "young_person", "care_leaver",
                 "questions", "audience"):
        assert word in out, out


def _rolling_campaign(env: dict[str, str], tmp_path: Path) -> tuple[str, str]:
    """A rolling campaign with one young person invited (ref R-LONG-REFERENCE-01): its id,
    and the review date."""
    review = (date.today() + timedelta(days=5)).isoformat()
    csv = tmp_path / "people.csv"
    csv.write_text("council_ref,cohort,age_band,next_review_date\n"
                   f"R-LONG-REFERENCE-01,in_care,13-15,{review}\n")
    assert run(env, "people", "import", str(csv))[0] == 0
    code, out = run(env, "campaign", "create", "--survey", "review-feedback", "--name", "Roll",
                    "--rolling", "--cohort", "in_care")
    found = re.search(r"[Cc]ampaign (\d+)", out)
    assert code == 0 and found, out
    return found.group(1), review


def test_campaign_reviews_at_80_columns_shows_refs_dates_and_ids_whole(
    env: dict[str, str], tmp_path: Path
) -> None:
    campaign, review = _rolling_campaign(env, tmp_path)
    code, out = run(env, "campaign", "reviews", campaign)
    assert code == 0, out
    assert "…" not in out
    assert "R-LONG-REFERENCE-01" in out and review in out and date.today().isoformat() in out
    row = next(line for line in out.splitlines() if "R-LONG-REFERENCE-01" in line)
    assert re.match(r"\s*\d+\s+R-LONG-REFERENCE-01", row), row  # the invitation's id first


# ----- 4. chat refuses what it cannot do ------------------------------------------------


def test_chat_refuses_a_language_it_does_not_speak(env: dict[str, str]) -> None:
    code, out = run(env, "chat", "--survey", "review-prep-child", "--language", "fr")
    assert code != 0
    flat = " ".join(out.split())
    assert "'fr' is not a language" in flat
    assert "en (English)" in flat and "cy (Cymraeg)" in flat and "ar (" in flat


def test_chat_takes_a_language_by_its_name(env: dict[str, str]) -> None:
    code, out = run(env, "chat", "--survey", "review-prep-child", "--language", "Welsh",
                    input="stop\n")
    assert code == 0 and "Teipia" in out


def test_chat_refuses_a_survey_with_a_code(env: dict[str, str]) -> None:
    code, out = run(env, "chat", "--survey", "review-prep-child", "--code", "AAAA-BBBB-CCCC")
    assert code == 1
    assert "--survey and --code do not go together" in " ".join(out.split())
    code, out = run(env, "chat", "--code", "AAAA-BBBB-CCCC", "--language", "cy")
    assert code == 1 and "--language goes with --survey" in " ".join(out.split())


# ----- 5. terminal multi-choice: numbers however parted, then done ----------------------

TO_THE_MULTI = "my flat is fine\n1\n3\nno\n4\n"  # pathway-plan-review to "help with any of these?"
HINT = "Type the numbers of the ones that fit, like 1, 3, then done."


def _chat(env: dict[str, str], answers: str) -> str:
    env = {**env, "COLUMNS": "200"}
    code, out = run(env, "chat", "--survey", "pathway-plan-review", input=answers)
    assert code == 0, out
    return out


def test_the_multi_choice_hint_comes_with_the_question(env: dict[str, str]) -> None:
    out = _chat(env, TO_THE_MULTI + "stop\n")
    asked = out.index("(5/17)")
    assert HINT in out[asked:]  # before any answer was tried


@pytest.mark.parametrize("typed", ["1 3", "1, 3", "1,3", "3 1"])
def test_numbers_parted_by_spaces_or_commas_tick_and_wait_for_done(
    env: dict[str, str], typed: str
) -> None:
    out = _chat(env, TO_THE_MULTI + f"{typed}\nstop\n")
    after = out[out.rindex("(5/17)"):]
    assert "1. [x] Budgeting" in after and "3. [x] Debts" in after
    assert "2. [ ] Benefits" in after
    assert "(6/17)" not in out  # still waiting for done
    assert "like 1, 3, then done." in after
    out = _chat(env, TO_THE_MULTI + f"{typed}\ndone\nstop\n")
    assert "(6/17)" in out


def test_one_number_ticks_as_several_do(env: dict[str, str]) -> None:
    out = _chat(env, TO_THE_MULTI + "2\n4\nstop\n")
    after = out[out.rindex("(5/17)"):]
    assert "2. [x] Benefits" in after and "4. [x] Bills" in after and "(6/17)" not in out


def test_a_number_out_of_range_is_explained(env: dict[str, str]) -> None:
    out = _chat(env, TO_THE_MULTI + "1 9\nstop\n")
    assert "(6/17)" not in out and "[x] Budgeting" not in out
    assert out.count(HINT) >= 2


def test_the_engine_reads_space_parted_numbers_as_comma_parted() -> None:
    from surveys.engine import _parse_typed
    from surveys.loader import load_builtin_surveys

    survey = next(s for s in load_builtin_surveys() if s.key == "pathway-plan-review")
    multi = next(q for q in survey.questions if q.kind.value == "multi")
    first, third = multi.choices[0].id, multi.choices[2].id
    assert _parse_typed(multi, "1 3") == _parse_typed(multi, "1, 3") == (first, third)


# ----- 6. one question count ------------------------------------------------------------


def test_list_validate_and_show_count_questions_alike(env: dict[str, str]) -> None:
    assert run(env, "db", "upgrade")[0] == 0
    env = {**env, "COLUMNS": "200"}
    said = "17 questions (and 1 info message)"
    code, out = run(env, "surveys", "validate",
                    str(ROOT / "surveys/templates/wellbeing-16plus.yaml"))
    assert code == 0 and said in " ".join(out.split()), out
    code, out = run(env, "surveys", "show", "wellbeing-16plus")
    assert code == 0 and said in " ".join(out.split())
    assert re.search(r"^\s*17\. ", out, re.M) and not re.search(r"^\s*18\. ", out, re.M)
    code, out = run(env, "surveys", "list")
    assert re.search(r"wellbeing-16plus\s.*\s17\s*$", out, re.M), out


# ----- 7. invitation ids ----------------------------------------------------------------


def test_invitation_ids_are_shown_and_a_reference_works_too(
    env: dict[str, str], tmp_path: Path
) -> None:
    campaign, _ = _rolling_campaign(env, tmp_path)
    code, out = run(env, "invites", "reprint", "--campaign", campaign, "--invitation", "999")
    flat = " ".join(out.split())
    assert code == 1 and f"no invitation 999 in campaign {campaign}" in flat
    assert f"carevoice campaign reviews {campaign}" in flat and "--person REF" in flat

    code, out = run(env, "campaign", "reviews", campaign)
    invitation = re.search(r"^\s*(\d+)\s+R-LONG-REFERENCE-01", out, re.M)
    assert invitation, out
    code, out = run(env, "invites", "reprint", "--campaign", campaign,
                    "--invitation", invitation.group(1))
    assert code == 0 and f"invitation {invitation.group(1)}" in out
    assert re.search(rf"R-LONG-REFERENCE-01\s.*{CODE}", out)
    code, out = run(env, "invites", "reprint", "--campaign", campaign,
                    "--person", "R-LONG-REFERENCE-01")
    assert code == 0 and f"invitation {invitation.group(1)}" in out
    code, out = run(env, "invites", "reprint", "--campaign", campaign, "--person", "NOBODY")
    assert code == 1 and "NOBODY has no invitation in campaign" in out


# ----- 8. the workers benchmark without the development dependencies --------------------

WITHOUT_PYTEST = """
import runpy, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "pytest" or name.startswith(("pytest.", "_pytest")):
            raise ModuleNotFoundError("No module named 'pytest'", name="pytest")
sys.meta_path.insert(0, Block())
sys.argv = ["benchmarks.workers", *sys.argv[1:]]
runpy.run_module("benchmarks.workers", run_name="__main__")
"""


def test_the_workers_benchmark_helps_without_pytest() -> None:
    def bench(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", WITHOUT_PYTEST, *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)

    helped = bench("--help")
    assert helped.returncode == 0 and "--workers" in helped.stdout, helped.stderr
    refused = bench("--url", "postgresql://nobody@127.0.0.1:1/none")
    assert refused.returncode == 1
    assert "pip install -e '.[dev]'" in refused.stderr and "Traceback" not in refused.stderr


# ----- 9. pointers ----------------------------------------------------------------------


def test_an_unknown_survey_points_to_surveys_list(env: dict[str, str]) -> None:
    assert run(env, "db", "upgrade")[0] == 0
    for extra in ((), ("--rolling",)):
        code, out = run(env, "campaign", "create", "--survey", "no-such-survey", "--name", "x",
                        *extra)
        assert code == 1
        assert "no survey with key 'no-such-survey' (see `carevoice surveys list`)" in " ".join(
            out.split())


def test_serve_help_names_the_web_chat_and_the_pages(env: dict[str, str]) -> None:
    code, out = run(env, "serve", "--help")
    flat = " ".join(out.split())
    assert code == 0 and "web chat" in flat and "board and officer pages" in flat


# ----- 10. the demo's terminal code is its own ------------------------------------------


def test_the_terminal_code_is_none_of_the_web_links() -> None:
    codes = ("AAAA-AAAA-AAAA", "BBBB-BBBB-BBBB", "CCCC-CCCC-CCCC", "DDDD-DDDD-DDDD")
    council = DemoCouncil("loaded", codes)
    links = council.web_links("http://127.0.0.1:8000")
    terminal = council.terminal_chat("carevoice chat")
    assert terminal == "carevoice chat --code DDDD-DDDD-DDDD"
    assert "DDDD-DDDD-DDDD" not in links
    assert all(code in links for code in codes[:3])
    # with no code to spare, a practice survey, never a code a link uses
    spare_none = DemoCouncil("loaded", codes[:3]).terminal_chat("carevoice chat")
    assert "--survey" in spare_none and "--code" not in spare_none


def test_serve_demo_prints_a_terminal_code_of_its_own(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    from carevoice import cli_api

    codes = ("AAAA-AAAA-AAAA", "BBBB-BBBB-BBBB", "CCCC-CCCC-CCCC", "DDDD-DDDD-DDDD")

    async def loaded(settings: object) -> tuple[DemoCouncil, str, str, str]:
        return DemoCouncil("Demo council loaded.", codes), "board", "officer", "admin"

    monkeypatch.setattr(cli_api, "_load_demo", loaded)
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    code, out = run({**env, "COLUMNS": "200"}, "serve", "--demo")
    assert code == 0, out
    terminal = re.search(rf"in this terminal: .*--code ({CODE})", out)
    links = re.findall(rf"/c/({CODE})", out)
    assert terminal and links == list(codes[:3]), out
    assert terminal.group(1) not in links
