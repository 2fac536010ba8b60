"""Migrations: `alembic upgrade head` builds the same schema the code expects, on each backend."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from storage.tables import Base

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("CAREVOICE_TEST_DATABASE_URL")

pytestmark = pytest.mark.slow


def run_alembic(
    url: str, *args: str, schema: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CAREVOICE_DATABASE_URL": url}
    if schema:
        env["CAREVOICE_DATABASE_SCHEMA"] = schema
    return subprocess.run(
        [sys.executable, "-m", "alembic", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_alembic_upgrade_head_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    done = run_alembic(url, "upgrade", "head")
    assert done.returncode == 0, done.stderr
    engine = create_engine(url)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()
    again = run_alembic(url, "upgrade", "head")  # idempotent
    assert again.returncode == 0, again.stderr
    down = run_alembic(url, "downgrade", "base")
    assert down.returncode == 0, down.stderr


@pytest.mark.skipif(not PG_URL, reason="CAREVOICE_TEST_DATABASE_URL is not set")
def test_alembic_upgrade_head_on_postgresql() -> None:
    assert PG_URL is not None
    schema = f"m_{secrets.token_hex(5)}"
    sync_url = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = create_engine(sync_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        done = run_alembic(PG_URL, "upgrade", "head", schema=schema)
        assert done.returncode == 0, done.stderr
        tables = set(inspect(admin).get_table_names(schema=schema))
        assert set(Base.metadata.tables) <= tables
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_models_and_migrations_agree(tmp_path: Path) -> None:
    """Autogenerate finds nothing to add: the migration matches the tables."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    url = f"sqlite:///{tmp_path / 'c.db'}"
    assert run_alembic(url, "upgrade", "head").returncode == 0
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_answer_topics_are_backfilled(tmp_path: Path) -> None:
    """0003 tags answers stored before it: current, not sensitive, scored text only; 0004
    logs the days holding data, so the first refresh builds every rollup cell."""
    url = f"sqlite:///{tmp_path / 'b.db'}"
    assert run_alembic(url, "upgrade", "0002_board_indexes").returncode == 0
    engine = create_engine(url)
    at = "'2017-06-01 12:00:00.000000'"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO survey_versions VALUES (1, 's', 1, 's', 'f', 'a', 0, '', 'x', 0, "
                f"{at})"
            )
        )
        conn.execute(
            text(
                f"INSERT INTO people (id, council_ref, cohort, status, created_at) VALUES (1, 'r', "
                f"'in_care', 'active', {at})"
            )
        )
        conn.execute(
            text(
                "INSERT INTO responses (id, person_id, survey_version_id, channel, status, state, "
                f"share_quotes, opened_at, updated_at, revision) VALUES (1, 1, 1, 't', 'returned', "
                f"'{{}}', 0, {at}, {at}, 1)"
            )
        )
        for n, (words, sensitive, superseded) in enumerate(
            [
                ("I miss my mum", 0, "NULL"),
                ("my mum", 1, "NULL"),
                ("my dad", 0, at),
                ("school and my nan", 0, "NULL"),
            ],
            start=1,
        ):
            conn.execute(
                text(
                    "INSERT INTO answers (id, response_id, survey_key, question_id, kind, theme, "
                    "sensitive, skipped, text, polarity, answered_at, superseded_at) VALUES "
                    f"({n}, 1, 's', 'q{n}', 'text', 'general', {sensitive}, 0, '{words}', 0.5, "
                    f"{at}, {superseded})"
                )
            )
    engine.dispose()
    assert run_alembic(url, "upgrade", "head").returncode == 0
    engine = create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT answer_id, topic FROM answer_topics ORDER BY answer_id, topic")
        ).all()
        logged = conn.execute(text("SELECT DISTINCT day FROM board_changes")).scalars().all()
    engine.dispose()
    expected = [(1, "family_contact"), (4, "family_contact"), (4, "school")]
    assert [tuple(r) for r in found] == expected
    assert logged == ["2017-06-01"]  # 0004: the first refresh builds the rollups


def test_codes_and_web_sessions_already_stored_are_hashed(tmp_path: Path) -> None:
    """0007 keeps links already sent working: it stores their hashes instead."""
    import hashlib

    url = f"sqlite:///{tmp_path / 'h.db'}"
    assert run_alembic(url, "upgrade", "0004_board_rollups").returncode == 0
    engine = create_engine(url)
    at = "'2017-06-01 12:00:00.000000'"
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO survey_versions VALUES (1, 's', 1, 's', 'f', 'a', 0, '', "
                          f"'x', 0, {at})"))
        conn.execute(text("INSERT INTO people (id, council_ref, cohort, status, created_at) "
                          f"VALUES (1, 'r', 'in_care', 'active', {at})"))
        conn.execute(text("INSERT INTO campaigns (id, name, survey_version_id, report_form, "
                          f"opens_at, closes_at, max_reminders, created_at) VALUES (1, 'c', 1, "
                          f"'f', {at}, {at}, 2, {at})"))
        conn.execute(text("INSERT INTO invitations (id, campaign_id, person_id, code, form, "
                          "audience, issued_at, expires_at, reminders_sent) VALUES (1, 1, 1, "
                          f"'OldLongCode_abc-123', 'f', 'child', {at}, {at}, 0)"))
        for n, channel in enumerate(("web", "telegram"), 1):
            conn.execute(text("INSERT INTO channel_links (id, person_id, channel, address, "
                              f"linked_at) VALUES ({n}, 1, '{channel}', 'sid-{n}', {at})"))
    engine.dispose()
    assert run_alembic(url, "upgrade", "head").returncode == 0
    engine = create_engine(url)
    with engine.connect() as conn:
        code = conn.execute(text("SELECT code FROM invitations")).scalar_one()
        links = conn.execute(text("SELECT address FROM channel_links ORDER BY id")).scalars()
        teams = conn.execute(text("SELECT teams FROM campaigns")).scalar_one()
        addresses = list(links)
    engine.dispose()
    assert code == hashlib.sha256(b"OldLongCode_abc-123").hexdigest()
    assert addresses == [hashlib.sha256(b"sid-1").hexdigest(), "sid-2"]  # Telegram ids stay
    assert teams == "[]"


def test_invitations_take_the_cohort_and_team_their_young_person_has(tmp_path: Path) -> None:
    """0022: invitations already stored are counted where they were before it."""
    url = f"sqlite:///{tmp_path / 'g.db'}"
    assert run_alembic(url, "upgrade", "0021_statement_words").returncode == 0
    engine = create_engine(url)
    at = "'2017-06-01 12:00:00.000000'"
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO survey_versions (id, key, version, title, form, "
                          "audience, anonymous, definition, fingerprint, builtin, created_at) "
                          f"VALUES (1, 's', 1, 's', 'f', 'a', 0, 'x', '', 0, {at})"))
        for n, (cohort, team) in enumerate((("in_care", "'North'"), ("care_leaver", "NULL")), 1):
            conn.execute(text("INSERT INTO people (id, council_ref, cohort, team, status, "
                              f"created_at) VALUES ({n}, 'r{n}', '{cohort}', {team}, 'active', "
                              f"{at})"))
        conn.execute(text("INSERT INTO campaigns (id, name, survey_version_id, report_form, "
                          f"opens_at, closes_at, max_reminders, created_at) VALUES (1, 'c', 1, "
                          f"'f', {at}, {at}, 2, {at})"))
        for n in (1, 2):
            conn.execute(text("INSERT INTO invitations (id, campaign_id, person_id, code, form, "
                              f"audience, issued_at, expires_at, reminders_sent) VALUES ({n}, 1, "
                              f"{n}, 'h{n}', 'f', 'child', {at}, {at}, 0)"))
    engine.dispose()
    assert run_alembic(url, "upgrade", "head").returncode == 0
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT cohort, team FROM invitations ORDER BY id")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("in_care", "North"), ("care_leaver", "")]
