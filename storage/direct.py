"""The hot path's few statements, compiled once and run on the driver's own cursor.

`Connection.execute` spends more of a young person's input in SQLAlchemy than in the
driver: a compiled-cache lookup, an execution context and a result object for every
statement. The answer path runs the same three or four statements for every input, so
`Direct` compiles each once per dialect (each engine has its own), keeps the bind and result
processors SQLAlchemy's types give (so free text is still encrypted at rest and JSON still
encoded), and runs it through the DBAPI cursor of the connection's transaction, as
SQLAlchemy itself would. Driver errors come out as SQLAlchemy's (an `IntegrityError` is
still an `IntegrityError`), with the parameters hidden.

Only statements whose every value is given by the caller are run this way: one that
would need a Python-side column default refuses to compile. `echo` does not show them.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]
    binds: tuple[Processor, ...]
    results: tuple[Processor, ...]
    constants: dict[str, Any]


@dataclass(frozen=True, slots=True)
class DirectResult:
    """The rows a statement returned (processed as SQLAlchemy would) and its row count."""

    rows: list[tuple[Any, ...]]
    rowcount: int
    lastrowid: int | None

    def first(self) -> tuple[Any, ...] | None:
        return self.rows[0] if self.rows else None

    @property
    def inserted_id(self) -> int:
        """The new row's id: from RETURNING where the dialect has it, else the cursor's."""
        found = self.rows[0][0] if self.rows else self.lastrowid
        if found is None:
            raise exc.InvalidRequestError("the statement inserted no row")
        return int(found)


@dataclass
class Direct:
    """A Core statement compiled once for each dialect (each engine has its own, holding
    its data keys) it is run on. Every parameter the statement names must be given."""

    statement: ClauseElement
    _compiled: weakref.WeakKeyDictionary[Dialect, _Compiled] = field(
        default_factory=weakref.WeakKeyDictionary, repr=False
    )

    def execute(self, connection: Connection, params: Mapping[str, Any]) -> DirectResult:
        """Run the statement in `connection`'s transaction with `params`."""
        dialect = connection.dialect
        compiled = self._compiled.get(dialect)
        if compiled is None:
            compiled = self._compiled[dialect] = self._compile(dialect)
        given = {**compiled.constants, **params} if compiled.constants else params
        values = tuple(
            value if process is None else process(value)
            for value, process in zip(
                (given[name] for name in compiled.names), compiled.binds, strict=True
            )
        )
        dbapi_connection = connection.connection.dbapi_connection
        if dbapi_connection is None:  # invalidated: let SQLAlchemy say so
            raise exc.ResourceClosedError("the connection was invalidated")
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(compiled.sql, values)
            rows = cursor.fetchall() if cursor.description else []
            rowcount, lastrowid = cursor.rowcount, getattr(cursor, "lastrowid", None)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, cursor):
                connection.invalidate(error)
            raise exc.DBAPIError.instance(
                compiled.sql, None, error, dialect.loaded_dbapi.Error,
                hide_parameters=True, dialect=dialect,
                connection_invalidated=connection.invalidated,
            ) from error
        finally:
            cursor.close()
        if any(compiled.results):
            rows = [
                tuple(
                    value if process is None else process(value)
                    for value, process in zip(row, compiled.results, strict=True)
                )
                for row in rows
            ]
        else:
            rows = [tuple(row) for row in rows]
        return DirectResult(rows, rowcount, lastrowid)

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        if compiled.insert_prefetch or compiled.update_prefetch:
            raise ValueError("a statement with Python-side defaults is not run directly")
        if not compiled.positional or compiled.positiontup is None:
            raise ValueError(f"{dialect.name} does not take positional parameters")
        names = tuple(compiled.positiontup)
        binds = tuple(
            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in names
        )
        columns = compiled.effective_returning or getattr(self.statement, "selected_columns", None)
        results = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in columns or ()
        )
        constants = {
            name: bind.effective_value
            for name in names
            if not (bind := compiled.binds[name]).required
        }
        return _Compiled(compiled.string, names, binds, results, constants)
