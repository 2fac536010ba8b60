"""The command line as people meet it: help in plain words, with no setting name cut off;
the demo's commands run as printed; the terminal chat shows ticks and says "type"."""

from __future__ import annotations

import re
import shlex
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from carevoice.cli import app, chat_command
from carevoice.cli_help import plain_type
from carevoice.demo import DemoCouncil

runner = CliRunner()
NOISE = ("<bool>", "<str>", "<int", "<list[", "<Path>", "<path>", "…")


@pytest.mark.parametrize(
    "command",
    [
        ("--help",),
        ("campaign", "create", "--help"),
        ("surveys", "validate", "--help"),
        ("serve", "--help"),
        ("alerts", "list", "--help"),
        ("keys", "create", "--help"),
    ],
)
def test_help_has_no_type_noise_and_no_cut_off_names(command: tuple[str, ...]) -> None:
    result = runner.invoke(app, list(command), env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    for noise in NOISE:
        assert noise not in result.output, (noise, result.output)
    if command[-2:] != ("validate", "--help") and command != ("--help",):
        assert "CAREVOICE_DATABASE_URL" in result.output  # whole, on a line of its own


def test_help_words() -> None:
    result = runner.invoke(app, ["serve", "--help"], env={"COLUMNS": "100"})
    assert "1-65535" in result.output and "TEXT" in result.output
    assert plain_type("<list[Path]>", flag=False, many=True) == "FILE..."
    assert plain_type("<str>", flag=False, many=False) == "TEXT"
    assert plain_type("<bool>", flag=True, many=False) is None
    assert plain_type("<board|officer|admin>", flag=False, many=False) == "board|officer|admin"


def test_chat_and_campaign_help_show_an_example_that_fits_80_columns() -> None:
    """A new officer met `--survey TEXT` and no example of what to type."""
    result = runner.invoke(app, ["chat", "--help"], env={"COLUMNS": "80"})
    out = result.output
    assert "--survey" in out and "KEY" in out and "CODE" in out and "en|cy|ar" in out, out
    assert "carevoice chat --survey review-prep-child" in out
    assert "carevoice chat --code 1234-ABCD-5678" in out
    result = runner.invoke(app, ["campaign", "create", "--help"], env={"COLUMNS": "80"})
    assert "carevoice campaign create --survey review-prep-child \\" in result.output
    assert "--closes 2027-03-31 --show" in result.output


def test_the_chat_command_runs_as_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CAREVOICE_DATABASE_URL", raising=False)
    url = f"sqlite:///{tmp_path / 'demo db.db'}"
    words = shlex.split(chat_command(url))
    program = words[0]
    found = shutil.which(program) if "/" not in program else program
    assert found and Path(found).resolve() == (Path(sys.executable).parent / "carevoice").resolve()
    assert words[1:] == ["chat", "--database-url", url]  # the database the demo used
    monkeypatch.setenv("CAREVOICE_DATABASE_URL", url)  # still set where it was run: not repeated
    assert shlex.split(chat_command(url))[1:] == ["chat"]
    printed = DemoCouncil("loaded", ("AAAA-BBBB-CCCC",)).chat_commands(chat_command(url))
    assert f"{chat_command(url)} --code AAAA-BBBB-CCCC" in printed


def test_the_demo_prints_each_chat_command_on_one_line_in_a_narrow_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command wider than the terminal is left to the terminal to wrap: a line break
    printed inside it would cut it in two when copied."""
    import carevoice.demo

    async def loaded(*_: object, **__: object) -> DemoCouncil:
        return DemoCouncil("loaded", ("AAAA-BBBB-CCCC", "DDDD-EEEE-FFFF"))

    monkeypatch.setattr(carevoice.demo, "load_demo", loaded)
    monkeypatch.delenv("CAREVOICE_DATABASE_URL", raising=False)
    url = f"sqlite:///{tmp_path / 'a folder with a long name for the demo' / 'demo.db'}"
    (tmp_path / "a folder with a long name for the demo").mkdir()
    result = runner.invoke(app, ["demo", "--database-url", url], env={"COLUMNS": "50"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for code in ("AAAA-BBBB-CCCC", "DDDD-EEEE-FFFF"):
        assert f"  {chat_command(url)} --code {code}" in lines, result.output
    # and how to serve it without retention blanking its 2016-18 answers overnight
    serve = chat_command(url, command="serve --demo")
    assert f"  {serve}" in lines, result.output
    assert shlex.split(serve)[1:] == ["serve", "--demo", "--database-url", url]


def test_the_terminal_chat_shows_ticks_and_says_type(tmp_path: Path) -> None:
    env = {"CAREVOICE_DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}", "COLUMNS": "200"}
    # words that say something, so the engine asks who can read them ("fine" alone says
    # nothing and is not asked about): "x" is no choice, "1" is.
    answers = "my flat is fine\nx\n1\nbanana\n3\nno\n4\n1\nstop\n"
    result = runner.invoke(app, ["chat", "--survey", "pathway-plan-review"], env=env,
                           input=answers)
    out = result.output
    assert result.exit_code == 0, out
    assert "Please type a number from 1 to 5." in out  # the hint for a scale, typed
    assert "Who can read what you just wrote?" in out  # the choice after a free-text answer
    assert "Please type 1 or 2, so we know who can read it." in out  # its hint, typed
    assert not re.search(r"\btap\b", out, re.IGNORECASE)
    assert "1. [x] Budgeting" in out  # the ticked option of the multi question
    assert "2. [ ] Benefits and Universal Credit" in out
