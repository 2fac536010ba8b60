"""`carevoice alerts`: safeguarding alerts from the terminal (list, show, ack, note, duty,
rescan)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from carevoice.cli import (
    DatabaseOption,
    app,
    cli_actor,
    console,
    progress_bar,
    run_async,
    with_services,
)

if TYPE_CHECKING:
    from services.container import Services
    from storage.alert_rescan import RescanSummary
    from storage.alert_views import AlertDetail

alerts_app = typer.Typer(
    help="Safeguarding alerts: `list` the waiting ones, `show` one with the young person's "
    "own words and its history, `ack` it with a note of what was done, add a `note`, send it "
    "to the `duty` team now, and "
    "`rescan` stored answers with today's safeguarding net (after a phrase-book update). "
    "Alerts are never deleted. Every read is written to the audit log.",
    no_args_is_help=True,
)
app.add_typer(alerts_app, name="alerts")


def _who(by: str | None) -> str:
    """The name given with --by, else the login at this terminal."""
    return by.strip() if by and by.strip() else cli_actor()


BY_HELP = "Your name, for the alert's history (default: cli and your login name)."


def _date(value: str) -> datetime:
    for parse in (date.fromisoformat, lambda v: datetime.strptime(v, "%d/%m/%Y").date()):
        try:
            day = parse(value)
        except ValueError:
            continue
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    raise typer.BadParameter(f"{value!r} is not a date: use YYYY-MM-DD or DD/MM/YYYY")


@alerts_app.command("list")
@run_async
async def list_alerts(
    all_alerts: Annotated[bool, typer.Option("--all", help="Acknowledged ones too.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many.")] = 50,
    database_url: DatabaseOption = None,
) -> None:
    """Alerts newest first: waiting ones only, unless --all."""
    from sqlalchemy import select

    from carevoice.cli_tables import Listing
    from storage import alert_views, audit
    from storage import alerts as alert_store
    from storage.tables import PersonRow, SafeguardingAlertRow

    async def work(services: Services) -> None:
        zone = services.settings.timezone
        async with services.db.transaction() as session:
            query = (
                select(SafeguardingAlertRow, PersonRow.council_ref)
                .outerjoin(PersonRow, PersonRow.id == SafeguardingAlertRow.person_id)
                .order_by(SafeguardingAlertRow.created_at.desc(), SafeguardingAlertRow.id.desc())
                .limit(limit)
            )
            if not all_alerts:
                query = query.where(SafeguardingAlertRow.acknowledged_at.is_(None))
            rows = (await session.execute(query)).all()
            await audit.record(session, services.clock, actor=cli_actor(), action="list alerts",
                               subject=f"cli: {len(rows)}")
        table = Listing(("id", "raised (UK time)", "category", "young person", "channel",
                         "state"), free=frozenset({"category", "state"}))
        # past its time with no duty team set, nobody was told: overdue, not escalated
        late = "escalated, waiting" if services.conversations.policy.duty else "overdue, waiting"
        for alert, ref in rows:
            state = (
                "acknowledged" if alert.acknowledged_at
                else late if alert.escalated_at else "waiting"
            )
            table.add_row(str(alert.id), alert_views.local_time(alert.created_at, zone),
                          alert_store.categories_label(alert_store.alert_categories(alert)),
                          ref or "not known",
                          alert.channel, state)
        if rows:
            table.print(console)
        else:
            console.print("No alerts waiting." if not all_alerts else "No alerts.")

    await with_services(database_url, work)


@alerts_app.command("show")
@run_async
async def show_alert(
    alert_id: Annotated[int, typer.Argument(help="The alert's number.")],
    database_url: DatabaseOption = None,
) -> None:
    """One alert: the young person's own words, the question, who, when and its history."""
    from storage import alert_views, audit


    async def work(services: Services) -> AlertDetail:
        async with services.db.transaction() as session:
            detail = await alert_views.alert_detail(session, services.catalog, alert_id)
            await audit.record(session, services.clock, actor=cli_actor(), action="read alert",
                               subject=f"alert {alert_id}")
        return detail

    detail = await with_services(database_url, work)
    _print_detail(detail)


def _print_detail(d: AlertDetail, zone: str = "Europe/London") -> None:
    from storage import alert_views

    a = d.alert
    say = console.print
    say(f"[bold]Safeguarding alert {a.id}: {d.label}[/bold]", highlight=False)
    pressed = "pressed “I need help now”" if a.category == "help_now" else "not held"
    say(f"Words:      {a.words or pressed}", highlight=False, markup=False)
    say(f"Question:   {d.question_text or '-'}", highlight=False, markup=False)
    say(f"Who:        {d.first_name or 'first name not known'}, {d.council_ref or '-'}, "
        f"age {d.age_band or '-'}, team {d.team or '-'}", highlight=False, markup=False)
    say(f"When:       {alert_views.local_time(a.created_at, zone)} by {a.channel}",
        highlight=False)
    say(f"Told:       {(a.reply or 'nothing recorded').replace(chr(10), ' ')}",
        highlight=False, markup=False)
    say("History:", highlight=False)
    for e in d.events:
        by = f" by {e.actor}" if e.actor else ""
        more = f": {e.detail}" if e.detail else ""
        words = f" “{e.words}”" if e.words else ""
        say(f"  {alert_views.local_time(e.at, zone)}  {e.kind}{by}{more}{words}",
            highlight=False, markup=False)


@alerts_app.command("ack")
@run_async
async def ack_alert(
    alert_id: Annotated[int, typer.Argument(help="The alert's number.")],
    note: Annotated[str, typer.Option(help="What was done about it.")],
    by: Annotated[str | None, typer.Option(help=BY_HELP)] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Acknowledge an alert with a note of the action taken (stops escalation)."""
    from storage import alerts as alert_store
    from storage import audit

    if not note.strip():
        raise typer.BadParameter("write what was done, e.g. --note 'Rang carer; child safe'")

    async def work(services: Services) -> None:
        async with services.db.transaction() as session:
            await alert_store.acknowledge(session, services.clock.now(), alert_id,
                                          actor=_who(by), note=note)
            await audit.record(session, services.clock, actor=_who(by), action="acknowledge alert",
                               subject=f"alert {alert_id}")

    await with_services(database_url, work)
    console.print(f"Alert {alert_id} acknowledged; the note is in its history.", highlight=False)


@alerts_app.command("note")
@run_async
async def note_alert(
    alert_id: Annotated[int, typer.Argument(help="The alert's number.")],
    note: Annotated[str, typer.Option(help="The note.")],
    by: Annotated[str | None, typer.Option(help=BY_HELP)] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Add a note to an alert's history."""
    from storage import alerts as alert_store

    if not note.strip():
        raise typer.BadParameter("the note is empty")

    async def work(services: Services) -> None:
        async with services.db.transaction() as session:
            await alert_store.add_note(session, services.clock.now(), alert_id,
                                       actor=_who(by), note=note)

    await with_services(database_url, work)
    console.print(f"Note added to alert {alert_id}.", highlight=False)


@alerts_app.command("duty")
@run_async
async def duty_alert(
    alert_id: Annotated[int, typer.Argument(help="The alert's number.")],
    note: Annotated[str, typer.Option(help="Why it goes to the duty team now.")],
    by: Annotated[str | None, typer.Option(help=BY_HELP)] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Send an alert to the duty team now (CAREVOICE_DUTY_CHAT_IDS, on Telegram), with a
    note of why; it stays waiting until someone acknowledges it."""
    from storage import alerts as alert_store
    from storage import audit

    if not note.strip():
        raise typer.BadParameter("say why, e.g. --note 'Out of hours; police called'")

    async def work(services: Services) -> int:
        async with services.db.transaction() as session:
            sent = await alert_store.send_to_duty(
                session, services.clock.now(), alert_id, actor=_who(by), note=note,
                policy=services.conversations.policy,
            )  # fmt: skip
            await audit.record(session, services.clock, actor=_who(by),
                               action="send alert to duty team", subject=f"alert {alert_id}")
        return sent

    sent = await with_services(database_url, work)
    people = "person" if sent == 1 else "people"
    console.print(f"Alert {alert_id} sent to the duty team ({sent} {people}); the note is in "
                  "its history.", highlight=False)


@alerts_app.command("rescan")
@run_async
async def rescan_alerts(
    since: Annotated[str, typer.Option(help="Answers given on or after this date "
                                       "(YYYY-MM-DD or DD/MM/YYYY).")],
    database_url: DatabaseOption = None,
) -> None:
    """Raise alerts for stored answers that the safeguarding net catches now.

    For example after a phrase-book update. Safe to run again: an answer never gets a
    second alert for the same category. Officers are notified as for any alert.
    """
    from storage import alert_rescan

    start = _date(since)

    async def work(services: Services) -> RescanSummary:
        total = await alert_rescan.count_rescannable(services.db, start)
        with progress_bar() as bar:
            task = bar.add_task("Scanning answers", total=total)
            return await alert_rescan.rescan(
                services.db, services.clock, services.conversations.policy, start,
                progress=lambda n: bar.advance(task, n),
            )

    summary = await with_services(database_url, work)
    console.print(
        f"Scanned {summary.scanned:,} answers since {start:%Y-%m-%d}: {summary.matched:,} "
        f"matched; {summary.raised:,} new alert(s), {summary.already:,} already raised.",
        highlight=False,
    )
    if summary.alert_ids:
        shown = ", ".join(map(str, summary.alert_ids[:20]))
        more = " ..." if len(summary.alert_ids) > 20 else ""
        console.print(f"New alerts: {shown}{more} (carevoice alerts show ID)", highlight=False)
