"""Get Messages of a Chat over real HTTP: pages backwards in time, delivery that progresses, failures."""

from __future__ import annotations

import time

import pytest
import requests

from airflow_provider_texter.sandbox import TexterSandbox

YAEL = "5eed00000000000000000001"  # whatsapp 972549000001; its bot session is YAEL padded to 64
FAR_FUTURE = 4_102_444_800_000  # 2100-01-01
SENT, DELIVERED, SEEN, FAILED = 0, 2, 3, 4


def send_renewal(client, phone="972549000001"):
    body = {"templateName": "renewal_reminder", "language": "en", "to": phone, "body": ["Dana", "1 Dec"]}
    return client.post("/whatsapp/templates/send", json=body).json()


def messages_page(client, chat_id=YAEL, **params):
    response = client.get(f"/messages/chat/{chat_id}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def every_page(client, limit):
    """Read the chat backwards, page by page, as a client does; the messages oldest first."""
    pages, before = [], {"beforeTime": FAR_FUTURE, "beforeId": "0" * 24}
    while True:
        page = messages_page(client, limit=limit, **before)["messages"]
        if not page:
            return [message for page in reversed(pages) for message in page]
        pages.append(page)
        before = {"beforeTime": page[0]["timestamp"], "beforeId": page[0]["_id"]}


def test_a_page_holds_the_newest_messages_oldest_first_with_the_chat_time_range(client, texter_sandbox):
    added = [texter_sandbox.add_message(YAEL, f"message {number}") for number in range(5)]
    answer = messages_page(client, beforeTime=FAR_FUTURE, beforeId="0" * 24, limit=2)
    assert [message["text"] for message in answer["messages"]] == ["message 3", "message 4"]
    assert (answer["minTime"], answer["maxTime"]) == (added[0]["timestamp"], added[-1]["timestamp"])


def test_paging_backwards_returns_every_message_once_even_within_one_millisecond(client, texter_sandbox):
    added = [texter_sandbox.add_message(YAEL, f"message {number}") for number in range(25)]
    assert len({message["timestamp"] for message in added}) < 25  # several share a millisecond
    assert [message["_id"] for message in every_page(client, limit=4)] == [
        message["_id"] for message in added
    ]


def test_limit_defaults_to_50(client, texter_sandbox):
    for number in range(60):
        texter_sandbox.add_message(YAEL, f"message {number}")
    assert len(messages_page(client, beforeTime=FAR_FUTURE, beforeId="x")["messages"]) == 50


def test_bot_session_id_reads_the_messages_of_that_session(client, texter_sandbox):
    texter_sandbox.add_message(YAEL, "hello")
    answer = messages_page(client, botSessionId=YAEL.rjust(64, "0"))
    assert [message["text"] for message in answer["messages"]] == ["hello"]
    assert messages_page(client, botSessionId="f" * 64)["messages"] == []


def test_a_chat_without_messages_has_no_time_range(client):
    assert messages_page(client, beforeTime=FAR_FUTURE, beforeId="x") == {
        "messages": [],
        "minTime": None,
        "maxTime": None,
    }


def test_a_message_has_the_documented_fields(client, texter_sandbox):
    sent = send_renewal(client)
    (message,) = messages_page(client, beforeTime=FAR_FUTURE, beforeId="x")["messages"]
    assert message["_id"] == sent["messageId"] and message["parent_chat"] == YAEL
    assert (message["type"], message["direction"], message["status"], message["agent"]) == (
        "special",
        "outgoing",
        SENT,
        None,
    )
    assert message["statusHistory"] == [{"status": SENT, "timestamp": message["timestamp"]}]
    assert message["channelInfo"]["id"].startswith("wamid.") and message["updatedAt"].endswith("Z")


def test_delivery_moves_on_as_the_delays_pass(client, texter_sandbox):
    texter_sandbox.set_delivery_delays(0.2, 0.4)
    send_renewal(client)
    assert [message["status"] for message in texter_sandbox.messages(YAEL)] == [SENT]
    time.sleep(0.25)
    assert [message["status"] for message in texter_sandbox.messages(YAEL)] == [DELIVERED]
    time.sleep(0.2)
    (message,) = messages_page(client, beforeTime=FAR_FUTURE, beforeId="x")["messages"]
    assert [step["status"] for step in message["statusHistory"]] == [SENT, DELIVERED, SEEN]
    assert message["status"] == SEEN
    assert message["updatedAt"] > texter_sandbox.chat(YAEL)["created"]


def test_lowering_the_delays_moves_sent_messages_on_at_once(client, texter_sandbox):
    texter_sandbox.set_delivery_delays(3600, 3600)
    send_renewal(client)
    assert texter_sandbox.messages(YAEL)[0]["status"] == SENT
    texter_sandbox.set_delivery_delays(0, 0)
    assert texter_sandbox.messages(YAEL)[0]["status"] == SEEN


def test_messages_to_a_phone_marked_to_fail_fail_with_the_error(client, texter_sandbox):
    texter_sandbox.fail_messages_to("+972 54-900-0001", "131026 Message undeliverable")
    texter_sandbox.set_delivery_delays(0, 0)
    send_renewal(client)
    (message,) = texter_sandbox.messages(YAEL)
    assert (message["status"], message["error"]) == (FAILED, "131026 Message undeliverable")
    assert [step["status"] for step in message["statusHistory"]] == [SENT, FAILED]


def test_incoming_messages_are_delivered_and_move_the_chat_to_the_top(client, texter_sandbox):
    oldest = client.get("/chats/search").json()["data"][-1]
    assert oldest["_id"] == YAEL
    admin = f"http://127.0.0.1:{texter_sandbox.port}/_sandbox/messages"
    added = requests.post(admin, json={"chatId": YAEL, "text": "הסר"}, timeout=5).json()
    assert (added["direction"], added["type"], added["status"]) == ("incoming", "text", DELIVERED)
    top = client.get("/chats/search").json()["data"][0]
    assert top["_id"] == YAEL
    assert top["last_message_timestamp"] == top["lastIncomingMessageTimestamp"] == added["timestamp"]
    assert texter_sandbox.chat(YAEL)["lastMessage"] == {"type": "text", "text": "הסר"}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"chatId": "0123456789abcdef01234567", "text": "hi"}, 400),
        ({"chatId": YAEL, "text": "hi", "direction": "sideways"}, 400),
        ({"chatId": YAEL, "text": "hi", "type": "video"}, 400),
    ],
)
def test_the_admin_message_route_refuses_what_it_cannot_add(texter_sandbox, body, status):
    admin = f"http://127.0.0.1:{texter_sandbox.port}/_sandbox/messages"
    assert requests.post(admin, json=body, timeout=5).status_code == status


def test_admin_routes_set_delivery_and_failing_phones(client, texter_sandbox):
    admin = f"http://127.0.0.1:{texter_sandbox.port}/_sandbox"
    delays = {"delivered_after_seconds": 0, "seen_after_seconds": 0}
    assert requests.post(f"{admin}/delivery", json=delays, timeout=5).status_code == 200
    assert requests.post(f"{admin}/delivery", json={"seen_after_seconds": -1}, timeout=5).status_code == 400
    assert (
        requests.post(f"{admin}/failing-phones", json={"phone": "972549000002"}, timeout=5).status_code == 200
    )
    assert requests.post(f"{admin}/failing-phones", json={"phone": "nobody"}, timeout=5).status_code == 400
    send_renewal(client, "972549000001")
    send_renewal(client, "972549000002")
    assert texter_sandbox.messages(YAEL)[0]["status"] == SEEN
    failed = texter_sandbox.messages("5eed00000000000000000002")[0]
    assert (failed["status"], failed["error"]) == (FAILED, "Message undeliverable")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "botSessionId, or beforeTime together with beforeId, is required"),
        ({"beforeTime": "1"}, "botSessionId, or beforeTime together with beforeId, is required"),
        ({"beforeTime": "soon", "beforeId": "x"}, "beforeTime must be epoch milliseconds"),
        ({"botSessionId": "x", "limit": "0"}, "limit must be an integer from 1 to 1000"),
        ({"botSessionId": "x", "limit": "1001"}, "limit must be an integer from 1 to 1000"),
        ({"botSessionId": "x", "skip": "1"}, "skip is not allowed"),
    ],
)
def test_bad_queries_are_a_400(client, params, message):
    response = client.get(f"/messages/chat/{YAEL}", params=params)
    assert (response.status_code, response.json()) == (400, {"message": message})


def test_an_unknown_chat_is_a_404(client):
    response = client.get("/messages/chat/0123456789abcdef01234567", params={"botSessionId": "x"})
    assert response.status_code == 404


def test_reading_messages_needs_view_all_chats(client_for):
    with TexterSandbox("list-only", scopes={"List all chats"}) as sandbox:
        response = client_for(sandbox).get(f"/messages/chat/{YAEL}", params={"botSessionId": "x"})
        assert (response.status_code, response.json()) == (
            403,
            {"message": "Token lacks scope 'View all chats'"},
        )
