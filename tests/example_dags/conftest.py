"""What the example DAGs run against: the sample chats in the sandbox, the sample customers in a warehouse.

The warehouse is the ``warehouse`` connection the DAGs use, on SQLite or on the local PostgreSQL (in a
fresh schema, dropped afterwards; skipped with the reason when no server answers).
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from types import ModuleType

import pytest

EXAMPLE_DAGS = Path(__file__).resolve().parents[2] / "example_dags"


@pytest.fixture
def sample_warehouse(monkeypatch) -> ModuleType:
    """The module that builds the sample data; it sits next to the DAGs, outside any package."""
    monkeypatch.syspath_prepend(str(EXAMPLE_DAGS))
    return importlib.import_module("sample_warehouse")


@pytest.fixture
def sample_chats(texter_connection, sample_warehouse) -> list[dict]:
    """The demo's chats, added to the sandbox that ``texter_default`` points at."""
    chats = sample_warehouse.sample_chats()
    for chat in chats:
        texter_connection.add_chat(chat)
    return chats


@pytest.fixture
def sqlite_customers(tmp_path, monkeypatch, sample_warehouse, sample_chats) -> list[tuple]:
    """The sample customers in a SQLite file behind ``warehouse``; returns the rows."""
    path = tmp_path / "warehouse.db"
    rows = sample_warehouse.create_sqlite_warehouse(path, sample_chats)
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", json.dumps({"conn_type": "sqlite", "host": str(path)}))
    return rows


@pytest.fixture
def postgres_customers(monkeypatch, postgres_connection, sample_warehouse, sample_chats) -> list[tuple]:
    """The sample customers in a fresh PostgreSQL schema behind ``warehouse``; returns the rows."""
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", json.dumps(postgres_connection))
    from airflow.sdk import BaseHook

    hook = BaseHook.get_connection("warehouse").get_hook()
    rows = sample_warehouse.sample_customers(sample_chats)
    hook.run(sample_warehouse.CREATE_CUSTOMERS)
    hook.insert_rows("customers", rows, target_fields=list(sample_warehouse.COLUMNS))
    return rows
