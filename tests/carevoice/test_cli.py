"""The `carevoice` command line, as a newcomer would use it."""

from __future__ import annotations

import re
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
    assert code == 0
    found = re.search(r"B1\s+(\S+)\s+http", out)
    assert found, out
    chat_code = found.group(1)
    answers = "1\n5\nyes\nyes\nIt was good\nnothing\nyes\n"
    code, out = run(env, "chat", "--code", chat_code, input=answers)
    assert code == 0, out
    assert "Did you go to your review?" in out and "Thank you" in out
    code, out = run(env, "chat", "--code", chat_code, input="")
    assert "already finished" in out
    code, out = run(env, "chat", "--code", "not-a-code")
    assert code == 1 and "don't recognise that code" in out


def test_chat_practice_survey_stops_and_says_so(env: dict[str, str]) -> None:
    code, out = run(env, "chat", "--survey", "review-prep-child", input="I like football\nstop\n")
    assert code == 0
    assert "Getting ready" in out or "review" in out
    assert "Your answers so far are saved" in out


def test_campaign_create_with_bad_dates(env: dict[str, str]) -> None:
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
