"""SqlToTexterOperator's OpenLineage: tables read (parsed from the SQL), chats written, rows, columns."""

from __future__ import annotations

import pytest

from airflow_provider_texter.sandbox import make_chat
from airflow_provider_texter.transfers.sql_to_texter import SqlToTexterOperator

CUSTOMERS = {"chat_id": "TEXT", "plan": "TEXT", "ltv": "NUMERIC"}
SQL = "SELECT chat_id, plan, ltv FROM customers"


@pytest.fixture
def synced(texter_sandbox, connect):
    """``synced(warehouse, **arguments)``: 3 good rows and 1 with an unknown chat, run, then the lineage."""
    connect(backoff_factor=0.01)

    def synced(warehouse, **arguments):
        chats = [texter_sandbox.add_chat(make_chat(f"97250000{index:04d}"))["_id"] for index in range(3)]
        rows = [(chat_id, "pro", 10) for chat_id in chats] + [("0" * 24, "pro", 1)]
        warehouse.load("customers", CUSTOMERS, rows)
        operator = SqlToTexterOperator(
            task_id="sync", conn_id=warehouse.conn_id, sql=SQL, chat_id_column="chat_id", max_failed_rows=1,
            **arguments,
        )  # fmt: skip
        operator.execute({"run_id": "lineage"})
        return operator.get_openlineage_facets_on_complete(task_instance=None)

    return synced


def test_postgres_query_tables_are_inputs_and_columns_map_to_crm_fields(
    postgres_warehouse, texter_sandbox, synced
):
    lineage = synced(postgres_warehouse, column_map={"ltv": "customer.lifetime_value", "plan": None})

    (source,) = lineage.inputs
    assert source.namespace == "postgres://127.0.0.1:5432"
    assert source.name.endswith(".customers")
    assert lineage.job_facets["sql"].query.strip() == SQL
    (output,) = lineage.outputs
    host = texter_sandbox.base_url.split("/")[2]
    assert (output.namespace, output.name) == (f"texter://{host}", "chats.crmData")
    assert output.outputFacets["outputStatistics"].rowCount == 3  # the row with an unknown chat failed
    fields = output.facets["columnLineage"].fields
    assert list(fields) == ["customer.lifetime_value"]  # plan was dropped by the map
    (input_field,) = fields["customer.lifetime_value"].inputFields
    assert (input_field.namespace, input_field.name, input_field.field) == (
        source.namespace, source.name, "ltv",
    )  # fmt: skip


def test_sqlite_query_still_reports_the_sql_and_the_chats_written(sqlite_warehouse, synced):
    lineage = synced(sqlite_warehouse, operation="chat", column_map={"plan": "displayName", "ltv": None})

    assert lineage.inputs == []  # OpenLineage has no naming for SQLite databases
    assert lineage.job_facets["sql"].query == SQL
    (output,) = lineage.outputs
    assert output.name == "chats.properties"
    assert output.outputFacets["outputStatistics"].rowCount == 3
    assert "columnLineage" not in output.facets  # no input dataset to point at


@pytest.mark.parametrize(
    ("arguments", "dataset"),
    [
        (
            {"operation": "labels", "labels": ["vip"], "column_map": {"plan": None, "ltv": None}},
            "chats.labels",
        ),
        ({"operation": "assign", "column_map": {"plan": "agent_email", "ltv": None}}, "chats.assignment"),
    ],
)
def test_segment_and_owner_syncs_name_what_they_write(
    sqlite_warehouse, texter_sandbox, synced, arguments, dataset
):
    texter_sandbox.add_agent("Pro Desk", "pro")  # the rows' "plan" column, read as an agent email
    lineage = synced(sqlite_warehouse, **arguments)
    (output,) = lineage.outputs
    assert output.name == dataset
    assert output.outputFacets["outputStatistics"].rowCount == 3
