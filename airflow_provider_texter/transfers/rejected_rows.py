"""Keep the rows a run could not write in a table next to the source data, to query and retry them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from airflow_provider_texter.exceptions import TexterValidationError

TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
COLUMNS = ("run_id", "row_number", "chat_key", "chat_id", "status", "reason", "row_json", "rejected_at")


def check_table_name(table: str, *, field: str = "rejected_rows_table") -> str:
    """Only ``table`` or ``schema.table`` made of letters, digits and ``_``: the name goes into SQL."""
    if not isinstance(table, str) or not TABLE_NAME.match(table):
        raise TexterValidationError([f"{field}: {table!r} is not a plain table or schema.table name"])
    return table


def write_rejected_rows(db_hook: Any, table: str, run_id: str, rejected: Iterable[dict[str, Any]]) -> int:
    """Create the table when missing and append one line per rejected row; returns how many were written."""
    table = check_table_name(table)
    db_hook.run(
        f"CREATE TABLE IF NOT EXISTS {table} (run_id TEXT, row_number INTEGER, chat_key TEXT, chat_id TEXT, "
        "status TEXT, reason TEXT, row_json TEXT, rejected_at TEXT)"
    )
    rows = [
        (
            run_id,
            item["row_number"],
            item["chat_key"],
            item.get("chat_id"),
            item["status"],
            item["reason"],
            json.dumps(item["row"], sort_keys=True),
            item["rejected_at"],
        )
        for item in rejected
    ]
    if rows:
        db_hook.insert_rows(table, rows, target_fields=list(COLUMNS), commit_every=1000)
    return len(rows)
