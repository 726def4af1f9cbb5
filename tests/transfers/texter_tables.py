"""Helpers for the TexterToSqlOperator tests: run it, and read its tables back alike on every dialect."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from airflow_provider_texter.transfers.texter_collections import COLLECTIONS
from airflow_provider_texter.transfers.texter_to_sql import TexterToSqlOperator
from airflow_provider_texter.transfers.texter_values import as_utc, utc_time


def read_into(warehouse, collection: str, table: str | None = None, **arguments) -> dict[str, Any]:
    """One run of the operator into ``table`` (``texter_<collection>`` by default); its XCom value."""
    operator = TexterToSqlOperator(
        task_id=f"{collection}_to_warehouse",
        conn_id=warehouse.conn_id,
        collection=collection,
        table=table or f"texter_{collection}",
        **arguments,
    )
    return operator.execute({"run_id": "test_run"})


def table_rows(warehouse, collection: str, table: str | None = None) -> list[dict[str, Any]]:
    """The table's rows as dicts, by key: JSON parsed, times aware UTC, booleans bool, on every dialect."""
    columns = COLLECTIONS[collection].columns
    key = ", ".join(COLLECTIONS[collection].key)
    names = ", ".join(column.name for column in columns)
    records = warehouse.records(f"SELECT {names} FROM {table or f'texter_{collection}'} ORDER BY {key}")
    return [
        {column.name: _plain(column.kind, value) for column, value in zip(columns, row, strict=True)}
        for row in records
    ]


def _plain(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "json":
        return json.loads(value) if isinstance(value, (str, bytes)) else value
    if kind == "timestamp":
        return as_utc(value) if isinstance(value, datetime) else utc_time(value)
    if kind == "boolean":
        return bool(value)
    return value
