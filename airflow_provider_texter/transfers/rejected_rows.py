"""Keep the rows a run could not write in a table next to the source data, to query and retry them.

Rows are appended in batches as the run goes, so a run with a million bad rows holds only one batch
in memory and loses none of them. Each row names the DAG, task and run it came from: syncs share one table.
"""

from __future__ import annotations

import json
import re
import threading
import time
from typing import Any

from airflow_provider_texter.exceptions import TexterValidationError
from airflow_provider_texter.transfers.sql_rows import add_missing_column, execute, execute_many

TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
COLUMNS = {
    "dag_id": "TEXT", "task_id": "TEXT", "run_id": "TEXT", "row_number": "INTEGER", "chat_key": "TEXT",
    "chat_id": "TEXT", "status": "TEXT", "reason": "TEXT", "row_json": "TEXT", "rejected_at": "TEXT",
}  # fmt: skip
ADDED_SINCE_THE_FIRST_VERSION = ("dag_id", "task_id")
BATCH_SIZE = 1000
FLUSH_EVERY_SECONDS = 5.0


def check_table_name(table: str, *, field: str = "rejected_rows_table") -> str:
    """Only ``table`` or ``schema.table`` made of letters, digits and ``_``: the name goes into SQL."""
    if not isinstance(table, str) or not TABLE_NAME.match(table):
        raise TexterValidationError([f"{field}: {table!r} is not a plain table or schema.table name"])
    return table


class RejectedRowsTable:
    """Appends rejected rows to ``table`` (created if missing) on ``connection``, each with the
    ``dag_id``, ``task_id`` and ``run_id`` of the run that rejected it.

    ``add`` is thread-safe (workers call it); ``flush_if_due`` and ``flush`` run on the thread that
    owns the connection. ``placeholder`` and ``escape_word_format`` are the SQL hook's: column names are
    quoted, since ``row_number`` is a reserved word in MySQL and MariaDB.
    """

    def __init__(
        self,
        connection: Any,
        table: str,
        run_id: str,
        *,
        placeholder: str,
        dag_id: str,
        task_id: str,
        escape_word_format: str,
    ) -> None:
        self.connection = connection
        self.table = check_table_name(table)
        self.run_id = run_id
        self.dag_id = dag_id
        self.task_id = task_id
        self.placeholder = placeholder
        self.escape_word_format = escape_word_format
        self.written = 0
        self._lock = threading.Lock()
        self._pending: list[dict[str, Any]] = []
        self._last_flush = time.monotonic()

    def create(self) -> None:
        """Create the table if missing; one an older version created gains the columns it lacks."""
        columns = ", ".join(f"{self._quoted(column)} {kind}" for column, kind in COLUMNS.items())
        execute(self.connection, f"CREATE TABLE IF NOT EXISTS {self.table} ({columns})")
        self.connection.commit()
        for column in ADDED_SINCE_THE_FIRST_VERSION:
            add_missing_column(self.connection, self.table, column, COLUMNS[column])

    def add(self, item: dict[str, Any]) -> None:
        with self._lock:
            self._pending.append(item)

    def flush_if_due(self) -> None:
        pending = len(self._pending)  # a racy read is fine: flush() takes the lock
        if pending >= BATCH_SIZE or (pending and time.monotonic() - self._last_flush >= FLUSH_EVERY_SECONDS):
            self.flush()

    def flush(self) -> None:
        with self._lock:
            items, self._pending = self._pending, []
        self._last_flush = time.monotonic()
        if not items:
            return
        rows = [
            (self.dag_id, self.task_id, self.run_id, item["row_number"], item["chat_key"],
             item.get("chat_id"), item["status"], item["reason"], json.dumps(item["row"], sort_keys=True),
             item["rejected_at"])
            for item in items
        ]  # fmt: skip
        names = ", ".join(self._quoted(column) for column in COLUMNS)
        marks = ", ".join([self.placeholder] * len(COLUMNS))
        execute_many(self.connection, f"INSERT INTO {self.table} ({names}) VALUES ({marks})", rows)
        self.connection.commit()
        self.written += len(rows)

    def _quoted(self, column: str) -> str:
        return self.escape_word_format.format(column)
