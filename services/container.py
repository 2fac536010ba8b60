"""The services container the adapters are given (built by `carevoice.wiring`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from services.settings import Settings
from storage.asking import AskingCap
from storage.audit import RefHasher
from storage.catalog import SurveyCatalog
from storage.conversations import ConversationService
from storage.database import Database
from storage.retention import RetentionPolicy
from surveys.clock import Clock
from surveys.speech import AudioCache, Speaker
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

    def ref_hasher(self) -> RefHasher:
        """Names erased young people in the audit log (keyed by CAREVOICE_SECRET_KEY)."""
        secret = self.settings.secret_key
        return RefHasher(secret.get_secret_value().encode() if secret else None)

    def asking_cap(self) -> AskingCap:
        """How often one young person may be asked (CAREVOICE_ASK_*)."""
        s = self.settings
        return AskingCap(surveys=s.ask_surveys, days=s.ask_days, reminders=s.ask_reminders)

    def retention_policy(self) -> RetentionPolicy:
        """How long words, responses and people are kept (CAREVOICE_RETAIN_*_DAYS)."""
        s = self.settings
        return RetentionPolicy(s.retain_text_days, s.retain_responses_days, s.retain_people_days)

    def audio(self) -> AudioCache | None:
        """Read-aloud audio (`<data dir>/audio`); None when turned off or espeak-ng is
        missing (the chat then shows no play button)."""
        speaker = Speaker.find()
        if not self.settings.read_aloud or not speaker.available:
            return None
        return AudioCache(Path(self.settings.data_dir) / "audio", speaker)

    async def close(self) -> None:
        await self.db.dispose()


ServicesFactory = Callable[[Settings], Awaitable[Services]]
"""Builds the services from settings: `carevoice.wiring.build_services`, handed to an
adapter that builds its own at start-up (`api.app.create_app(settings=..., build=...)`)."""
