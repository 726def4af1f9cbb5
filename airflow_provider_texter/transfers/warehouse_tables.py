"""The warehouse side of ``TexterToSqlOperator``: the table, its staging twin, the snapshot swap and upserts.

A snapshot is written into ``<table>_staging`` (dropped and created afresh each run; a page seen twice
replaces its rows there), then one transaction takes over carried columns, deletes the table's rows and
copies the staging rows in: readers see the old snapshot or the new one, never half, and a run that dies
before that commit leaves the table as it was. Only DML runs in that transaction: MySQL commits on DDL.
Upserts are delete-then-insert by key in one transaction per batch, plain enough for every dialect.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from airflow_provider_texter.exceptions import TexterValidationError
from airflow_provider_texter.transfers.rejected_rows import check_table_name
from airflow_provider_texter.transfers.sql_rows import execute, execute_many
from airflow_provider_texter.transfers.texter_collections import Collection, ColumnKind, Row
from airflow_provider_texter.transfers.texter_values import as_utc

STAGING_SUFFIX = "_staging"
MAX_IDENTIFIER_LENGTH = 63  # PostgreSQL's; MySQL allows 64, SQLite more
KEY_BATCH = 500  # keys per DELETE ... IN (...): far below every driver's parameter limit
# The type of each kind of column per dialect; "other": types most databases take (create the table
# yourself when they do not fit: an existing table is used as it is).
DIALECTS = ("sqlite", "postgresql", "mysql", "other")
COLUMN_TYPES: dict[ColumnKind, tuple[str, str, str, str]] = {
    "key": ("TEXT", "TEXT", "VARCHAR(255)", "VARCHAR(255)"),
    "text": ("TEXT", "TEXT", "TEXT", "TEXT"),
    "json": ("TEXT", "JSONB", "JSON", "TEXT"),
    "boolean": ("INTEGER", "BOOLEAN", "BOOLEAN", "BOOLEAN"),
    "integer": ("INTEGER", "INTEGER", "INTEGER", "INTEGER"),
    "timestamp": ("TEXT", "TIMESTAMPTZ", "DATETIME(3)", "TIMESTAMP"),
}
DIALECT_NAMES = {"sqlite": "sqlite", "postgresql": "postgresql", "postgres": "postgresql", "mysql": "mysql"}


def check_warehouse_table_name(table: Any) -> str:
    """A plain ``table`` or ``schema.table`` whose staging twin's name still fits every database."""
    check_table_name(table, field="table")
    longest = MAX_IDENTIFIER_LENGTH - len(STAGING_SUFFIX)
    if len(table.split(".")[-1]) > longest:
        raise TexterValidationError(
            [f"table: {table!r} is too long: at most {longest} characters, so {table}{STAGING_SUFFIX} fits"]
        )
    return table


class WarehouseTable:
    """The table a collection is read into, on one DB-API connection used from one thread.

    :param dialect: the hook's ``dialect_name``; it picks column types and how times are written.
    :param placeholder: the driver's parameter marker (``?`` or ``%s``), from the hook.
    """

    def __init__(
        self, connection: Any, table: str, collection: Collection, *, dialect: str | None, placeholder: str
    ) -> None:
        self.connection = connection
        self.table = check_warehouse_table_name(table)
        self.staging = table + STAGING_SUFFIX
        self.collection = collection
        self.dialect = DIALECT_NAMES.get(dialect or "", "other")
        self.placeholder = placeholder
        self._time_positions = [
            position for position, column in enumerate(collection.columns) if column.kind == "timestamp"
        ]

    def create(self) -> None:
        """The table, if missing, with the collection's columns and its key as primary key."""
        self._create(self.table, if_missing=True)
        self.connection.commit()

    def start_snapshot(self) -> None:
        """An empty staging table (one a killed run left behind is dropped first)."""
        execute(self.connection, f"DROP TABLE IF EXISTS {self.staging}")
        self._create(self.staging, if_missing=False)
        self.connection.commit()

    def stage(self, rows: Sequence[Row]) -> None:
        """Write rows into the staging table, replacing rows with the same key; committed."""
        self._replace_rows(self.staging, rows)

    def staged_count(self) -> int:
        return int(execute(self.connection, f"SELECT COUNT(*) FROM {self.staging}", fetch=True)[0][0])

    def swap(self) -> int:
        """Make the staged snapshot the table's contents in one transaction; the number of rows."""
        for column in self.collection.carried:
            self._carry(column)
        columns = ", ".join(self.collection.column_names)
        execute(self.connection, f"DELETE FROM {self.table}")
        count = execute(
            self.connection, f"INSERT INTO {self.table} ({columns}) SELECT {columns} FROM {self.staging}"
        )
        self.connection.commit()
        execute(self.connection, f"DROP TABLE {self.staging}")
        self.connection.commit()
        return count if count >= 0 else self.count()

    def upsert(self, rows: Sequence[Row]) -> None:
        """Insert rows, replacing those with the same key, in one transaction."""
        self._replace_rows(self.table, rows)

    def count(self) -> int:
        return int(execute(self.connection, f"SELECT COUNT(*) FROM {self.table}", fetch=True)[0][0])

    def _create(self, table: str, *, if_missing: bool) -> None:
        dialect = DIALECTS.index(self.dialect)
        columns = [
            f"{column.name} {COLUMN_TYPES[column.kind][dialect]}"
            + (" NOT NULL" if column.name in self.collection.key else "")
            for column in self.collection.columns
        ]
        exists = "IF NOT EXISTS " if if_missing else ""
        key = ", ".join(self.collection.key)
        execute(self.connection, f"CREATE TABLE {exists}{table} ({', '.join(columns)}, PRIMARY KEY ({key}))")

    def _replace_rows(self, table: str, rows: Sequence[Row]) -> None:
        if not rows:
            return
        positions = [self.collection.column_names.index(name) for name in self.collection.key]
        latest = {
            tuple(row[position] for position in positions): row for row in rows
        }  # a key twice: last wins
        keys = list(latest)
        for start in range(0, len(keys), KEY_BATCH):
            self._delete_keys(table, keys[start : start + KEY_BATCH])
        marks = ", ".join([self.placeholder] * len(self.collection.columns))
        columns = ", ".join(self.collection.column_names)
        rows_written = [self._written(row) for row in latest.values()]
        execute_many(self.connection, f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows_written)
        self.connection.commit()

    def _delete_keys(self, table: str, keys: list[tuple[Any, ...]]) -> None:
        if len(self.collection.key) == 1:
            condition = f"{self.collection.key[0]} IN ({', '.join([self.placeholder] * len(keys))})"
        else:
            matches = " AND ".join(f"{name} = {self.placeholder}" for name in self.collection.key)
            condition = " OR ".join([f"({matches})"] * len(keys))
        execute(
            self.connection,
            f"DELETE FROM {table} WHERE {condition}",
            [value for key in keys for value in key],
        )

    def _carry(self, column: str) -> None:
        """Take ``column`` over from the table's row with the same key, where there is one."""
        matches = " AND ".join(f"kept.{name} = {self.staging}.{name}" for name in self.collection.key)
        execute(
            self.connection,
            f"UPDATE {self.staging} SET {column} = COALESCE("
            f"(SELECT kept.{column} FROM {self.table} kept WHERE {matches}), {column})",
        )

    def _written(self, row: Row) -> Row:
        """Times as each database stores them: aware UTC for PostgreSQL, naive UTC for MySQL's DATETIME,
        ISO text for SQLite (which has no time type)."""
        values = list(row)
        for position in self._time_positions:
            if values[position] is not None:
                values[position] = self._time(values[position])
        return tuple(values)

    def _time(self, moment: datetime) -> Any:
        moment = as_utc(moment)
        if self.dialect == "postgresql":
            return moment
        if self.dialect == "sqlite":
            return moment.isoformat(timespec="milliseconds")
        return moment.replace(tzinfo=None)
