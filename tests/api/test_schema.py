"""Schemathesis against the app's own OpenAPI schema: generated requests to every operation
(with an admin key, on a temporary SQLite store) get no 500s and replies that match it.

Invalid requests (negative mode) must be answered the same way: a documented status in the
error shape. Unknown query parameters are ignored, as FastAPI does, so schemathesis'
`negative_data_rejection` check (which wants them refused) is not used."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from carevoice.wiring import build_services
from storage.keys import Role, create_key
from tests.api.conftest import api_settings
from tests.demo_council import in_a_thread
from tests.factories import campaign_with_codes, small_survey

EXAMPLES = 12
CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, str]]]:
    """The schema, loaded from an app that builds its own services; and a key per role."""
    path: Path = tmp_path_factory.mktemp("schema") / "schema.db"
    config = api_settings(f"sqlite:///{path}")

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
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(settings=config))
    try:
        yield schema, tokens
    finally:
        asgi.shutdown_lifespans()  # the app's lifespan closes its services


@pytest.mark.parametrize("role", ["admin", "officer", "board", "none"])
def test_every_operation_conforms_to_the_schema(
    api: tuple[Any, dict[str, str]], role: str
) -> None:
    """For each role, and with no key: every reply is one the schema describes."""
    schema, tokens = api
    auth = {"Authorization": f"Bearer {tokens[role]}"} if role in tokens else {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30

    failed: list[str] = []
    for operation in operations:

        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            case.call_and_validate(headers=auth, checks=CONFORMANCE)

        try:
            check()
        except Exception as error:  # collect them all, then fail once with every one
            failed.append(f"{operation.label}: {error}")
    assert not failed, "\n\n".join(failed)


def test_invalid_requests_get_documented_errors_not_crashes(
    api: tuple[Any, dict[str, str]]
) -> None:
    schema, tokens = api
    auth = {"Authorization": f"Bearer {tokens['admin']}"}
    failed: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=EXAMPLES // 2, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(
            generation_mode=schemathesis.GenerationMode.NEGATIVE))
        def check(case: Any) -> None:
            case.call_and_validate(headers=auth, checks=CONFORMANCE)

        try:
            check()
        except Unsatisfiable:  # nothing to get wrong: no parameters and no body
            continue
        except Exception as error:
            failed.append(f"{operation.label}: {error}")
    assert not failed, "\n\n".join(failed)
