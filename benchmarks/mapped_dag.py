"""One mapped task instance per row, run by ``dag.test()``: ``partial().expand_kwargs()`` over the rows.

``dag.test()`` needs a metadata DB and, since Airflow 3.1, the DAG serialized in it as the DAG processor
would store it; both are built here in the (throwaway) ``AIRFLOW_HOME`` the runner gave this process.
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone
from typing import Any

BUNDLE_NAME = "dags-folder"


def prepare_metadata_db() -> None:
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.utils import db

    db.initdb()
    DagBundlesManager().sync_bundles_to_db()


def run_mapped_dag(updates: list[tuple[str, dict[str, Any]]], texter_conn_id: str) -> dict[str, Any]:
    """Run one DAG run with a task instance per ``(chat_id, data)``; time only ``dag.test()``."""
    from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db
    from airflow.sdk import DAG

    from airflow_provider_texter.operators.texter import TexterUpdateCrmDataOperator

    prepare_metadata_db()
    with DAG(
        "texter_bench_mapped", schedule=None, start_date=datetime(2026, 1, 1, tzinfo=timezone.utc)
    ) as dag:
        TexterUpdateCrmDataOperator.partial(
            task_id="update_crm_data", texter_conn_id=texter_conn_id
        ).expand_kwargs([{"chat_id": chat_id, "data": data} for chat_id, data in updates])
    bag = DagBag(dag_folder=os.devnull, collect_dags=False)
    bag.bag_dag(dag)
    sync_bag_to_db(bag, BUNDLE_NAME, None)
    started = time.monotonic()
    run = dag.test()
    seconds = time.monotonic() - started
    written = sum(instance.state == "success" for instance in run.get_task_instances())
    error = None if run.state == "success" else f"DAG run ended {run.state}"
    return {"seconds": seconds, "written": written, "error": error}
