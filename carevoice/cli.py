"""The `carevoice` command line."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import shlex
import shutil
import signal
import sys
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape

from carevoice.cli_help import plain_error, use_plain_types
from surveys.errors import CarevoiceError, NotFoundError
from surveys.people import AGE_BAND_NAMES, parse_day, parse_people_csv

if TYPE_CHECKING:
    from rich.progress import Progress
    from sqlalchemy.ext.asyncio import AsyncSession

    from services.container import Services
    from services.settings import Settings
    from storage import campaigns as campaign_store
    from storage.tables import CampaignRow
    from surveys.model import Survey

use_plain_types()  # `TEXT`, `FILE` in help, never `<bool>` or `<list[Path]>`

P = ParamSpec("P")
UK = ZoneInfo("Europe/London")
T = TypeVar("T")

app = typer.Typer(
    help="carevoice: young people in care answer their council's surveys in a chat; "
    "boards see what they said.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(wanted: bool) -> None:
    if wanted:
        from importlib.metadata import version

        console.print(f"carevoice {version('carevoice')}", highlight=False)
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True,
                     help="Print carevoice's version and exit."),
    ] = False,
) -> None:
    """The options before any command (--version)."""


db_app = typer.Typer(help="The database: create or upgrade its schema.", no_args_is_help=True)
surveys_app = typer.Typer(
    help="Survey definitions: list, check and show them.", no_args_is_help=True
)
people_app = typer.Typer(
    help="Young people: import them from CSV, export or erase one.", no_args_is_help=True
)
campaign_app = typer.Typer(
    help="Campaigns: send a survey to a set of young people.", no_args_is_help=True
)
invites_app = typer.Typer(
    help="Invitations: single-use links for young people.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(surveys_app, name="surveys")
app.add_typer(people_app, name="people")
app.add_typer(campaign_app, name="campaign")
app.add_typer(invites_app, name="invites")

# emoji=False: a young person's ":x:" or a CSV's "root:x:0" is printed as typed, never as ❌
console = Console(emoji=False)
errors = Console(stderr=True, emoji=False)

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="CAREVOICE_DATABASE_URL",
        show_envvar=True,
        help="Database URL (default: sqlite:///carevoice.db in this folder).",
    ),
]

PublicUrlOption = Annotated[
    str | None,
    typer.Option(
        help="The address young people reach the server on, for the links "
        "(default: CAREVOICE_PUBLIC_URL, else http://127.0.0.1:8000). The officer "
        "page's letters use the address the server is really reached on.",
    ),
]


def settings_for(database_url: str | None) -> Settings:
    from pydantic import ValidationError

    from services.settings import Settings

    try:
        settings = Settings()
    except ValidationError as error:  # a setting that cannot be read: say which, plainly
        for fault in error.errors():
            name = "CAREVOICE_" + "_".join(str(p) for p in fault["loc"]).upper()
            where = name if fault["loc"] else "a setting"
            errors.print(f"[red]Error:[/red] {where}: {escape(plain_error(fault))}",
                         highlight=False)
        raise typer.Exit(1) from None
    # an empty URL (`--database-url "$DB"` with DB unset) is said, never taken for "none
    # given": that made a new carevoice.db in this folder, or used CAREVOICE_DATABASE_URL's
    if database_url is not None and not database_url.strip():
        _empty_url("--database-url is empty")
    if database_url is None and not settings.database_url.strip():
        _empty_url("CAREVOICE_DATABASE_URL is set but empty")
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    return settings


def _empty_url(what: str) -> None:
    errors.print(f"[red]Error:[/red] {what}: give a URL like sqlite:///carevoice.db or "
                 "postgresql://user@host:5432/carevoice (or leave it out: the default is "
                 "sqlite:///carevoice.db in this folder).", highlight=False)
    raise typer.Exit(1)


def cli_actor() -> str:
    """How the audit log and an alert's history name someone at the command line."""
    import getpass

    try:
        return f"cli ({getpass.getuser()})"[:100]
    except (KeyError, OSError):  # no login name for this user id
        return "cli"


def warn_unprotected(settings: Settings) -> None:
    """Say, before a server starts, what it keeps unprotected for want of a key."""
    if settings.data_key is None:
        errors.print("CAREVOICE_DATA_KEY is not set: young people's words will be stored "
                     "unencrypted (make a key with `carevoice keys new-data-key`; README: "
                     "Free text at rest).", highlight=False)
    if settings.secret_key is None:
        errors.print("CAREVOICE_SECRET_KEY is not set: erasures will be logged without any "
                     "way to tell later whom they were of (README: Erasure).", highlight=False)
    if "council_name" not in settings.model_fields_set:
        errors.print(f"CAREVOICE_COUNCIL_NAME is not set: letters, the chat and the privacy "
                     f"notice will name the council {settings.council_name!r}.",
                     highlight=False)
    if not settings.out_of_hours_phone:
        errors.print("CAREVOICE_OUT_OF_HOURS_PHONE is not set: a young person at risk while "
                     "the office is closed is told only 999, the helplines and when a person "
                     "will read it (set the emergency duty team's number).", highlight=False)


async def warn_stale_tags(services: Services) -> None:
    """Say when stored answers were tagged by an older taxonomy or theme model."""
    from storage.board.topics import STALE_TAGS, tags_are_stale

    async with services.db.reader() as session:
        if await tags_are_stale(session):
            errors.print(STALE_TAGS, highlight=False)


def run_async(func: Callable[P, Coroutine[Any, Any, T]]) -> Callable[P, T]:
    """Run an async command; a CarevoiceError becomes a clear message and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return asyncio.run(func(*args, **kwargs))
        except (CarevoiceError, OSError) as error:
            # the message names what was typed (a key, a reference, a CSV's header): "[/]"
            # or "[x]" in it is words, never markup (a traceback, or eaten)
            errors.print(f"[red]Error:[/red] {escape(_said(error))}", highlight=False)
            raise typer.Exit(1) from None

    return wrapper


def _said(error: Exception) -> str:
    """An error in words: a file that cannot be read or written by its name and the reason
    (`/no/such/dir/x.json: No such file or directory`), never `[Errno 2] ...`."""
    if isinstance(error, OSError) and error.filename is not None and error.strerror:
        return f"{os.fsdecode(error.filename)}: {error.strerror}"
    return str(error)


async def with_services(
    database_url: str | None,
    work: Callable[[Services], Awaitable[T]],
    *,
    create: bool = False,
) -> T:
    """Run `work` with the services; `create=True` for the commands that may start a new
    SQLite database (the others refuse a file that is not there: a mistyped path)."""
    from carevoice.wiring import build_services

    settings = settings_for(database_url)
    default = type(settings).model_fields["database_url"].default
    services = await build_services(settings, create=create or settings.database_url == default)
    try:
        return await work(services)
    finally:
        await services.close()


def progress_bar() -> Progress:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=errors,
        transient=False,
    )


# ----- db ------------------------------------------------------------------------------


@db_app.command("upgrade")
@run_async
async def db_upgrade(database_url: DatabaseOption = None) -> None:
    """Create the schema or bring it up to date, and store the built-in surveys."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    shown, path = "", None
    with contextlib.suppress(ArgumentError):  # not a URL: said plainly when it is opened
        url = make_url(settings_for(database_url).database_url)
        shown = url.render_as_string(hide_password=True)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            path = Path(str(url.database)).expanduser()
    new = path is not None and not path.exists()

    async def work(services: Services) -> None:
        if new and path is not None:
            console.print(f"New database made at {path.resolve()} ({shown}): its tables and "
                          "the built-in surveys are ready.", highlight=False)
        else:
            console.print(f"Database is up to date: {shown}", highlight=False)
        await warn_stale_tags(services)

    await with_services(database_url, work, create=True)


# ----- surveys -------------------------------------------------------------------------


@surveys_app.command("list")
@run_async
async def surveys_list(database_url: DatabaseOption = None) -> None:
    """List the surveys in the database (newest version of each)."""
    from carevoice.cli_tables import Listing

    async def work(services: Services) -> None:
        async with services.db.reader() as session:
            rows = await services.catalog.latest_rows(session)
        # the key above its title: at 80 columns a title column of its own was 9 wide
        table = Listing(("survey (key, title)", "ver.", "form", "audience", "questions"),
                        free=frozenset({"survey (key, title)"}),
                        keyed=frozenset({"survey (key, title)"}), spaced=True)
        for row in rows:
            survey = services.catalog._remember(row)
            table.add_row(
                f"{row.key}\n{row.title}",
                str(row.version),
                row.form,
                row.audience,
                str(_answerable(survey)),
            )
        table.print(console)

    await with_services(database_url, work, create=True)


def _answerable(survey: Survey) -> int:
    return sum(q.answerable for q in survey.questions)


def question_count(survey: Survey) -> str:
    """How many questions a survey asks, as the chat counts them ("(3/17)"): an info
    message is no question, so it is named apart. Said the same by `surveys list`,
    `validate` and `show`."""
    count = _answerable(survey)
    said = f"{count} question{'s' if count != 1 else ''}"
    info = len(survey.questions) - count
    if info:
        said += f" (and {info} info message{'s' if info != 1 else ''})"
    return said


@surveys_app.command("validate")
def surveys_validate(
    files: Annotated[
        list[Path],
        typer.Argument(help="YAML files to check.", exists=True, dir_okay=False, readable=True),
    ],
) -> None:
    """Check survey YAML files; every fault is listed with its place."""
    from surveys.loader import load_survey

    failed = False
    for path in files:
        try:
            survey = load_survey(path)
        except CarevoiceError as error:
            failed = True
            errors.print(str(error), highlight=False, markup=False)
            continue
        console.print(
            f"[green]OK[/green] {path}: {survey.key} v{survey.version}, "
            f"{question_count(survey)}", soft_wrap=True
        )
    if failed:
        raise typer.Exit(1)


@surveys_app.command("add")
@run_async
async def surveys_add(
    file: Annotated[Path, typer.Argument(help="Survey YAML file.", exists=True, dir_okay=False)],
    database_url: DatabaseOption = None,
) -> None:
    """Store a survey from YAML; a changed survey becomes a new version."""
    from surveys.loader import load_survey

    survey = load_survey(file)

    async def work(services: Services) -> None:
        async with services.db.transaction() as session:
            registered = await services.catalog.register(session, survey)
        verb = "Added" if registered.created else "Unchanged:"
        console.print(f"{verb} {registered.row.key} v{registered.row.version}")

    await with_services(database_url, work, create=True)


@surveys_app.command("show")
@run_async
async def surveys_show(
    key: Annotated[str, typer.Argument(help="Survey key, e.g. review-prep-child.")],
    version: Annotated[int | None, typer.Option(help="A version (default: newest).")] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Show a survey's questions as a young person would meet them."""
    from surveys.model import QuestionKind

    async def work(services: Services) -> None:
        async with services.db.reader() as session:
            rows = await services.catalog.versions(session, key)
            if not rows:
                raise CarevoiceError(f"no survey with key {key!r} (see `carevoice surveys list`)")
            row = next((r for r in rows if r.version == version), None) if version else rows[-1]
            if row is None:
                raise CarevoiceError(f"{key} has no version {version}")
            survey = await services.catalog.get(session, row.id)
        console.print(
            f"[bold]{survey.title}[/bold] ({survey.key} v{survey.version}, "
            f"{survey.form}, {survey.audience}): {question_count(survey)}, numbered as the "
            f"chat numbers them\n{survey.intro}"
        )
        answerable = iter(range(1, len(survey.questions) + 1))
        for q in survey.questions:
            i = f"{next(answerable):>2}." if q.answerable else " -"  # info: not a question
            flags = [str(q.theme)]
            if q.sensitive:
                flags.append("sensitive")
            if not q.skippable:
                flags.append("required")
            if q.show_if:
                flags.append(
                    "if " + " and ".join(f"{c.question} {c.operator} {c.value}" for c in q.show_if)
                )
            console.print(
                f"{i} [cyan]{q.id}[/cyan] ({q.kind}; {', '.join(flags)})\n    {q.text}",
                highlight=False,
            )
            options = [c.label for c in q.choices] or (
                list(q.scale_labels)
                if q.kind is QuestionKind.SCALE
                else ["Yes", "No"]
                if q.kind is QuestionKind.YESNO
                else []
            )
            if options:
                console.print("    " + " | ".join(options), highlight=False)
        console.print(survey.thanks)

    await with_services(database_url, work, create=True)


# ----- people --------------------------------------------------------------------------


@people_app.command("import")
@run_async
async def people_import(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV with a header row. Needed: council_ref, cohort (in_care or "
            "care_leaver). Optional: date_of_birth (or age_band), team, "
            "next_review_date, first_name, easy_read (yes/no), language (en, cy, ar). "
            "Dates as YYYY-MM-DD or DD/MM/YYYY.",
            exists=True,
            dir_okay=False,
        ),
    ],
    database_url: DatabaseOption = None,
) -> None:
    """Import young people from CSV: every bad row is reported and nothing half imported."""
    from storage.people import import_people

    # bytes: UTF-8 with or without a byte-order mark, UTF-16 or Windows-1252, as Excel saves
    records = parse_people_csv(file.read_bytes(), source=str(file), today=date.today())

    async def work(services: Services) -> None:
        with progress_bar() as bar:
            task = bar.add_task("Importing", total=len(records))
            async with services.db.transaction() as session:
                summary = await import_people(
                    session, records, services.clock, progress=lambda n: bar.advance(task, n)
                )
        console.print(f"Imported {summary.added} new and updated {summary.updated} young people.")

    await with_services(database_url, work, create=True)


# ----- campaigns and invitations -------------------------------------------------------


def _parse_when(value: str, *, end: bool = False, option: str | None = None) -> datetime:
    """A date (YYYY-MM-DD or DD/MM/YYYY, as the people CSV takes) or an ISO date and time."""
    value = value.strip()
    try:
        parsed = datetime.combine(parse_day(value), time.max if end else time.min)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise typer.BadParameter(
                f"{value!r} is not a date or time "
                "(use 2026-01-31, 31/01/2026 or 2026-01-31T17:00)",
                param_hint=option,
            ) from None
    # a time without a zone is UK time, as the officer pages read it
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UK)).astimezone(UTC)


def _day(value: str | None, option: str | None = None) -> date | None:
    if value is None:
        return None
    try:
        return parse_day(value)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint=option) from None


def _audience(
    cohort: str | None,
    age_bands: list[str] | None,
    teams: list[str] | None,
    reviews_from: str | None = None,
    reviews_to: str | None = None,
) -> campaign_store.CohortFilter:
    from storage import campaigns as campaign_store

    return campaign_store.CohortFilter(
        cohort=cohort,
        age_bands=tuple(age_bands or ()),
        teams=tuple(teams or ()),
        review_from=_day(reviews_from, "--reviews-from"),
        review_to=_day(reviews_to, "--reviews-to"),
    )


def _print_codes(codes: Sequence[campaign_store.IssuedCode], public_url: str) -> None:
    """Codes just made, one line each: reference, first name, code, web link and the
    invitation's id (for `invites reprint --invitation`)."""
    base = public_url.rstrip("/")
    for issued in codes:
        console.print(
            f"{issued.council_ref}\t{issued.first_name or '-'}\t{issued.printed}\t"
            f"{base}/c/{issued.printed}\tinvitation {issued.invitation_id}",
            highlight=False,
            soft_wrap=True,
        )


@campaign_app.command(
    "create",
    epilog="\b\nExample:\n  carevoice campaign create --survey review-prep-child \\\n"
    "    --name \"Before my review, spring\" --cohort in_care --age-band 8-12 \\\n"
    "    --closes 2027-03-31 --show",
)
@run_async
async def campaign_create(
    survey: Annotated[str, typer.Option(help="Survey key (see `carevoice surveys list`).")],
    name: Annotated[str, typer.Option(help="A name officers will recognise.")],
    opens: Annotated[
        str | None, typer.Option(help="Opening date or date and time, UK time (default: now).")
    ] = None,
    closes: Annotated[
        str | None,
        typer.Option(help="Closing date (to its end) or date and time, UK time (default: "
                     "in 14 days)."),
    ] = None,
    cohort: Annotated[str | None, typer.Option(help="in_care or care_leaver.")] = None,
    age_band: Annotated[
        list[str] | None,
        typer.Option(help=f"Age band(s), repeat for several: {', '.join(AGE_BAND_NAMES)}."),
    ] = None,
    team: Annotated[
        list[str] | None, typer.Option(help="Only this team (repeat for several).")
    ] = None,
    reviews_from: Annotated[
        str | None, typer.Option(help="Reviews on or after this date (YYYY-MM-DD or DD/MM/YYYY).")
    ] = None,
    reviews_to: Annotated[
        str | None, typer.Option(help="Reviews on or before this date (YYYY-MM-DD or DD/MM/YYYY).")
    ] = None,
    report_as: Annotated[
        str | None,
        typer.Option(help="Form name boards count it under (default: the survey's form)."),
    ] = None,
    max_reminders: Annotated[int, typer.Option(help="Reminders at most.")] = 2,
    invite: Annotated[bool, typer.Option(help="Issue invitations at once.")] = True,
    rolling: Annotated[
        bool,
        typer.Option(
            "--rolling",
            help="A standing campaign: each young person is invited --days-before their "
            "next_review_date, and their invitation closes at the review (serve and bot "
            "invite who is due every 5 minutes).",
        ),
    ] = False,
    days_before: Annotated[
        int, typer.Option(help="With --rolling: days before each review to invite.")
    ] = 10,
    show: Annotated[
        bool, typer.Option(help="Print the new codes and links (shown this once).")
    ] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Create a campaign for the young people matching its filter, and (by default) issue
    their invitations. The campaign keeps its filter: later invitations only reach active
    young people who match it."""
    from storage import campaigns as campaign_store
    from storage.alert_views import local_time

    if rolling:
        from carevoice.cli_loop import create_rolling

        with _pointing_to_surveys_list():
            await create_rolling(
                survey=survey, name=name, opens=opens, closes=closes, cohort=cohort,
                age_band=age_band, team=team, reviews=(reviews_from, reviews_to),
                report_as=report_as, max_reminders=max_reminders, days_before=days_before,
                database_url=database_url,
            )  # fmt: skip
        return
    now = datetime.now(UTC)
    opens_at = _parse_when(opens, option="--opens") if opens else now
    closes_at = (_parse_when(closes, end=True, option="--closes") if closes
                 else opens_at + timedelta(days=14))
    if opens_at < closes_at <= now:  # (closing before opening is said below)
        raise typer.BadParameter("that time has passed: invitations would never work",
                                 param_hint="--closes")
    wanted = _audience(cohort, age_band, team, reviews_from, reviews_to)

    async def work(services: Services) -> None:
        async with services.db.transaction() as session:
            campaign = await campaign_store.create_campaign(
                session,
                services.catalog,
                services.clock,
                name=name,
                survey_key=survey,
                opens_at=opens_at,
                closes_at=closes_at,
                report_form=report_as,
                max_reminders=max_reminders,
                audience=wanted,
            )
            people = await campaign_store.campaign_people(
                session, campaign, campaign_store.campaign_day(campaign, services.clock.now())
            )
            issued = 0
            codes: tuple[campaign_store.IssuedCode, ...] = ()
            held: list[str] = []
            if invite:
                with progress_bar() as bar:
                    task = bar.add_task("Issuing invitations", total=len(people))
                    summary = await campaign_store.issue_invitations(
                        session,
                        campaign,
                        people,
                        services.clock,
                        progress=lambda n: bar.advance(task, n),
                        cap=services.asking_cap(),
                    )
                issued, codes, held = summary.issued, summary.codes, summary.held_lines()
        console.print(
            f"Campaign {campaign.id} “{campaign.name}” for "
            f"{campaign_store.campaign_audience(campaign).describe()}: {len(people)} young "
            f"people match; {issued} invitations issued. Open {local_time(opens_at)} to "
            f"{local_time(closes_at)}.",
            highlight=False,
        )
        for line in held:
            console.print(line, highlight=False)
        if show:
            _print_codes(codes, services.settings.public_url)
        elif issued:
            console.print(
                "Letters: print them from /officer, or `carevoice invites reprint "
                f"--campaign {campaign.id}` for codes (each printing makes new codes)."
            )

    with _pointing_to_surveys_list():
        await with_services(database_url, work)


@contextlib.contextmanager
def _pointing_to_surveys_list() -> Iterator[None]:
    """An unknown survey key says where the keys are, as `surveys show` does."""
    try:
        yield
    except NotFoundError as error:
        if not str(error).startswith("no survey with key"):
            raise
        raise NotFoundError(f"{error} (see `carevoice surveys list`)") from None


@invites_app.command("issue")
@run_async
async def invites_issue(
    campaign: Annotated[int, typer.Option(help="Campaign id.")],
    cohort: Annotated[
        str | None, typer.Option(help="Narrow the campaign's filter: in_care or care_leaver.")
    ] = None,
    team: Annotated[
        list[str] | None, typer.Option(help="Narrow the campaign's filter to this team.")
    ] = None,
    show: Annotated[
        bool, typer.Option(help="Print the new codes and links (shown this once).")
    ] = False,
    public_url: PublicUrlOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Issue invitations to the active young people matching the campaign's filter who
    have none yet (a new young person imported since, say)."""
    from storage import campaigns as campaign_store

    async def work(services: Services) -> None:
        async with services.db.transaction() as session:
            row = await campaign_store.get_campaign(session, campaign)
            _refuse_widening(row, cohort, team or [])
            people = await campaign_store.campaign_people(
                session,
                row,
                campaign_store.campaign_day(row, services.clock.now()),
                _audience(cohort, None, team),
            )
            with progress_bar() as bar:
                task = bar.add_task("Issuing invitations to those without one",
                                    total=len(people))
                summary = await campaign_store.issue_invitations(
                    session, row, people, services.clock, progress=lambda n: bar.advance(task, n),
                    cap=services.asking_cap(),
                )
            audience = campaign_store.campaign_audience(row).describe()
        console.print(
            f"Campaign {campaign} is for {audience}: {len(people)} match; "
            f"{summary.issued} issued; {summary.already_invited} already had one.",
            highlight=False,
        )
        for line in summary.held_lines():  # e.g. "not invited: already asked twice this month: 3"
            console.print(line, highlight=False)
        if show:
            _print_codes(summary.codes, public_url or services.settings.public_url)

    await with_services(database_url, work)


def _refuse_widening(row: CampaignRow, cohort: str | None, teams: list[str]) -> None:
    """`--cohort` and `--team` narrow a campaign's filter; one it leaves out is refused,
    not answered with "0 match"."""
    if cohort and row.cohort and cohort != row.cohort:
        raise typer.BadParameter(
            f"campaign {row.id} is for {row.cohort} young people only", param_hint="--cohort"
        )
    outside = [t for t in teams if row.teams and t not in row.teams]
    if outside:
        raise typer.BadParameter(
            f"campaign {row.id} is for {', '.join(row.teams)} only, not "
            f"{', '.join(outside)}", param_hint="--team")


@invites_app.command("reprint")
@run_async
async def invites_reprint(
    campaign: Annotated[int, typer.Option(help="Campaign id.")],
    invitation: Annotated[
        list[int] | None,
        typer.Option(
            help="Only this invitation, by its id (repeat for several; default: all not "
            "used). Ids are printed with the codes and by `carevoice campaign reviews ID`."
        ),
    ] = None,
    person: Annotated[
        list[str] | None,
        typer.Option(
            "--person", help="Only this young person's invitation, by their council reference "
            "(repeat for several)."
        ),
    ] = None,
    public_url: PublicUrlOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Make new codes for letters and print them: the old codes stop working at once.
    Without --invitation or --person, every invitation of the campaign not yet used."""
    from storage import campaigns as campaign_store

    async def work(services: Services) -> None:
        async with services.db.transaction() as session:
            await campaign_store.get_campaign(session, campaign)
            wanted = [*(invitation or [])]
            for ref in person or []:
                wanted.append(await _invitation_of(session, campaign, ref))
            if wanted:
                codes = []
                for one in wanted:
                    try:
                        codes.append(await campaign_store.reprint_invitation(
                            session, one, services.clock, campaign_id=campaign
                        ))
                    except NotFoundError:
                        raise NotFoundError(
                            f"no invitation {one} in campaign {campaign}: the ids are printed "
                            "with the codes (`invites issue --show`, `invites reprint`) and by "
                            f"`carevoice campaign reviews {campaign}` (column id); or use "
                            "--person REF"
                        ) from None
            else:
                codes = await campaign_store.reprint_letters(session, campaign, services.clock)
        errors.print(
            f"{len(codes)} new codes; earlier letters for them no longer work.", highlight=False
        )
        _print_codes(codes, public_url or services.settings.public_url)

    await with_services(database_url, work)


async def _invitation_of(session: AsyncSession, campaign: int, council_ref: str) -> int:
    """The id of a young person's newest invitation to a campaign."""
    from sqlalchemy import select

    from storage.tables import InvitationRow, PersonRow

    found = await session.scalar(
        select(InvitationRow.id)
        .join(PersonRow, PersonRow.id == InvitationRow.person_id)
        .where(InvitationRow.campaign_id == campaign, PersonRow.council_ref == council_ref)
        .order_by(InvitationRow.id.desc())
        .limit(1)
    )
    if found is None:
        raise NotFoundError(f"{council_ref} has no invitation in campaign {campaign}")
    return int(found)


@invites_app.command("revoke")
@run_async
async def invites_revoke(
    code: Annotated[str, typer.Argument(help="The invitation code (as on the letter).")],
    database_url: DatabaseOption = None,
) -> None:
    """Revoke an invitation so its link no longer works."""
    from storage import campaigns as campaign_store

    async def work(services: Services) -> None:
        async with services.db.transaction() as session:
            await campaign_store.revoke_invitation(session, code, services.clock)
        console.print("Revoked.")

    await with_services(database_url, work)


# ----- chat and demo -------------------------------------------------------------------


@app.command(
    "chat",
    epilog="\b\nExamples:\n  carevoice chat --survey review-prep-child   (practice)\n"
    "  carevoice chat --code 1234-ABCD-5678        (a letter's code)",
)
@run_async
async def chat(
    survey: Annotated[
        str | None,
        typer.Option(metavar="KEY", help="Try a survey by key, as a practice young person."),
    ] = None,
    code: Annotated[
        str | None, typer.Option(metavar="CODE", help="Use an invitation code instead.")
    ] = None,
    language: Annotated[
        str | None,
        typer.Option(metavar="en|cy|ar",
                     help="The practice young person's language (with --survey)."),
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Have a real conversation through the engine in this terminal (type `help` for controls)."""
    from carevoice.terminal_chat import run_terminal_chat
    from surveys.i18n import LANGUAGES, normalize_language

    if survey and code:
        raise CarevoiceError(
            "--survey and --code do not go together: --survey tries a survey as a practice "
            "young person, --code answers a real invitation (its survey is the "
            "campaign's). Give one of them.")
    if language is not None:
        if code:
            raise CarevoiceError(
                "--language goes with --survey: an invitation (--code) speaks its young "
                "person's language; type `language cy` (or en, ar) in the chat to change it.")
        chosen = normalize_language(language)
        if chosen is None:
            raise typer.BadParameter(
                f"{language!r} is not a language carevoice speaks: one of "
                f"{', '.join(f'{c} ({n})' for c, n in LANGUAGES.items())}",
                param_hint="--language")
        language = chosen

    async def work(services: Services) -> None:
        with _ctrl_c_stops_at_the_prompt(), _pointing_to_surveys_list():
            await run_terminal_chat(
                services,
                survey_key=survey,
                code=code,
                console=console,
                read=_read_line,
                language=language,
            )

    # a code is only in a database that exists: never make an empty one (a typo, or the
    # printed command run from another folder) only to say the code is not recognised
    await with_services(database_url, work, create=code is None)


def chat_command(database_url: str | None, *, command: str = "chat") -> str:
    """`carevoice chat` (or another `command`) as it runs from here, as printed after the
    demo loads: the script by the path that finds it (`.venv/bin/carevoice` when it is not
    on PATH) and the `--database-url` given, unless it came from CAREVOICE_DATABASE_URL
    (still set)."""
    script = Path(sys.executable).parent / "carevoice"
    on_path = shutil.which("carevoice")
    if not script.exists() or (on_path and Path(on_path).resolve() == script.resolve()):
        program = "carevoice"
    else:
        try:
            program = str(script.relative_to(Path.cwd()))
        except ValueError:
            program = str(script)
    words = [program, *command.split()]
    if database_url and database_url != os.environ.get("CAREVOICE_DATABASE_URL"):
        words += ["--database-url", database_url]
    return shlex.join(words)


@contextlib.contextmanager
def _ctrl_c_stops_at_the_prompt() -> Iterator[None]:
    """Ctrl+C at the chat's prompt stops the chat at once, as Ctrl+D does. asyncio's own
    handler only cancels when the event loop runs again, which a waiting prompt holds up
    until Enter; a plain KeyboardInterrupt ends the read (`_read_line`) instead."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(_signal: int, _frame: object) -> None:
        raise KeyboardInterrupt

    before = signal.signal(signal.SIGINT, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


def _read_line(prompt: str) -> str | None:
    try:
        return console.input(prompt)
    except (EOFError, KeyboardInterrupt):
        return None


@app.command("demo")
@run_async
async def demo(
    database_url: DatabaseOption = None,
    seed: Annotated[int, typer.Option(help="Random seed, for the same council every time.")] = 7,
) -> None:
    """Load a realistic demo council: people, finished campaigns, answers and free text."""
    from carevoice.demo import load_demo

    async def work(services: Services) -> None:
        with progress_bar() as bar:
            council = await load_demo(services, seed=seed, bar=bar)
        console.print(council.headline, highlight=False)
        # soft wrap: a command longer than the terminal is one line to copy, never cut
        console.print(council.chat_commands(chat_command(database_url)), highlight=False,
                      soft_wrap=True)
        # a plain `serve` applies retention at night, and the demo's answers are from
        # 2016-18: its words would be blanked before anyone read the board
        console.print("\nOn the web, with keys to sign in (the demo's 2016-18 answers kept):\n  "
                      + chat_command(database_url, command="serve --demo"),
                      highlight=False, soft_wrap=True)

    await with_services(database_url, work, create=True)


def main() -> None:
    """Entry point of the `carevoice` console script."""
    logging.basicConfig(
        level=os.environ.get("CAREVOICE_LOG_LEVEL", "WARNING").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from api.log_privacy import install_log_scrubbing

    install_log_scrubbing()  # no key, token, code or ref in any line, whatever logs it
    app(prog_name="carevoice")


# The serve, keys and bot commands register themselves on `app`.
from carevoice import (  # noqa: E402,F401
    cli_alerts,
    cli_api,
    cli_audio,
    cli_board,
    cli_bot,
    cli_data,
    cli_i18n,
    cli_loop,
)

if __name__ == "__main__":  # pragma: no cover
    main()
