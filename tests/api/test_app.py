"""The app's OpenAPI document reads well at /docs."""

from __future__ import annotations

from api.app import create_app
from tests.api.conftest import api_settings


def test_every_operation_is_summed_up_by_its_docstring() -> None:
    schema = create_app(settings=api_settings()).openapi()
    operations = [op for ops in schema["paths"].values() for op in ops.values()]
    assert len(operations) > 30
    for op in operations:
        summary = op["summary"]
        assert not summary.endswith("Route") and not summary.endswith("."), summary
        assert len(summary) <= 120, summary
    people = schema["paths"]["/api/v1/people"]["get"]
    assert people["summary"].startswith("Young people by council reference")
