"""`carevoice alerts`: list, show, duty, ack, and rescan (idempotent), as an officer would use
them."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from carevoice.cli import app

runner = CliRunner()


def run(env: dict[str, str], *args: str, input: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env, input=input)
    return result.exit_code, result.output


def test_rescan_show_ack_and_list(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    env = {"CAREVOICE_DATABASE_URL": f"sqlite:///{db}", "COLUMNS": "200"}
    csv = tmp_path / "people.csv"
    csv.write_text("council_ref,cohort,age_band,first_name,team\nR1,in_care,13-15,Sam,North\n")
    assert run(env, "people", "import", str(csv))[0] == 0
    code, out = run(env, "campaign", "create", "--survey", "review-feedback", "--name", "F",
                    "--cohort", "in_care", "--show")
    # Codes are shown only when made: the campaign's row reads ref, first name, code, link.
    found = re.search(r"R1\s+Sam\s+([0-9A-Z]{4}(?:-[0-9A-Z]{4}){2})\s+http", out)
    assert code == 0 and found, out
    code, out = run(env, "chat", "--code", found.group(1),
                    input="1\n5\nyes\nyes\nit was ok but i want to kill myself\nstop\n")
    assert code == 0 and "0800 1111" in out
    # As if the answer had been stored before the net knew the phrase.
    with sqlite3.connect(db) as conn:
        for table in ("safeguarding_alert_events", "outbox", "safeguarding_alerts"):
            conn.execute(f"DELETE FROM {table}")

    code, out = run(env, "alerts", "rescan", "--since", "2020-01-01")
    assert code == 0 and "1 matched; 1 new alert(s), 0 already raised" in out, out
    code, out = run(env, "alerts", "rescan", "--since", "01/01/2020")
    assert code == 0 and "0 new alert(s), 1 already raised" in out, out
    code, out = run(env, "alerts", "rescan", "--since", "last week")
    assert code == 2 and "YYYY-MM-DD" in out

    [alert_id] = re.findall(r"^\s*│?\s*(\d+)\s", run(env, "alerts", "list")[1], re.M)[:1]
    code, out = run(env, "alerts", "show", alert_id)
    assert code == 0 and "i want to kill myself" in out and "Sam" in out and "rescan" in out
    code, out = run(env, "alerts", "duty", alert_id, "--note", "cannot wait")
    assert code == 1 and "no duty team is set" in out
    code, out = run({**env, "CAREVOICE_DUTY_CHAT_IDS": "555"}, "alerts", "duty", alert_id,
                    "--note", "Out of hours, cannot wait")
    assert code == 0 and "sent to the duty team (1 person)" in out
    # with no duty team set, an alert past its time is overdue: nobody else was told
    assert "overdue, waiting" in run(env, "alerts", "list")[1]
    duty = {**env, "CAREVOICE_DUTY_CHAT_IDS": "555"}
    assert "escalated, waiting" in run(duty, "alerts", "list")[1]
    with sqlite3.connect(db) as conn:
        assert conn.execute(
            "SELECT count(*) FROM outbox WHERE kind = 'alert' AND address = '555'"
        ).fetchone() == (1,)
    code, out = run(env, "alerts", "ack", alert_id, "--note", " ")
    assert code == 2 and "write what was done" in out
    assert run(env, "alerts", "ack", alert_id, "--note", "Rang Sam's carer")[0] == 0
    with sqlite3.connect(db) as conn:  # the history names who, not a bare "cli"
        [(actor,)] = conn.execute(
            "SELECT acknowledged_by FROM safeguarding_alerts WHERE acknowledged_by IS NOT NULL"
        ).fetchall()
    assert actor.startswith("cli (") and actor != "cli (", actor
    code, out = run(env, "alerts", "ack", alert_id, "--note", "again")
    assert code == 1 and "already acknowledged" in out
    assert "No alerts waiting" in run(env, "alerts", "list")[1]


def test_a_bad_office_hours_setting_is_named_plainly(tmp_path: Path) -> None:
    env = {"CAREVOICE_DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}", "COLUMNS": "200",
           "CAREVOICE_OFFICE_TIMES": "weekdays"}
    code, out = run(env, "alerts", "list")
    assert code == 1 and "CAREVOICE_OFFICE_TIMES" in out and "Mon-Fri 09:00-17:00" in out
    assert "Traceback" not in out
