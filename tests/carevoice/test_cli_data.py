"""A data protection officer at the command line: subject access, erasure, retention."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from carevoice.cli import app

runner = CliRunner()
PEOPLE = (
    "council_ref,cohort,age_band,first_name\nDPO-1,in_care,13-15,Ada\nDPO-2,care_leaver,18-21,\n"
)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "CAREVOICE_DATABASE_URL": f"sqlite:///{tmp_path / 'dpo.db'}",
        "CAREVOICE_SECRET_KEY": "a-test-key-of-thirty-two-characters!",
        "COLUMNS": "200",
    }


def run(env: dict[str, str], *args: str, input: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env, input=input)
    return result.exit_code, result.output


@pytest.fixture
def imported(env: dict[str, str], tmp_path: Path) -> Path:
    csv = tmp_path / "people.csv"
    csv.write_text(PEOPLE)
    assert run(env, "people", "import", str(csv))[0] == 0
    return tmp_path / "dpo.db"


def test_export_gives_everything_held_as_json_and_is_audited(
    env: dict[str, str], imported: Path, tmp_path: Path
) -> None:
    code, out = run(env, "people", "export", "DPO-1")
    assert code == 0, out
    data = json.loads(out)
    assert data["person"]["council_ref"] == "DPO-1" and data["person"]["first_name"] == "Ada"
    assert data["responses"] == [] and "2 years" in data["retention"]
    target = tmp_path / "sar.json"
    code, out = run(env, "people", "export", "DPO-1", "--out", str(target))
    assert code == 0 and "Wrote" in out and "audit log" in out
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    again = json.loads(target.read_text())
    assert [w["what"] for w in again["who_looked"]] == ["export person"]  # the first export
    code, out = run(env, "people", "export", "NOBODY")
    assert code == 1 and "no young person with reference 'NOBODY'" in out


def test_erase_asks_first_then_removes_them_for_good(env: dict[str, str], imported: Path) -> None:
    code, out = run(env, "people", "erase", "DPO-1", input="n\n")
    assert code == 1 and "Aborted" in out
    code, out = run(env, "people", "erase", "DPO-1", input="y\n")
    assert code == 0 and "Erased" in out and "ref#" in out
    code, out = run(env, "people", "erase", "DPO-1", "--yes")
    assert code == 0 and "already erased" in out
    code, out = run(env, "people", "erase", "NOBODY")  # no one to erase: not asked first
    assert code == 1 and "Erase NOBODY" not in out and "no young person" in out
    code, out = run(env, "people", "export", "DPO-1")
    assert code == 1
    raw = b"".join(p.read_bytes() for p in imported.parent.glob("dpo.db*"))
    assert b"DPO-1" not in raw and b"Ada" not in raw and b"DPO-2" in raw


def test_retention_dry_run_reports_and_the_real_run_removes(
    env: dict[str, str], imported: Path
) -> None:
    with sqlite3.connect(imported) as connection:  # both last listed two years ago
        connection.execute(
            "UPDATE people SET created_at = '2020-01-01 00:00:00',"
            " listed_at = '2020-01-01 00:00:00'"
        )
    code, out = run(env, "retention", "--dry-run")
    assert code == 0, out
    assert "Would erase 2 young people" in out and "Keeping young people's words 2 years" in out
    assert "your words" not in out  # said to the admin about young people, not to one
    code, out = run(env, "retention")
    assert code == 0 and "Erased 2 young people" in out
    code, out = run(env, "retention", "--dry-run")
    assert "Would erase 0 young people" in out
    code, out = run({**env, "CAREVOICE_RETAIN_PEOPLE_DAYS": "-1"}, "retention", "--dry-run")
    assert code != 0


def test_retag_themes_runs_on_an_empty_store(env: dict[str, str], imported: Path) -> None:
    code, out = run(env, "retag-themes")
    assert code == 0, out
    assert "Tagged stored answers again: 0 theme tags." in out
    code, out = run(env, "--help")
    assert "retag-themes" in out
