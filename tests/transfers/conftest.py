"""Warehouses for the transfer tests: a SQLite file, and the local PostgreSQL when it answers."""

from __future__ import annotations

import json
import sqlite3
import uuid

import pytest

POSTGRES = {"conn_type": "postgres", "host": "127.0.0.1", "port": 5432, "login": "postgres", "schema": "test"}


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
def postgres_warehouse(monkeypatch) -> Warehouse:
    """A fresh schema in the local PostgreSQL, set as the connection's search path; skipped if no server."""
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(
            host="127.0.0.1", port=5432, user="postgres", dbname="test", connect_timeout=3
        )
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL on 127.0.0.1:5432 (database test) is not reachable: {error}")
    schema = f"texter_test_{uuid.uuid4().hex[:8]}"
    admin.autocommit = True
    admin.execute(f"CREATE SCHEMA {schema}")
    conn = dict(POSTGRES, extra={"options": f"-c search_path={schema}"})
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE_PG", json.dumps(conn))
    from airflow.sdk import BaseHook

    yield Warehouse("warehouse_pg", BaseHook.get_connection("warehouse_pg").get_hook())
    admin.execute(f"DROP SCHEMA {schema} CASCADE")
    admin.close()
