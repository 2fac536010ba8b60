"""`carevoice keys` and `carevoice serve`, as an administrator would use them."""

from __future__ import annotations

import re
import socket
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from carevoice.cli import app
from carevoice.demo import DemoCouncil

runner = CliRunner()
KEY = re.compile(r"cv_([0-9a-f]{8})_[A-Za-z0-9_-]{40,}")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"CAREVOICE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "COLUMNS": "200"}


def test_keys_create_list_revoke(env: dict[str, str]) -> None:
    made = runner.invoke(app, ["keys", "create", "--role", "board", "--name", "Board 2026"],
                         env=env)
    assert made.exit_code == 0, made.output
    token = made.stdout.strip()
    match = KEY.fullmatch(token)
    assert match is not None, made.stdout  # stdout holds the key alone: KEY=$(carevoice ...)
    assert "only time" in made.stderr

    listed = runner.invoke(app, ["keys", "list"], env=env)
    assert listed.exit_code == 0 and match[1] in listed.stdout and "Board 2026" in listed.stdout
    assert token not in listed.stdout and token.split("_", 2)[2] not in listed.stdout

    revoked = runner.invoke(app, ["keys", "revoke", match[1]], env=env)
    assert revoked.exit_code == 0 and "Revoked" in revoked.stdout
    missing = runner.invoke(app, ["keys", "revoke", "00000000"], env=env)
    assert missing.exit_code == 1 and "no key" in missing.stderr
    wrong = runner.invoke(app, ["keys", "create", "--role", "mayor", "--name", "x"], env=env)
    assert wrong.exit_code != 0


def test_officer_keys_belong_to_teams_or_to_every_team(env: dict[str, str]) -> None:
    two = runner.invoke(app, ["keys", "create", "--role", "officer", "--name", "North and South",
                              "--team", "North", "--team", "South"], env=env)
    assert two.exit_code == 0, two.output
    assert "for North, South" in two.stderr and KEY.fullmatch(two.stdout.strip())
    assert "Made an officer key" in " ".join(two.stderr.split())
    manager = runner.invoke(app, ["keys", "create", "--role", "officer", "--name", "Manager",
                                  "--all-teams"], env=env)
    assert manager.exit_code == 0 and "for every team" in manager.stderr
    listed = runner.invoke(app, ["keys", "list"], env=env)
    assert "North, South" in listed.stdout and "every team" in listed.stdout

    neither = runner.invoke(app, ["keys", "create", "--role", "officer", "--name", "x"], env=env)
    assert neither.exit_code == 2 and "--all-teams for a manager" in neither.output
    both = runner.invoke(app, ["keys", "create", "--role", "officer", "--name", "x",
                               "--team", "North", "--all-teams"], env=env)
    assert both.exit_code == 2 and "not both" in both.output
    board = runner.invoke(app, ["keys", "create", "--role", "board", "--name", "x",
                                "--team", "North"], env=env)
    assert board.exit_code == 2 and "only officer keys" in board.output


def test_serve_demo_prints_keys_and_a_command_to_try(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    import carevoice.demo

    served: dict[str, Any] = {}

    def fake_run(app_: Any, **options: Any) -> None:
        served.update(options, app=app_)

    async def fake_demo(services: Any, **_: Any) -> DemoCouncil:
        return DemoCouncil("Demo council loaded: (stand-in for the test)", ("code_1", "code_2"))

    monkeypatch.setattr(uvicorn, "run", fake_run)
    monkeypatch.setattr(carevoice.demo, "load_demo", fake_demo)
    result = runner.invoke(app, ["serve", "--demo", "--port", "8123"], env=env)
    assert result.exit_code == 0, result.output
    assert served["host"] == "127.0.0.1" and served["port"] == 8123
    assert served["app"].title == "carevoice"
    keys = KEY.findall(result.stdout)
    assert len(set(keys)) == 3  # a board, an officer and an admin key (for the keys page)
    assert 'curl -H "Authorization: Bearer cv_' in result.stdout
    assert "http://127.0.0.1:8123/api/v1/return-rates?period=2017-18" in result.stdout
    assert "http://127.0.0.1:8123/docs" in result.stdout
    assert "http://127.0.0.1:8123/c/code_1" in result.stdout  # the web chat, to try
    assert "http://127.0.0.1:8123/board?period=2017-18" in result.stdout

    again = runner.invoke(app, ["serve", "--demo", "--port", "8123"], env=env)
    assert again.exit_code == 0, again.output
    database = env["CAREVOICE_DATABASE_URL"].removeprefix("sqlite:///")
    with closing(sqlite3.connect(database)) as read:
        made = read.execute("SELECT name, revoked_at IS NOT NULL FROM api_keys").fetchall()
    assert len(made) == 6 and sum(revoked for _, revoked in made) == 3  # the first start's
    for key in keys:  # each printed once, and no longer let in
        assert key not in again.stdout


def test_the_demo_will_not_join_a_councils_real_young_people(
    env: dict[str, str], tmp_path: Path
) -> None:
    people = tmp_path / "people.csv"
    people.write_text("council_ref,date_of_birth,cohort\nCE000003,2010-05-01,in_care\n")
    assert runner.invoke(app, ["people", "import", str(people)], env=env).exit_code == 0
    refused = runner.invoke(app, ["demo"], env=env)
    assert refused.exit_code != 0 and "1 young people who are not the demo's" in refused.output
    assert "sqlite:///carevoice-demo.db" in " ".join(refused.output.split())
    listed = runner.invoke(app, ["people", "export", "CE000003"], env=env)
    assert listed.exit_code == 0  # still there, and nothing else was loaded
    served = runner.invoke(app, ["serve", "--demo"], env=env)
    assert served.exit_code != 0 and "not the demo's" in served.output


def test_serve_says_plainly_when_its_port_is_taken(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    served: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: served.append(a))
    with socket.socket() as other:  # another server already listens there
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        taken = runner.invoke(app, ["serve", "--demo", "--port", str(port)], env=env)
    said = " ".join(taken.output.split())
    assert taken.exit_code == 1 and f"cannot listen on 127.0.0.1:{port}" in said, said
    assert "--port" in said and "carevoice on" not in said and "Board key" not in said
    assert not served


def test_serve_without_demo_just_serves(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    served: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app_, **options: served.update(options))
    result = runner.invoke(app, ["serve", "--host", "0.0.0.0"], env=env)
    assert result.exit_code == 0 and served["host"] == "0.0.0.0" and served["port"] == 8000
    assert "Bearer" not in result.stdout
    assert "CAREVOICE_COUNCIL_NAME is not set" in " ".join(result.stderr.split())
    assert "CAREVOICE_OUT_OF_HOURS_PHONE is not set" in " ".join(result.stderr.split())
    named = runner.invoke(app, ["serve"], env={**env, "CAREVOICE_COUNCIL_NAME": "Testshire",
                                               "CAREVOICE_OUT_OF_HOURS_PHONE": "0300 123 4567"})
    assert named.exit_code == 0 and "CAREVOICE_COUNCIL_NAME" not in named.stderr
    assert "OUT_OF_HOURS" not in named.stderr


@pytest.mark.parametrize(
    ("args", "public_url", "expected"),
    [
        (["--port", "8100"], None, "http://127.0.0.1:8100"),
        (["--host", "::1", "--port", "8100"], None, "http://[::1]:8100"),
        (["--port", "8100"], "https://voice.example.org", "https://voice.example.org"),
        (["--host", "0.0.0.0", "--port", "8100"], None, None),  # each request's own address
    ],
)
def test_serve_links_follow_the_host_and_port_unless_a_public_url_is_set(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch,
    args: list[str], public_url: str | None, expected: str | None,
) -> None:  # fmt: skip
    import uvicorn

    import api.app
    from services.settings import Settings

    used: list[Settings] = []
    real = api.app.create_app

    def spy(*, settings: Settings, **kwargs: Any) -> Any:
        used.append(settings)
        return real(settings=settings, **kwargs)

    monkeypatch.setattr(api.app, "create_app", spy)
    monkeypatch.setattr(uvicorn, "run", lambda app_, **options: None)
    if public_url:
        env = {**env, "CAREVOICE_PUBLIC_URL": public_url}
    result = runner.invoke(app, ["serve", *args], env=env)
    assert result.exit_code == 0, result.output
    [settings] = used
    if expected is None:
        assert "public_url" not in settings.model_fields_set
    else:
        assert settings.public_url == expected
