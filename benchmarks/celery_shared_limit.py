"""``python -m benchmarks.celery_shared_limit``: four syncs on a real CeleryExecutor share one Texter limit.

Airflow as a Celery deployment runs it, started and stopped by this script: the metadata database in a
PostgreSQL database of its own (``texter_celery_bench``, dropped first), Redis as the broker, the API
server, the scheduler, the DAG processor and two ``airflow celery worker`` processes (two task slots
each). Two DAGs of two ``SqlToTexterOperator`` tasks each sync 10,000 rows per task (8 threads) into one
sandbox limited to 200 requests a second (20 ms per answer), every connection capped at
``max_requests_per_second`` 200: once with ``rate_limit_conn_id`` naming the broker's Redis (one
limit for all), once without (each hook paces itself). The sandbox counts: per round, the whole run's
share of the limit, each sync's share while all four ran, 429s and failed rows. Not part of the tests
(about 10 minutes). Needs Redis on 127.0.0.1:6379 and PostgreSQL on 127.0.0.1:5432 (user postgres).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import redis

from airflow_provider_texter.sandbox import SandboxProcess
from airflow_provider_texter.sandbox.api import BASE_PATH
from airflow_provider_texter.sandbox.chats import generate_chats
from benchmarks.plan import LATENCY_MS, RATE_LIMIT
from benchmarks.runner import ROOT
from benchmarks.sandbox_process import TOKEN, running_sandbox
from benchmarks.warehouse import QUERY, build_warehouse

DATABASE = "texter_celery_bench"
POSTGRES = "postgresql+psycopg2://postgres@127.0.0.1:5432"
BROKER_DB = 5  # a Redis database of the benchmark's own
SYNCS = 4
ROWS = 10_000
ROUNDS = {"shared": "texter_shared", "alone": "texter_alone"}  # round -> the connection its DAGs use
DAG_FILE = """
from airflow.sdk import DAG
from airflow_provider_texter.transfers.sql_to_texter import SqlToTexterOperator

for round_name, texter_conn_id in {rounds!r}.items():
    for dag_index in (0, 1):
        with DAG(f"bench_{{round_name}}_{{dag_index}}", schedule=None, catchup=False) as dag:
            for sync in (2 * dag_index, 2 * dag_index + 1):
                SqlToTexterOperator(
                    task_id=f"sync_{{sync}}", conn_id=f"warehouse_{{sync}}", texter_conn_id=texter_conn_id,
                    sql={query!r}, chat_id_column="chat_id", max_workers=8, max_failed_ratio=1.0,
                )
        globals()[dag.dag_id] = dag
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fresh_database() -> None:
    import psycopg2

    admin = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {DATABASE}")
    admin.close()


def airflow_environment(
    home: Path, api_port: int, sandbox_url: str, warehouses: list[Path]
) -> dict[str, str]:
    """One environment for every Airflow process: CeleryExecutor, PostgreSQL, Redis, the connections."""
    texter = {"conn_type": "texter", "host": sandbox_url, "password": TOKEN}
    capped = {"max_requests_per_second": RATE_LIMIT}
    connections = {
        "texter_shared": {**texter, "extra": {**capped, "rate_limit_conn_id": "redis_broker"}},
        "texter_alone": {**texter, "extra": capped},
        "redis_broker": {"conn_type": "redis", "host": "127.0.0.1", "port": 6379, "extra": {"db": BROKER_DB}},
        **{
            f"warehouse_{sync}": {"conn_type": "sqlite", "host": str(path)}
            for sync, path in enumerate(warehouses)
        },
    }
    metadata = f"{POSTGRES}/{DATABASE}"
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata,
        "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:6379/{BROKER_DB}",
        "AIRFLOW__CELERY__RESULT_BACKEND": f"db+{metadata}",
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(16),
        "AIRFLOW__API__SECRET_KEY": secrets.token_hex(16),
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        **{f"AIRFLOW_CONN_{name.upper()}": json.dumps(value) for name, value in connections.items()},
    }


@contextmanager
def airflow_processes(home: Path, environment: dict[str, str], api_port: int) -> Iterator[None]:
    """The API server, scheduler, DAG processor and two Celery workers, stopped however the block ends."""
    commands = {
        "api-server": ["api-server", "--port", str(api_port), "--workers", "1"],
        "scheduler": ["scheduler"],
        "dag-processor": ["dag-processor"],
        **{f"worker-{index}": ["celery", "worker", "-H", f"bench{index}@%h", "-s"] for index in (1, 2)},
    }
    with ExitStack() as stack:
        processes = []
        for name, arguments in commands.items():
            log = stack.enter_context(open(home / f"{name}.log", "w"))
            command = [sys.executable, "-m", "airflow", *arguments]
            processes.append(
                subprocess.Popen(command, env=environment, stdout=log, stderr=subprocess.STDOUT, cwd=home)
            )
        try:
            yield
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()


def airflow(environment: dict[str, str], *arguments: str) -> str:
    command = [sys.executable, "-m", "airflow", *arguments]
    return subprocess.run(command, env=environment, check=True, capture_output=True, text=True).stdout


def metadata(query: str, *parameters: str) -> list[tuple]:
    """Rows of a query on the metadata database (the CLI's output mixes log lines into its JSON)."""
    import psycopg2

    connection = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname=DATABASE)
    with connection, connection.cursor() as cursor:
        cursor.execute(query, parameters)
        rows = cursor.fetchall()
    connection.close()
    return rows


def wait_for_dags(dag_ids: list[str], timeout: float = 300) -> None:
    """Until the DAG processor has serialized every DAG (the scheduler only runs those)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if set(dag_ids) <= {dag_id for (dag_id,) in metadata("SELECT dag_id FROM serialized_dag")}:
            return
        time.sleep(2)
    raise RuntimeError(f"the DAG processor did not serialize {dag_ids} within {timeout} s")


def run_round(environment: dict[str, str], round_name: str, sandbox: SandboxProcess) -> dict:
    """Trigger the round's two DAGs at once and wait for both; what the sandbox counted."""
    dag_ids = [f"bench_{round_name}_{index}" for index in (0, 1)]
    run_id = f"bench-{round_name}-{int(time.time())}"
    scripts_run = script_calls()
    for dag_id in dag_ids:
        airflow(environment, "dags", "trigger", dag_id, "--run-id", run_id)
    states: dict[str, str] = {}
    while len(states) < len(dag_ids) or not all(state in ("success", "failed") for state in states.values()):
        time.sleep(5)
        states = dict(metadata("SELECT dag_id, state FROM dag_run WHERE run_id = %s", run_id))
    answers = sandbox.admin("answers")["answers"]
    store_round_trips = script_calls() - scripts_run
    return {
        "states": states,
        "answers": answers,
        "store_round_trips_per_request": store_round_trips / len(answers),
    }


def script_calls() -> int:
    """Lua scripts Redis ran so far: the shared limit's round trips (the broker runs none)."""
    return redis.Redis().info("commandstats").get("cmdstat_evalsha", {}).get("calls", 0)


def round_figures(answers: list[list], rows: int) -> dict:
    """The whole run's share of the limit, each sync's share while all ran, 429s and failed rows."""
    chats = generate_chats(rows * SYNCS, seed=0)
    sync_of = {chat["_id"]: index // rows for index, chat in enumerate(chats)}
    by_sync: list[list[tuple[float, str, int]]] = [[] for _ in range(SYNCS)]
    for arrived, chat_id, status in answers:
        by_sync[sync_of[chat_id]].append((arrived, chat_id, status))
    first, last = min(answer[0] for answer in answers), max(answer[0] for answer in answers)
    start = max(sync[0][0] for sync in by_sync)
    end = min(sync[-1][0] for sync in by_sync)
    during = [
        sum(1 for arrived, _, status in sync if status == 200 and start <= arrived <= end) for sync in by_sync
    ]
    written = [len({chat_id for _, chat_id, status in sync if status == 200}) for sync in by_sync]
    return {
        "seconds": last - first,
        "share_of_limit": sum(written) / (last - first) / RATE_LIMIT,
        "throttled": sum(1 for _, _, status in answers if status == 429),
        "failed_rows": [rows - count for count in written],
        "shares_while_all_ran": [count / max(sum(during), 1) for count in during],
        "overlap_seconds": end - start,
    }


def markdown(figures: dict[str, dict]) -> str:
    lines = [
        "| round | seconds | % of limit | 429s | failed rows | each sync's share while all four ran "
        "| store round trips per request |",
        "|---|---|---|---|---|---|---|",
    ]
    for round_name, result in figures.items():
        shares = " / ".join(f"{share:.0%}" for share in result["shares_while_all_ran"])
        label = "shared limiter (Redis)" if round_name == "shared" else "each hook alone"
        lines.append(
            f"| {label} | {result['seconds']:.0f} | {result['share_of_limit']:.0%} | {result['throttled']} | "
            f"{sum(result['failed_rows'])} | {shares} | {result['store_round_trips_per_request']:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.celery_shared_limit", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--rows", type=int, default=ROWS, help="rows per sync")
    parser.add_argument("--round", action="append", choices=list(ROUNDS), help="default: both")
    arguments = parser.parse_args(argv)
    home = Path(tempfile.mkdtemp(prefix="texter-celery-bench-"))
    print(f"Airflow home and logs: {home}", file=sys.stderr)
    (home / "dags").mkdir()
    (home / "dags" / "bench_dags.py").write_text(DAG_FILE.format(rounds=ROUNDS, query=QUERY))
    warehouses = [
        build_warehouse(home / f"customers-{sync}.db", arguments.rows, part=sync, parts=SYNCS)
        for sync in range(SYNCS)
    ]
    fresh_database()
    redis.Redis(db=BROKER_DB).flushdb()
    api_port, sandbox_port = free_port(), free_port()
    sandbox_url = f"http://127.0.0.1:{sandbox_port}{BASE_PATH}"
    environment = airflow_environment(home, api_port, sandbox_url, warehouses)
    airflow(environment, "db", "migrate")
    figures = {}
    with airflow_processes(home, environment, api_port):
        wait_for_dags([f"bench_{name}_{index}" for name in ROUNDS for index in (0, 1)])
        for round_name in arguments.round or list(ROUNDS):
            with running_sandbox(
                arguments.rows * SYNCS, latency_ms=LATENCY_MS, rate_limit=RATE_LIMIT, core=None,
                log_path=home / f"sandbox-{round_name}.log", port=sandbox_port,
            ) as sandbox:  # fmt: skip
                print(f"[{round_name}] running", file=sys.stderr)
                result = run_round(environment, round_name, sandbox)
            counted = round_figures(result.pop("answers"), arguments.rows)
            figures[round_name] = {**result, **counted}
            print(json.dumps(figures[round_name]), file=sys.stderr)
    print(markdown(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
