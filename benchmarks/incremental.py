"""``python -m benchmarks.incremental``: the nightly run of a stateful sync, where little or nothing changed.

Each case is a client process (pinned to one core) running ``SqlToTexterOperator(state_table=...)``
over N warehouse rows whose state a previous run left: every row's fingerprint is in the state
table, computed by the operator's own ``RowMapper`` and ``request_fingerprint``, as a completed run
writes them. Every 100th row names one of the chats the sandbox serves; the others name chats that
do not exist, so a row sent by mistake fails and shows. The ``1 %`` cases change exactly those rows.

Options: ``--quick`` (N = 1,000 and 20,000), ``--postgres`` (also the local PostgreSQL, 1,000,000 rows,
analyzed after loading as autovacuum would), ``--no-sqlite``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from airflow_provider_texter.sandbox.chats import generate_chats
from airflow_provider_texter.transfers.sync_state import SyncState
from benchmarks.runner import ROOT, cores
from benchmarks.sandbox_process import TOKEN, pinned_to, running_sandbox

SIZES = (1_000, 1_000_000)
QUICK_SIZES = (1_000, 20_000)
CHANGED_EVERY = 100
SYNC_ID = "bench"
COLUMNS = ("chat_id", "plan", "lifetime_value", "lead_id")
QUERY = "SELECT chat_id, plan, lifetime_value, lead_id FROM customers ORDER BY lead_id"
STATE_COLUMNS = "sync_id, row_key, fingerprint, chat_ids, last_seen, confirmed_at"
POSTGRES = {"conn_type": "postgres", "host": "127.0.0.1", "port": 5432, "login": "postgres", "schema": "test"}
HEADER = ("case", "N", "changed", "requests", "failed", "rows/s", "peak RSS MB", "seconds")


def customer_rows(count: int) -> Iterator[tuple[Any, ...]]:
    """Rows of ``customers``: every ``CHANGED_EVERY``-th names a sandbox chat, the rest unknown chats."""
    known = iter(generate_chats(count // CHANGED_EVERY + 1, seed=0))
    for lead_id in range(count):
        chat_id = next(known)["_id"] if lead_id % CHANGED_EVERY == 0 else f"{lead_id:024x}"
        yield chat_id, ("free", "pro", "premium")[lead_id % 3], round(lead_id * 0.37, 2), lead_id


def previous_run_state(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """The state rows a completed run over ``rows`` leaves, from the operator's own mapping and digest."""
    from airflow_provider_texter.transfers.row_mapping import RowMapper
    from airflow_provider_texter.transfers.sync_state import request_fingerprint

    mapper = RowMapper(COLUMNS, key_columns=["chat_id"])
    for row in rows:
        digest = request_fingerprint("crm_data", "merge", mapper.payload(row))
        yield SYNC_ID, row[0], digest, json.dumps([row[0]]), "previous", "2026-11-24T00:00:00+00:00"


def load(connection: Any, placeholder: str, count: int) -> None:
    """A fresh ``customers`` table and the state a previous run left for it, in batches."""
    cursor = connection.cursor()
    for table in ("customers", "texter_state", "texter_state_lease"):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute(
        "CREATE TABLE customers (chat_id VARCHAR(40), plan VARCHAR(20), lifetime_value NUMERIC(12, 2), "
        "lead_id INTEGER)"
    )
    SyncState(connection, "texter_state", SYNC_ID, placeholder=placeholder).create()
    cursor.executemany(f"INSERT INTO customers VALUES ({', '.join([placeholder] * 4)})", customer_rows(count))
    connection.commit()
    # The state holds what the driver returns (NUMERIC comes back as Decimal, or as int when whole).
    reader = connection.cursor()
    reader.execute(QUERY)
    insert = f"INSERT INTO texter_state ({STATE_COLUMNS}) VALUES ({', '.join([placeholder] * 6)})"
    while rows := reader.fetchmany(10_000):
        cursor.executemany(insert, list(previous_run_state(iter(rows))))
    connection.commit()
    if placeholder == "%s":  # PostgreSQL: statistics as autovacuum leaves them on a table that has existed
        connection.autocommit = True
        cursor.execute("ANALYZE customers")
        cursor.execute("ANALYZE texter_state")
        connection.autocommit = False


def change_one_percent(connection: Any) -> None:
    cursor = connection.cursor()
    cursor.execute(f"UPDATE customers SET plan = 'changed' WHERE lead_id % {CHANGED_EVERY} = 0")
    connection.commit()


def run_client(conn_id: str) -> dict[str, Any]:
    """In the client process: one stateful run; the measured part is ``execute`` only."""
    from airflow_provider_texter.transfers.sql_to_texter import SqlToTexterOperator

    operator = SqlToTexterOperator(task_id="bench", conn_id=conn_id, texter_conn_id="texter_bench", sql=QUERY,
                                   chat_id_column="chat_id", state_table="texter_state", sync_id=SYNC_ID,
                                   max_failed_ratio=1.0, max_workers=8)  # fmt: skip
    started = time.monotonic()
    result = operator.execute({"run_id": f"bench-{time.time()}"})
    seconds = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "seconds": seconds,
        "peak_rss_mb": peak,
        **{k: result[k] for k in ("sent", "failed", "unchanged")},
    }


def measure(
    name: str, count: int, warehouse: dict[str, Any], connect, placeholder: str, workdir: Path
) -> list[Any]:
    """Two runs on a fresh table: nothing changed, then 1 % changed; one table line each."""
    connection = connect()
    load(connection, placeholder, count)
    lines = []
    client_core, sandbox_core = cores()
    for changed in (False, True):
        if changed:
            change_one_percent(connection)
        with running_sandbox(count // CHANGED_EVERY + 1, latency_ms=0, rate_limit=None, core=sandbox_core,
                             log_path=workdir / "sandbox.log") as sandbox:  # fmt: skip
            environment = {
                **os.environ,
                "AIRFLOW_CONN_TEXTER_BENCH": json.dumps(
                    {"conn_type": "texter", "host": sandbox.base_url, "password": TOKEN}
                ),  # fmt: skip
                "AIRFLOW_CONN_WAREHOUSE_BENCH": json.dumps(warehouse),
            }
            output = subprocess.run(
                [sys.executable, "-m", "benchmarks.incremental", "--client", "warehouse_bench"],
                env=environment, cwd=ROOT, capture_output=True, text=True, check=True,
                preexec_fn=pinned_to(client_core),
            )  # fmt: skip
            requests = sandbox.admin("requests")["count"]
        result = json.loads(output.stdout.splitlines()[-1])
        share = "1 %" if changed else "none"
        lines.append((name, f"{count:,}", share, f"{requests:,}", str(result["failed"]),
                      f"{count / result['seconds']:,.0f}", f"{result['peak_rss_mb']:.0f}",
                      f"{result['seconds']:.1f}"))  # fmt: skip
        print(f"    {lines[-1]}", file=sys.stderr)
    connection.close()
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.incremental", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--client", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.client:
        print(json.dumps(run_client(arguments.client)))
        return 0
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    workdir = Path(tempfile.mkdtemp(prefix="texter-incremental-"))
    lines = []
    for count in () if arguments.no_sqlite else QUICK_SIZES if arguments.quick else SIZES:
        path = workdir / f"warehouse-{count}.db"
        print(f"SQLite, N={count:,}", file=sys.stderr)
        lines += measure("SQLite", count, {"conn_type": "sqlite", "host": str(path)},
                         lambda path=path: sqlite3.connect(path), "?", workdir)  # fmt: skip
    if arguments.postgres:
        import psycopg

        count = max(QUICK_SIZES if arguments.quick else SIZES)
        print(f"PostgreSQL, N={count:,}", file=sys.stderr)
        lines += measure("PostgreSQL", count, POSTGRES,
                         lambda: psycopg.connect(host="127.0.0.1", user="postgres", dbname="test"), "%s",
                         workdir)  # fmt: skip
    print("| " + " | ".join(HEADER) + " |", "|" + "|".join("---" for _ in HEADER) + "|", sep="\n")
    for line in lines:
        print("| " + " | ".join(line) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
