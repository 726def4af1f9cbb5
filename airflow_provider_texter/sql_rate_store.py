"""The shared rate limit in a SQL database: one row per Texter host, changed under its row lock.

The connection is the SQL provider's (any ``DbApiHook``: PostgreSQL, MySQL/MariaDB, SQLite), opened
once per hook. Each operation is one short transaction: lock the host's row, read it with the
database's clock, write it back, commit (three statements and a commit per batch of slots). The
arithmetic is the Redis script's, written once here in Python.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, replace
from typing import Any

from airflow_provider_texter.adaptive_rate import IDLE_SECONDS, LearnedLimit, SendCycle
from airflow_provider_texter.exceptions import TexterConfigError
from airflow_provider_texter.rate_limit_store import FORGET_AFTER_SECONDS, STORE_TIMEOUT_SECONDS, SharedState

TABLE = "texter_rate_limit"
COLUMNS = (
    "tat", "paused_until", "sent", "throttled", "cycle_started", "cycle_sent", "cycle_throttled",
    "last_sent", "learned", "version",
)  # fmt: skip
CREATE_TABLE = f"""CREATE TABLE IF NOT EXISTS {TABLE} (
    host VARCHAR(255) NOT NULL PRIMARY KEY,
    tat DOUBLE PRECISION NOT NULL, paused_until DOUBLE PRECISION NOT NULL,
    sent BIGINT NOT NULL, throttled BIGINT NOT NULL,
    cycle_started DOUBLE PRECISION NOT NULL, cycle_sent BIGINT NOT NULL, cycle_throttled BIGINT NOT NULL,
    last_sent DOUBLE PRECISION NOT NULL, learned VARCHAR(200), version INTEGER NOT NULL
)"""
TIMEOUT_MILLISECONDS = int(STORE_TIMEOUT_SECONDS * 1000)


@dataclass(frozen=True)
class Dialect:
    """What differs between databases: the clock in seconds since the epoch, how a transaction takes the
    row (``FOR UPDATE``, or SQLite's whole-database write lock), and how long a statement may wait."""

    clock: str
    begin: str | None
    lock_suffix: str
    session_setup: str


DIALECTS = {
    "postgresql": Dialect(
        "EXTRACT(EPOCH FROM clock_timestamp())", None, " FOR UPDATE",
        f"SET statement_timeout = {TIMEOUT_MILLISECONDS}",
    ),
    "mysql": Dialect(
        "UNIX_TIMESTAMP(NOW(6))", None, " FOR UPDATE",
        f"SET SESSION innodb_lock_wait_timeout = {max(1, TIMEOUT_MILLISECONDS // 1000)}",
    ),
    "sqlite": Dialect(
        "(julianday('now') - 2440587.5) * 86400.0", "BEGIN IMMEDIATE", "",
        f"PRAGMA busy_timeout = {TIMEOUT_MILLISECONDS}",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class Row:
    """A host's row as Python values."""

    tat: float = 0.0
    paused_until: float = 0.0
    sent: int = 0
    throttled: int = 0
    cycle_started: float = 0.0
    cycle_sent: int = 0
    cycle_throttled: int = 0
    last_sent: float = 0.0
    learned: str | None = None
    version: int = 0

    def state(self, now: float, first_slot: float | None = None) -> SharedState:
        return SharedState(
            now=now,
            first_slot=now if first_slot is None else first_slot,
            paused_until=self.paused_until,
            cycle=SendCycle(
                self.cycle_started, self.sent - self.cycle_sent, self.throttled - self.cycle_throttled
            ),
            learned=LearnedLimit.from_record(self.learned) if self.learned else None,
            version=self.version,
        )


class SqlRateStore:
    """``rate_limit_store.RateLimitStore`` in the table ``texter_rate_limit`` of a SQL connection."""

    def __init__(self, hook: Any) -> None:
        self._hook = hook
        dialect = DIALECTS.get(hook.dialect_name)
        if dialect is None:
            raise TexterConfigError(
                f"rate_limit_conn_id: a {hook.dialect_name!r} database cannot keep the shared rate limit; "
                f"use Redis or one of {', '.join(DIALECTS)}"
            )
        self._dialect = dialect
        self._connection: Any = None

    def reserve(self, host: str, count: int, interval: float) -> SharedState:
        def change(row: Row, now: float) -> tuple[Row, float]:
            first = max(row.tat, now, row.paused_until)
            if row.cycle_started == 0 or first - row.last_sent > IDLE_SECONDS:
                row = replace(row, cycle_started=first, cycle_sent=row.sent, cycle_throttled=row.throttled)
            last = first + (count - 1) * interval
            return replace(row, tat=first + count * interval, last_sent=last, sent=row.sent + count), first

        row, now, first = self._transaction(host, change)
        return row.state(now, first)

    def pause(self, host: str, seconds: float) -> SharedState:
        def change(row: Row, now: float) -> tuple[Row, float]:
            paused_until = max(row.paused_until, now + seconds)
            return replace(row, paused_until=paused_until, throttled=row.throttled + 1), now

        row, now, _ = self._transaction(host, change)
        return row.state(now)

    def learn(self, host: str, version: int, learned: LearnedLimit) -> bool:
        def change(row: Row, now: float) -> tuple[Row, float]:
            if row.version != version:
                return row, now
            return replace(
                row,
                learned=learned.as_record(),
                version=version + 1,
                cycle_started=learned.since,
                cycle_sent=row.sent,
                cycle_throttled=row.throttled,
            ), now

        row, _, _ = self._transaction(host, change)
        return row.version == version + 1 and row.learned == learned.as_record()

    def _transaction(self, host: str, change: Any) -> tuple[Row, float, float]:
        """Lock the host's row (created when missing), apply ``change(row, now)``, write it, commit."""
        connection = self._connect()
        try:
            cursor = connection.cursor()
            row, now = self._locked_row(connection, cursor, host)
            changed, moment = change(row, now)
            if changed != row:
                assignments = ", ".join(f"{column} = {self._hook.placeholder}" for column in COLUMNS)
                values = [getattr(changed, column) for column in COLUMNS]
                cursor.execute(
                    f"UPDATE {TABLE} SET {assignments} WHERE host = {self._hook.placeholder}", (*values, host)
                )
            connection.commit()
            cursor.close()
        except Exception:
            self._close()
            raise
        return changed, now, moment

    def _locked_row(self, connection: Any, cursor: Any, host: str) -> tuple[Row, float]:
        placeholder = self._hook.placeholder
        select = (
            f"SELECT {', '.join(COLUMNS)}, {self._dialect.clock} FROM {TABLE} "
            f"WHERE host = {placeholder}{self._dialect.lock_suffix}"
        )
        for _ in range(2):
            if self._dialect.begin:
                cursor.execute(self._dialect.begin)
            cursor.execute(select, (host,))
            found = cursor.fetchone()
            if found is not None:
                *values, now = found
                row = Row(*(_python_value(value) for value in values))
                if float(now) - row.last_sent > FORGET_AFTER_SECONDS and row.last_sent:
                    row = Row(version=row.version)  # nobody sent for long: start afresh
                return row, float(now)
            self._insert(connection, cursor, host)
        raise RuntimeError(f"{TABLE}: the row of {host!r} could not be created")

    def _insert(self, connection: Any, cursor: Any, host: str) -> None:
        """Add the host's row; another worker adding it at the same moment is as good."""
        placeholders = ", ".join([self._hook.placeholder] * (len(COLUMNS) + 1))
        try:
            cursor.execute(
                f"INSERT INTO {TABLE} (host, {', '.join(COLUMNS)}) VALUES ({placeholders})",
                (host, *(getattr(Row(), column) for column in COLUMNS)),
            )
            connection.commit()
        except Exception:
            connection.rollback()

    def _connect(self) -> Any:
        if self._connection is None:
            connection = self._hook.get_conn()
            cursor = connection.cursor()
            cursor.execute(self._dialect.session_setup)
            connection.commit()
            try:
                cursor.execute(CREATE_TABLE)
                connection.commit()
            except Exception:  # created by another worker at the same moment
                connection.rollback()
            cursor.close()
            self._connection = connection
        return self._connection

    def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with suppress(Exception):  # closing a connection that already broke
                connection.close()


def _python_value(value: Any) -> Any:
    """PostgreSQL answers NUMERIC as ``Decimal``: the Row's fields are floats, ints and text."""
    return float(value) if type(value).__name__ == "Decimal" else value
