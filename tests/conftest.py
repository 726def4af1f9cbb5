"""Shared test fixtures: a hook wired to the local sandbox through an AIRFLOW_CONN_* variable."""

from __future__ import annotations

import json
import logging
import os
import uuid

import pytest

# Before Airflow configures its logging: the tests read DEBUG lines (one per request) from stdout.
os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "DEBUG"
# Airflow logs at interpreter exit, after pytest closed the captured stream: not worth a traceback.
logging.raiseExceptions = False

from airflow_provider_texter.hooks.texter import TexterHook  # noqa: E402


@pytest.fixture
def connect(monkeypatch, texter_sandbox):
    """Point a connection id at the running sandbox (with optional extras) and return a fresh hook."""

    def connect(conn_id: str = "texter_default", *, token: str | None = None, **extra) -> TexterHook:
        conn = {"conn_type": "texter", "host": texter_sandbox.base_url, "extra": extra}
        conn["password"] = texter_sandbox.token if token is None else token
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))
        return TexterHook(texter_conn_id=conn_id)

    return connect


@pytest.fixture
def mariadb_connection() -> dict:
    """An Airflow connection (as a dict) to a fresh database in the local MariaDB, dropped afterwards.

    Skipped, with the reason, when no server answers on 127.0.0.1:3306 (user root, no password).
    """
    connector = pytest.importorskip("mysql.connector")
    try:
        admin = connector.connect(host="127.0.0.1", port=3306, user="root", password="", connection_timeout=3)
    except connector.Error as error:
        pytest.skip(f"MariaDB on 127.0.0.1:3306 is not reachable: {error}")
    database = f"texter_test_{uuid.uuid4().hex[:8]}"
    cursor = admin.cursor()
    cursor.execute(f"CREATE DATABASE {database}")
    try:
        yield {
            "conn_type": "mysql",
            "host": "127.0.0.1",
            "port": 3306,
            "login": "root",
            "password": "",
            "schema": database,
            "extra": {"client": "mysql-connector-python"},
        }
    finally:
        cursor.execute(f"DROP DATABASE {database}")
        admin.close()


@pytest.fixture
def postgres_connection() -> dict:
    """An Airflow connection (as a dict) to a fresh schema in the local PostgreSQL, dropped afterwards.

    Skipped, with the reason, when no server answers on 127.0.0.1:5432 (database ``test``).
    """
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(
            host="127.0.0.1", port=5432, user="postgres", dbname="test", connect_timeout=3, autocommit=True
        )
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL on 127.0.0.1:5432 (database test) is not reachable: {error}")
    schema = f"texter_test_{uuid.uuid4().hex[:8]}"
    admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield {
            "conn_type": "postgres",
            "host": "127.0.0.1",
            "port": 5432,
            "login": "postgres",
            "schema": "test",
            "extra": {"options": f"-c search_path={schema}"},
        }
    finally:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()
