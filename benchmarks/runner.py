"""Run one case: a fresh sandbox process, a client process beside it, and what both of them counted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from airflow_provider_texter.sandbox.chats import generate_chats
from benchmarks.plan import Case
from benchmarks.sandbox_process import TOKEN, pinned_to, running_sandbox
from benchmarks.warehouse import build_warehouse

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Measurement:
    """One line of the table: a case, or one sync of a case that runs several at once (``part``).

    ``accepted_per_second`` replaces rows/seconds for the syncs of a shared case: the 200s per second
    while every sync was running, so a sync that finishes last does not look fair by working alone.
    """

    case: Case
    seconds: float
    written: int
    status_counts: dict[str, int]
    peak_rss_mb: float
    error: str | None
    rows: int = 0
    part: str = ""
    accepted_per_second: float | None = None
    answers: tuple[tuple[float, str | None, int | None], ...] = ()  # the sandbox's: arrival, chat, status

    @property
    def label(self) -> str:
        return f"{self.case.label}: {self.part}" if self.part else self.case.label

    @property
    def rows_per_second(self) -> float:
        if self.accepted_per_second is not None:
            return self.accepted_per_second
        return self.rows / self.seconds

    @property
    def failed_rows(self) -> int:
        return self.rows - self.written

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


def run_case(case: Case, home: Path, warehouses: Path, *, client_root: Path = ROOT) -> list[Measurement]:
    """Measure ``case``; its logs stay in ``home`` (``sandbox.log``, ``client-<n>.log``). The client
    imports the provider from ``client_root`` (another checkout, to compare versions on one sandbox).

    A case with several syncs starts one client process per sync at once, each with a warehouse of
    its own chats, and gives a line per sync plus one for all of them together.
    """
    (home / "dags").mkdir(parents=True)
    rows, syncs = case.rows, case.syncs
    parts = [
        build_warehouse(warehouses / f"customers-{rows}-{part + 1}of{syncs}.db", rows, part=part, parts=syncs)
        for part in range(syncs)
    ]
    client_core, sandbox_core = cores()
    scenario = case.scenario
    with running_sandbox(
        case.rows * case.syncs,
        latency_ms=scenario.latency_ms,
        rate_limit=scenario.rate_limit,
        burst=scenario.burst,
        core=sandbox_core,
        log_path=home / "sandbox.log",
    ) as sandbox:
        with ExitStack() as logs:
            clients = [
                _start_client(case, home, part, sandbox.base_url, warehouse, client_core, logs, client_root)
                for part, warehouse in enumerate(parts)
            ]
            for process in clients:
                process.wait()
        for process in clients:
            if process.returncode:
                raise subprocess.CalledProcessError(process.returncode, process.args)
        status_counts = sandbox.admin("requests")["by_status"]
        answers = sandbox.admin("answers")["answers"]
    results = [json.loads((home / f"result-{part}.json").read_text()) for part in range(case.syncs)]
    if case.syncs == 1:
        return [_measurement(case, results[0], status_counts, answers=tuple(map(tuple, answers)))]
    return _shared_measurements(case, results, status_counts, answers)


def _start_client(
    case: Case,
    home: Path,
    part: int,
    base_url: str,
    warehouse: Path,
    core: int | None,
    logs: ExitStack,
    root: Path,
) -> subprocess.Popen:
    result_path = home / f"result-{part}.json"
    command = [sys.executable, "-m", "benchmarks.client", json.dumps(asdict(case)), str(result_path)]
    log = logs.enter_context(open(home / f"client-{part}.log", "w"))  # noqa: SIM115 (the stack closes it)
    return subprocess.Popen(
        command,
        env=client_environment(case, base_url, warehouse, home),
        cwd=root,  # first on the client's sys.path: its provider and benchmark client are imported from here
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=pinned_to(core),
    )


def _measurement(
    case: Case, result: dict[str, Any], status_counts: dict[str, int], **line: Any
) -> Measurement:
    written = result["written"]
    if written is None:  # the run aborted before reporting: count the writes the server accepted
        written = status_counts.get("200", 0)
    return Measurement(
        case,
        result["seconds"],
        written,
        status_counts,
        result["peak_rss_mb"],
        result["error"],
        **{"rows": case.rows, **line},
    )


def _shared_measurements(
    case: Case, results: list[dict[str, Any]], status_counts: dict[str, int], answers: list[list]
) -> list[Measurement]:
    """A line per sync and one for all: rates counted from the sandbox's answers while all syncs ran."""
    chats = generate_chats(case.rows * case.syncs, seed=0)
    sync_of = {chat["_id"]: index // case.rows for index, chat in enumerate(chats)}
    by_sync: list[list[tuple[float, int]]] = [[] for _ in range(case.syncs)]
    for arrived, chat_id, status in answers:
        by_sync[sync_of[chat_id]].append((arrived, status))
    start = max(min(arrived for arrived, _ in sync) for sync in by_sync)
    end = min(max(arrived for arrived, _ in sync) for sync in by_sync)
    window = max(end - start, 1e-9)

    def accepted(sync: list[tuple[float, int]]) -> int:
        return sum(1 for arrived, status in sync if status == 200 and start <= arrived <= end)

    def counts(sync: list[tuple[float, int]]) -> dict[str, int]:
        return dict(Counter(str(status) for _, status in sync))

    lines = [
        _measurement(
            case, result, counts(sync), part=f"sync {index + 1}", accepted_per_second=accepted(sync) / window
        )
        for index, (result, sync) in enumerate(zip(results, by_sync, strict=True))
    ]
    together = Measurement(
        case,
        max(line.seconds for line in lines),
        sum(line.written for line in lines),
        status_counts,
        max(line.peak_rss_mb for line in lines),
        "; ".join(line.error for line in lines if line.error) or None,
        rows=case.rows * case.syncs,
        part="together",
        accepted_per_second=sum(accepted(sync) for sync in by_sync) / window,
    )
    return [*lines, together]
