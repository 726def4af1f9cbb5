"""TexterToSqlOperator end to end: each collection's columns and values, read from the sandbox over real HTTP
into SQLite, PostgreSQL and MariaDB; its arguments checked before any request; auth errors naming the scope.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from transfers.texter_tables import read_into, table_rows

from airflow_provider_texter.exceptions import TexterAuthError, TexterValidationError
from airflow_provider_texter.sandbox import TexterSandbox, make_chat
from airflow_provider_texter.transfers.texter_to_sql import TexterToSqlOperator

OUR_NUMBER = "972586640430"
YAEL = "5eed00000000000000000001"
JANUARY_1 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def at(milliseconds: int) -> datetime:
    return datetime.fromtimestamp(milliseconds / 1000, tz=timezone.utc)


@pytest.fixture
def assigned_chat(texter_sandbox):
    """A WhatsApp chat with an agent, a display name, a department and its external bot on."""
    noa = texter_sandbox.agents[0]
    return texter_sandbox.add_chat(
        make_chat(
            "972521234567", title="Dana Levi", _id="c0ffee000000000000000001", status=2,
            agent=noa.on_chat(), displayName="Dana (VIP)", departmentId="sales", externalBot=True,
            labels=["vip"], crm_data={"plan": "premium", "customer": {"id": 7}},
            last_message_timestamp=1_767_225_600_000, lastIncomingMessageTimestamp=1_767_225_000_000,
            created="2025-06-01T08:30:00.000Z", updatedAt="2026-01-01T00:00:00.000Z",
        )
    )  # fmt: skip


def test_chats_become_one_row_each_with_the_documented_columns(
    warehouse, texter_sandbox, hook, assigned_chat
):
    texter_sandbox.unsubscribe("972549000001")
    result = read_into(warehouse, "chats")
    assert result == {"collection": "chats", "table": "texter_chats", "rows": 4, "seconds": result["seconds"]}
    rows = {row["chat_id"]: row for row in table_rows(warehouse, "chats")}
    assert rows["c0ffee000000000000000001"] == {
        "chat_id": "c0ffee000000000000000001",
        "phone": "+972521234567",
        "channel": "whatsapp",
        "account_id": OUR_NUMBER,
        "title": "Dana Levi",
        "display_name": "Dana (VIP)",
        "status": "ASSIGNED",
        "agent_uid": texter_sandbox.agents[0].uid,
        "agent_name": "Noa Levi",
        "department_id": "sales",
        "labels": ["vip"],
        "crm_data": {"plan": "premium", "customer": {"id": 7}},
        "external_bot": True,
        "unsubscribed_at": None,
        "last_message_at": JANUARY_1,
        "last_incoming_message_at": at(1_767_225_000_000),
        "created_at": datetime(2025, 6, 1, 8, 30, tzinfo=timezone.utc),
        "updated_at": JANUARY_1,
    }
    yael = rows[YAEL]
    assert (yael["status"], yael["labels"], yael["crm_data"]) == ("PENDING", ["vip"], {"plan": "gold"})
    assert yael["unsubscribed_at"] == at(texter_sandbox.chat(YAEL)["unsubscribeTime"])
    messenger = rows["5eed00000000000000000003"]
    assert (messenger["phone"], messenger["channel"], messenger["account_id"]) == (
        None,
        "messenger",
        "sandbox-page",
    )


def test_chat_filters_narrow_the_snapshot(sqlite_warehouse, texter_sandbox, hook, assigned_chat):
    read_into(sqlite_warehouse, "chats", statuses=["PENDING", "ASSIGNED"], labels="vip")
    assert [row["chat_id"] for row in table_rows(sqlite_warehouse, "chats")] == [YAEL, assigned_chat["_id"]]
    read_into(
        sqlite_warehouse, "chats", "whatsapp_chats", channel_name="messenger", account_id="sandbox-page"
    )
    assert [row["chat_id"] for row in table_rows(sqlite_warehouse, "chats", "whatsapp_chats")] == [
        "5eed00000000000000000003"
    ]


def test_unsubscribed_lists_every_opt_out_with_the_account_asked_for(warehouse, texter_sandbox, hook):
    texter_sandbox.unsubscribe("972549000001")
    texter_sandbox.unsubscribe("+972 50-000-0002", OUR_NUMBER, title="Avi")
    texter_sandbox.unsubscribe("972500000003", "972586640431")
    assert read_into(warehouse, "unsubscribed")["rows"] == 3
    rows = table_rows(warehouse, "unsubscribed")
    assert [(row["phone"], row["title"], row["account_id"]) for row in rows] == [
        ("+972500000002", "Avi", None),
        ("+972500000003", None, None),
        ("+972549000001", "Yael Mizrahi", None),
    ]
    assert all(isinstance(row["first_seen_at"], datetime) for row in rows)
    read_into(warehouse, "unsubscribed", "our_number_unsubscribed", account_id=OUR_NUMBER)
    assert [
        (row["phone"], row["account_id"])
        for row in table_rows(warehouse, "unsubscribed", "our_number_unsubscribed")
    ] == [
        ("+972500000002", OUR_NUMBER),
        ("+972549000001", OUR_NUMBER),
    ]


def test_templates_are_one_row_per_template_and_language_with_variables_and_reasons(
    warehouse, texter_sandbox, hook
):
    assert read_into(warehouse, "templates")["rows"] == 7
    rows = {(row["name"], row["language"]): row for row in table_rows(warehouse, "templates")}
    assert rows[("renewal_reminder", "en")] == {
        "account_id": OUR_NUMBER,
        "name": "renewal_reminder",
        "language": "en",
        "status": "APPROVED",
        "category": "UTILITY",
        "body_text": "Hi {{1}}, your plan renews on {{2}}. Reply here with any question.",
        "variables": 2,
        "rejection_reason": None,
    }
    assert rows[("renewal_reminder", "he")]["body_text"].startswith("שלום {{1}}")
    assert (rows[("order_shipped", "he")]["status"], rows[("welcome", "en")]["variables"]) == ("PENDING", 0)
    assert (rows[("spring_sale", "en")]["status"], rows[("spring_sale", "en")]["rejection_reason"]) == (
        "REJECTED",
        "PROMOTIONAL",
    )


def test_labels_are_one_row_each_with_the_system_flag(warehouse, texter_sandbox, hook):
    assert read_into(warehouse, "labels")["rows"] == 2
    assert table_rows(warehouse, "labels") == [
        {"label_id": "failed-message", "name": "Failed message", "color": "#e53935", "system": True},
        {"label_id": "vip", "name": "VIP", "color": "#555555", "system": False},
    ]


def test_xcom_holds_counts_and_names_only(sqlite_warehouse, texter_sandbox, hook):
    result = read_into(sqlite_warehouse, "chats")
    assert set(result) == {"collection", "table", "rows", "seconds"}
    assert "972549" not in json.dumps(result)


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({"collection": "contacts"}, "collection: 'contacts' is not one of chats, unsubscribed, templates"),
        (
            {"table": "chats; DROP TABLE customers"},
            "table: 'chats; DROP TABLE customers' is not a plain table",
        ),
        ({"table": "t" * 56}, "is too long: at most 55 characters"),
        ({"statuses": ["SOLVED"]}, "statuses: 'SOLVED' is not one of BOT, PENDING"),
        ({"account_id": OUR_NUMBER}, "channel_name and account_id: give both or neither"),
        ({"since": "2026-01-01"}, "since: only for collection messages, not 'chats'"),
        ({"collection": "labels", "labels": ["vip"]}, "labels: only for collection chats, not 'labels'"),
        ({"collection": "messages"}, "chat_ids_sql: a query returning chat ids (first column) is required"),
        (
            {"collection": "messages", "chat_ids_sql": "SELECT 1", "since": "yesterday"},
            "since: 'yesterday' is not an ISO date-time",
        ),
        ({"max_workers": 0}, "max_workers: must be an integer of at least 1"),
        ({"chat_page_size": 10_001}, "chat_page_size: must be an integer from 1 to 10000"),
    ],
)
def test_bad_arguments_fail_before_any_request_or_table(
    sqlite_warehouse, texter_sandbox, hook, arguments, problem
):
    arguments = {"collection": "chats", "table": "texter_chats", **arguments}
    with pytest.raises(TexterValidationError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        TexterToSqlOperator(task_id="read", conn_id="warehouse", **arguments).execute({})
    assert texter_sandbox.requests == []
    assert sqlite_warehouse.records("SELECT name FROM sqlite_master") == []


def test_every_problem_is_named_at_once(sqlite_warehouse, texter_sandbox, hook):
    with pytest.raises(TexterValidationError) as raised:
        read_into(sqlite_warehouse, "chats", table="bad name", statuses="SOLVED", max_workers=0)
    assert len(raised.value.problems) == 3


@pytest.mark.parametrize(
    ("collection", "scope", "arguments"),
    [
        ("chats", "List all chats", {}),
        ("unsubscribed", "List all chats", {}),
        ("templates", "View template messages", {}),
        ("messages", "View all chats", {"chat_ids_sql": f"SELECT '{YAEL}'"}),
    ],
)
def test_a_token_without_the_scope_stops_the_run_naming_the_scope(
    sqlite_warehouse, connect, monkeypatch, collection, scope, arguments
):
    with TexterSandbox(
        "narrow-token", scopes={"Manage all chats"}, chats=[make_chat("972549000001", _id=YAEL)]
    ) as sandbox:
        monkeypatch.setenv(
            "AIRFLOW_CONN_TEXTER_DEFAULT",
            json.dumps({"conn_type": "texter", "host": sandbox.base_url, "password": sandbox.token}),
        )
        with pytest.raises(TexterAuthError, match=f"the token lacks the scope '{scope}'"):
            read_into(sqlite_warehouse, collection, **arguments)
        assert [request.status for request in sandbox.requests] == [403]


def test_a_rejected_token_stops_the_run(sqlite_warehouse, texter_sandbox, connect):
    connect(token="revoked")
    with pytest.raises(TexterAuthError, match="401"):
        read_into(sqlite_warehouse, "chats")
