"""Template opt-outs over real HTTP: unsubscribe, resubscribe, List unsubscribed and the admin routes."""

from __future__ import annotations

import pytest
import requests

from airflow_provider_texter.sandbox import TexterSandbox, make_chat

OUR_NUMBER = "972586640430"  # the account of the fixture's WhatsApp chats
OTHER_NUMBER = "972586640431"
YAEL = "5eed00000000000000000001"  # whatsapp 972549000001, "Yael Mizrahi"


def unsubscribed(client, account_id=None, **params):
    path = "/whatsapp/templates/unsubscribed" + (f"/{account_id}" if account_id else "")
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_unsubscribe_answers_success_and_lists_the_phone_with_its_chat_title(client, texter_sandbox):
    response = client.post("/whatsapp/templates/unsubscribe", json={"phone": "+972 54-900-0001"})
    assert (response.status_code, response.json()) == (200, {"success": True})
    assert unsubscribed(client) == [{"phone": "+972549000001", "title": "Yael Mizrahi"}]
    chat = texter_sandbox.chat(YAEL)
    assert chat["unsubscribed"] is True and isinstance(chat["unsubscribeTime"], int)


def test_a_phone_without_a_chat_is_listed_without_a_title(client):
    client.post("/whatsapp/templates/unsubscribe", json={"phone": "052-777-1234"})  # local: Israeli
    assert unsubscribed(client) == [{"phone": "+972527771234"}]


def test_list_is_oldest_opt_out_first_and_opting_out_again_keeps_the_place(client):
    for phone in ("972500000001", "972500000002", "972500000001", "972500000003"):
        client.post("/whatsapp/templates/unsubscribe", json={"phone": phone})
    assert [item["phone"] for item in unsubscribed(client)] == [
        "+972500000001",
        "+972500000002",
        "+972500000003",
    ]


def test_an_opt_out_on_one_account_is_listed_for_that_account_only(client, texter_sandbox):
    client.post("/whatsapp/templates/unsubscribe", json={"phone": "972500000001", "accountId": OUR_NUMBER})
    client.post("/whatsapp/templates/unsubscribe", json={"phone": "972500000002"})  # every channel
    client.post("/whatsapp/templates/unsubscribe", json={"phone": "972500000003", "accountId": OTHER_NUMBER})
    phones = {
        account: [item["phone"] for item in unsubscribed(client, account)]
        for account in (OUR_NUMBER, OTHER_NUMBER)
    }
    assert phones == {
        OUR_NUMBER: ["+972500000001", "+972500000002"],
        OTHER_NUMBER: ["+972500000002", "+972500000003"],
    }
    assert len(unsubscribed(client)) == 3


def test_a_phone_out_of_two_accounts_is_listed_once_overall(client):
    for account in (OUR_NUMBER, OTHER_NUMBER):
        client.post("/whatsapp/templates/unsubscribe", json={"phone": "972500000001", "accountId": account})
    assert unsubscribed(client) == [{"phone": "+972500000001"}]


def test_resubscribe_takes_the_phone_off_the_list_and_clears_the_chat_flag(client, texter_sandbox):
    client.post("/whatsapp/templates/unsubscribe", json={"phone": "972549000001"})
    response = client.post("/whatsapp/templates/subscribe", json={"phone": "+972549000001"})
    assert (response.status_code, response.json()) == (200, {"success": True})
    assert unsubscribed(client) == []
    chat = texter_sandbox.chat(YAEL)
    assert chat["unsubscribed"] is False and "unsubscribeTime" not in chat


def test_resubscribing_one_account_leaves_an_opt_out_of_every_channel(client, texter_sandbox):
    client.post("/whatsapp/templates/unsubscribe", json={"phone": "972549000001"})
    client.post("/whatsapp/templates/subscribe", json={"phone": "972549000001", "accountId": OUR_NUMBER})
    assert unsubscribed(client, OUR_NUMBER) == [{"phone": "+972549000001", "title": "Yael Mizrahi"}]
    assert texter_sandbox.chat(YAEL)["unsubscribed"] is True


def test_an_account_opt_out_flags_only_the_chat_on_that_account(client, texter_sandbox):
    other = texter_sandbox.add_chat(make_chat("972549000001", account_id=OTHER_NUMBER))
    client.post("/whatsapp/templates/unsubscribe", json={"phone": "972549000001", "accountId": OTHER_NUMBER})
    assert texter_sandbox.chat(other["_id"])["unsubscribed"] is True
    assert "unsubscribed" not in texter_sandbox.chat(YAEL)


def test_list_pages_with_limit_and_skip(client, texter_sandbox):
    for number in range(12):
        texter_sandbox.unsubscribe(f"9725000000{number:02d}")
    page = unsubscribed(client, limit=5, skip=10)
    assert [item["phone"] for item in page] == ["+972500000010", "+972500000011"]
    assert len(unsubscribed(client)) == 12  # the default limit, 10,000, takes them all


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": "0"}, "limit must be an integer from 1 to 9999"),
        ({"limit": "10000"}, "limit must be an integer from 1 to 9999"),
        ({"skip": "100000"}, "skip must be an integer from 0 to 99999"),
        ({"offset": "1"}, "offset is not allowed"),
    ],
)
def test_list_refuses_bad_paging(client, params, message):
    response = client.get("/whatsapp/templates/unsubscribed", params=params)
    assert (response.status_code, response.json()) == (400, {"message": message})


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "phone is required"),
        ({"phone": "1234"}, "phone must be a phone number of 5 to 30 characters"),
        ({"phone": "9" * 31}, "phone must be a phone number of 5 to 30 characters"),
        ({"phone": "Yael Mizrahi"}, "phone must be a phone number of 5 to 30 characters"),
        ({"phone": 972549000001}, "phone must be a phone number of 5 to 30 characters"),
        ({"phone": "972549000001", "accountId": ""}, "accountId must be a non-empty string"),
        ({"phone": "972549000001", "chatId": YAEL}, "chatId is not allowed"),
        (["972549000001"], "body must be a JSON object"),
    ],
)
@pytest.mark.parametrize("path", ["/whatsapp/templates/unsubscribe", "/whatsapp/templates/subscribe"])
def test_bad_bodies_are_a_400_and_change_nothing(client, texter_sandbox, path, body, message):
    response = client.post(path, json=body)
    assert (response.status_code, response.json()) == (400, {"message": message})
    assert texter_sandbox.unsubscribed == []


def test_scopes_manage_all_chats_to_change_and_list_all_chats_to_read(client_for):
    with TexterSandbox("list-only", scopes={"List all chats"}) as sandbox:
        client = client_for(sandbox)
        for path in ("/whatsapp/templates/unsubscribe", "/whatsapp/templates/subscribe"):
            response = client.post(path, json={"phone": "972549000001"})
            assert (response.status_code, response.json()) == (
                403,
                {"message": "Token lacks scope 'Manage all chats'"},
            )
        assert client.get("/whatsapp/templates/unsubscribed").json() == []
    with TexterSandbox("manage-only", scopes={"Manage all chats"}) as sandbox:
        assert client_for(sandbox).get("/whatsapp/templates/unsubscribed").status_code == 403


def test_python_and_admin_routes_seed_and_show_opt_outs(client, texter_sandbox):
    texter_sandbox.unsubscribe("972549000001")
    admin = f"http://127.0.0.1:{texter_sandbox.port}/_sandbox/unsubscribed"
    seeded = [
        {"phone": "+972500000002", "accountId": OUR_NUMBER, "title": "Dana"},
        {"phone": "972500000003"},
    ]
    assert requests.post(admin, json=seeded, timeout=5).json() == {"success": True}
    assert requests.post(admin, json={"phone": "972500000004"}, timeout=5).status_code == 200
    assert requests.post(admin, json={"phone": "x"}, timeout=5).status_code == 400
    view = requests.get(admin, timeout=5).json()["unsubscribed"]
    assert [(item["phone"], item["accountId"], item["title"]) for item in view] == [
        ("+972549000001", None, "Yael Mizrahi"),
        ("+972500000002", OUR_NUMBER, "Dana"),
        ("+972500000003", None, None),
        ("+972500000004", None, None),
    ]
    assert view == texter_sandbox.unsubscribed and all(isinstance(item["at"], int) for item in view)
    assert texter_sandbox.chat(YAEL)["unsubscribed"] is True
    assert texter_sandbox.requests == []
