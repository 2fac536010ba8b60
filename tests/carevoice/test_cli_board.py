"""`carevoice comparators`: load a CSV of published figures (every bad row reported,
nothing half loaded), the shipped example, and list them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from carevoice.cli import app

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"CAREVOICE_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}", "COLUMNS": "200"}


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_load_the_example_then_list(env: dict[str, str], tmp_path: Path) -> None:
    code, out = run(env, "comparators", "load", "--example")
    assert code == 0 and "added 17" in out, out
    code, out = run(env, "comparators", "load", "--example")
    assert code == 0 and "added 0, updated 0, unchanged 17" in out
    code, out = run(env, "comparators", "list")
    assert code == 0 and "Cheshire East" in out and "14%" in out and "England" in out


def test_bad_rows_are_named_and_nothing_is_loaded(env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "measure,area,year,value,source\n"
        "return_rate:consultation:child,Leeds,2017-18,14%,Leeds IRO report\n"
        "return_rate:consultation:child,Leeds,2018,140,\n"
    )
    code, out = run(env, "comparators", "load", str(bad))
    assert code == 1
    assert "nothing loaded" in out and "line 3, source: is empty" in out
    assert "line 3, value" in out and "line 2" not in out
    assert not (tmp_path / "c.db").exists()  # read and refused before the database is opened
    assert run(env, "comparators", "load", "--example")[0] == 0
    assert run(env, "comparators", "load", str(bad))[0] == 1
    with sqlite3.connect(tmp_path / "c.db") as db:
        assert db.execute("select count(*) from comparators").fetchone() == (17,)
    code, out = run(env, "comparators", "load")
    assert code != 0 and "--example" in out
