"""`carevoice surveys check | export-strings | import-strings`: a survey's languages.

`check` lists every string a shipped language lacks (built-in surveys by default, or the
files given) and fails if any is missing; `export-strings` writes a survey's words as a PO
file for a translator (msgctxt the place, msgid the English, msgstr what we have);
`import-strings` reads the translator's file back (refused if it is for another survey or
language, or not PO: `surveys.translations.check_po`, as the officers' Translations page)
and stores the survey with its words as a new version (responses keep the version they
started with).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from carevoice.cli import DatabaseOption, console, errors, run_async, surveys_app, with_services
from surveys.errors import CarevoiceError
from surveys.loader import load_builtin_surveys, load_survey
from surveys.model import Survey
from surveys.translations import (
    check_po,
    export_po,
    languages_to_check,
    missing,
    translatable_languages,
)

if TYPE_CHECKING:
    from carevoice.wiring import Services

MAX_PO_BYTES = 5_000_000
"""A survey's PO file is about 10 KB; anything this large is the wrong file."""

LanguageOption = Annotated[
    str, typer.Option("--language", "-l", help="A shipped language code, e.g. cy.")
]


@surveys_app.command("check")
def surveys_check(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Survey YAML files (default: the built-in surveys).", dir_okay=False),
    ] = None,
    language: Annotated[
        list[str] | None,
        typer.Option("--language", "-l", help="Only these languages (default: all shipped)."),
    ] = None,
) -> None:
    """Check surveys have all their words in Welsh and in every language they carry; lists
    what is missing (exit 1)."""
    surveys: list[tuple[str, Survey]] = []
    try:
        if files:
            surveys = [(str(path), load_survey(path)) for path in files]
        else:
            surveys = [(f"built-in {s.key}", s) for s in load_builtin_surveys()]
    except CarevoiceError as error:
        errors.print(str(error), highlight=False, markup=False)
        raise typer.Exit(1) from None
    unknown = [code for code in language or () if code not in translatable_languages()]
    if unknown:
        shipped = ", ".join(translatable_languages())
        errors.print(
            f"not a language surveys are translated into: {', '.join(unknown)} (shipped: {shipped})"
        )
        raise typer.Exit(2)
    failed = False
    for where, survey in surveys:
        for code in language or languages_to_check(survey):
            gaps = missing(survey, code)
            if not gaps:
                console.print(f"[green]OK[/green] {where} \\[{code}]: every string translated")
                continue
            failed = True
            errors.print(
                f"{where} [{code}]: {len(gaps)} missing: {', '.join(gaps)}",
                highlight=False,
                markup=False,
            )
    if failed:
        raise typer.Exit(1)


async def _latest(services: Services, key: str) -> Survey:
    async with services.db.reader() as session:
        row = await services.catalog.latest(session, key)
        return await services.catalog.get(session, row.id)


@surveys_app.command("export-strings")
@run_async
async def surveys_export_strings(
    key: Annotated[str, typer.Argument(help="Survey key, e.g. review-prep-child.")],
    language: LanguageOption,
    out: Annotated[Path | None, typer.Option(help="Write here (default: print).")] = None,
    database_url: DatabaseOption = None,
) -> None:
    """A survey's words as a PO file for a translator (its newest version)."""
    if language not in translatable_languages():
        raise CarevoiceError(
            f"{language!r} is not a language surveys are translated into "
            f"(shipped: {', '.join(translatable_languages())})"
        )

    async def work(services: Services) -> None:
        data = export_po(await _latest(services, key), language)
        if out is None:
            typer.echo(data.decode("utf-8"), nl=False)
        else:
            out.write_bytes(data)
            console.print(
                f"Wrote {out} ({len(missing(await _latest(services, key), language))} "
                "strings still to translate)"
            )

    await with_services(database_url, work, create=True)


@surveys_app.command("import-strings")
@run_async
async def surveys_import_strings(
    key: Annotated[str, typer.Argument(help="Survey key, e.g. review-prep-child.")],
    file: Annotated[Path, typer.Argument(help="The translator's PO file.", exists=True)],
    language: LanguageOption,
    database_url: DatabaseOption = None,
) -> None:
    """Read a translator's PO file back: the survey is stored with the words as a new version."""

    async def work(services: Services) -> None:
        checked = check_po(
            await _latest(services, key), language, file.read_bytes(), max_bytes=MAX_PO_BYTES
        )
        if checked.problems or checked.survey is None or checked.report is None:
            errors.print(" ".join(checked.problems), highlight=False, markup=False)
            raise typer.Exit(1)
        report = checked.report
        async with services.db.transaction() as session:
            registered = await services.catalog.register(session, checked.survey)
        verb = "Stored as" if registered.created else "Nothing new:"
        console.print(
            f"{verb} {registered.row.key} v{registered.row.version}: {len(report.updated)} "
            f"strings read, {len(report.still_missing)} still missing"
        )
        if report.changed_source:
            errors.print(
                "left out, the English has changed since the export: "
                + ", ".join(report.changed_source),
                markup=False,
            )
        if report.unknown:
            errors.print("not in the survey: " + ", ".join(report.unknown), markup=False)

    await with_services(database_url, work, create=True)
