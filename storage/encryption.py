"""Free text encrypted at rest: young people's words, their progress, staff notes.

Optional: with `CAREVOICE_DATA_KEY` set (one or more Fernet keys, comma-separated), the
columns typed `EncryptedText` or `EncryptedJSON` are written encrypted with the first key
and read with whichever key opens them (`cryptography`'s MultiFernet: AES-128-CBC with an
HMAC-SHA256, a random IV per value). A stolen file or backup then holds no child's
words. Rotation: put a new key first, keep the old ones after it, run `carevoice keys
rotate-data` (every value re-encrypted with the first key), then drop the old keys.

The keys live on the engine's dialect (`attach`), so each `Database` has its own and
every reader through the tables decrypts transparently: ORM, Core, the SQLite writer
thread. Values written before a key was set stay readable as they are (and are encrypted
by `rotate-data`); an encrypted value read without its key is an error that says so. Keys
are never logged: only `DataKeys` holds them, and its repr does not show them.

Nothing in SQL reads inside these columns (board figures use the scores, topics and
choices stored beside the text), so encryption changes no query.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import JSON, Engine, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from surveys.errors import CarevoiceError

PREFIX: Final = "cv1:"
_FERNET_START: Final = "gAAAAA"  # every Fernet token (version byte 0x80) starts so
_ATTRIBUTE: Final = "carevoice_data_keys"


class DataKeyError(CarevoiceError):
    """A data key is malformed, missing, or opens nothing (never says the key itself)."""


class DataKeys:
    """The keys free text is encrypted with: the first encrypts, all decrypt."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise DataKeyError("CAREVOICE_DATA_KEY is empty")
        fernets = []
        for n, key in enumerate(keys, 1):
            try:
                fernets.append(Fernet(key.strip().encode()))
            except ValueError:
                raise DataKeyError(
                    f"CAREVOICE_DATA_KEY: key {n} of {len(keys)} is not a Fernet key "
                    "(make one with `carevoice keys new-data-key`)"
                ) from None
        self._fernet = MultiFernet(fernets)
        self.count = len(fernets)

    @classmethod
    def parse(cls, value: str | None) -> DataKeys | None:
        """Keys from the setting's text (comma or whitespace separated); None if unset."""
        keys = [k for k in (value or "").replace(",", " ").split() if k]
        return cls(keys) if keys else None

    @staticmethod
    def new_key() -> str:
        return Fernet.generate_key().decode()

    def __repr__(self) -> str:
        return f"DataKeys({self.count} key{'s' if self.count != 1 else ''})"

    def encrypt(self, text: str) -> str:
        return PREFIX + self._fernet.encrypt(text.encode()).decode()

    def decrypt(self, stored: str) -> str:
        try:
            return self._fernet.decrypt(stored[len(PREFIX) :].encode()).decode()
        except InvalidToken:
            raise DataKeyError(
                "free text in the database was encrypted with a key that is not in "
                "CAREVOICE_DATA_KEY (keep old keys after the new one until "
                "`carevoice keys rotate-data` has run)"
            ) from None


def is_encrypted(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX + _FERNET_START)


def attach(engine: Engine, keys: DataKeys | None) -> None:
    """Give an engine (the dialect its connections share) the keys to use."""
    setattr(engine.dialect, _ATTRIBUTE, keys)


def keys_of(dialect: Dialect) -> DataKeys | None:
    keys = getattr(dialect, _ATTRIBUTE, None)
    return keys if isinstance(keys, DataKeys) else None


def _open(value: str, dialect: Dialect) -> str:
    keys = keys_of(dialect)
    if keys is None:
        raise DataKeyError(
            "this database holds encrypted free text: set CAREVOICE_DATA_KEY to read it"
        )
    return keys.decrypt(value)


class EncryptedText(TypeDecorator[str]):
    """Text, encrypted when the engine has data keys (the column stays TEXT)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        keys = keys_of(dialect)
        if value is None or keys is None:
            return value
        return keys.encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None or not is_encrypted(value):
            return value
        return _open(value, dialect)


class EncryptedJSON(TypeDecorator[Any]):
    """JSON, stored as one encrypted JSON string when the engine has data keys (the
    column stays JSON)."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        keys = keys_of(dialect)
        if value is None or keys is None:
            return value
        return keys.encrypt(json.dumps(value, separators=(",", ":")))

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if not is_encrypted(value):
            return value
        return json.loads(_open(value, dialect))
