"""One benchmark case in its own process: ``python -m benchmarks.client '<case json>' <result path>``.

A process per case makes its peak RSS that case's alone. The connections come from the
``AIRFLOW_CONN_*`` variables the runner sets; only the measured part is timed, not imports or setup.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.memory import peak_rss_mb
from benchmarks.warehouse import CRM_FIELDS, QUERY

TEXTER_CONN_ID = "texter_bench"
WAREHOUSE_CONN_ID = "warehouse_bench"


def warehouse_hook() -> Any:
    from airflow_provider_texter.compat import BaseHook

    return BaseHook.get_connection(WAREHOUSE_CONN_ID).get_hook()


def crm_updates(records: list[tuple]) -> list[tuple[str, dict[str, Any]]]:
    """``(chat_id, data)`` per row: every column but the chat id goes into the CRM data, by name."""
    return [(chat_id, dict(zip(CRM_FIELDS, values, strict=True))) for chat_id, *values in records]


def run_sql_to_texter(case: dict[str, Any]) -> dict[str, Any]:
    """The transfer operator as a task would run it; failed rows are counted, not fatal."""
    from airflow_provider_texter.transfers.sql_to_texter import SqlToTexterOperator

    operator = SqlToTexterOperator(
        task_id="bench",
        conn_id=WAREHOUSE_CONN_ID,
        texter_conn_id=TEXTER_CONN_ID,
        sql=QUERY,
        chat_id_column="chat_id",
        max_workers=case["max_workers"],
        max_failed_ratio=1.0,
    )
    started = time.monotonic()
    try:
        written, error = operator.execute({"run_id": "bench"})["succeeded"], None
    except Exception as failure:  # a run aborted by a transient error: the runner counts the server's 200s
        written, error = None, f"{type(failure).__name__}: {failure}"
    return {"seconds": time.monotonic() - started, "written": written, "error": error}


def run_naive_loop(case: dict[str, Any]) -> dict[str, Any]:
    """What a user writes without the transfer: fetch everything, then one hook call per row."""
    from airflow_provider_texter.exceptions import TexterError
    from airflow_provider_texter.hooks.texter import TexterHook

    hook = TexterHook(texter_conn_id=TEXTER_CONN_ID)
    started = time.monotonic()
    written, error = 0, None
    for chat_id, data in crm_updates(warehouse_hook().get_records(QUERY)):
        try:
            hook.update_crm_data(chat_id, data)
            written += 1
        except TexterError as failure:
            error = f"{type(failure).__name__}: {failure}"
    return {"seconds": time.monotonic() - started, "written": written, "error": error}


def run_mapped(case: dict[str, Any]) -> dict[str, Any]:
    from benchmarks.mapped_dag import run_mapped_dag

    return run_mapped_dag(crm_updates(warehouse_hook().get_records(QUERY)), TEXTER_CONN_ID)


RUNNERS = {"sql_to_texter": run_sql_to_texter, "naive_loop": run_naive_loop, "mapped": run_mapped}


def main(case_json: str, result_path: str) -> None:
    case = json.loads(case_json)
    result = RUNNERS[case["kind"]](case)
    result["peak_rss_mb"] = peak_rss_mb()
    Path(result_path).write_text(json.dumps(result))


if __name__ == "__main__":
    main(*sys.argv[1:])
