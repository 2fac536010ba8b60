"""A data protection officer's commands: `people export` (subject access), `people erase`,
and `retention` (with `--dry-run`), on the main CLI app."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from carevoice.cli import (
    DatabaseOption,
    app,
    cli_actor,
    console,
    errors,
    people_app,
    progress_bar,
    run_async,
    with_services,
)

if TYPE_CHECKING:
    from services.container import Services
    from storage.erasure import ErasureSummary
    from storage.retention import RetentionReport

RefArgument = Annotated[
    str, typer.Argument(help="The young person's council reference.", show_default=False)
]


@people_app.command("export")
@run_async
async def people_export(
    council_ref: RefArgument,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write the JSON to this file (created readable by you "
            "only) instead of standard output.",
            dir_okay=False,
        ),
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Everything held about one young person, as JSON (subject access).

    The read is written to the audit log. Invitation codes and web chat session ids are
    described, not shown (they are keys); review safeguarding notes before sharing."""
    from storage.subject_access import export_person, summary_counts


    async def work(services: Services) -> dict[str, object]:
        async with services.db.transaction() as session:
            return await export_person(
                session, services.clock, council_ref, actor=cli_actor(),
                council=services.settings.council_name,
                retention=services.retention_policy().describe(),
            )  # fmt: skip

    export = await with_services(database_url, work)
    text = json.dumps(export, indent=2, ensure_ascii=False) + "\n"
    if out is None:
        print(text, end="")
        return
    out.touch(mode=0o600, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    counts = ", ".join(
        f"{n} {kind.replace('_', ' ')}" for kind, n in summary_counts(export).items()
    )
    errors.print(f"Wrote {out} ({counts}). The read is in the audit log.", highlight=False)


@people_app.command("erase")
@run_async
async def people_erase(
    council_ref: RefArgument,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask to confirm.")] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Erase a young person and everything they said; the board's figures stay.

    Every row holding them or their words is deleted (their part of the board's figures is
    kept as counts first). Refused while a safeguarding alert about them waits for an
    officer. The audit log names them by a keyed hash (CAREVOICE_SECRET_KEY)."""
    from storage.erasure import erase_person
    from storage.people import find_by_ref

    async def work(services: Services) -> tuple[ErasureSummary, bool, bool]:
        if not services.ref_hasher().keyed:  # said before, not after, it is done
            errors.print(
                "CAREVOICE_SECRET_KEY is not set, so the audit log will not be able to tell "
                "later whom this erasure was of (README: Erasure).",
                highlight=False,
            )
        if not yes:  # asked only about someone who is there (or was: erase says so)
            async with services.db.reader() as session:
                there = await find_by_ref(session, council_ref) is not None
            if there:
                typer.confirm(
                    f"Erase {council_ref} and everything they said? This cannot be undone",
                    abort=True,
                )
        async with services.db.transaction() as session:
            summary = await erase_person(
                session, services.clock, council_ref, actor=cli_actor(),
                hasher=services.ref_hasher(),
            )  # fmt: skip
        return summary, await services.db.checkpoint(), services.ref_hasher().keyed

    summary, checkpointed, keyed = await with_services(database_url, work)
    if summary.already_erased:
        console.print(
            f"{council_ref} was already erased (audit log: {summary.subject}).", highlight=False
        )
        return
    console.print(
        f"Erased: {summary.answers_deleted} answers, {summary.responses_deleted} responses, "
        f"{summary.invitations_deleted} invitations, {summary.links_removed} chat links, "
        f"{summary.messages_deleted} messages; {summary.requests_closed} open requests "
        f"closed; {summary.alerts_kept} safeguarding alerts kept without them. "
        + (f"The audit log names them by a keyed hash, {summary.subject}." if keyed else
           "The audit log records the erasure without their reference."),
        highlight=False,
    )
    if not checkpointed:
        errors.print(
            "The SQLite WAL could not be truncated now (a reader was busy); it "
            "will be on the next checkpoint.",
            highlight=False,
        )


@app.command("retention")
@run_async
async def retention(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only report what would be removed.")
    ] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Apply the retention periods now (`carevoice serve` does it daily).

    Blanks old words, deletes old responses and erases young people no longer heard from
    (CAREVOICE_RETAIN_TEXT_DAYS, _RESPONSES_DAYS, _PEOPLE_DAYS), with progress and a
    summary; --dry-run only counts."""
    from storage.retention import enforce, plan, report_lines


    async def work(services: Services) -> RetentionReport:
        policy = services.retention_policy()
        errors.print(f"Keeping {policy.describe_for_staff()}.", highlight=False)
        if dry_run:
            async with services.db.reader() as session:
                return await plan(session, services.clock, policy)
        async with services.db.reader() as session:
            expected = await plan(session, services.clock, policy)
        with progress_bar() as bar:
            tasks = {
                "words": bar.add_task("Blanking old words", total=expected.texts),
                "responses": bar.add_task(
                    "Deleting old responses", total=expected.responses + expected.invitations
                ),
                "people": bar.add_task("Erasing young people", total=expected.people),
            }
            return await enforce(
                services.db, services.clock, policy, hasher=services.ref_hasher(),
                actor=cli_actor(), progress=lambda rule, n: bar.advance(tasks[rule], n),
            )  # fmt: skip

    report = await with_services(database_url, work)
    for line in report_lines(report):
        console.print(line, highlight=False)


@app.command("retag-themes")
@run_async
async def retag_themes(database_url: DatabaseOption = None) -> None:
    """Tag every stored free-text answer again with the theme taxonomy
    (surveys/data/topics.yaml), after its keys or keywords change.

    Replaces all theme tags in one transaction; the next refresh of `carevoice serve`
    rebuilds the board's theme figures. Erased or expired words cannot be read again."""

    from storage.board.topics import retag_all

    async def work(services: Services) -> int:
        async with services.db.transaction() as session:
            return await retag_all(session)

    written = await with_services(database_url, work)
    console.print(f"Tagged stored answers again: {written:,} theme tags.", highlight=False)
