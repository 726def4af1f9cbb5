"""``python -m benchmarks.campaign``: a 10,000-recipient template campaign against a server limited to 200
requests a second, then the same campaign again (it must send nothing).

The sandbox runs in its own process on one core (20 ms per answer, a token bucket of 200 requests a
second); the client, in its own process on the other core, runs ``SqlToTexterCampaignOperator`` over a
SQLite warehouse with the connection's ``max_requests_per_second`` set to the limit, 8 workers, and the
ledger in the same SQLite file: each send is reserved (committed) before it goes out. The measured part
is ``execute``: pre-flight, the opt-out list, the selection, the sends and the last reconciliation.

Options: ``--recipients N`` (default 10,000), ``--postgres`` (the warehouse and ledger in the local
PostgreSQL instead).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.memory import peak_rss_mb
from benchmarks.runner import ROOT, cores
from benchmarks.sandbox_process import TOKEN, pinned_to, running_sandbox

LIMIT = 200  # requests a second
LATENCY_MS = 20
WORKERS = 8
POSTGRES = {"conn_type": "postgres", "host": "127.0.0.1", "port": 5432, "login": "postgres", "schema": "test"}
SQL = "SELECT phone, first_name, renewal_date FROM recipients"


def recipients(count: int) -> list[tuple[str, str, str]]:
    """Distinct Israeli mobile numbers, each with a first name and a renewal date."""
    return [(f"+97252{index:07d}", f"Customer{index}", "2026-12-08") for index in range(count)]


def load(connection: Any, placeholder: str, count: int) -> None:
    cursor = connection.cursor()
    for table in ("recipients", "texter_campaign_ledger", "texter_campaign_ledger_lease"):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute(
        "CREATE TABLE recipients (phone VARCHAR(20), first_name VARCHAR(40), renewal_date VARCHAR(10))"
    )
    cursor.executemany(f"INSERT INTO recipients VALUES ({', '.join([placeholder] * 3)})", recipients(count))
    connection.commit()


def run_client(conn_id: str, run_id: str) -> dict[str, Any]:
    """In the client process: one run of the campaign; only ``execute`` is timed."""
    from airflow_provider_texter.transfers.campaign import SqlToTexterCampaignOperator

    operator = SqlToTexterCampaignOperator(
        task_id="bench", conn_id=conn_id, texter_conn_id="texter_bench", sql=SQL, phone_column="phone",
        campaign_id="bench-renewal", template_name="renewal_reminder", language="en",
        body_columns=["first_name", "renewal_date"], ledger_table="texter_campaign_ledger",
        max_messages=1_000_000, max_workers=WORKERS,
    )  # fmt: skip
    started = time.monotonic()
    result = operator.execute({"run_id": run_id})
    return {"seconds": time.monotonic() - started, "peak_rss_mb": peak_rss_mb(), **result}


def measure(count: int, warehouse: dict[str, Any], workdir: Path) -> list[dict[str, Any]]:
    """Two client runs against one sandbox: the campaign, then the same campaign again."""
    client_core, sandbox_core = cores()
    runs = []
    with running_sandbox(0, latency_ms=LATENCY_MS, rate_limit=LIMIT, core=sandbox_core,
                         log_path=workdir / "sandbox.log") as sandbox:  # fmt: skip
        texter = {"conn_type": "texter", "host": sandbox.base_url, "password": TOKEN,
                  "extra": {"max_requests_per_second": LIMIT}}  # fmt: skip
        environment = {
            **os.environ,
            "AIRFLOW_CONN_TEXTER_BENCH": json.dumps(texter),
            "AIRFLOW_CONN_WAREHOUSE_BENCH": json.dumps(warehouse),
        }
        for run_id in ("first", "again"):
            before = sandbox.admin("requests")
            output = subprocess.run(
                [sys.executable, "-m", "benchmarks.campaign", "--client", "warehouse_bench", run_id],
                env=environment, cwd=ROOT, capture_output=True, text=True, check=True,
                preexec_fn=pinned_to(client_core),
            )  # fmt: skip
            after = sandbox.admin("requests")
            result = json.loads(output.stdout.splitlines()[-1])
            result["requests"] = after["count"] - before["count"]
            result["429s"] = after["by_status"].get("429", 0) - before["by_status"].get("429", 0)
            runs.append(result)
            print(f"    {run_id}: {result['sent']} sent in {result['seconds']:.1f} s", file=sys.stderr)
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.campaign", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--client", nargs=2, help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.client:
        print(json.dumps(run_client(*arguments.client)))
        return 0
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    workdir = Path(tempfile.mkdtemp(prefix="texter-campaign-"))
    count = arguments.recipients
    if arguments.postgres:
        import psycopg

        warehouse, name = POSTGRES, "PostgreSQL"
        with psycopg.connect(host="127.0.0.1", user="postgres", dbname="test") as connection:
            load(connection, "%s", count)
    else:
        path = workdir / "warehouse.db"
        warehouse, name = {"conn_type": "sqlite", "host": str(path)}, "SQLite"
        with sqlite3.connect(path) as connection:
            load(connection, "?", count)
        connection.close()
    print(f"{name}, {count:,} recipients", file=sys.stderr)
    first, again = measure(count, warehouse, workdir)
    rate = first["sent"] / first["seconds"]
    header = ("run", "warehouse", "recipients", "sent", "requests", "429s", "messages/s", "% of limit",
              "peak RSS MB", "seconds")  # fmt: skip
    print("| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|", sep="\n")
    for label, run in (("campaign", first), ("re-run", again)):
        per_second = run["sent"] / run["seconds"]
        share = f"{per_second / LIMIT:.0%}" if run["sent"] else "-"
        cells = (label, name, f"{count:,}", f"{run['sent']:,}", f"{run['requests']:,}", str(run["429s"]),
                 f"{per_second:,.0f}", share, f"{run['peak_rss_mb']:.0f}",
                 f"{run['seconds']:.1f}")  # fmt: skip
        print("| " + " | ".join(cells) + " |")
    met = "met" if rate >= 0.9 * LIMIT else "NOT met"
    print(
        f"\ntarget >= 90 % of the limit: {met} ({rate / LIMIT:.0%}); "
        f"re-run sends 0: {'met' if again['sent'] == 0 else 'NOT met'} ({again['sent']})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
