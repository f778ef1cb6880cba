"""The PostgreSQL ledger: one journal shared by several worker processes or hosts.

Exactly-once across workers comes from the database, not from coordination code
(DESIGN.md, "Scale"):

- recording inserts with ``ON CONFLICT (end_to_end_id) DO NOTHING RETURNING``: of two
  workers recording the same instruction, one inserts it, the other waits for that
  transaction, finds the row and compares digests (``EXISTS`` or a conflict) — never two
  rows. Batches are inserted in end-to-end-id order, so workers lock rows in one order;
- the partial unique index on live REGULAR instructions makes a second live attempt fail
  even when two workers try at the same instant;
- state changes lock the instructions' rows (``SELECT … FOR UPDATE``) before deciding;
- serialization failures and deadlocks are retried a bounded number of times.

Needs the optional dependency ``psycopg`` (``pip install 'allocations[postgres]'``).

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import Any

from allocations.adapters._sql_ledger import RECORDED_COLUMNS, SCHEMA, Cursor, SqlLedger, T
from allocations.adapters.ledger_url import mask_password
from allocations.errors import ConfigurationError, LedgerError
from allocations.payments import Clock, PaymentInstruction

try:
    import psycopg
    import psycopg.errors
    from psycopg import sql as psycopg_sql
except ImportError:  # pragma: no cover - exercised only without the extra
    psycopg = None  # type: ignore[assignment]

__all__ = ["PostgresLedger"]

_RETRIES = 5
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# Any constant: serialises schema creation between workers opening the ledger at once.
_SCHEMA_LOCK = 0x616C6C6F63  # "alloc"
_INSERT = (
    f"INSERT INTO instructions ({RECORDED_COLUMNS}) "
    "SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[], "
    "%s::integer[], %s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], "
    "%s::text[], %s::bytea[], %s::text[]) "
    "ON CONFLICT (end_to_end_id) DO NOTHING RETURNING end_to_end_id"
)
_INSERT_CHUNK = 10_000


def _system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class PostgresLedger(SqlLedger):
    """A :class:`~allocations.Ledger` in a PostgreSQL database, safe for concurrent workers.

    The tables are created on first use (idempotent, serialised by an advisory lock) in
    ``schema`` or the connection's ``search_path``, and the schema version is checked.

    Args:
        conninfo: a libpq connection string or URL (``postgresql://user@host/db``).
        schema: a schema to create if needed and use (lower-case identifier); ``None``
            keeps the connection's ``search_path``.
        clock: the source of timestamps; the system clock in UTC by default.

    Raises:
        ConfigurationError: psycopg is not installed, or the schema name is invalid.
        LedgerError: the server cannot be reached, or holds another schema version.

    .. versionadded:: 0.1.0
    """

    lock_clause = " FOR UPDATE"
    in_chunk = 10_000

    def __init__(
        self, conninfo: str, *, schema: str | None = None, clock: Clock | None = _system_clock
    ) -> None:
        if psycopg is None:  # pragma: no cover - exercised only without the extra
            raise ConfigurationError(
                "the PostgreSQL ledger needs psycopg: pip install 'allocations[postgres]'"
            )
        if schema is not None and _SCHEMA_NAME.fullmatch(schema) is None:
            raise ConfigurationError(
                f"schema {schema!r} must be a lower-case identifier ([a-z_][a-z0-9_]*)"
            )
        super().__init__(clock=clock)
        self.integrity_errors = (psycopg.IntegrityError,)
        try:
            self._connection = psycopg.connect(conninfo, autocommit=True)
        except psycopg.Error as error:
            raise LedgerError(
                f"cannot connect to the PostgreSQL ledger {mask_password(conninfo)}: {error}"
            ) from None
        try:
            if schema is not None:
                name = psycopg_sql.Identifier(schema)
                self._connection.execute(
                    psycopg_sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(name)
                )
                self._connection.execute(psycopg_sql.SQL("SET search_path TO {}").format(name))
            self._write(self._create_schema)
        except BaseException:
            self._connection.close()
            raise

    def _create_schema(self, cursor: Cursor) -> None:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
        self._create_tables(
            cursor,
            SCHEMA.format(
                text='TEXT COLLATE "C"', bytes="BYTEA", serial="BIGINT GENERATED ALWAYS AS IDENTITY"
            ),
        )

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s")

    def _in(self, column: str, count: int) -> str:
        return f"{column} = ANY(%s)"

    def _in_params(self, chunk: list[Any]) -> list[Any]:
        return [chunk]

    def _write(self, work: Callable[[Cursor], T]) -> T:
        for attempt in range(_RETRIES):
            try:
                with self._connection.transaction(), self._connection.cursor() as cursor:
                    return work(cursor)
            except (psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected):
                if attempt == _RETRIES - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return self._connection.execute(sql, list(params)).fetchall()

    def _insert_instructions(self, cursor: Cursor, rows: list[tuple[Any, ...]]) -> set[str]:
        inserted: set[str] = set()
        for start in range(0, len(rows), _INSERT_CHUNK):
            columns = [
                list(column) for column in zip(*rows[start : start + _INSERT_CHUNK], strict=True)
            ]
            cursor.execute(_INSERT, columns)
            inserted.update(row[0] for row in cursor.fetchall())
        return inserted

    def _insert_order(
        self, unique: dict[str, PaymentInstruction], new: list[str]
    ) -> list[PaymentInstruction]:
        # One order for every worker: two workers inserting overlapping batches take their
        # row locks in the same order and cannot deadlock.
        return [unique[e2e] for e2e in new]

    def _close_connection(self) -> None:
        self._connection.close()
