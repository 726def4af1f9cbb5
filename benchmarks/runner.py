"""Run one case: a fresh sandbox process, a client process beside it, and what both of them counted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.plan import Case
from benchmarks.sandbox_process import TOKEN, pinned_to, running_sandbox
from benchmarks.warehouse import build_warehouse

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Measurement:
    case: Case
    seconds: float
    written: int
    status_counts: dict[str, int]
    peak_rss_mb: float
    error: str | None

    @property
    def rows_per_second(self) -> float:
        return self.case.rows / self.seconds

    @property
    def failed_rows(self) -> int:
        return self.case.rows - self.written

    @property
    def share_of_limit(self) -> float | None:
        limit = self.case.scenario.rate_limit
        return self.rows_per_second / limit if limit else None


def cores() -> tuple[int | None, int | None]:
    """(client core, sandbox core): two different cores when this process may use two, else no pinning."""
    available = sorted(os.sched_getaffinity(0))
    return (available[0], available[1]) if len(available) > 1 else (None, None)


def client_environment(case: Case, base_url: str, warehouse: Path, home: Path) -> dict[str, str]:
    """Connections as ``AIRFLOW_CONN_*`` JSON, and an Airflow home of the case's own."""
    extra = {"max_requests_per_second": case.client_cap} if case.client_cap else {}
    texter = {"conn_type": "texter", "host": base_url, "password": TOKEN, "extra": extra}
    return {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW_CONN_TEXTER_BENCH": json.dumps(texter),
        "AIRFLOW_CONN_WAREHOUSE_BENCH": json.dumps({"conn_type": "sqlite", "host": str(warehouse)}),
    }


def run_case(case: Case, home: Path, warehouses: Path) -> Measurement:
    """Measure ``case``; its logs stay in ``home`` (``sandbox.log``, ``client.log``)."""
    (home / "dags").mkdir(parents=True)
    warehouse = build_warehouse(warehouses / f"customers-{case.rows}.db", case.rows)
    client_core, sandbox_core = cores()
    scenario = case.scenario
    with running_sandbox(
        case.rows,
        latency_ms=scenario.latency_ms,
        rate_limit=scenario.rate_limit,
        core=sandbox_core,
        log_path=home / "sandbox.log",
    ) as sandbox:
        result_path = home / "result.json"
        command = [sys.executable, "-m", "benchmarks.client", json.dumps(asdict(case)), str(result_path)]
        with open(home / "client.log", "w") as log:
            subprocess.run(
                command,
                env=client_environment(case, sandbox.base_url, warehouse, home),
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=pinned_to(client_core),
                check=True,
            )
        status_counts = sandbox.admin("requests")["by_status"]
    result = json.loads(result_path.read_text())
    written = result["written"]
    if written is None:  # the run aborted before reporting: count the writes the server accepted
        written = status_counts.get("200", 0)
    return Measurement(
        case, result["seconds"], written, status_counts, result["peak_rss_mb"], result["error"]
    )
