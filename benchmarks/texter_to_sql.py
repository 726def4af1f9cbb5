"""``python -m benchmarks.texter_to_sql``: Texter's chats read back into the warehouse (issue 19).

Each case is a fresh sandbox process serving N generated chats (``--generate N``, pinned to one core)
and a client process (pinned to the other) running ``TexterToSqlOperator(collection="chats")`` into a
fresh table: pages of 10,000 chats streamed into the staging table, then swapped in. **rows/s** is N
divided by the seconds of ``execute``; **peak RSS** is the client's own high-water mark (``VmHWM``).

Options: ``--quick`` (N = 1,000 and 10,000), ``--no-postgres`` (SQLite only).
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.memory import peak_rss_mb
from benchmarks.report import markdown_rows
from benchmarks.runner import ROOT, cores
from benchmarks.sandbox_process import TOKEN, pinned_to, running_sandbox

SIZES = (1_000, 100_000)
QUICK_SIZES = (1_000, 10_000)
TABLE = "texter_chats_bench"
POSTGRES = {"conn_type": "postgres", "host": "127.0.0.1", "port": 5432, "login": "postgres", "schema": "test"}
HEADER = ("warehouse", "chats", "requests", "rows", "rows/s", "peak RSS MB", "seconds")


def run_client(conn_id: str) -> dict[str, Any]:
    """In the client process: one snapshot of every chat; the measured part is ``execute`` only."""
    from airflow_provider_texter.transfers.texter_to_sql import TexterToSqlOperator

    operator = TexterToSqlOperator(
        task_id="bench", conn_id=conn_id, texter_conn_id="texter_bench", collection="chats", table=TABLE
    )
    started = time.monotonic()
    result = operator.execute({"run_id": f"bench-{time.time()}"})
    return {"seconds": time.monotonic() - started, "peak_rss_mb": peak_rss_mb(), "rows": result["rows"]}


def drop_tables(connect: Callable[[], Any]) -> None:
    """A fresh start: no table (and no staging table) from an earlier case."""
    connection = connect()
    cursor = connection.cursor()
    for table in (TABLE, f"{TABLE}_staging"):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
    connection.commit()
    connection.close()


def measure(
    name: str, count: int, warehouse: dict[str, Any], connect: Callable[[], Any], workdir: Path
) -> tuple[str, ...]:
    drop_tables(connect)
    client_core, sandbox_core = cores()
    with running_sandbox(count, latency_ms=0, rate_limit=None, core=sandbox_core,
                         log_path=workdir / "sandbox.log") as sandbox:  # fmt: skip
        environment = {
            **os.environ,
            "AIRFLOW_CONN_TEXTER_BENCH": json.dumps(
                {"conn_type": "texter", "host": sandbox.base_url, "password": TOKEN}
            ),
            "AIRFLOW_CONN_WAREHOUSE_BENCH": json.dumps(warehouse),
        }
        output = subprocess.run(
            [sys.executable, "-m", "benchmarks.texter_to_sql", "--client", "warehouse_bench"],
            env=environment, cwd=ROOT, capture_output=True, text=True, check=True,
            preexec_fn=pinned_to(client_core),
        )  # fmt: skip
        requests = sandbox.admin("requests")["count"]
    result = json.loads(output.stdout.splitlines()[-1])
    line = (name, f"{count:,}", str(requests), f"{result['rows']:,}", f"{count / result['seconds']:,.0f}",
            f"{result['peak_rss_mb']:.0f}", f"{result['seconds']:.1f}")  # fmt: skip
    print(f"    {line}", file=sys.stderr)
    return line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.texter_to_sql", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--client", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.client:
        print(json.dumps(run_client(arguments.client)))
        return 0
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    workdir = Path(tempfile.mkdtemp(prefix="texter-to-sql-"))
    path = workdir / "warehouse.db"
    warehouses = [
        ("SQLite", {"conn_type": "sqlite", "host": str(path)}, functools.partial(sqlite3.connect, path))
    ]
    if not arguments.no_postgres:
        import psycopg

        connect = functools.partial(psycopg.connect, host="127.0.0.1", user="postgres", dbname="test")
        warehouses.append(("PostgreSQL", POSTGRES, connect))
    lines = [
        measure(name, count, warehouse, connect, workdir)
        for name, warehouse, connect in warehouses
        for count in (QUICK_SIZES if arguments.quick else SIZES)
    ]
    print(markdown_rows(HEADER, lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
