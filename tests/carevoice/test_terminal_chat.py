"""`carevoice chat` stopped and resumed: every input of the second run counts (issue 9 item 6)."""

from __future__ import annotations

import os
import re
import select
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from carevoice.cli import app

runner = CliRunner()


def run(env: dict[str, str], *args: str, input: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env, input=input)
    return result.exit_code, result.output


def test_a_resumed_terminal_chat_raises_an_alert(tmp_path: Path) -> None:
    db = tmp_path / "chat.db"
    env = {"CAREVOICE_DATABASE_URL": f"sqlite:///{db}", "COLUMNS": "200"}
    csv = tmp_path / "people.csv"
    csv.write_text("council_ref,cohort,age_band\nT1,in_care,13-15\n")
    assert run(env, "people", "import", str(csv))[0] == 0
    # Codes are shown only when made, so the one to type comes from the campaign's creation.
    code, out = run(env, "campaign", "create", "--survey", "review-feedback", "--name", "F",
                    "--cohort", "in_care", "--show")
    found = re.search(r"^T1\s.*?([0-9A-Z]{4}(?:-[0-9A-Z]{4}){2})\s+http", out, re.M)
    assert code == 0 and found, out
    chat_code = found.group(1)

    code, out = run(env, "chat", "--code", chat_code, input="1\nstop\n")
    assert code == 0 and "Your answers so far are saved" in out
    # The second run's inputs used to reuse the first run's keys and be dropped as repeats.
    code, out = run(env, "chat", "--code", chat_code,
                    input="I need help now\ncarry on\nmy dad hits me\nstop\n")
    assert code == 0, out
    assert "0800 1111" in out and "carry on" in out.casefold()

    with sqlite3.connect(db) as conn:
        alerts = conn.execute(
            "SELECT category, words FROM safeguarding_alerts ORDER BY id"
        ).fetchall()
        inbound = conn.execute("SELECT count(*) FROM inbound_messages").fetchone()[0]
    assert ("help_now", "I need help now") in alerts
    assert any(words == "my dad hits me" for _, words in alerts)
    assert inbound == 6  # every input of both runs recorded once


def test_going_back_shows_the_words_typed_before(tmp_path: Path) -> None:
    """The web chat puts the words back in the box after "back"; the terminal says them."""
    db = tmp_path / "chat.db"
    env = {"CAREVOICE_DATABASE_URL": f"sqlite:///{db}", "COLUMNS": "200"}
    csv = tmp_path / "people.csv"
    csv.write_text("council_ref,cohort,age_band\nT1,in_care,13-15\n")
    assert run(env, "people", "import", str(csv))[0] == 0
    code, out = run(env, "campaign", "create", "--survey", "review-prep-young-person",
                    "--name", "P", "--cohort", "in_care", "--show")
    found = re.search(r"^T1\s.*?([0-9A-Z]{4}(?:-[0-9A-Z]{4}){2})\s+http", out, re.M)
    assert code == 0 and found, out
    code, out = run(env, "chat", "--code", found.group(1),
                    input="my cat [x] is the best\n1\nback\nstop\n")
    assert code == 0, out
    first, _, after_back = out.partition("Your answer before:")
    assert "Your answer before" not in first  # only once asked again
    assert after_back.startswith(" my cat [x] is the best"), out[-800:]


def test_the_easy_survey_says_how_to_answer_in_a_terminal(tmp_path: Path) -> None:
    """Its intro says "Tap a picture to answer. Tap play to hear the words.": a terminal
    picks a picture by its number and has no play button (Welsh too)."""
    env = {"CAREVOICE_DATABASE_URL": f"sqlite:///{tmp_path / 'easy.db'}", "COLUMNS": "200"}
    for language, said, gone in (
        ("en", "Type the number of a picture to answer.", "play"),
        ("cy", "Teipia rif llun i ateb.", "chwarae"),
    ):
        code, out = run(env, "chat", "--survey", "review-prep-easy", "--language", language,
                        input="stop\n")  # fmt: skip
        assert code == 0 and said in out, out
        intro = out[out.index(said) - 200:out.index(said) + 80]
        assert gone not in intro and "Tap" not in intro, intro


@pytest.mark.slow
def test_ctrl_c_at_the_prompt_stops_the_chat_at_once(tmp_path: Path) -> None:
    """As Ctrl+D does: asyncio's own Ctrl+C waited for Enter while the prompt held the loop."""
    env = {**os.environ, "CAREVOICE_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}",
           "COLUMNS": "200", "PYTHONUNBUFFERED": "1"}  # fmt: skip
    chat = subprocess.Popen(
        [sys.executable, "-m", "carevoice.cli", "chat", "--survey", "review-prep-child"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
    )  # fmt: skip
    assert chat.stdout is not None
    seen, deadline = b"", time.monotonic() + 60
    while b"(1/" not in seen and time.monotonic() < deadline:  # the first question is asked
        ready, _, _ = select.select([chat.stdout], [], [], 1)
        if ready:
            seen += os.read(chat.stdout.fileno(), 4096)
    assert b"(1/" in seen, seen
    time.sleep(0.3)  # at the prompt
    chat.send_signal(signal.SIGINT)
    rest, _ = chat.communicate(timeout=20)  # never waits for Enter
    said = (seen + rest).decode()
    assert chat.returncode == 0 and "we'll stop here" in said, said
    assert "Traceback" not in said


def test_a_young_persons_words_are_shown_as_typed_never_as_emoji(tmp_path: Path) -> None:
    """Rich turned ":x:" and ":smile:" into emoji: "root:x:0" came back as "root❌0"."""
    env = {"CAREVOICE_DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}", "COLUMNS": "200"}
    code, out = run(env, "chat", "--survey", "review-prep-young-person",
                    input="ok :x: :smile: [/] lol\n2\nback\nstop\n")
    assert code == 0, out
    assert "Your answer before: ok :x: :smile: [/] lol" in out, out[-800:]
    assert "❌" not in out and "😄" not in out
