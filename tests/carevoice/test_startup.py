"""`carevoice --help` imports only what it shows: no web framework, Telegram or database.

(How long it takes is measured by `python -m benchmarks.cli_startup`, never here.)
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from carevoice.cli_api import KeyRole
from storage.keys import Role

HEAVY = ("fastapi", "starlette", "telegram", "sqlalchemy", "alembic", "uvicorn",
         "pydantic_settings", "storage", "bot", "api.app")


def modules_after(*argv: str) -> set[str]:
    """The modules a fresh interpreter has imported after running the CLI with `argv`."""
    script = (
        "import sys\n"
        "from carevoice.cli import main\n"
        f"sys.argv = ['carevoice', *{list(argv)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('\\n'.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert "Usage" in done.stdout
    return set(done.stderr.split())


@pytest.mark.parametrize("argv", [("--help",), ("keys", "--help"), ("alerts", "--help")])
def test_help_imports_no_framework_and_no_database(argv: tuple[str, ...]) -> None:
    loaded = modules_after(*argv)
    assert "carevoice.cli_bot" in loaded  # every command is registered...
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY or m in HEAVY)
    assert heavy == []  # ...and none of them has imported what it runs with


def test_the_key_roles_in_help_are_the_stores_roles() -> None:
    assert [r.value for r in KeyRole] == [r.value for r in Role]
