"""Settings from the environment (prefix CAREVOICE_) or a .env file."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from surveys.insights.redaction import RedactionError, check_ref_patterns
from surveys.office_hours import DEFAULT_OFFICE_TIMES, OfficeHours
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
    database_schema: str | None = Field(
        None,
        description="PostgreSQL only: the schema holding the tables (default: the "
        "connection's search_path, usually public).",
    )
    council_name: str = "Demo Council"
    office_hours: str | None = Field(
        None,
        description="Overrides what young people are told about when a person reads their "
        "message (completes 'A participation officer will read this ...'); by default it is "
        "worked out from CAREVOICE_OFFICE_TIMES, e.g. 'today, before 5pm'.",
    )
    office_times: str = Field(
        DEFAULT_OFFICE_TIMES,
        description="When a person reads safeguarding alerts, local time: 'Mon-Fri 09:00-17:00'.",
    )
    office_bank_holidays: str = Field(
        "ENG", description="Closed on the bank holidays of ENG, WLS, SCT or NIR (or none)."
    )
    out_of_hours_phone: str | None = Field(
        None,
        description="The council's emergency duty team (out-of-hours children's social care) "
        "number, told to a young person at risk while the office is closed, e.g. '0300 123 "
        "4567'.",
    )
    alert_escalate_after: int = Field(
        15,
        ge=1,
        le=7 * 24 * 60,
        description="Minutes of office time an alert may wait unacknowledged before it is "
        "escalated to the duty team.",
    )
    duty_chat_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list,
        description="Telegram user ids of the duty team, who get alerts not acknowledged in "
        "time.",
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
    data_dir: str = Field(
        "carevoice-data",
        description="Where files carevoice makes are kept (read-aloud audio under audio/).",
    )
    read_aloud: bool = Field(
        True,
        description="Offer questions as audio (needs espeak-ng; without it pages say so).",
    )
    quote_min_group: int = Field(
        10,
        ge=6,
        description="Boards see quotes only from surveys at least this many young people "
        "returned in the period (never fewer than 6: groups of 1 to 5 are suppressed).",
    )

    def office(self) -> OfficeHours:
        """The office hours, parsed (checked when the settings are read)."""
        return OfficeHours.parse(
            self.office_times, zone=self.timezone, bank_holidays=self.office_bank_holidays
        )

    @field_validator("office_times")
    @classmethod
    def _check_office_times(cls, value: str) -> str:
        OfficeHours.parse(value)  # reported at start-up, plainly
        return value

    @field_validator("office_bank_holidays")
    @classmethod
    def _check_bank_holidays(cls, value: str) -> str:
        OfficeHours.parse(bank_holidays=value)
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        OfficeHours.parse(zone=value)
        return value

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

    secret_key: SecretStr | None = Field(
        None,
        description="Keys the hash that names an erased young person's reference in the audit "
        "log (32+ random characters; keep it out of backups of the database). Unset: the log "
        "keeps that an erasure happened, never anything derived from the reference.",
    )
    retain_text_days: int = Field(
        730,
        ge=0,
        le=36_500,
        description="Young people's words are blanked this many days after their campaign "
        "closes (0: kept until erased).",
    )
    retain_responses_days: int = Field(
        1095,
        ge=0,
        le=36_500,
        description="Responses, answers and invitations are deleted this many days after "
        "their campaign closes; the board's figures keep them as counts (0: never).",
    )
    retain_people_days: int = Field(
        365,
        ge=0,
        le=36_500,
        description="A young person is erased this many days after they were last on the "
        "council's list, invited, or answered (0: never).",
    )
    retention_hour: int = Field(
        3, ge=0, le=23, description="The hour (UK time) `serve` applies retention each day."
    )
    ask_surveys: int = Field(
        2,
        ge=0,
        le=50,
        description="The most invitations one young person gets, across all campaigns, in "
        "`ask_days` days; others are not invited, with the reason shown to officers (0: no cap).",
    )
    ask_days: int = Field(
        30, ge=1, le=366, description="The period of the cap on invitations, in days."
    )
    ask_reminders: int = Field(
        1,
        ge=0,
        le=10,
        description="The most reminders about any one invitation (a campaign's own "
        "`max_reminders` may be lower).",
    )

    ref_patterns: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="The council's reference formats as regular expressions, taken out of "
        "quotes wherever they appear: one pattern, or a JSON list, e.g. "
        '["CE\\d{6}", "LAC/\\d{4}/[A-Z]"].',
    )

    @field_validator("ref_patterns", mode="before")
    @classmethod
    def _ref_patterns(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if not text:
                return []
            if text.startswith("["):
                try:
                    value = json.loads(text)
                except ValueError as error:
                    raise ValueError(f"not a JSON list of patterns: {error}") from None
            else:
                value = [text]
        if isinstance(value, list | tuple):
            try:
                return list(check_ref_patterns(str(v) for v in value))
            except RedactionError as error:
                raise ValueError(str(error)) from None
        return value

    @field_validator("officer_chat_ids", "duty_chat_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(v) for v in value.replace(";", ",").split(",") if v.strip()]
        return value
