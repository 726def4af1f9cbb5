"""A token the server echoes never reaches the transfer's failed rows or its rejected-rows table."""

from __future__ import annotations

from airflow_provider_texter.sandbox import make_chat
from airflow_provider_texter.transfers.sql_to_texter import SqlToTexterOperator


def test_echoed_token_is_not_stored_with_the_rejected_row(sqlite_warehouse, texter_sandbox, connect):
    connect(backoff_factor=0.01)
    chat_id = texter_sandbox.add_chat(make_chat("972500000001"))["_id"]
    sqlite_warehouse.load("customers", {"chat_id": "TEXT", "plan": "TEXT"}, [(chat_id, "pro")])
    texter_sandbox.fail_next(1, status=400, echo_authorization=True)
    operator = SqlToTexterOperator(
        task_id="sync",
        conn_id="warehouse",
        sql="SELECT chat_id, plan FROM customers",
        chat_id_column="chat_id",
        max_failed_rows=1,
        rejected_rows_table="texter_rejected",
    )
    result = operator.execute({"run_id": "run_1"})
    (failed,) = result["failed_rows"]
    ((stored_reason,),) = sqlite_warehouse.records("SELECT reason FROM texter_rejected")
    for reason in (failed["reason"], stored_reason):
        assert "Authorization: ***" in reason and texter_sandbox.token not in reason
