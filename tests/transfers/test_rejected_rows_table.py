"""The rejected-rows table: each row names the DAG, task and run that rejected it, as syncs share it."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

from airflow.sdk import DAG

from airflow_provider_texter.transfers.sql_to_texter import SqlToTexterOperator

TABLE = "texter_rejected_rows"
NO_SUCH_CHAT = "ffffffffffffffffffffffff"
# The table as the version before dag_id and task_id created it (on MariaDB it needs the quotes it lacked).
PREVIOUS_COLUMNS = {
    "run_id": "TEXT", "row_number": "INTEGER", "chat_key": "TEXT", "chat_id": "TEXT", "status": "TEXT",
    "reason": "TEXT", "row_json": "TEXT", "rejected_at": "TEXT",
}  # fmt: skip
PREVIOUS_ROW = ("old_run", 1, "chat_id=x", None, "failed", "an old reason", "{}", "2000-01-01T00:00:00+00:00")


def create_previous_table(warehouse) -> None:
    quoted = {warehouse.hook.escape_word_format.format(name): kind for name, kind in PREVIOUS_COLUMNS.items()}
    warehouse.hook.run(f"CREATE TABLE {TABLE} ({', '.join(f'{n} {k}' for n, k in quoted.items())})")
    marks = ", ".join([warehouse.hook.placeholder] * len(PREVIOUS_ROW))
    warehouse.hook.run(f"INSERT INTO {TABLE} ({', '.join(quoted)}) VALUES ({marks})", parameters=PREVIOUS_ROW)


def sync(warehouse, task_id: str, run_id: str, dag_id: str = "texter_crm") -> None:
    with DAG(dag_id, schedule=None, start_date=datetime(2026, 1, 1, tzinfo=timezone.utc)):
        operator = SqlToTexterOperator(
            task_id=task_id, conn_id=warehouse.conn_id, sql="SELECT chat_id, plan FROM customers",
            chat_id_column="chat_id", max_failed_rows=1, rejected_rows_table=TABLE,
        )  # fmt: skip
    operator.execute({"run_id": run_id})


def test_a_previous_table_gains_dag_and_task_and_shared_syncs_are_told_apart(warehouse, hook):
    create_previous_table(warehouse)
    warehouse.load("customers", {"chat_id": "VARCHAR(40)", "plan": "VARCHAR(20)"}, [(NO_SUCH_CHAT, "pro")])
    sync(warehouse, "sync_by_chat_id", "run_2")
    sync(warehouse, "sync_by_phone", "run_2")
    sync(warehouse, "sync_by_chat_id", "run_1", dag_id="texter_other")

    stored = warehouse.records(
        f"SELECT dag_id, task_id, run_id, chat_key, status FROM {TABLE} ORDER BY rejected_at, task_id"
    )
    assert stored[0] == (None, None, "old_run", "chat_id=x", "failed")
    assert sorted(stored[1:]) == [
        ("texter_crm", "sync_by_chat_id", "run_2", f"chat_id={NO_SUCH_CHAT}", "failed"),
        ("texter_crm", "sync_by_phone", "run_2", f"chat_id={NO_SUCH_CHAT}", "failed"),
        ("texter_other", "sync_by_chat_id", "run_1", f"chat_id={NO_SUCH_CHAT}", "failed"),
    ]


def test_the_demo_shows_only_the_last_runs_rejected_rows_and_where_they_came_from(
    sqlite_warehouse, hook, capsys
):
    sqlite_warehouse.load("customers", {"chat_id": "TEXT", "plan": "TEXT"}, [(NO_SUCH_CHAT, "pro")])
    sync(sqlite_warehouse, "sync_by_chat_id", "scheduled__2026-01-01")
    sync(sqlite_warehouse, "sync_by_chat_id", "scheduled__2026-01-02")
    sys.path.insert(0, str(Path(__file__).parents[2] / "scripts"))
    try:
        from demo import show_rejected_rows
    finally:
        sys.path.pop(0)

    show_rejected_rows(Path(sqlite_warehouse.hook.get_connection("warehouse").host))

    shown = capsys.readouterr().out
    assert "the last run of texter_crm (scheduled__2026-01-02)" in shown
    assert "scheduled__2026-01-01" not in shown
    assert shown.count(f"sync_by_chat_id: failed    chat_id={NO_SUCH_CHAT}") == 1
