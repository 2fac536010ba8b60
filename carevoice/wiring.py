"""The composition root: builds the real objects from settings (the only place that does;
the adapters are handed a `services.container.Services`)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from services.container import Services
from services.settings import Settings
from storage.alerts import AlertPolicy, AlertRecipient
from storage.catalog import SurveyCatalog
from storage.conversations import ConversationService
from storage.database import Database
from storage.encryption import DataKeys
from surveys import safeguarding
from surveys.clock import Clock, SystemClock
from surveys.engine import Engine
from surveys.errors import UnavailableError
from surveys.sentiment import SentimentScorer, default_scorer
from surveys.throttle import Throttles

__all__ = ["Services", "alert_policy", "build_services", "throttles_from"]


async def build_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    scorer: SentimentScorer | None = None,
    sync_surveys: bool = True,
    create: bool = True,
) -> Services:
    """Connect to the store (upgrading its schema) and wire the use cases.

    `create=False` refuses a SQLite file that does not exist yet, so a mistyped path is
    said instead of answered from a new, empty database.
    """
    clock = clock or SystemClock()
    refuse_unsupported(settings.database_url)
    if not create:
        refuse_missing_sqlite(settings.database_url)
    try:
        db = await Database.connect(
            settings.database_url,
            sqlite_synchronous=settings.sqlite_synchronous,
            schema=settings.database_schema,
            data_keys=DataKeys.parse(
                settings.data_key.get_secret_value() if settings.data_key else None
            ),
        )
    except ArgumentError as error:  # not a URL at all
        raise UnavailableError(
            f"cannot read the database URL {settings.database_url!r}: write it like "
            "sqlite:///carevoice.db or postgresql://user@host:5432/carevoice"
        ) from error
    except (OSError, DBAPIError) as error:  # a wrong URL, a server down, a folder not writable
        url = make_url(settings.database_url)
        check = ("that its folder exists and can be written" if url.get_backend_name() ==
                 "sqlite" else "that the database server is running")
        reason = getattr(error, "orig", None) or error
        raise UnavailableError(
            f"cannot open the database {url.render_as_string(hide_password=True)}: {reason}. "
            f"Check --database-url (or CAREVOICE_DATABASE_URL) and {check}."
        ) from error
    catalog = SurveyCatalog(clock)
    if sync_surveys:
        async with db.transaction() as session:
            await catalog.sync_builtins(session)
    office = settings.office()
    said = settings.office_hours  # a council's own words, if it set them
    now = clock.now

    def help_text(language: str = "en", audience: str | None = None) -> str:
        # Honest, for the moment it is said: "today, before 5pm", "on Monday after 9am".
        at = now()
        when = said or office.when_read(at, language)
        duty = settings.out_of_hours_phone if not office.is_open(at) else None
        return safeguarding.help_reply(
            language, office_hours=when, audience=audience, out_of_hours_phone=duty
        )

    conversations = ConversationService(
        db,
        catalog,
        scorer or default_scorer(),
        clock,
        engine=Engine(help_text=help_text),
        alert_policy=alert_policy(settings),
    )
    return Services(settings, db, catalog, conversations, clock, throttles_from(settings))


SUPPORTED_BACKENDS = ("sqlite", "postgresql", "postgres")


def refuse_unsupported(database_url: str) -> None:
    """Raise `UnavailableError` for a database carevoice does not run on (MySQL, say)."""
    try:
        backend = make_url(database_url).get_backend_name()
    except ArgumentError:
        return  # said plainly when it is opened
    if backend not in SUPPORTED_BACKENDS:
        raise UnavailableError(
            f"carevoice keeps its data in SQLite or PostgreSQL, not {backend}: write the "
            "URL like sqlite:///carevoice.db or postgresql://user@host:5432/carevoice"
        )


def refuse_missing_sqlite(database_url: str) -> None:
    """Raise `UnavailableError` if the URL names a SQLite file that is not there."""
    try:
        url = make_url(database_url)
    except ArgumentError:
        return  # said plainly when it is opened
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return
    path = Path(url.database).expanduser().resolve()
    if not path.exists():
        raise UnavailableError(
            f"there is no database at {path}. Check --database-url (or "
            "CAREVOICE_DATABASE_URL); to start a new one there, run "
            f"`carevoice db upgrade --database-url sqlite:///{path}`."
        )


def alert_policy(settings: Settings) -> AlertPolicy:
    """Who hears of a safeguarding alert at once (officers), and who when it waits too long."""
    return AlertPolicy(
        recipients=tuple(AlertRecipient("telegram", str(i)) for i in settings.officer_chat_ids),
        duty=tuple(AlertRecipient("telegram", str(i)) for i in settings.duty_chat_ids),
        office=settings.office(),
        escalate_after=settings.alert_escalate_after,
    )


def throttles_from(settings: Settings) -> Throttles:
    """The throttles on guessing keys and invitation codes, with the limits from settings."""
    return Throttles.from_limits(
        keys_per_client=settings.throttle_keys_per_client,
        keys_overall=settings.throttle_keys_overall,
        codes_per_client=settings.throttle_codes_per_client,
        codes_overall=settings.throttle_codes_overall,
    )
