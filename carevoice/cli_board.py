"""Commands for the board's comparators: figures published by other councils or
nationally, loaded from a CSV (`carevoice comparators load FILE`) and listed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from carevoice.cli import DatabaseOption, app, console, run_async, with_services
from carevoice.cli_tables import Listing
from surveys.insights.comparators import (
    COLUMNS,
    parse_comparators_csv,
    published_comparators,
)

if TYPE_CHECKING:
    from carevoice.wiring import Services

comparators_app = typer.Typer(
    help="Comparators: figures other councils or the nation published, for the board.",
    no_args_is_help=True,
)
app.add_typer(comparators_app, name="comparators")


@comparators_app.command("load")
@run_async
async def comparators_load(
    file: Annotated[
        Path | None,
        typer.Argument(
            help=f"CSV with columns {', '.join(COLUMNS)} (see surveys/insights/comparators.py); "
            "leave out with --example.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    example: Annotated[
        bool,
        typer.Option("--example", help="Load the published figures shipped with carevoice."),
    ] = False,
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Remove comparators that are not in this file."),
    ] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Load comparators from a CSV: every bad row is reported and nothing half loaded."""
    if (file is None) == (not example):
        raise typer.BadParameter("give a CSV file, or --example (not both)")
    found = (
        published_comparators()
        if file is None
        else parse_comparators_csv(file.read_bytes(), source=str(file))
    )

    from storage.comparators import load

    async def work(services: Services) -> None:
        async with services.db.transaction() as session:
            summary = await load(session, found, services.clock, replace=replace)
        removed = f", removed {summary.removed}" if replace else ""
        console.print(
            f"Comparators: added {summary.added}, updated {summary.updated}, "
            f"unchanged {summary.unchanged}{removed}."
        )

    await with_services(database_url, work, create=True)


@comparators_app.command("list")
@run_async
async def comparators_list(database_url: DatabaseOption = None) -> None:
    """The comparators loaded: measure, area, year, value and source."""
    from storage.comparators import all_comparators

    async def work(services: Services) -> None:
        async with services.db.reader() as session:
            found = await all_comparators(session)
        if not found:
            console.print("No comparators loaded: carevoice comparators load FILE (or --example).")
            return
        table = Listing(("Measure", "Area", "Year", "Value", "Source"),
                        free=frozenset({"Measure", "Area", "Source"}))
        for c in found:
            value = f"{c.value:.1%}".replace(".0%", "%") if c.unit == "rate" else f"{c.value:g}"
            table.add_row(c.label, f"{c.area} ({c.area_type})", c.year, value, c.source)
        table.print(console)

    await with_services(database_url, work)
