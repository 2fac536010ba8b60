"""Schemathesis against the app's own OpenAPI schema, as an auditor would run it: the
`schemathesis run` command line with every check (`--checks all`) and every phase
(examples, coverage, fuzzing with valid and invalid data, stateful), against a real
uvicorn server on a temporary SQLite store, once for each role (board, officer, admin)
and with no key. 0 failures is the bar.

`tests/api/schemathesis.toml` holds the two settings the schema cannot say: which bodies
only reading them can judge (a survey's YAML, a CSV of young people: 422 with the faults)
and that a used invitation is 410 Gone. The throttles are raised for the run, since
schemathesis tries wrong keys on purpose (`ignored_auth`); they are tested on their own in
tests/api/test_hardening.py."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from carevoice.wiring import build_services
from storage.keys import Role, create_key
from tests.api.conftest import api_settings
from tests.demo_council import in_a_thread
from tests.factories import campaign_with_codes, small_survey
from tests.live_server import free_port, live_server

EXAMPLES = 4
CONFIG = Path(__file__).with_name("schemathesis.toml")


@pytest.fixture(scope="module")
def live_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """The app under uvicorn on 127.0.0.1, with a survey, a campaign and a key per role."""
    path: Path = tmp_path_factory.mktemp("schema") / "schema.db"
    config = api_settings(f"sqlite:///{path}").model_copy(update={
        "throttle_keys_per_client": "100000/minute", "throttle_keys_overall": "100000/minute",
    })

    async def prepare() -> dict[str, str]:
        services = await build_services(config)
        try:
            async with services.db.transaction() as session:
                await services.catalog.register(session, small_survey())
                tokens = {
                    str(role): (await create_key(session, services.clock, role=role,
                                                 name=f"schemathesis {role}")).token
                    for role in Role
                }
            await campaign_with_codes(services.db, services.catalog, services.clock, people=3)
            return tokens
        finally:
            await services.close()

    tokens = in_a_thread(lambda: asyncio.run(prepare()))
    with live_server(config, free_port(), start_within=60) as url:
        # the schema is built on its first request: do it here, not inside schemathesis's 10 s
        # loading timeout (on a loaded 2-core box the admin run once failed at "Read timed out")
        httpx.get(f"{url}/openapi.json", timeout=120).raise_for_status()
        yield url, tokens


@pytest.mark.parametrize("role", ["admin", "officer", "board", "none"])
def test_schemathesis_finds_nothing_with_every_check(
    live_api: tuple[str, dict[str, str]], role: str, tmp_path: Path
) -> None:
    url, tokens = live_api
    auth = ["-H", f"Authorization: Bearer {tokens[role]}"] if role in tokens else []
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG),
        "run", f"{url}/openapi.json", "--checks", "all", "--max-examples", str(EXAMPLES),
        "--seed", "1", "--no-color", *auth,
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=540, check=False,
                         cwd=tmp_path)  # (its cache folder goes there)
    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-6000:]
    assert " failures" not in report.splitlines()[-1]
