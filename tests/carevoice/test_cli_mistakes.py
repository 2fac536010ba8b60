"""The command line when an officer slips: a mistyped path, a database carevoice does not
run on, a team that does not exist, a survey for other young people, a date gone by."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.carevoice.test_cli import env as env  # the fixture
from tests.carevoice.test_cli import run


def _people(env: dict[str, str], tmp_path: Path) -> None:
    csv = tmp_path / "people.csv"
    csv.write_text("council_ref,cohort,age_band,team\nN1,in_care,13-15,North\n"
                   "L1,care_leaver,18-21,Leaving Care\n")
    assert run(env, "people", "import", str(csv))[0] == 0


def test_a_mistyped_path_is_said_not_answered_from_a_new_empty_database(
    env: dict[str, str], tmp_path: Path
) -> None:
    wrong = tmp_path / "nodir" / "x.db"
    code, out = run(env, "alerts", "list", "--database-url", f"sqlite:///{wrong}")
    assert code == 1 and f"there is no database at {wrong}" in out
    assert "No alerts waiting" not in out and not wrong.parent.exists()
    # the commands that start a database still do
    assert run(env, "db", "upgrade", "--database-url", f"sqlite:///{wrong}")[0] == 0
    code, out = run(env, "alerts", "list", "--database-url", f"sqlite:///{wrong}")
    assert code == 0 and "No alerts waiting" in out


def test_a_new_sqlite_file_is_readable_by_its_owner_only(env: dict[str, str],
                                                          tmp_path: Path) -> None:
    assert run(env, "db", "upgrade")[0] == 0
    mode = stat.S_IMODE(os.stat(tmp_path / "cli.db").st_mode)
    assert mode == 0o600, oct(mode)


@pytest.mark.parametrize("url", ["mysql://root@127.0.0.1/test", "oracle://u@h/db"])
def test_a_database_carevoice_does_not_run_on_is_said(env: dict[str, str], url: str) -> None:
    code, out = run(env, "alerts", "list", "--database-url", url)
    assert code == 1 and "SQLite or PostgreSQL" in out and "Traceback" not in out


def test_a_practice_chat_raises_no_alert_in_the_real_queue(env: dict[str, str]) -> None:
    code, out = run(env, "chat", "--survey", "review-prep-young-person",
                    input="I want to kill myself\nstop\n")
    assert code == 0 and "Childline" in out  # the help is shown, as to a young person
    assert "None was raised" in out
    code, out = run(env, "alerts", "list", "--all")
    assert code == 0 and "PRACTICE" not in out and "No alerts" in out


def test_an_officer_key_for_a_team_nobody_is_in_is_refused(env: dict[str, str],
                                                            tmp_path: Path) -> None:
    _people(env, tmp_path)
    code, out = run(env, "keys", "create", "--role", "officer", "--name", "Sam",
                    "--team", "Nrth")
    assert code == 2 and "no young person is in team 'Nrth'" in out
    assert "Leaving Care, North" in out
    code, out = run(env, "keys", "create", "--role", "officer", "--name", "Sam",
                    "--team", "north")
    assert code == 0 and "for North" in out  # as the council writes it


def test_a_survey_for_other_young_people_or_a_past_date_is_refused(
    env: dict[str, str], tmp_path: Path
) -> None:
    _people(env, tmp_path)
    base = ("campaign", "create", "--name", "x")
    code, out = run(env, *base, "--survey", "pathway-plan-review", "--cohort", "in_care")
    assert code == 1 and "written for care leavers" in out
    code, out = run(env, *base, "--survey", "review-prep-child", "--cohort", "care_leaver")
    assert code == 1 and "written for children" in out
    code, out = run(env, *base, "--survey", "review-prep-child", "--opens", "2020-01-01",
                    "--closes", "2020-02-01")
    assert code == 2 and "--closes" in out and "has passed" in out
    code, out = run(env, *base, "--survey", "pathway-plan-review", "--cohort", "care_leaver")
    assert code == 0 and "1 young people match" in out



def test_a_campaign_sent_by_mistake_is_closed_in_one_step(env: dict[str, str],
                                                          tmp_path: Path) -> None:
    _people(env, tmp_path)
    code, out = run(env, "campaign", "create", "--survey", "review-prep-child", "--name", "x")
    assert code != 0 and "care leavers too" in out  # a child's survey for everyone
    code, out = run(env, "campaign", "create", "--survey", "review-feedback", "--name", "oops")
    assert code == 0 and "2 invitations" in out, out
    code, out = run(env, "campaign", "close", "1", input="n\n")
    assert code == 1 and "2 unopened invitations withdrawn" in out and "Aborted" in out
    code, out = run(env, "campaign", "close", "1", "--yes")
    assert code == 0 and "Closed campaign 1: 2 unopened invitations withdrawn" in out, out
    code, out = run(env, "campaign", "close", "1", "--yes")
    assert code != 0 and "already closed" in out


def test_brackets_in_what_was_typed_are_said_back_not_a_traceback(
    env: dict[str, str], tmp_path: Path
) -> None:
    """An error names what was typed; "[/]" in it raised rich's MarkupError, a traceback,
    and "[x]" was eaten as markup. `:x:` (a CSV saved from /etc/passwd) became an emoji."""
    assert run(env, "db", "upgrade")[0] == 0
    code, out = run(env, "surveys", "show", "[/]")
    assert code == 1 and "no survey with key '[/]'" in out, out
    code, out = run(env, "chat", "--survey", "[x]review", input="stop\n")
    assert code == 1 and "'[x]review' (see `carevoice surveys list`)" in out, out
    csv = tmp_path / "people.csv"
    csv.write_text("council_ref,cohort,[/]\nN1,in_care,x\n")
    code, out = run(env, "people", "import", str(csv))
    assert code == 1 and "line 1, [/]: unknown column" in out, out
    csv.write_text("root:x:0:0:root\nN1\n")
    code, out = run(env, "people", "import", str(csv))
    assert code == 1 and "root:x:0:0:root" in out and "❌" not in out, out


def test_a_value_that_is_not_a_number_is_said_in_plain_words(env: dict[str, str]) -> None:
    """typer said pydantic's "Input should be a valid integer, unable to parse string as an
    integer"; the officer reads what they typed and what is wanted."""
    code, out = run(env, "alerts", "show", "abc")
    assert code == 2 and "'abc' is not a whole number" in out and "Input should" not in out
    code, out = run(env, "alerts", "list", "--limit", "0")
    assert code == 2 and "'0' is too small (at least 1)" in out, out
    code, out = run(env, "serve", "--port", "99999")
    assert code == 2 and "'99999' is too big (at most 65535)" in out, out
    code, out = run({**env, "CAREVOICE_QUOTE_MIN_GROUP": "lots"}, "alerts", "list")
    assert code == 1 and "CAREVOICE_QUOTE_MIN_GROUP: 'lots' is not a whole number" in out, out


def test_a_file_that_cannot_be_written_is_named_with_its_reason(
    env: dict[str, str], tmp_path: Path
) -> None:
    """It said "[Errno 2] No such file or directory: '...'"."""
    assert run(env, "db", "upgrade")[0] == 0
    out_file = tmp_path / "no" / "such" / "cy.po"
    code, out = run(env, "surveys", "export-strings", "review-prep-child", "--language", "cy",
                    "--out", str(out_file))
    assert code == 1 and f"Error: {out_file}: No such file or directory" in out, out
    assert "Errno" not in out


def test_a_choice_that_is_not_one_is_said_without_pydantic_words(env: dict[str, str]) -> None:
    code, out = run(env, "keys", "create", "--role", "boss", "--name", "x")
    assert code == 2 and "'boss' is not one of 'board', 'officer', 'admin'" in out, out
    assert "Value error" not in out


def test_an_empty_database_url_is_said_not_taken_for_none_given(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--database-url "$DB"` with DB unset fell back to CAREVOICE_DATABASE_URL, or made a
    new carevoice.db in the folder it ran in."""
    monkeypatch.chdir(tmp_path)
    code, out = run(env, "db", "upgrade", "--database-url", "")
    assert code == 1 and "--database-url is empty" in out, out
    assert not (tmp_path / "cli.db").exists() and not (tmp_path / "carevoice.db").exists()
    code, out = run({**env, "CAREVOICE_DATABASE_URL": ""}, "db", "upgrade")
    assert code == 1 and "CAREVOICE_DATABASE_URL is set but empty" in out, out
    assert not (tmp_path / "carevoice.db").exists()
    # a URL given still wins over the setting, and the setting over the default
    other = tmp_path / "other.db"
    assert run(env, "db", "upgrade", "--database-url", f"sqlite:///{other}")[0] == 0
    assert other.exists() and not (tmp_path / "cli.db").exists()
    assert run(env, "db", "upgrade")[0] == 0 and (tmp_path / "cli.db").exists()
