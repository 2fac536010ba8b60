"""Settings from the environment (prefix CAREVOICE_) or a .env file."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from surveys.safeguarding import DEFAULT_OFFICE_HOURS
from surveys.throttle import parse_limits


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
    quiet_start_hour: int = 21
    quiet_end_hour: int = 8
    log_level: str = "INFO"
    quote_min_group: int = Field(
        10,
        ge=6,
        description="Boards see quotes only from surveys at least this many young people "
        "returned in the period (never fewer than 6: groups of 1 to 5 are suppressed).",
    )

    throttle_keys_per_client: str = Field(
        "10/minute;50/hour",
        description="Wrong API keys (sign-in page or bearer) a client may send before a 429.",
    )
    throttle_keys_overall: str = Field(
        "300/minute", description="Wrong API keys from all clients together before a 429."
    )
    throttle_codes_per_client: str = Field(
        "10/minute;50/hour",
        description="Unknown invitation codes (web chat links, Telegram /start) a client "
        "(an address, or a Telegram chat) may try before it is asked to wait.",
    )
    throttle_codes_overall: str = Field(
        "300/minute", description="Unknown invitation codes from all clients together."
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Addresses of reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed (comma-separated; empty: none, the peer is the client).",
    )
    max_body_bytes: int = Field(
        1_000_000, ge=1024, description="The largest request body, except people imports."
    )
    max_upload_bytes: int = Field(
        20_000_000, ge=1024, description="The largest people import (CSV or JSON) body."
    )

    @field_validator(
        "throttle_keys_per_client", "throttle_keys_overall", "throttle_codes_per_client",
        "throttle_codes_overall",
    )
    @classmethod
    def _check_limits(cls, value: str) -> str:
        parse_limits(value)
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("officer_chat_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(v) for v in value.replace(";", ",").split(",") if v.strip()]
        return value
