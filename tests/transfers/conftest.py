"""Warehouses for the transfer tests: a SQLite file, and the local PostgreSQL when it answers."""

from __future__ import annotations

import json
import sqlite3

import pytest


class Warehouse:
    """A SQL connection id plus a way to load a table into it."""

    def __init__(self, conn_id: str, hook):
        self.conn_id = conn_id
        self.hook = hook

    def load(self, table: str, columns: dict[str, str], rows: list[tuple]) -> None:
        definition = ", ".join(f"{name} {kind}" for name, kind in columns.items())
        self.hook.run(f"CREATE TABLE {table} ({definition})")
        if rows:
            self.hook.insert_rows(table, rows, target_fields=list(columns))

    def records(self, sql: str) -> list[tuple]:
        return [tuple(row) for row in self.hook.get_records(sql)]


@pytest.fixture
def sqlite_warehouse(tmp_path, monkeypatch) -> Warehouse:
    path = tmp_path / "warehouse.db"
    sqlite3.connect(path).close()
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", json.dumps({"conn_type": "sqlite", "host": str(path)}))
    from airflow.sdk import BaseHook

    return Warehouse("warehouse", BaseHook.get_connection("warehouse").get_hook())


@pytest.fixture
def mariadb_warehouse(monkeypatch, mariadb_connection) -> Warehouse:
    """A fresh database in the local MariaDB behind ``warehouse_my``; skipped when no server answers."""
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE_MY", json.dumps(mariadb_connection))
    from airflow.sdk import BaseHook

    return Warehouse("warehouse_my", BaseHook.get_connection("warehouse_my").get_hook())


@pytest.fixture
def postgres_warehouse(monkeypatch, postgres_connection) -> Warehouse:
    """A fresh schema in the local PostgreSQL behind ``warehouse_pg``; skipped when no server answers."""
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE_PG", json.dumps(postgres_connection))
    from airflow.sdk import BaseHook

    return Warehouse("warehouse_pg", BaseHook.get_connection("warehouse_pg").get_hook())


@pytest.fixture
def hook(connect):
    """The ``texter_default`` connection to the sandbox, with short back-offs."""
    return connect(backoff_factor=0.01)


@pytest.fixture(params=["sqlite_warehouse", "postgres_warehouse", "mariadb_warehouse"])
def warehouse(request) -> Warehouse:
    """Each real warehouse dialect in turn."""
    return request.getfixturevalue(request.param)
