"""The composition root: builds the real objects from settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from carevoice.settings import Settings
from storage.catalog import SurveyCatalog
from storage.conversations import AlertRecipient, ConversationService
from storage.database import Database
from surveys import safeguarding
from surveys.clock import Clock, SystemClock
from surveys.engine import Engine
from surveys.sentiment import SentimentScorer, default_scorer
from surveys.throttle import Throttles


@dataclass
class Services:
    """What the CLI, the bot and the API are given."""

    settings: Settings
    db: Database
    catalog: SurveyCatalog
    conversations: ConversationService
    clock: Clock
    throttles: Throttles = field(default_factory=Throttles.from_limits)

    async def close(self) -> None:
        await self.db.dispose()


async def build_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    scorer: SentimentScorer | None = None,
    sync_surveys: bool = True,
) -> Services:
    """Connect to the store (upgrading its schema) and wire the use cases."""
    clock = clock or SystemClock()
    db = await Database.connect(
        settings.database_url, sqlite_synchronous=settings.sqlite_synchronous
    )
    catalog = SurveyCatalog(clock)
    if sync_surveys:
        async with db.transaction() as session:
            await catalog.sync_builtins(session)
    office_hours = settings.office_hours

    def help_text() -> str:
        return safeguarding.help_reply(office_hours=office_hours)

    conversations = ConversationService(
        db,
        catalog,
        scorer or default_scorer(),
        clock,
        engine=Engine(help_text=help_text),
        alert_recipients=tuple(
            AlertRecipient("telegram", str(chat_id)) for chat_id in settings.officer_chat_ids
        ),
    )
    return Services(settings, db, catalog, conversations, clock, throttles_from(settings))


def throttles_from(settings: Settings) -> Throttles:
    """The throttles on guessing keys and invitation codes, with the limits from settings."""
    return Throttles.from_limits(
        keys_per_client=settings.throttle_keys_per_client,
        keys_overall=settings.throttle_keys_overall,
        codes_per_client=settings.throttle_codes_per_client,
        codes_overall=settings.throttle_codes_overall,
    )
