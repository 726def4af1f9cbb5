"""SqlToTexterOperator(operation="unsubscribe" | "resubscribe"): a query of phones becomes Texter's template
opt-out list, addressed by phone (no chat looked up), only new keys sent with a state table. Real SQL
(SQLite, PostgreSQL, MariaDB) and real HTTP against the sandbox."""

from __future__ import annotations

import pytest

from airflow_provider_texter.exceptions import TexterValidationError
from airflow_provider_texter.sandbox import make_chat
from airflow_provider_texter.transfers.sql_to_texter import SqlToTexterOperator

PHONES = {"phone": "TEXT", "source": "TEXT"}


def run(warehouse, run_id="run_1", **arguments):
    arguments = {"sql": "SELECT phone FROM opt_outs ORDER BY phone", "phone_column": "phone", **arguments}
    operator = SqlToTexterOperator(task_id="opt_outs", conn_id=warehouse.conn_id, **arguments)
    return operator.execute({"run_id": run_id})


def opt_outs(sandbox):
    return sorted((opt_out["phone"], opt_out["accountId"]) for opt_out in sandbox.unsubscribed)


def test_unsubscribe_sends_each_phone_as_e164_without_looking_up_a_chat(warehouse, texter_sandbox, hook):
    chat_id = texter_sandbox.add_chat(make_chat("972521234567"))["_id"]
    rows = [
        ("052-123-4567", "crm"),
        ("+1 (201) 555-0123", "web"),
        ("not a phone", "crm"),
        ("052-999-0000", "x"),
    ]
    warehouse.load("opt_outs", PHONES, rows)

    result = run(warehouse, operation="unsubscribe", default_region="IL", max_failed_rows=1)

    assert opt_outs(texter_sandbox) == [
        ("+12015550123", None),
        ("+972521234567", None),
        ("+972529990000", None),
    ]
    assert {request.path for request in texter_sandbox.requests} == {"/whatsapp/templates/unsubscribe"}
    assert (result["succeeded"], result["failed"], result["unmatched"]) == (3, 1, 0)
    assert "phone" in result["failed_rows"][0]["reason"] and result["failed_rows"][0]["row_number"] == 4
    assert texter_sandbox.chat(chat_id)["unsubscribed"] is True


def test_unsubscribe_from_one_number_of_ours_names_the_account(sqlite_warehouse, texter_sandbox, hook):
    sqlite_warehouse.load("opt_outs", PHONES, [("+972521234567", "crm")])
    run(sqlite_warehouse, operation="unsubscribe", account_id="972500000000")
    assert [request.body for request in texter_sandbox.requests] == [
        {"phone": "+972521234567", "accountId": "972500000000"}
    ]


def test_with_a_state_table_only_new_phones_are_sent(warehouse, texter_sandbox, hook):
    warehouse.load("opt_outs", PHONES, [("+972521234567", "crm"), ("+972521234568", "crm")])
    first = run(warehouse, operation="unsubscribe", state_table="texter_state")
    warehouse.hook.insert_rows("opt_outs", [("+972521234569", "crm")], target_fields=["phone", "source"])
    texter_sandbox.clear_requests()

    second = run(warehouse, "run_2", operation="unsubscribe", state_table="texter_state")

    assert (first["succeeded"], second["succeeded"], second["unchanged"]) == (2, 1, 2)
    assert [request.body for request in texter_sandbox.requests] == [{"phone": "+972521234569"}]


def test_resubscribe_is_refused_without_allow_resubscribe_before_any_request(
    sqlite_warehouse, texter_sandbox, hook
):
    sqlite_warehouse.load("opt_outs", PHONES, [("+972521234567", "crm")])
    texter_sandbox.unsubscribe("+972521234567")
    with pytest.raises(
        TexterValidationError, match="allow_resubscribe: resubscribing contacts who opted out"
    ):
        run(sqlite_warehouse, operation="resubscribe")
    assert texter_sandbox.requests == [] and opt_outs(texter_sandbox) == [("+972521234567", None)]


def test_resubscribe_with_consent_takes_phones_off_the_list(sqlite_warehouse, texter_sandbox, hook):
    sqlite_warehouse.load("opt_outs", PHONES, [("+972521234567", "crm")])
    texter_sandbox.unsubscribe("+972521234567")
    texter_sandbox.unsubscribe("+972521234568")
    result = run(sqlite_warehouse, operation="resubscribe", allow_resubscribe=True)
    assert result["succeeded"] == 1
    assert opt_outs(texter_sandbox) == [("+972521234568", None)]


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({"sql": "SELECT phone AS chat_id FROM opt_outs", "phone_column": None, "chat_id_column": "chat_id"},
         "chat_id_column: operation 'unsubscribe' is addressed by phone: give phone_column"),
        ({"sql": "SELECT phone, source FROM opt_outs"},
         "column 'source': operation 'unsubscribe' sends only the phone; drop the column from the query or "
         "map it to None in column_map"),
        ({"labels": ["VIP"]}, "labels: only operation 'labels' takes labels, not 'unsubscribe'"),
    ],
)  # fmt: skip
def test_arguments_an_opt_out_cannot_use_fail_before_any_request(
    sqlite_warehouse, texter_sandbox, hook, arguments, problem
):
    sqlite_warehouse.load("opt_outs", PHONES, [("+972521234567", "crm")])
    with pytest.raises(TexterValidationError) as error:
        run(sqlite_warehouse, operation="unsubscribe", **arguments)
    assert problem in error.value.problems
    assert texter_sandbox.requests == []


def test_a_preview_shows_the_requests_and_sends_none(sqlite_warehouse, texter_sandbox, hook):
    sqlite_warehouse.load("opt_outs", PHONES, [("+972521234567", "crm")])
    result = run(sqlite_warehouse, operation="unsubscribe", preview=True)
    assert result["would_send"] == [
        {"chat_id": None, "method": "POST", "path": "/whatsapp/templates/unsubscribe",
         "body": {"phone": "+972521234567"}}
    ]  # fmt: skip
    assert texter_sandbox.requests == [] and opt_outs(texter_sandbox) == []
