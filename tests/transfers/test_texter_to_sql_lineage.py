"""TexterToSqlOperator's OpenLineage: the Texter collection read, the warehouse table written, its rows."""

from __future__ import annotations

import pytest

from airflow_provider_texter.transfers.texter_to_sql import TexterToSqlOperator


def lineage_after_run(warehouse, collection, table):
    operator = TexterToSqlOperator(
        task_id="read", conn_id=warehouse.conn_id, collection=collection, table=table
    )
    operator.execute({"run_id": "lineage"})
    return operator.get_openlineage_facets_on_complete(task_instance=None)


@pytest.mark.parametrize(
    ("collection", "dataset"),
    [("chats", "chats"), ("unsubscribed", "whatsapp.unsubscribed"), ("templates", "whatsapp.templates"),
     ("labels", "labels")],
)  # fmt: skip
def test_postgres_table_is_the_output_and_the_texter_collection_the_input(
    postgres_warehouse, texter_sandbox, hook, collection, dataset
):
    lineage = lineage_after_run(postgres_warehouse, collection, "texter_snapshot")
    (source,) = lineage.inputs
    host = texter_sandbox.base_url.split("/")[2]
    assert (source.namespace, source.name) == (f"texter://{host}", dataset)
    (output,) = lineage.outputs
    assert output.namespace == "postgres://127.0.0.1:5432"
    assert output.name.startswith("test.texter_test_") and output.name.endswith(".texter_snapshot")
    [(rows,)] = postgres_warehouse.records("SELECT COUNT(*) FROM texter_snapshot")
    assert output.outputFacets["outputStatistics"].rowCount == rows


def test_sqlite_table_is_named_by_its_file(sqlite_warehouse, texter_sandbox, hook):
    lineage = lineage_after_run(sqlite_warehouse, "labels", "texter_labels")
    (output,) = lineage.outputs
    path = sqlite_warehouse.hook.get_connection("warehouse").host
    assert (output.namespace, output.name) == (f"sqlite://{path}", "texter_labels")
    assert output.outputFacets["outputStatistics"].rowCount == 2
