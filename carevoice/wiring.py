"""The composition root: builds the real objects from settings."""

from __future__ import annotations

from dataclasses import dataclass

from carevoice.settings import Settings
from storage.catalog import SurveyCatalog
from storage.conversations import AlertRecipient, ConversationService
from storage.database import Database
from storage.encryption import DataKeys
from surveys import safeguarding
from surveys.clock import Clock, SystemClock
from surveys.engine import Engine
from surveys.sentiment import SentimentScorer, default_scorer


@dataclass
class Services:
    """What the CLI, the bot and the API are given."""

    settings: Settings
    db: Database
    catalog: SurveyCatalog
    conversations: ConversationService
    clock: Clock

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
        settings.database_url,
        sqlite_synchronous=settings.sqlite_synchronous,
        data_keys=DataKeys.parse(
            settings.data_key.get_secret_value() if settings.data_key else None
        ),
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
    return Services(settings, db, catalog, conversations, clock)
