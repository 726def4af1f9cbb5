"""SqlToTexterOperator keeping segments as labels and owners as assignments, run after run.

Real SQL (SQLite, PostgreSQL, MariaDB) and real HTTP against the sandbox; what was sent is read from the
sandbox's request log, and what chats hold from the sandbox's chats.
"""

from __future__ import annotations

import pytest

from airflow_provider_texter.exceptions import TexterValidationError
from airflow_provider_texter.sandbox import make_chat
from airflow_provider_texter.transfers.incremental import TooManyRemovedError
from airflow_provider_texter.transfers.sql_to_texter import SqlToTexterOperator

SEGMENT = "SELECT chat_id FROM segment ORDER BY chat_id"
NOA, ITAI = "noa@sandbox.example", "itai@sandbox.example"


@pytest.fixture
def chats(texter_sandbox, hook):
    """Six chats; the even ones carry a label no sync owns (``failed-message``)."""
    return [
        texter_sandbox.add_chat(
            make_chat(f"97250100000{index}", labels=["failed-message"] if index % 2 == 0 else [])
        )["_id"]
        for index in range(6)
    ]


def operator(warehouse, **arguments):
    arguments = {"sql": SEGMENT, "chat_id_column": "chat_id", "operation": "labels", **arguments}
    return SqlToTexterOperator(task_id="segment", conn_id=warehouse.conn_id, **arguments)


def run(warehouse, run_id="run_1", **arguments):
    return operator(warehouse, **arguments).execute({"run_id": run_id})


def keep_segment(warehouse, run_id, members, **arguments):
    """Make the segment table hold exactly ``members``, then sync it with state."""
    warehouse.hook.run("DELETE FROM segment")
    if members:
        warehouse.hook.insert_rows("segment", [(member,) for member in members], target_fields=["chat_id"])
    arguments = {"labels": ["VIP"], "state_table": "texter_state", "on_removed": "remove_labels", **arguments}
    return run(warehouse, run_id, **arguments)


def label_writes(sandbox):
    return sorted(
        (request.path.split("/")[2], request.body)
        for request in sandbox.requests
        if request.method == "POST" and request.path.endswith("/labels")
    )


def labels_of(sandbox, chat_ids):
    return [sandbox.chat(chat_id)["labels"] for chat_id in chat_ids]


def test_a_segment_kept_as_a_label_over_three_runs(warehouse, chats, texter_sandbox):
    a, b, c, d, e, f = chats
    warehouse.load("segment", {"chat_id": "VARCHAR(40)"}, [])

    first = keep_segment(warehouse, "run_1", [a, b, c])
    assert (first["succeeded"], first["removed"], first["undone"]) == (3, 0, 0)
    assert label_writes(texter_sandbox) == sorted((chat, {"add": ["vip"]}) for chat in (a, b, c))

    texter_sandbox.clear_requests()
    second = keep_segment(warehouse, "run_2", [b, c, d])
    assert (second["succeeded"], second["unchanged"], second["removed"], second["undone"]) == (1, 2, 1, 1)
    assert (second["rows_read"], second["sent"]) == (3, 1)  # sent counts rows, as for CRM data: not leavers
    assert label_writes(texter_sandbox) == sorted([(d, {"add": ["vip"]}), (a, {"remove": ["vip"]})])
    assert labels_of(texter_sandbox, chats) == [
        ["failed-message"],
        ["vip"],
        ["failed-message", "vip"],
        ["vip"],
        ["failed-message"],
        [],
    ]

    texter_sandbox.clear_requests()
    third = keep_segment(warehouse, "run_3", [d, e])
    assert (third["succeeded"], third["unchanged"], third["removed"], third["undone"]) == (1, 1, 2, 2)
    assert label_writes(texter_sandbox) == sorted(
        [(e, {"add": ["vip"]}), (b, {"remove": ["vip"]}), (c, {"remove": ["vip"]})]
    )
    assert labels_of(texter_sandbox, chats) == [
        ["failed-message"],
        [],
        ["failed-message"],
        ["vip"],
        ["failed-message", "vip"],
        [],
    ]
    assert sorted(warehouse.records("SELECT row_key FROM texter_state")) == sorted([(d,), (e,)])


def test_report_only_counts_leavers_and_touches_no_label(sqlite_warehouse, chats, texter_sandbox):
    a, b, *_ = chats
    sqlite_warehouse.load("segment", {"chat_id": "TEXT"}, [])
    keep_segment(sqlite_warehouse, "run_1", [a, b], on_removed="report")
    texter_sandbox.clear_requests()
    result = keep_segment(sqlite_warehouse, "run_2", [b], on_removed="report")
    assert (result["unchanged"], result["removed"], result["undone"]) == (1, 1, 0)
    assert label_writes(texter_sandbox) == []
    assert labels_of(texter_sandbox, [a, b]) == [["failed-message", "vip"], ["vip"]]

    texter_sandbox.clear_requests()  # new labels are added; without remove_labels none is taken off
    keep_segment(sqlite_warehouse, "run_3", [b], on_removed="report", labels=["failed-message"])
    assert label_writes(texter_sandbox) == [(b, {"add": ["failed-message"]})]
    assert labels_of(texter_sandbox, [b]) == [["vip", "failed-message"]]


def test_changing_the_labels_moves_members_and_leavers_lose_what_they_were_given(
    sqlite_warehouse, chats, texter_sandbox
):
    a, b, *_ = chats
    sqlite_warehouse.load("segment", {"chat_id": "TEXT"}, [])
    keep_segment(sqlite_warehouse, "run_1", [a, b])
    texter_sandbox.clear_requests()

    moved = keep_segment(sqlite_warehouse, "run_2", [a, b], labels=["Gold tier"], create_missing_labels=True)
    assert (moved["succeeded"], moved["sent"]) == (2, 2)  # rows, each with an add and a remove request
    assert labels_of(texter_sandbox, [a, b]) == [["failed-message", "gold-tier"], ["gold-tier"]]
    assert ("gold-tier", "Gold tier") in [(label["id"], label["name"]) for label in texter_sandbox.labels]

    texter_sandbox.clear_requests()
    keep_segment(sqlite_warehouse, "run_3", [b], labels=["Gold tier"])
    assert label_writes(texter_sandbox) == [(a, {"remove": ["gold-tier"]})]
    assert labels_of(texter_sandbox, [a, b]) == [["failed-message"], ["gold-tier"]]


def test_a_removal_that_fails_is_reported_and_retried_by_the_next_run(
    sqlite_warehouse, chats, texter_sandbox
):
    a, b, *_ = chats
    sqlite_warehouse.load("segment", {"chat_id": "TEXT"}, [])
    keep_segment(sqlite_warehouse, "run_1", [a, b])
    sqlite_warehouse.hook.run(f"DELETE FROM segment WHERE chat_id = '{a}'")

    failing = operator(sqlite_warehouse, labels=["vip"], state_table="texter_state",
                       on_removed="remove_labels", rejected_rows_table="rejected")  # fmt: skip
    failing.texter_hook.list_labels()  # labels known: the next request is the removal
    texter_sandbox.fail_next(1, status=400)
    with pytest.raises(Exception, match="1 rows? failed|failed"):
        failing.execute({"run_id": "run_2"})
    assert labels_of(texter_sandbox, [a]) == [["failed-message", "vip"]]
    [(row_number, chat_key, status, row_json)] = sqlite_warehouse.records(
        "SELECT row_number, chat_key, status, row_json FROM rejected"
    )
    assert (row_number, chat_key, status) == (None, f"chat_id={a}", "failed")
    assert '"labels": ["vip"]' in row_json

    retried = keep_segment(sqlite_warehouse, "run_3", [b])
    assert (retried["removed"], retried["undone"], retried["failed"]) == (1, 1, 0)
    assert labels_of(texter_sandbox, [a]) == [["failed-message"]]


@pytest.mark.parametrize("guard", [{"max_removed_rows": 2}, {"max_removed_ratio": 0.5}])
def test_a_segment_that_shrank_too_much_removes_nothing_and_fails(warehouse, chats, texter_sandbox, guard):
    a, b, c, d, *_ = chats
    warehouse.load("segment", {"chat_id": "VARCHAR(40)"}, [])
    keep_segment(warehouse, "run_1", [a, b, c, d], **guard)
    texter_sandbox.clear_requests()

    with pytest.raises(TooManyRemovedError, match="3 of the 4 keys of sync 'adhoc_airflow.segment' left"):
        keep_segment(warehouse, "run_2", [d, e := chats[4]], **guard)  # the query came back nearly empty
    assert label_writes(texter_sandbox) == [(e, {"add": ["vip"]})]  # the members are still written
    assert labels_of(texter_sandbox, [a, b, c]) == [
        ["failed-message", "vip"],
        ["vip"],
        ["failed-message", "vip"],
    ]

    shrank = keep_segment(warehouse, "run_3", [d, e], max_removed_rows=3)  # it really shrank
    assert (shrank["removed"], shrank["undone"]) == (3, 3)
    assert labels_of(texter_sandbox, [a, b, c]) == [["failed-message"], [], ["failed-message"]]


def test_a_deleted_chat_has_nothing_left_to_remove(sqlite_warehouse, chats, texter_sandbox):
    sqlite_warehouse.load("segment", {"chat_id": "TEXT"}, [])
    keep_segment(sqlite_warehouse, "run_1", [chats[1]])
    gone = "5eedffffffffffffffffffff"  # the chat the state remembers was deleted in Texter since
    sqlite_warehouse.hook.run(f"UPDATE texter_state SET chat_ids = '[\"{gone}\"]'")
    result = keep_segment(sqlite_warehouse, "run_2", [])
    assert (result["removed"], result["undone"], result["failed"]) == (1, 1, 0)
    assert sqlite_warehouse.records("SELECT COUNT(*) FROM texter_state") == [(0,)]


def test_preview_shows_the_requests_a_run_would_send_and_writes_nothing(
    sqlite_warehouse, chats, texter_sandbox
):
    a, b, c, *_ = chats
    sqlite_warehouse.load("segment", {"chat_id": "TEXT"}, [])
    keep_segment(sqlite_warehouse, "run_1", [a, b])
    state_before = sqlite_warehouse.records("SELECT * FROM texter_state ORDER BY row_key")
    texter_sandbox.clear_requests()

    result = keep_segment(sqlite_warehouse, "run_2", [b, c], preview=True)
    assert {request.method for request in texter_sandbox.requests} == {"GET"}
    assert (result["unchanged"], result["removed"], result["undone"]) == (1, 1, 1)
    assert sorted(result["would_send"], key=lambda item: item["path"]) == sorted(
        [
            {"chat_id": a, "method": "POST", "path": f"/chats/{a}/labels", "body": {"remove": ["vip"]}},
            {"chat_id": c, "method": "POST", "path": f"/chats/{c}/labels", "body": {"add": ["vip"]}},
        ],
        key=lambda item: item["path"],
    )
    assert sqlite_warehouse.records("SELECT * FROM texter_state ORDER BY row_key") == state_before


def test_phone_members_are_labelled_and_unlabelled_on_the_chat_they_matched(
    postgres_warehouse, texter_sandbox, hook
):
    dana = texter_sandbox.add_chat(make_chat("972521234567"))["_id"]
    omer = texter_sandbox.add_chat(make_chat("972541112233"))["_id"]
    postgres_warehouse.load("members", {"phone": "TEXT"}, [("052-123-4567",), ("+972 54 111 2233",)])
    arguments = {"sql": "SELECT phone FROM members", "chat_id_column": None, "phone_column": "phone",
                 "default_region": "IL", "labels": ["vip"], "state_table": "texter_state",
                 "on_removed": "remove_labels"}  # fmt: skip
    assert run(postgres_warehouse, "run_1", **arguments)["succeeded"] == 2
    postgres_warehouse.hook.run("DELETE FROM members WHERE phone = '052-123-4567'")
    second = run(postgres_warehouse, "run_2", **arguments)
    assert (second["unchanged"], second["undone"]) == (1, 1)
    assert labels_of(texter_sandbox, [dana, omer]) == [[], ["vip"]]


def test_an_unknown_label_fails_before_any_write(sqlite_warehouse, chats, texter_sandbox):
    sqlite_warehouse.load("segment", {"chat_id": "TEXT"}, [(chats[0],)])
    with pytest.raises(TexterValidationError) as error:
        run(sqlite_warehouse, labels=["vip", "Platinum"], state_table="texter_state")
    assert "'Platinum': no label has this name or id" in error.value.problems
    assert [(request.method, request.path) for request in texter_sandbox.requests] == [("GET", "/labels")]
    assert sqlite_warehouse.records("SELECT name FROM sqlite_master WHERE name LIKE 'texter_state%'") == []


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({"labels": None}, "labels: operation 'labels' needs the labels to give (names or ids)"),
        ({"operation": "crm_data"}, "labels: only operation 'labels' takes labels, not 'crm_data'"),
        (
            {"on_removed": "remove_labels"},
            "on_removed: 'remove_labels' needs operation 'labels' and a state_table",
        ),
        ({"on_removed": "delete"}, "on_removed: 'delete' is not one of report, remove_labels"),
        ({"max_removed_rows": 5}, "max_removed_rows: only with on_removed='remove_labels'"),
        (
            {"on_removed": "remove_labels", "state_table": "s", "max_removed_ratio": 1.5},
            "max_removed_ratio: must be between 0 and 1, got 1.5",
        ),
        (
            {"on_removed": "remove_labels", "state_table": "s", "max_removed_rows": -1},
            "max_removed_rows: must be an integer >= 0, got -1",
        ),
    ],
)
def test_label_arguments_are_checked_before_the_query(
    sqlite_warehouse, texter_sandbox, hook, arguments, problem
):
    with pytest.raises(TexterValidationError) as error:
        run(sqlite_warehouse, **{"labels": ["vip"], **arguments})
    assert problem in error.value.problems
    assert texter_sandbox.requests == []


def test_a_labels_query_with_other_columns_is_refused_before_any_write(
    sqlite_warehouse, chats, texter_sandbox
):
    sqlite_warehouse.load("segment", {"chat_id": "TEXT", "plan": "TEXT"}, [(chats[0], "pro")])
    with pytest.raises(TexterValidationError, match="column 'plan': operation 'labels' sends only"):
        run(sqlite_warehouse, sql="SELECT chat_id, plan FROM segment", labels=["vip"])
    assert label_writes(texter_sandbox) == []
    result = run(
        sqlite_warehouse, sql="SELECT chat_id, plan FROM segment", labels=["vip"], column_map={"plan": None}
    )
    assert result["succeeded"] == 1


# Ownership


def assign_requests(sandbox):
    return sorted(
        (request.body["chatId"], tuple(sorted(request.body.items())))
        for request in sandbox.requests
        if request.path == "/chats/assign"
    )


def assign(warehouse, run_id, **arguments):
    arguments = {
        "sql": "SELECT chat_id, agent_email, department_id FROM owners ORDER BY chat_id",
        "chat_id_column": "chat_id",
        "operation": "assign",
        "state_table": "texter_state",
        **arguments,
    }
    return SqlToTexterOperator(task_id="owners", conn_id=warehouse.conn_id, **arguments).execute(
        {"run_id": run_id}
    )


def test_owners_are_assigned_and_only_changed_ones_are_sent_again(warehouse, chats, texter_sandbox):
    a, b, c, d, *_ = chats
    warehouse.load(
        "owners", {"chat_id": "VARCHAR(40)", "agent_email": "VARCHAR(80)", "department_id": "VARCHAR(40)"},
        [(a, NOA, None), (b, ITAI, "sales"), (c, None, "support"), (d, None, None)],
    )  # fmt: skip
    first = assign(warehouse, "run_1")
    assert (first["succeeded"], first["skipped"]) == (3, 1)  # d names no owner
    assert assign_requests(texter_sandbox) == [
        (a, (("agentEmail", NOA), ("chatId", a))),
        (b, (("agentEmail", ITAI), ("chatId", b), ("departmentId", "sales"))),
        (c, (("chatId", c), ("departmentId", "support"))),
    ]
    assert texter_sandbox.chat(a)["agent"]["displayName"] == "Noa Levi"
    assert texter_sandbox.chat(c)["departmentId"] == "support"

    texter_sandbox.clear_requests()
    second = assign(warehouse, "run_2")
    assert (second["unchanged"], second["sent"]) == (3, 0)
    assert assign_requests(texter_sandbox) == []

    warehouse.hook.run(f"UPDATE owners SET agent_email = '{NOA}' WHERE chat_id = '{b}'")
    texter_sandbox.clear_requests()
    third = assign(warehouse, "run_3")
    assert (third["unchanged"], third["sent"]) == (2, 1)
    assert assign_requests(texter_sandbox) == [
        (b, (("agentEmail", NOA), ("chatId", b), ("departmentId", "sales")))
    ]
    assert texter_sandbox.chat(b)["agent"]["displayName"] == "Noa Levi"


def test_an_assignee_row_that_cannot_be_sent_fails_alone_naming_its_fields(
    sqlite_warehouse, chats, texter_sandbox
):
    a, b, c, *_ = chats
    sqlite_warehouse.load(
        "owners", {"chat_id": "TEXT", "agent_crm_id": "INTEGER", "agent_email": "TEXT"},
        [(a, None, NOA), (b, 2, ITAI), (c, None, "nobody@sandbox.example")],
    )  # fmt: skip
    result = assign(
        sqlite_warehouse, "run_1", max_failed_rows=5, state_table=None,
        sql="SELECT chat_id, agent_crm_id, agent_email FROM owners ORDER BY chat_id",
    )  # fmt: skip
    assert (result["succeeded"], result["failed"]) == (1, 2)
    reasons = {item["chat_key"]: item["reason"] for item in result["failed_rows"]}
    assert "give at most one of agent_email, agent_uid or agent_crm_id" in reasons[f"chat_id={b}"]
    assert "nobody@sandbox.example" in reasons[f"chat_id={c}"]
    assert texter_sandbox.chat(a)["agent"]["displayName"] == "Noa Levi"


def test_integer_ids_in_assignee_columns_are_sent_as_text(sqlite_warehouse, chats, texter_sandbox):
    texter_sandbox.add_agent("Lior Ben", "lior@sandbox.example", crm_id="1042")
    sqlite_warehouse.load("owners", {"chat_id": "TEXT", "agent_crm_id": "INTEGER"}, [(chats[0], 1042)])
    result = assign(sqlite_warehouse, "run_1", sql="SELECT chat_id, agent_crm_id FROM owners")
    assert result["succeeded"] == 1
    assert texter_sandbox.chat(chats[0])["agent"]["displayName"] == "Lior Ben"


def test_an_unknown_assignee_column_is_refused_before_any_write(sqlite_warehouse, chats, texter_sandbox):
    sqlite_warehouse.load("owners", {"chat_id": "TEXT", "owner": "TEXT"}, [(chats[0], NOA)])
    with pytest.raises(TexterValidationError, match="column 'owner': is not an assignee column"):
        assign(sqlite_warehouse, "run_1", sql="SELECT chat_id, owner FROM owners")
    assert texter_sandbox.requests == []
    result = assign(sqlite_warehouse, "run_1", sql="SELECT chat_id, owner FROM owners",
                    column_map={"owner": "agent_email"})  # fmt: skip
    assert result["succeeded"] == 1


def test_a_state_table_from_before_labels_gains_its_column_and_keeps_its_rows(
    warehouse, chats, texter_sandbox
):
    a, b, *_ = chats
    warehouse.load(
        "texter_state",
        {"sync_id": "VARCHAR(200) NOT NULL", "row_key": "VARCHAR(200) NOT NULL", "fingerprint": "VARCHAR(32)",
         "chat_ids": "TEXT", "last_seen": "VARCHAR(32)", "confirmed_at": "VARCHAR(40)"},
        [("adhoc_airflow.segment", a, "0" * 32, f'["{a}"]', None, "2026-11-01T00:00:00+00:00")],
    )  # fmt: skip
    warehouse.load("segment", {"chat_id": "VARCHAR(40)"}, [])
    result = keep_segment(warehouse, "run_1", [b])
    assert (result["succeeded"], result["removed"], result["undone"]) == (1, 1, 1)
    assert label_writes(texter_sandbox) == sorted([(b, {"add": ["vip"]}), (a, {"remove": ["vip"]})])
    assert warehouse.records("SELECT row_key, written FROM texter_state") == [(b, '["vip"]')]
