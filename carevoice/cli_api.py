"""`carevoice serve` (web chat, board and officer pages, HTTP API) and `carevoice keys`
(API keys), on the main CLI app."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from carevoice.cli import (
    DatabaseOption,
    app,
    chat_command,
    console,
    errors,
    progress_bar,
    run_async,
    settings_for,
    warn_stale_tags,
    warn_unprotected,
    with_services,
)
from surveys.errors import CarevoiceError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from carevoice.demo import DemoCouncil
    from services.container import Services
    from services.settings import Settings
    from storage import keys as key_store
    from storage.keys import Role
    from storage.reencrypt import Reencrypted
    from storage.tables import ApiKeyRow

class KeyRole(StrEnum):
    """The roles of `storage.keys.Role` (a test keeps the two the same), named here so that
    `--help` need not import the store."""

    BOARD = "board"
    OFFICER = "officer"
    ADMIN = "admin"


keys_app = typer.Typer(help="API keys: make, list and revoke them.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
@run_async
async def keys_create(
    role: Annotated[KeyRole, typer.Option(help="board: aggregates only; officer: run surveys; "
                                       "admin: everything, plus keys and erasure.")],
    name: Annotated[str, typer.Option(help="Who or what uses it, e.g. 'Board 2026'.")],
    team: Annotated[list[str] | None, typer.Option(
        "--team", help="An officer key's team (repeat for several): it sees only their "
        "young people, responses, alerts and campaigns.")] = None,
    all_teams: Annotated[bool, typer.Option(
        "--all-teams", help="An officer key for every team (a manager).")] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Make an API key. It is printed once, here, and never again: store it safely.

    An officer key needs --team (once per team) or --all-teams.
    """
    from storage import keys as key_store
    from storage.keys import Role

    chosen = Role(role.value)
    teams = _key_teams(chosen, team or [], all_teams)

    async def work(services: Services) -> key_store.NewKey:
        async with services.db.transaction() as session:
            named = None if teams is None else await _known_teams(session, teams)
            return await key_store.create_key(
                session, services.clock, role=chosen, name=name, teams=named
            )

    made = await with_services(database_url, work, create=True)
    seen = key_store.key_scope(made.row).label() if chosen is Role.OFFICER else None
    article = "an" if str(made.row.role)[:1] in "aeiou" else "a"
    errors.print(f"Made {article} {made.row.role} key “{made.row.name}” (prefix {made.row.prefix})"
                 + (f" for {seen}" if seen else "")
                 + ". This is the only time it is shown:", highlight=False)
    print(made.token)


def _key_teams(role: Role, team: list[str], all_teams: bool) -> list[str] | None:
    """The teams to store for a new key (None: every team), or a clear refusal."""
    from storage.keys import Role

    if role is not Role.OFFICER:
        if team or all_teams:
            raise typer.BadParameter(
                f"only officer keys belong to teams; a {role} key sees "
                + ("aggregates only" if role is Role.BOARD else "every team"),
                param_hint="--team / --all-teams",
            )
        return None
    if team and all_teams:
        raise typer.BadParameter("give --team or --all-teams, not both",
                                 param_hint="--team / --all-teams")
    if not team and not all_teams:
        raise typer.BadParameter(
            "an officer key needs its teams: --team North (repeat for several), or "
            "--all-teams for a manager", param_hint="--team / --all-teams")
    return None if all_teams else team


async def _known_teams(session: AsyncSession, teams: list[str]) -> list[str]:
    """The teams as the council writes them ("north" is North); a team no young person
    belongs to is refused with the teams there are (a typo would make a key that sees
    nobody). Before any young person is imported, names cannot be checked: said."""
    from storage.teams import known_teams

    known = {" ".join(t.split()).casefold(): t for t in await known_teams(session)}
    if not known:
        errors.print("No young people are imported yet, so the team names are not checked.",
                     highlight=False)
        return teams
    unknown = [t for t in teams if " ".join(t.split()).casefold() not in known]
    if unknown:
        raise typer.BadParameter(
            f"no young person is in team {', '.join(map(repr, unknown))}; the teams are: "
            + ", ".join(known.values()), param_hint="--team")
    return list(dict.fromkeys(known[" ".join(t.split()).casefold()] for t in teams))


@keys_app.command("list")
@run_async
async def keys_list(database_url: DatabaseOption = None) -> None:
    """List API keys (never their secrets)."""
    from carevoice.cli_tables import Listing
    from storage import keys as key_store
    from storage.keys import Role

    async def work(services: Services) -> list[ApiKeyRow]:
        async with services.db.reader() as session:
            return await key_store.list_keys(session)

    rows = await with_services(database_url, work)
    table = Listing(("prefix", "name", "role", "teams", "created", "last used", "revoked"),
                    free=frozenset({"name", "teams"}))
    for row in rows:
        table.add_row(
            row.prefix, row.name, row.role,
            key_store.key_scope(row).label() if row.role == Role.OFFICER else "",
            f"{row.created_at:%Y-%m-%d %H:%M}",
            f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never",
            f"{row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "",
        )
    table.print(console)


@keys_app.command("revoke")
@run_async
async def keys_revoke(
    prefix: Annotated[str, typer.Argument(help="The key's prefix (see `carevoice keys list`).")],
    database_url: DatabaseOption = None,
) -> None:
    """Revoke an API key: it stops working at once."""
    from storage import keys as key_store

    async def work(services: Services) -> ApiKeyRow:
        async with services.db.transaction() as session:
            return await key_store.revoke_key(session, services.clock, prefix)

    row = await with_services(database_url, work)
    console.print(f"Revoked {row.role} key “{row.name}” ({row.prefix}).", highlight=False)


@keys_app.command("new-data-key")
def keys_new_data_key() -> None:
    """Make a key to encrypt free text at rest. Put it in CAREVOICE_DATA_KEY (first, before
    any old keys), keep it as safely as the database backups, and never lose it: without
    it encrypted words cannot be read."""
    from storage.encryption import DataKeys

    errors.print("A new data key (shown once; nothing is stored):", highlight=False)
    print(DataKeys.new_key())


@keys_app.command("rotate-data")
@run_async
async def keys_rotate_data(database_url: DatabaseOption = None) -> None:
    """Encrypt all free text again with the first key in CAREVOICE_DATA_KEY (old keys after
    it still read); also encrypts text stored before a key was set. Then drop old keys."""
    from storage.reencrypt import reencrypt


    async def work(services: Services) -> Reencrypted:
        if services.db.data_keys is None:
            raise CarevoiceError(
                "no data key: set CAREVOICE_DATA_KEY (see `carevoice keys new-data-key`)"
            )
        with progress_bar() as bar:
            task = bar.add_task("Re-encrypting", total=None)
            return await reencrypt(services.db, progress=lambda _, n: bar.advance(task, n))

    done = await with_services(database_url, work)
    for name, count in done.counts.items():
        console.print(f"{name}: {count}", highlight=False)
    console.print(f"Re-encrypted {done.total} values with the first key.", highlight=False)


async def _open_store(settings: Settings) -> None:
    """Open the database once (UnavailableError, said plainly, if it cannot be)."""
    from carevoice.wiring import build_services

    services = await build_services(settings, sync_surveys=False)
    try:
        await warn_stale_tags(services)
    finally:
        await services.close()


DEMO_KEY_NAMES = ("demo board", "demo officer", "demo admin")


async def _load_demo(settings: Settings) -> tuple[DemoCouncil, str, str, str]:
    """Load the demo council (once) and make a board, an officer and an admin key to try;
    the keys an earlier `serve --demo` made are revoked (each start prints new ones)."""
    from carevoice.demo import load_demo
    from carevoice.wiring import build_services
    from storage import keys as key_store
    from storage.keys import Role

    services = await build_services(settings)
    try:
        with progress_bar() as bar:
            council = await load_demo(services, bar=bar)
        async with services.db.transaction() as session:
            for old in await key_store.list_keys(session):
                if old.name in DEMO_KEY_NAMES and old.revoked_at is None:
                    await key_store.revoke_key(session, services.clock, old.prefix)
            board = await key_store.create_key(session, services.clock, role=Role.BOARD,
                                               name="demo board")
            officer = await key_store.create_key(session, services.clock, role=Role.OFFICER,
                                                 name="demo officer")
            admin = await key_store.create_key(session, services.clock, role=Role.ADMIN,
                                               name="demo admin")
    finally:
        await services.close()
    return council, board.token, officer.token, admin.token


def refuse_a_taken_port(host: str, port: int) -> None:
    """Say plainly, and stop, when `host:port` cannot be listened on (another server has
    it), before anything is printed as if the server were up."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM)[0]  # fmt: skip
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
            probe.bind(address)
    except OSError as error:
        errors.print(
            f"[red]Error:[/red] cannot listen on {host}:{port}: "
            f"{error.strerror or error}. Another server (another carevoice?) may have it: "
            "stop it, or choose another port with --port.", highlight=False, markup=True,
        )  # fmt: skip
        raise typer.Exit(1) from None


def public_url_for(settings: Settings, host: str, port: int) -> Settings:
    """Settings whose `public_url` (letters, links, alerts) is where this server listens,
    unless CAREVOICE_PUBLIC_URL is set. On every address (0.0.0.0, ::) it is left unset,
    and pages use the address each request came to."""
    if "public_url" in settings.model_fields_set or host in ("0.0.0.0", "::", ""):
        return settings
    shown = f"[{host}]" if ":" in host else host
    return settings.model_copy(update={"public_url": f"http://{shown}:{port}"})


@app.command("serve")
def serve(
    demo: Annotated[bool, typer.Option(help="Load the demo council first, and make keys to "
                                       "try the API with.")] = False,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    database_url: DatabaseOption = None,
) -> None:
    """Run the web server: the young people's web chat (their links, /c/CODE), the board
    and officer pages (sign in with a key at /signin) and the API (OpenAPI docs at
    /docs)."""
    import uvicorn

    from api.app import create_app
    from carevoice.cli_bot import webhook_routers
    from carevoice.wiring import build_services

    settings = settings_for(database_url)
    url = f"http://{host}:{port}"
    settings = public_url_for(settings, host, port)
    refuse_a_taken_port(host, port)  # before the demo's keys are made, or "carevoice on" said
    if demo:  # its answers are from 2016-18: retention would blank them before you look
        settings = settings.model_copy(
            update={"retain_text_days": 0, "retain_responses_days": 0, "retain_people_days": 0}
        )
        council, board, officer, admin = run_async(_load_demo)(settings)
        console.print(
            f"{council.headline}\n\n{council.web_links(url)}\n"
            f"(or in this terminal: {council.terminal_chat(chat_command(database_url))})\n\n"
            f"Board key:   {board}\nOfficer key: {officer}\nAdmin key:   {admin}\n"
            f"Sign in with a key at {url}/signin, then see {url}/board?period=2017-18 "
            f"and {url}/officer\n\nTry the API:\n"
            f'  curl -H "Authorization: Bearer {board}" '
            f'"{url}/api/v1/return-rates?period=2017-18&by=form,audience"\n'
            f'  curl -H "Authorization: Bearer {officer}" "{url}/api/v1/campaigns"\n',
            highlight=False, soft_wrap=True,
        )
    else:  # the store opens (and its schema is brought up to date) before the server starts,
        run_async(_open_store)(settings)  # so a wrong URL is a message, not a traceback
    console.print(f"carevoice on {url}: web chat, {url}/board, {url}/officer, API docs "
                  f"{url}/docs. Ctrl+C stops it.",
                  highlight=False)
    if not demo:  # the demo council's words are made up
        warn_unprotected(settings)
    uvicorn.run(create_app(settings=settings, build=build_services,
                           extra_routers=webhook_routers(settings)),
                host=host, port=port,
                proxy_headers=False,  # the app trusts only CAREVOICE_TRUSTED_PROXIES
                log_level=settings.log_level.lower())
