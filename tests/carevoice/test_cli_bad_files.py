"""The command line with files as councils really have them: no traceback, ever."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.carevoice.test_cli import run
from tests.live_server import free_port

CSV = "council_ref,cohort,age_band,first_name\nW-1,in_care,13-15,Zoë\nW-2,care_leaver,18-21,José\n"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"CAREVOICE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "COLUMNS": "200"}


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16", "utf-8-sig"])
def test_people_import_reads_what_excel_saves(
    env: dict[str, str], tmp_path: Path, encoding: str
) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(CSV.encode(encoding))
    code, out = run(env, "people", "import", str(path))
    assert code == 0, out
    assert "Imported 2 new" in out


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"council_ref,cohort\n\x81\x8d,in_care\n", "CSV UTF-8"),
        (b'council_ref,cohort,age_band\nW-1,in_care,"13-15\nW-2,in_care,13-15\n', "quote"),
        (b"", "empty"),
        (b"council_ref,cohort,age_band\nW-\x001,in_care,13-15\n", "NUL"),
    ],
    ids=["not-text", "open-quote", "empty", "nul"],
)
def test_people_import_refuses_bad_files_clearly(
    env: dict[str, str], tmp_path: Path, data: bytes, expected: str
) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(data)
    code, out = run(env, "people", "import", str(path))
    assert code == 1
    assert expected in out and "Traceback" not in out


def test_validate_refuses_a_huge_file_at_once(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"[" * 12_000_000)
    code, out = run(env, "surveys", "validate", str(path))
    assert code == 1
    assert "at most 200,000 bytes" in out and "Traceback" not in out


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("notaurl", "cannot read the database URL 'notaurl': write it like sqlite:///"),
        ("sqlite:////proc/no-such-folder/x.db", "that its folder exists and can be written"),
        ("postgresql://someone:hunter2@127.0.0.1:1/x", "that the database server is running"),
    ],
)
def test_a_database_that_cannot_be_opened_is_said_plainly(url: str, said: str) -> None:
    for command in (["db", "upgrade"], ["serve", "--port", str(free_port())]):
        code, out = run({"CAREVOICE_DATABASE_URL": url, "COLUMNS": "400"}, *command)
        assert code == 1, out
        assert said in out and "Traceback" not in out, out
        assert "hunter2" not in out  # a password is never printed
