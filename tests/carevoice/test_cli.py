"""The `carevoice` command line, as a newcomer would use it."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from carevoice.cli import app

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"CAREVOICE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "COLUMNS": "200"}


def run(env: dict[str, str], *args: str, input: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env, input=input)
    return result.exit_code, result.output


def test_help_explains_every_command(env: dict[str, str]) -> None:
    code, out = run(env, "--help")
    assert code == 0
    for command in ("db", "surveys", "people", "campaign", "invites", "chat", "demo"):
        assert command in out
    for group in ("db", "surveys", "people", "campaign", "invites"):
        code, out = run(env, group, "--help")
        assert code == 0 and "Usage" in out


def test_db_upgrade_and_surveys_list(env: dict[str, str]) -> None:
    assert run(env, "db", "upgrade")[0] == 0
    code, out = run(env, "surveys", "list")
    assert code == 0
    for key in (
        "review-prep-child",
        "review-prep-young-person",
        "pathway-plan-review",
        "review-feedback",
        "wellbeing-16plus",
    ):
        assert key in out
    code, out = run(env, "surveys", "show", "review-feedback")
    assert code == 0 and "listened" in out
    code, out = run(env, "surveys", "show", "nope")
    assert code == 1 and "no survey with key 'nope'" in out


def test_validate_names_the_file_place_and_fault(env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "key: x1\nversion: 1\ntitle: T\nform: consulation\naudience: child\n"
        "intro: i\nthanks: t\nquestions:\n  - id: a\n    kind: choice\n    text: q\n"
    )
    code, out = run(env, "surveys", "validate", str(bad))
    assert code == 1
    assert "bad.yaml" in out and "did you mean 'consultation'" in out
    assert "questions[0]: missing required key 'choices'" in out
    assert "Traceback" not in out
    good = Path(__file__).resolve().parents[2] / "surveys" / "templates" / "review-feedback.yaml"
    assert run(env, "surveys", "validate", str(good))[0] == 0


def test_people_import_reports_bad_rows_and_imports_nothing(
    env: dict[str, str], tmp_path: Path
) -> None:
    csv = tmp_path / "people.csv"
    csv.write_text("council_ref,cohort,date_of_birth\nA1,in_care,2014-01-01\nA2,fostered,\n")
    code, out = run(env, "people", "import", str(csv))
    assert code == 1 and "nothing imported" in out and "line 3" in out
    csv.write_text(
        "council_ref,cohort,date_of_birth,team\nA1,in_care,2014-01-01,North\n"
        "A2,care_leaver,2004-05-01,Leaving Care\n"
    )
    code, out = run(env, "people", "import", str(csv))
    assert code == 0 and "Imported 2 new" in out


def test_campaign_invites_and_a_chat_in_the_terminal(env: dict[str, str], tmp_path: Path) -> None:
    csv = tmp_path / "people.csv"
    csv.write_text("council_ref,cohort,age_band\nB1,in_care,13-15\nB2,in_care,8-12\n")
    assert run(env, "people", "import", str(csv))[0] == 0
    code, out = run(
        env,
        "campaign",
        "create",
        "--survey",
        "review-feedback",
        "--name",
        "Feedback",
        "--cohort",
        "in_care",
        "--age-band",
        "13-15",
    )
    assert code == 0 and "1 young people match; 1 invitations issued" in out
    code, out = run(env, "invites", "issue", "--campaign", "1", "--show")
    assert code == 0 and "0 issued; 1 already had one" in out
    assert not re.search(r"B1\s", out)  # codes are kept hashed: never shown again
    code, out = run(env, "invites", "reprint", "--campaign", "1", "--public-url", "http://h:8100")
    assert code == 0
    found = re.search(r"B1\s+-\s+(\S+)\s+http://h:8100/c/(\S+)", out)
    assert found and found.group(1) == found.group(2), out
    chat_code = found.group(1).lower()  # typed in any case
    answers = "1\n5\nyes\nyes\nIt was good\n1\nnothing\n1\nyes\n"  # 1: who may read it
    code, out = run(env, "chat", "--code", chat_code, input=answers)
    assert code == 0, out
    assert "Did you go to your review?" in out and "Thank you" in out
    code, out = run(env, "chat", "--code", chat_code, input="")
    assert "already finished" in out
    code, out = run(env, "chat", "--code", "not-a-code")
    assert code == 1 and "don't recognise that code" in out


def test_chat_with_a_code_never_makes_an_empty_database(tmp_path: Path) -> None:
    typo = tmp_path / "typo.db"
    code, out = run({"CAREVOICE_DATABASE_URL": f"sqlite:///{typo}", "COLUMNS": "200"},
                    "chat", "--code", "29YT-D75F-DG94")  # fmt: skip
    assert code == 1 and "there is no database at" in out and "recognise" not in out
    assert not typo.exists()


def test_chat_practice_survey_stops_and_says_so(env: dict[str, str]) -> None:
    code, out = run(env, "chat", "--survey", "review-prep-child", input="I like football\nstop\n")
    assert code == 0
    assert "Getting ready" in out or "review" in out
    assert "Your answers so far are saved" in out


def test_campaign_create_with_bad_dates(env: dict[str, str]) -> None:
    assert run(env, "db", "upgrade")[0] == 0
    code, out = run(
        env,
        "campaign",
        "create",
        "--survey",
        "review-feedback",
        "--name",
        "x",
        "--opens",
        "tomorrow",
    )
    assert code == 2 and "is not a date" in out
    code, out = run(
        env,
        "campaign",
        "create",
        "--survey",
        "review-feedback",
        "--name",
        "x",
        "--opens",
        "2026-02-01",
        "--closes",
        "2026-01-01",
    )
    assert code == 1 and "closing time must be after" in out


def test_a_campaign_keeps_its_targeting_when_invitations_are_issued(
    env: dict[str, str], tmp_path: Path
) -> None:
    """The reported bug: `campaign create --team North` matched 2, then `invites issue
    --campaign ID` invited everyone (care leavers and the practice person included)."""
    rows = ["council_ref,cohort,age_band,team,next_review_date"]
    rows += ["N1,in_care,13-15,North,2026-03-01", "N2,in_care,8-12,North,01/04/2026"]
    rows += [f"S{i},in_care,13-15,South," for i in range(12)]
    rows += [f"L{i},care_leaver,18-21,Leaving Care," for i in range(8)]
    csv = tmp_path / "people.csv"
    csv.write_text("\n".join(rows) + "\n")
    assert run(env, "people", "import", str(csv))[0] == 0
    assert run(env, "chat", "--survey", "review-prep-child", input="stop\n")[0] == 0  # practice
    code, out = run(
        env, "campaign", "create", "--survey", "review-feedback", "--name", "North",
        "--team", "North", "--no-invite",
    )  # fmt: skip
    assert code == 0 and "for team North: 2 young people match; 0 invitations issued" in out
    code, out = run(env, "invites", "issue", "--campaign", "1")
    assert code == 0 and "2 issued" in out, out
    code, out = run(env, "invites", "issue", "--campaign", "1", "--team", "South")
    assert code == 2 and "campaign 1 is for North only, not South" in out  # never widens
    code, out = run(
        env, "campaign", "create", "--survey", "review-feedback", "--name", "Everyone",
    )  # fmt: skip
    assert code == 0 and "for everyone: 22 young people match; 22 invitations" in out


def test_campaign_filters_refuse_unknown_values_and_take_uk_dates(env: dict[str, str],
                                                                   tmp_path: Path) -> None:
    csv = tmp_path / "people.csv"
    csv.write_text("council_ref,cohort,age_band,team,next_review_date\n"
                   "N1,in_care,13-15,North,15/03/2099\nN2,in_care,13-15,South,2099-05-01\n")
    assert run(env, "people", "import", str(csv))[0] == 0
    base = ("campaign", "create", "--survey", "review-feedback", "--name", "x")
    code, out = run(env, *base, "--age-band", "9-11")
    assert code == 1 and "unknown age band '9-11'" in out and "8-12, 13-15, 16-17" in out
    code, out = run(env, *base, "--team", "Nroth")
    assert code == 1 and "no young person is in team 'Nroth'; teams: North, South" in out
    code, out = run(env, *base, "--cohort", "fostered")
    assert code == 1 and "use one of: in_care, care_leaver" in out
    code, out = run(env, *base, "--reviews-from", "31/13/2026")
    assert code == 2 and "YYYY-MM-DD or DD/MM/YYYY" in out
    code, out = run(env, *base, "--reviews-from", "01/03/2099", "--reviews-to", "31/03/2099",
                    "--opens", "01/03/2099", "--closes", "31/03/2099")
    assert code == 0, out
    assert "next review 2099-03-01 to 2099-03-31: 1 young people match" in out
    # dates are UK days, said in UK time (as the officer pages and alerts say them)
    assert "Open Sun 1 Mar 2099, 00:00 GMT to Tue 31 Mar 2099, 23:59 BST" in out
    code, out = run(env, *base, "--opens", "2099-06-01T09:00")
    assert code == 0 and "Open Mon 1 Jun 2099, 09:00 BST" in out, out
    assert "Traceback" not in out


def test_version(env: dict[str, str]) -> None:
    from importlib.metadata import version

    code, out = run(env, "--version")
    assert code == 0 and out.strip() == f"carevoice {version('carevoice')}"
    done = subprocess.run(  # `python -m carevoice`, as a developer without the script runs it
        [sys.executable, "-m", "carevoice", "--version"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and done.stdout.strip() == out.strip(), done.stderr


def test_db_upgrade_says_whether_it_made_a_database(tmp_path: Path) -> None:
    env = {"CAREVOICE_DATABASE_URL": f"sqlite:///{tmp_path / 'new' / 'cv.db'}",
           "COLUMNS": "200"}  # fmt: skip
    code, out = run(env, "db", "upgrade")
    assert code == 0 and f"New database made at {tmp_path / 'new' / 'cv.db'}" in out, out
    code, out = run(env, "db", "upgrade")
    assert code == 0 and out.strip() == f"Database is up to date: sqlite:///{tmp_path}/new/cv.db"
    assert "aiosqlite" not in out


def test_db_upgrade_says_when_stored_answers_need_tagging_again(tmp_path: Path) -> None:
    path = tmp_path / "cv.db"
    env = {"CAREVOICE_DATABASE_URL": f"sqlite:///{path}", "COLUMNS": "200"}
    assert run(env, "db", "upgrade")[0] == 0
    with sqlite3.connect(path) as raw:  # as a release with another taxonomy left it
        raw.execute("UPDATE theme_tagging SET fingerprint = 'an older release'")
    code, out = run(env, "db", "upgrade")
    assert code == 0 and "run `carevoice retag-themes`" in " ".join(out.split()), out
    assert run(env, "retag-themes")[0] == 0
    code, out = run(env, "db", "upgrade")
    assert code == 0 and "retag-themes" not in out, out
