"""Manage Labels in Chat over real HTTP: add, remove or set a chat's label ids, answered with plain OK."""

from __future__ import annotations

import pytest

from airflow_provider_texter.sandbox import TexterSandbox, make_chat

OLD = "2024-01-01T00:00:00.000Z"
UNKNOWN_CHAT = "0123456789abcdef01234567"
PLAIN_TEXT = "text/plain; charset=utf-8"


@pytest.fixture
def tagged(texter_sandbox):
    """A chat labelled vip then billing (both labels exist)."""
    texter_sandbox.add_label("billing", "Billing")
    texter_sandbox.add_label("urgent", "Urgent")
    return texter_sandbox.add_chat(make_chat("972521234567", labels=["vip", "billing"], updatedAt=OLD))


def change_labels(client, chat, body):
    return client.post(f"/chats/{chat['_id']}/labels", json=body)


def test_add_answers_plain_ok_and_appends_in_order_without_duplicates(client, texter_sandbox, tagged):
    response = change_labels(client, tagged, {"add": ["urgent", "vip", "failed-message", "urgent"]})
    assert (response.status_code, response.text) == (200, "OK")
    assert response.headers["Content-Type"] == PLAIN_TEXT
    stored = texter_sandbox.chat(tagged["_id"])
    assert stored["labels"] == ["vip", "billing", "urgent", "failed-message"]
    assert stored["updatedAt"] != OLD


def test_remove_drops_the_ids_and_an_id_the_chat_lacks_is_fine(client, texter_sandbox, tagged):
    assert change_labels(client, tagged, {"remove": ["vip", "urgent"]}).text == "OK"
    assert texter_sandbox.chat(tagged["_id"])["labels"] == ["billing"]


def test_set_replaces_the_labels_and_an_empty_set_clears_them(client, texter_sandbox, tagged):
    change_labels(client, tagged, {"set": ["urgent", "vip", "urgent"]})
    assert texter_sandbox.chat(tagged["_id"])["labels"] == ["urgent", "vip"]
    assert change_labels(client, tagged, {"set": []}).text == "OK"
    assert texter_sandbox.chat(tagged["_id"])["labels"] == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "exactly one of add, remove or set is required"),
        ({"add": ["vip"], "set": []}, "exactly one of add, remove or set is required, got add and set"),
        ({"add": []}, "add must hold at least 1 label id (to clear all labels, set [])"),
        ({"remove": []}, "remove must hold at least 1 label id (to clear all labels, set [])"),
        ({"add": "vip"}, "add must be a list of label ids (strings)"),
        ({"set": ["vip", 3]}, "set must be a list of label ids (strings)"),
        ({"set": None}, "set must be a list of label ids (strings)"),
        ({"labels": ["vip"]}, "labels is not allowed; exactly one of add, remove or set is required"),
        ([["vip"]], "body must be a JSON object"),
    ],
)
def test_invalid_body_is_a_400_naming_the_field_and_changes_nothing(
    client, texter_sandbox, tagged, body, message
):
    response = change_labels(client, tagged, body)
    assert (response.status_code, response.json()) == (400, {"message": message})
    assert texter_sandbox.chat(tagged["_id"]) == tagged


@pytest.mark.parametrize("operation", ["add", "remove", "set"])
def test_ids_that_name_no_label_are_a_400_naming_them(client, texter_sandbox, tagged, operation):
    response = change_labels(client, tagged, {operation: ["vip", "VIP", "Billing", "VIP"]})
    assert (response.status_code, response.json()) == (
        400,
        {"message": f"{operation}: no label has the id 'VIP', 'Billing'"},
    )
    assert texter_sandbox.chat(tagged["_id"])["labels"] == ["vip", "billing"]


def test_a_label_created_over_http_can_be_added_at_once(client, texter_sandbox, tagged):
    client.post("/labels", json={"id": "lead", "name": "Lead"})
    change_labels(client, tagged, {"add": ["lead"]})
    assert texter_sandbox.chat(tagged["_id"])["labels"] == ["vip", "billing", "lead"]


def test_unknown_chat_is_a_404_naming_it(client):
    response = client.post(f"/chats/{UNKNOWN_CHAT}/labels", json={"add": ["vip"]})
    assert (response.status_code, response.json()) == (404, {"message": f"Chat {UNKNOWN_CHAT} not found"})


def test_a_token_that_may_only_list_chats_is_a_403(client_for):
    with TexterSandbox("list-only", scopes={"List all chats", "Manage labels"}) as sandbox:
        chat = sandbox.add_chat(make_chat("972521234567"))
        response = client_for(sandbox).post(f"/chats/{chat['_id']}/labels", json={"add": ["failed-message"]})
        assert (response.status_code, response.json()) == (
            403,
            {"message": "Token lacks scope 'Manage all chats'"},
        )
        assert sandbox.chat(chat["_id"])["labels"] == []


def test_search_finds_the_chat_by_the_labels_stored_and_get_chat_does_not_show_them(client, tagged):
    change_labels(client, tagged, {"set": ["urgent"]})
    found = client.get("/chats/search", params={"labels[]": ["urgent", "lead"]}).json()
    assert [(chat["_id"], chat["labels"]) for chat in found["data"]] == [(tagged["_id"], ["urgent"])]
    assert client.get("/chats/search", params={"labels[]": "billing"}).json()["total"] == 0
    assert "labels" not in client.get(f"/chats/{tagged['_id']}").json()


def test_the_request_is_recorded_with_the_chat_id_and_body(client, texter_sandbox, tagged):
    change_labels(client, tagged, {"remove": ["vip"]})
    (request,) = texter_sandbox.requests
    assert (request.method, request.path, request.chat_id, request.body, request.status) == (
        "POST",
        f"/chats/{tagged['_id']}/labels",
        tagged["_id"],
        {"remove": ["vip"]},
        200,
    )
