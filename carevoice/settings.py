"""Settings from the environment (prefix CAREVOICE_) or a .env file."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from surveys.safeguarding import DEFAULT_OFFICE_HOURS


class Settings(BaseSettings):
    """Everything carevoice can be configured with; every field has a sensible default."""

    model_config = SettingsConfigDict(env_prefix="CAREVOICE_", env_file=".env", extra="ignore")

    database_url: str = Field(
        "sqlite:///carevoice.db",
        description="Where answers are kept: a SQLite file (default) or postgresql://...",
    )
    sqlite_synchronous: Literal["NORMAL", "FULL", "EXTRA"] = Field(
        "NORMAL",
        description="SQLite durability: NORMAL survives a process crash; FULL a power cut too.",
    )
    council_name: str = "Demo Council"
    office_hours: str = Field(
        DEFAULT_OFFICE_HOURS, description="When a person reads safeguarding alerts."
    )
    timezone: str = "Europe/London"
    telegram_token: SecretStr | None = None
    telegram_api_url: str = Field(
        "https://api.telegram.org/bot", description="Bot API base URL; tests use an emulator."
    )
    telegram_bot_username: str | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    officer_chat_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    public_url: str = "http://127.0.0.1:8000"
    data_key: SecretStr | None = Field(
        None,
        description="Fernet key(s), comma-separated, to encrypt free text at rest: the first "
        "encrypts, all decrypt (`carevoice keys new-data-key`, `carevoice keys rotate-data`).",
    )
    quiet_start_hour: int = 21
    quiet_end_hour: int = 8
    log_level: str = "INFO"
    quote_min_group: int = Field(
        10,
        ge=6,
        description="Boards see quotes only from surveys at least this many young people "
        "returned in the period (never fewer than 6: groups of 1 to 5 are suppressed).",
    )

    @field_validator("officer_chat_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(v) for v in value.replace(";", ",").split(",") if v.strip()]
        return value
