"""``python -m benchmarks.incremental``: the nightly run of a stateful sync, where little or nothing changed.

Each case is a client process (pinned to one core) running ``SqlToTexterOperator(state_table=...)``
over N warehouse rows whose state a previous run left: every row's fingerprint is in the state
table, computed by the operator's own ``RowMapper`` and ``request_fingerprint``, as a completed run
writes them. Every 100th row names one of the chats the sandbox serves; the others name chats that
do not exist, so a row sent by mistake fails and shows. The ``1 %`` cases change exactly those rows.

The labels case keeps the same rows as a segment (``operation="labels"``, ``on_removed="remove_labels"``):
the state says every row but those 1 % was a member, and 1 % more keys (other sandbox chats) were
members that left, so the run adds the label to 1 % and takes it off another 1 %.

Options: ``--quick`` (N = 1,000 and 20,000), ``--postgres`` (also the local PostgreSQL, 1,000,000 rows,
analyzed after loading as autovacuum would), ``--no-sqlite``.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
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
from benchmarks.memory import peak_rss_mb
from benchmarks.report import markdown_rows
from benchmarks.runner import ROOT, cores
from benchmarks.sandbox_process import TOKEN, pinned_to, running_sandbox

SIZES = (1_000, 1_000_000)
QUICK_SIZES = (1_000, 20_000)
CHANGED_EVERY = 100
SYNC_ID = "bench"
COLUMNS = ("chat_id", "plan", "lifetime_value", "lead_id")
QUERY = "SELECT chat_id, plan, lifetime_value, lead_id FROM customers ORDER BY lead_id"
STATE_COLUMNS = "sync_id, row_key, fingerprint, chat_ids, confirmed_at, written"
CONFIRMED_AT = "2026-11-24T00:00:00+00:00"
SEGMENT_LABEL = "vip"  # a label the sandbox has
SEGMENT_QUERY = "SELECT chat_id FROM customers ORDER BY lead_id"
POSTGRES = {"conn_type": "postgres", "host": "127.0.0.1", "port": 5432, "login": "postgres", "schema": "test"}
HEADER = ("case", "N", "changed", "requests", "failed", "rows/s", "peak RSS MB", "seconds")


def sandbox_chat_ids(count: int, *, segment: bool) -> list[str]:
    """The chats the sandbox serves: one per ``CHANGED_EVERY`` rows; for a segment as many again, which
    were members and left."""
    per_rows = count // CHANGED_EVERY + 1
    return [chat["_id"] for chat in generate_chats((2 if segment else 1) * per_rows, seed=0)]


def customer_rows(count: int, known_chats: list[str]) -> Iterator[tuple[Any, ...]]:
    """Rows of ``customers``: every ``CHANGED_EVERY``-th names a sandbox chat, the rest unknown chats."""
    known = iter(known_chats)
    for lead_id in range(count):
        chat_id = next(known) if lead_id % CHANGED_EVERY == 0 else f"{lead_id:024x}"
        yield chat_id, ("free", "pro", "premium")[lead_id % 3], round(lead_id * 0.37, 2), lead_id


def segment_state(chat_ids: Iterator[str]) -> Iterator[tuple[Any, ...]]:
    """The state rows a completed labels sync leaves for members ``chat_ids``."""
    from airflow_provider_texter.transfers.sync_state import request_fingerprint

    digest = request_fingerprint("labels", None, {"add": [SEGMENT_LABEL]})
    written = json.dumps([SEGMENT_LABEL])
    for chat_id in chat_ids:
        yield SYNC_ID, chat_id, digest, json.dumps([chat_id]), CONFIRMED_AT, written


def previous_run_state(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """The state rows a completed run over ``rows`` leaves, from the operator's own mapping and digest."""
    from airflow_provider_texter.transfers.row_mapping import RowMapper
    from airflow_provider_texter.transfers.sync_state import request_fingerprint

    mapper = RowMapper(COLUMNS, key_columns=["chat_id"])
    for row in rows:
        digest = request_fingerprint("crm_data", "merge", mapper.payload(row))
        yield SYNC_ID, row[0], digest, json.dumps([row[0]]), CONFIRMED_AT, None


def load(connection: Any, placeholder: str, count: int, *, segment: bool = False) -> None:
    """A fresh ``customers`` table and the state a previous run left for it, in batches; for ``segment``
    a labels sync's state: every row but the 1 % that join, and the 1 % that left."""
    cursor = connection.cursor()
    for table in ("customers", "texter_state", "texter_state_lease"):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute(
        "CREATE TABLE customers (chat_id VARCHAR(40), plan VARCHAR(20), lifetime_value NUMERIC(12, 2), "
        "lead_id INTEGER)"
    )
    SyncState(connection, "texter_state", SYNC_ID, placeholder=placeholder).create()
    chat_ids = sandbox_chat_ids(count, segment=segment)
    members = count // CHANGED_EVERY + 1
    cursor.executemany(f"INSERT INTO customers VALUES ({', '.join([placeholder] * 4)})",
                       customer_rows(count, chat_ids[:members]))  # fmt: skip
    connection.commit()
    # The state holds what the driver returns (NUMERIC comes back as Decimal, or as int when whole).
    # Streamed: a client-side PostgreSQL cursor would hold the whole result in the runner.
    reader = connection.cursor(name="state_source") if placeholder == "%s" else connection.cursor()
    reader.execute(QUERY)
    insert = f"INSERT INTO texter_state ({STATE_COLUMNS}) VALUES ({', '.join([placeholder] * 6)})"
    while rows := reader.fetchmany(10_000):
        if segment:
            staying = (row[0] for row in rows if row[3] % CHANGED_EVERY)
            cursor.executemany(insert, list(segment_state(staying)))
        else:
            cursor.executemany(insert, list(previous_run_state(iter(rows))))
    if segment:
        cursor.executemany(insert, list(segment_state(iter(chat_ids[members:]))))  # they left
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


def run_client(conn_id: str, *, segment: bool) -> dict[str, Any]:
    """In the client process: one stateful run; the measured part is ``execute`` only."""
    from airflow_provider_texter.transfers.sql_to_texter import SqlToTexterOperator

    what: dict[str, Any] = {"sql": QUERY}
    if segment:
        what = {"sql": SEGMENT_QUERY, "operation": "labels", "labels": [SEGMENT_LABEL]}
        what["on_removed"] = "remove_labels"
    operator = SqlToTexterOperator(task_id="bench", conn_id=conn_id, texter_conn_id="texter_bench", **what,
                                   chat_id_column="chat_id", state_table="texter_state", sync_id=SYNC_ID,
                                   max_failed_ratio=1.0, max_workers=8)  # fmt: skip
    started = time.monotonic()
    result = operator.execute({"run_id": f"bench-{time.time()}"})
    seconds = time.monotonic() - started
    peak = peak_rss_mb()
    return {
        "seconds": seconds,
        "peak_rss_mb": peak,
        **{k: result[k] for k in ("sent", "failed", "unchanged", "undone")},
    }


def measure(
    name: str,
    count: int,
    warehouse: dict[str, Any],
    connect,
    placeholder: str,
    workdir: Path,
    *,
    segment: bool = False,
) -> list[Any]:
    """Two runs on a fresh table: nothing changed, then 1 % changed; one table line each. For a
    ``segment``, one labels run: 1 % joined and 1 % left."""  # fmt: skip
    connection = connect()
    load(connection, placeholder, count, segment=segment)
    lines = []
    client_core, sandbox_core = cores()
    chats = len(sandbox_chat_ids(count, segment=segment))
    for changed in (True,) if segment else (False, True):
        if changed and not segment:
            change_one_percent(connection)
        with running_sandbox(chats, latency_ms=0, rate_limit=None, core=sandbox_core,
                             log_path=workdir / "sandbox.log") as sandbox:  # fmt: skip
            environment = {
                **os.environ,
                "AIRFLOW_CONN_TEXTER_BENCH": json.dumps(
                    {"conn_type": "texter", "host": sandbox.base_url, "password": TOKEN}
                ),  # fmt: skip
                "AIRFLOW_CONN_WAREHOUSE_BENCH": json.dumps(warehouse),
            }
            output = subprocess.run(
                [sys.executable, "-m", "benchmarks.incremental", "--client", "warehouse_bench"]
                + (["--segment"] if segment else []),
                env=environment, cwd=ROOT, capture_output=True, text=True, check=True,
                preexec_fn=pinned_to(client_core),
            )  # fmt: skip
            requests = sandbox.admin("requests")["count"]
        result = json.loads(output.stdout.splitlines()[-1])
        share = "1 % in, 1 % out" if segment else "1 %" if changed else "none"
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
    parser.add_argument("--segment", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.client:
        print(json.dumps(run_client(arguments.client, segment=arguments.segment)))
        return 0
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    workdir = Path(tempfile.mkdtemp(prefix="texter-incremental-"))
    lines = []
    for count in () if arguments.no_sqlite else QUICK_SIZES if arguments.quick else SIZES:
        path = workdir / f"warehouse-{count}.db"
        print(f"SQLite, N={count:,}", file=sys.stderr)
        warehouse = {"conn_type": "sqlite", "host": str(path)}
        connect = functools.partial(sqlite3.connect, path)
        for segment in (False, True):
            name = "SQLite, labels" if segment else "SQLite"
            lines += measure(name, count, warehouse, connect, "?", workdir, segment=segment)
    if arguments.postgres:
        import psycopg

        count = max(QUICK_SIZES if arguments.quick else SIZES)
        print(f"PostgreSQL, N={count:,}", file=sys.stderr)
        lines += measure("PostgreSQL", count, POSTGRES,
                         lambda: psycopg.connect(host="127.0.0.1", user="postgres", dbname="test"), "%s",
                         workdir)  # fmt: skip
    print(markdown_rows(HEADER, lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
