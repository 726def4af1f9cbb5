"""Stateful SqlToTexterOperator: only new and changed rows are sent, and a dead run resumes.

Real SQL (SQLite, PostgreSQL, MariaDB) and real HTTP against the sandbox; requests are counted on
the sandbox's side.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from transfers.test_sql_to_texter import crm_writes, seed

from airflow_provider_texter.sandbox import make_chat
from airflow_provider_texter.transfers.sql_to_texter import SqlToTexterOperator
from airflow_provider_texter.transfers.sync_lease import SyncBusyError, SyncLease

CUSTOMERS = {"chat_id": "VARCHAR(40)", "plan": "VARCHAR(20)", "score": "INTEGER"}
SQL = "SELECT chat_id, plan, score FROM customers ORDER BY chat_id"


def sync(warehouse, run_id="run_1", **arguments):
    arguments = {"sql": SQL, "chat_id_column": "chat_id", "state_table": "texter_state", **arguments}
    operator = SqlToTexterOperator(task_id="sync", conn_id=warehouse.conn_id, **arguments)
    return operator.execute({"run_id": run_id})


def writes(sandbox) -> int:
    return sum(crm_writes(sandbox).values())


@pytest.fixture
def customers(warehouse, texter_sandbox, hook):
    chat_ids = seed(texter_sandbox, 20)
    warehouse.load(
        "customers", CUSTOMERS, [(chat_id, "free", index) for index, chat_id in enumerate(chat_ids)]
    )
    return chat_ids


def test_second_run_sends_only_what_changed(warehouse, customers, texter_sandbox):
    first = sync(warehouse)
    assert (first["sent"], first["unchanged"], first["removed"]) == (20, 0, 0)

    texter_sandbox.clear_requests()
    second = sync(warehouse, run_id="run_2")
    assert (second["rows_read"], second["sent"], second["unchanged"]) == (20, 0, 20)
    assert texter_sandbox.requests == []

    warehouse.hook.run(
        f"UPDATE customers SET plan = 'pro' WHERE chat_id IN ('{customers[3]}', '{customers[7]}')"
    )
    warehouse.hook.run(f"DELETE FROM customers WHERE chat_id = '{customers[0]}'")
    third = sync(warehouse, run_id="run_3")
    assert (third["rows_read"], third["sent"], third["unchanged"], third["removed"]) == (19, 2, 17, 1)
    assert crm_writes(texter_sandbox) == {customers[3]: 1, customers[7]: 1}
    assert texter_sandbox.chat(customers[3])["crmData"]["plan"] == "pro"


def test_changing_the_mapping_or_merging_mode_resends(warehouse, customers, texter_sandbox):
    sync(warehouse)
    texter_sandbox.clear_requests()
    assert sync(warehouse, column_map={"score": "customer.score"})["sent"] == 20
    assert texter_sandbox.chat(customers[5])["crmData"]["customer"] == {"score": 5}
    assert sync(warehouse, column_map={"score": "customer.score"})["sent"] == 0
    assert sync(warehouse, column_map={"score": "customer.score"}, merging_mode="assign")["sent"] == 20


def test_full_refresh_sends_every_row_and_keeps_the_state(warehouse, customers, texter_sandbox):
    sync(warehouse)
    texter_sandbox.clear_requests()
    assert sync(warehouse, full_refresh="True")["sent"] == 20  # as "{{ params.full_refresh }}" renders
    assert writes(texter_sandbox) == 20
    assert sync(warehouse, full_refresh=False)["sent"] == 0


def test_failed_and_unmatched_rows_are_tried_again(sqlite_warehouse, texter_sandbox, hook):
    dana = texter_sandbox.add_chat(make_chat("972521234567"))["_id"]
    rows = [("+972521234567", "pro"), ("+972541112222", "pro"), ("+972521230000", "gold")]
    sqlite_warehouse.load("people", {"phone": "TEXT", "plan": "TEXT"}, rows)
    arguments = {
        "sql": "SELECT phone, plan FROM people",
        "phone_column": "phone",
        "chat_id_column": None,
        "data_schema": {"properties": {"plan": {"enum": ["free", "pro"]}}},
        "max_failed_rows": 1,
    }
    texter_sandbox.add_chat(make_chat("972521230000"))
    first = sync(sqlite_warehouse, **arguments)
    assert (first["succeeded"], first["failed"], first["unmatched"]) == (1, 1, 1)

    noa = texter_sandbox.add_chat(make_chat("972541112222"))["_id"]  # the contact wrote to us meanwhile
    texter_sandbox.clear_requests()
    second = sync(sqlite_warehouse, run_id="run_2", **arguments)
    assert (second["succeeded"], second["failed"], second["unchanged"]) == (1, 1, 1)
    assert second["failed_rows"][0]["row"]["plan"] == "gold"  # the same bad row, reported again
    assert crm_writes(texter_sandbox) == {noa: 1}
    assert dana not in crm_writes(texter_sandbox)


def test_phone_keyed_sync_does_not_search_unchanged_rows(sqlite_warehouse, texter_sandbox, hook):
    for index in range(5):
        texter_sandbox.add_chat(make_chat(f"97252123000{index}"))
    rows = [(f"052-123-000{index}", "pro") for index in range(5)]
    sqlite_warehouse.load("people", {"phone": "TEXT", "plan": "TEXT"}, rows)
    arguments = {"sql": "SELECT phone, plan FROM people", "phone_column": "phone", "chat_id_column": None,
                 "default_region": "IL"}  # fmt: skip
    assert sync(sqlite_warehouse, **arguments)["sent"] == 5
    texter_sandbox.clear_requests()
    sqlite_warehouse.hook.run("UPDATE people SET phone = '+972 52-123-0000' WHERE phone = '052-123-0000'")
    second = sync(sqlite_warehouse, run_id="run_2", **arguments)  # another spelling of the same number
    assert (second["sent"], second["unchanged"], second["removed"]) == (0, 5, 0)
    assert texter_sandbox.requests == []


def test_duplicate_keys_are_refused_in_a_stateful_sync(sqlite_warehouse, texter_sandbox, hook):
    [chat_id] = seed(texter_sandbox, 1)
    sqlite_warehouse.load("customers", CUSTOMERS, [(chat_id, "free", 1), (chat_id, "pro", 2)])
    result = sync(sqlite_warehouse, max_failed_rows=1)
    assert (result["succeeded"], result["failed"]) == (1, 1)
    assert "appears more than once in the result" in result["failed_rows"][0]["reason"]


def test_a_key_repeated_batches_later_is_refused_also_on_its_first_run(warehouse, texter_sandbox, hook):
    chat_ids = seed(texter_sandbox, 4)
    rows = [(chat_id, "free", index) for index, chat_id in enumerate(chat_ids)] + [(chat_ids[0], "pro", 9)]
    warehouse.load("customers", CUSTOMERS, rows)
    sql = "SELECT chat_id, plan, score FROM customers ORDER BY score"
    result = sync(warehouse, sql=sql, batch_size=2, max_failed_rows=1)  # the repeat is two batches later
    assert (result["succeeded"], result["failed"]) == (4, 1)
    assert result["failed_rows"][0]["row_number"] == 5
    assert "appears more than once in the result" in result["failed_rows"][0]["reason"]
    assert texter_sandbox.chat(chat_ids[0])["crmData"] == {"plan": "free", "score": 0}
    second = sync(warehouse, run_id="run_2", sql=sql, batch_size=2, max_failed_rows=1)
    assert (second["unchanged"], second["failed"], second["removed"]) == (4, 1, 0)


def test_preview_reads_the_state_and_writes_nothing(warehouse, customers, texter_sandbox):
    preview = sync(warehouse, preview=True)
    assert (preview["dry_run"], preview["succeeded"], preview["unchanged"]) == (True, 20, 0)
    sync(warehouse)
    warehouse.hook.run(f"UPDATE customers SET plan = 'pro' WHERE chat_id = '{customers[3]}'")
    state_before = warehouse.records("SELECT row_key, fingerprint, confirmed_at FROM texter_state ORDER BY 1")
    texter_sandbox.clear_requests()
    preview = sync(warehouse, run_id="run_2", preview=True)
    assert (preview["succeeded"], preview["unchanged"]) == (1, 19)
    assert texter_sandbox.requests == []
    assert (
        warehouse.records("SELECT row_key, fingerprint, confirmed_at FROM texter_state ORDER BY 1")
        == state_before
    )


def test_a_preview_does_not_create_the_state_table(sqlite_warehouse, texter_sandbox, hook):
    seed(texter_sandbox, 1)
    sqlite_warehouse.load("customers", CUSTOMERS, [])
    sync(sqlite_warehouse, preview=True)
    tables = sqlite_warehouse.records("SELECT name FROM sqlite_master WHERE type = 'table'")
    assert tables == [("customers",)]


def lease(warehouse, owner, holder="DAG 'other' run 'x'"):
    return SyncLease(warehouse.hook.get_conn(), "texter_state_lease", "adhoc_airflow.sync", owner=owner,
                     holder=holder, placeholder=warehouse.hook.placeholder)  # fmt: skip


def test_a_second_run_of_the_same_sync_is_refused_until_the_lease_expires(
    warehouse, customers, texter_sandbox
):
    sync(warehouse)  # creates the tables, then releases the lease
    other = lease(warehouse, "other|sync|x|-1")
    other.claim()
    with pytest.raises(SyncBusyError, match="sync 'adhoc_airflow.sync' is running in DAG 'other' run 'x'"):
        sync(warehouse, run_id="run_2")
    other.connection.cursor().execute("UPDATE texter_state_lease SET expires_at = 1")  # its worker was killed
    other.connection.commit()
    assert sync(warehouse, run_id="run_2")["unchanged"] == 20
    assert sync(warehouse, run_id="run_3", sync_id="another_sync")["sent"] == 20  # other syncs never wait


def test_a_retry_of_the_same_task_takes_over_its_own_lease(warehouse, customers, texter_sandbox):
    sync(warehouse)
    lease(warehouse, "adhoc_airflow|sync|run_2|-1").claim()  # try 1 of run_2 died holding the lease
    assert sync(warehouse, run_id="run_2")["unchanged"] == 20


CRASHING_RUN = textwrap.dedent("""
    from airflow_provider_texter.transfers.sql_to_texter import SqlToTexterOperator
    SqlToTexterOperator(task_id="sync", conn_id="warehouse", sql="SELECT chat_id, plan, score FROM customers",
                        chat_id_column="chat_id", state_table="texter_state", batch_size=50,
                        max_workers=4).execute({"run_id": "run_1"})
""")


def test_a_killed_run_resumes_with_only_the_unconfirmed_rows(sqlite_warehouse, texter_sandbox, hook):
    rows = 600
    chat_ids = seed(texter_sandbox, rows)
    sqlite_warehouse.load("customers", CUSTOMERS, [(chat_id, "free", 1) for chat_id in chat_ids])
    texter_sandbox.latency_ms = 10
    worker = subprocess.Popen([sys.executable, "-c", CRASHING_RUN], env=os.environ.copy(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 60
    while writes(texter_sandbox) < rows // 2 and time.monotonic() < deadline and worker.poll() is None:
        time.sleep(0.01)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    time.sleep(0.1)  # requests the dead client left in flight land
    written_before = writes(texter_sandbox)
    [(confirmed,)] = sqlite_warehouse.records("SELECT COUNT(*) FROM texter_state")
    assert rows // 2 <= written_before < rows and confirmed <= written_before

    texter_sandbox.clear_requests()
    texter_sandbox.latency_ms = 0
    resumed = SqlToTexterOperator(
        task_id="sync", conn_id="warehouse", sql="SELECT chat_id, plan, score FROM customers",
        chat_id_column="chat_id", state_table="texter_state", batch_size=50, max_workers=4,
    ).execute({"run_id": "run_1"})  # fmt: skip
    assert resumed["sent"] == writes(texter_sandbox) == rows - confirmed
    # unconfirmed + at most one batch and one row per worker uncommitted + one per worker in flight
    assert resumed["sent"] <= rows - written_before + 50 + 2 * 4
    assert all(
        texter_sandbox.chat(chat_id)["crmData"] == {"plan": "free", "score": 1} for chat_id in chat_ids
    )


def test_a_connection_that_cannot_create_the_temporary_table_is_a_clear_error(tmp_path):
    import sqlite3

    from airflow_provider_texter.exceptions import TexterPermanentError
    from airflow_provider_texter.transfers.sync_state import SyncState

    connection = sqlite3.connect(tmp_path / "state.db")
    state = SyncState(connection, "texter_state", "sync", placeholder="?")
    connection.execute(f"CREATE TEMPORARY TABLE {state.seen_table} (row_key TEXT)")  # the name is taken
    with pytest.raises(
        TexterPermanentError, match=f"could not create the temporary table {state.seen_table}"
    ):
        state.create()
    assert connection.execute("SELECT COUNT(*) FROM texter_state").fetchone() == (
        0,
    )  # the state table is made
