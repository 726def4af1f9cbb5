"""TexterToSqlOperator, collection messages: the chats a query names, read by worker threads, upserted by
message id so that delivery that progresses is tracked run after run."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest
import requests
from transfers.texter_tables import read_into, table_rows

from airflow_provider_texter.exceptions import TexterNotFoundError
from airflow_provider_texter.sandbox import generate_chats

YAEL, OMER = "5eed00000000000000000001", "5eed00000000000000000002"  # 972549000001, 972549000002
CHATS = {"chat_id": "VARCHAR(40)"}
RENEWAL = {"templateName": "renewal_reminder", "language": "en", "body": ["Dana", "1 Dec"]}


def send(sandbox, phone: str) -> str:
    response = requests.post(
        f"{sandbox.base_url}/whatsapp/templates/send",
        json={**RENEWAL, "to": phone},
        headers={"Authorization": f"Bearer {sandbox.token}"},
        timeout=5,
    )
    return response.json()["messageId"]


def read_messages(warehouse, **arguments):
    return read_into(warehouse, "messages", chat_ids_sql="SELECT chat_id FROM campaign_chats", **arguments)


def test_messages_have_the_documented_columns_and_no_text_unless_asked(warehouse, texter_sandbox, hook):
    warehouse.load("campaign_chats", CHATS, [(YAEL,), (OMER,)])
    texter_sandbox.set_delivery_delays(3600, 3600)
    sent = send(texter_sandbox, "972549000001")
    reply = texter_sandbox.add_message(YAEL, "Thanks!")
    assert read_messages(warehouse)["rows"] == 2
    rows = {row["message_id"]: row for row in table_rows(warehouse, "messages")}
    stored = texter_sandbox.messages(YAEL)[0]
    sent_at = datetime.fromtimestamp(stored["timestamp"] / 1000, tz=timezone.utc)
    assert rows[sent] == {
        "message_id": sent,
        "chat_id": YAEL,
        "direction": "outgoing",
        "type": "special",
        "status": "Sent",
        "status_history": [{"status": "Sent", "at": sent_at.isoformat(timespec="milliseconds")}],
        "provider_message_id": stored["channelInfo"]["id"],
        "sent_at": sent_at,
        "updated_at": sent_at,
        "text": None,
    }
    assert (rows[reply["_id"]]["direction"], rows[reply["_id"]]["status"]) == ("incoming", "Delivered")
    read_messages(warehouse, include_text=True)
    assert table_rows(warehouse, "messages")[0]["text"] is not None


def test_a_later_run_updates_the_status_of_messages_it_has(warehouse, texter_sandbox, hook):
    warehouse.load("campaign_chats", CHATS, [(YAEL,), (OMER,)])
    texter_sandbox.fail_messages_to("972549000002", "131026 Message undeliverable")
    texter_sandbox.set_delivery_delays(3600, 3600)
    delivered, failed = send(texter_sandbox, "972549000001"), send(texter_sandbox, "972549000002")
    read_messages(warehouse)
    assert {row["message_id"]: row["status"] for row in table_rows(warehouse, "messages")} == {
        delivered: "Sent",
        failed: "Sent",
    }
    texter_sandbox.set_delivery_delays(0, 0)  # the time passes: delivered and read, or failed
    assert read_messages(warehouse)["rows"] == 2
    rows = {row["message_id"]: row for row in table_rows(warehouse, "messages")}
    assert {message_id: row["status"] for message_id, row in rows.items()} == {
        delivered: "Seen",
        failed: "Failed",
    }
    assert [step["status"] for step in rows[delivered]["status_history"]] == ["Sent", "Delivered", "Seen"]
    assert [step["status"] for step in rows[failed]["status_history"]] == ["Sent", "Failed"]


def test_since_keeps_older_messages_out(sqlite_warehouse, texter_sandbox, hook):
    sqlite_warehouse.load("campaign_chats", CHATS, [(YAEL,)])
    texter_sandbox.add_message(YAEL, "old")
    time.sleep(0.01)
    boundary = datetime.now(timezone.utc)
    time.sleep(0.01)
    texter_sandbox.add_message(YAEL, "new")
    read_messages(sqlite_warehouse, since=boundary.isoformat(), include_text=True)
    assert [row["text"] for row in table_rows(sqlite_warehouse, "messages")] == ["new"]


def test_many_chats_with_many_messages_are_read_page_by_page_by_several_workers(
    postgres_warehouse, texter_sandbox, hook
):
    chats = [texter_sandbox.add_chat(chat)["_id"] for chat in generate_chats(40)]
    for chat_id in chats:
        for number in range(7):
            texter_sandbox.add_message(chat_id, f"message {number}")
    postgres_warehouse.load("campaign_chats", CHATS, [(chat_id,) for chat_id in chats] + [(chats[0],)])
    result = read_messages(postgres_warehouse, max_workers=4, message_page_size=3, batch_size=50)
    assert result["rows"] == 280  # chats[0] is listed twice and read once
    assert postgres_warehouse.records("SELECT COUNT(*) FROM texter_messages") == [(280,)]
    pages = [request for request in texter_sandbox.requests if request.path.startswith("/messages/chat/")]
    assert len(pages) == 40 * 3  # 7 messages in pages of 3: 3, 3, 1


def test_a_chat_that_does_not_exist_stops_the_run_naming_it(sqlite_warehouse, texter_sandbox, hook):
    sqlite_warehouse.load("campaign_chats", CHATS, [("0123456789abcdef01234567",)])
    with pytest.raises(TexterNotFoundError, match="chat 0123456789abcdef01234567 not found"):
        read_messages(sqlite_warehouse)
