"""Assign Chat and Resolve Chat over real HTTP: who handles a chat, found by id or phone, and its status."""

from __future__ import annotations

import uuid

import pytest

from airflow_provider_texter.sandbox import TexterSandbox, make_chat

PENDING, RESOLVED = 1, 3
UNKNOWN_CHAT = "0123456789abcdef01234567"
OMER = "5eed00000000000000000002"  # seeded: whatsapp 972549000002, RESOLVED
PLAIN_TEXT = "text/plain; charset=utf-8"


@pytest.fixture
def noa(texter_sandbox):
    return texter_sandbox.agents[0]


@pytest.fixture
def chat(texter_sandbox):
    return texter_sandbox.add_chat(make_chat("972521234567", status=0))


def assigned(sandbox, chat_id):
    stored = sandbox.chat(chat_id)
    return stored["status"], stored["agent"], stored["departmentId"]


def test_sandbox_starts_with_three_agents_each_with_uid_email_and_display_name(texter_sandbox):
    agents = texter_sandbox.agents
    assert len(agents) == 3
    assert len({agent.uid for agent in agents}) == len({agent.email for agent in agents}) == 3
    assert all(agent.display_name for agent in agents)


def test_assign_to_an_agent_by_uid_makes_the_chat_pending_for_them_and_answers_plain_ok(
    client, texter_sandbox, chat, noa
):
    response = client.post("/chats/assign", json={"chatId": chat["_id"], "agentUid": noa.uid})
    assert (response.status_code, response.text) == (200, "OK")
    assert response.headers["Content-Type"] == PLAIN_TEXT
    agent = {"uid": noa.uid, "displayName": noa.display_name}
    assert assigned(texter_sandbox, chat["_id"]) == (PENDING, agent, None)
    assert client.get(f"/chats/{chat['_id']}").json()["agent"] == agent


@pytest.mark.parametrize(
    ("field", "value"), [("agentEmail", "NOA@Sandbox.Example"), ("agentCrmId", "crm-agent-1")]
)
def test_an_agent_is_also_found_by_email_in_any_case_or_by_crm_id(
    client, texter_sandbox, chat, noa, field, value
):
    client.post("/chats/assign", json={"chatId": chat["_id"], field: value, "departmentId": "sales"})
    assert assigned(texter_sandbox, chat["_id"]) == (PENDING, noa.on_chat(), "sales")


def test_assign_to_a_department_only_leaves_no_agent(client, texter_sandbox, chat, noa):
    client.post("/chats/assign", json={"chatId": chat["_id"], "agentUid": noa.uid, "departmentId": "sales"})
    client.post("/chats/assign", json={"chatId": chat["_id"], "departmentId": "support"})
    assert assigned(texter_sandbox, chat["_id"]) == (PENDING, None, "support")


def test_an_agent_alone_replaces_the_previous_department(client, texter_sandbox, chat, noa):
    client.post("/chats/assign", json={"chatId": chat["_id"], "departmentId": "sales"})
    client.post("/chats/assign", json={"chatId": chat["_id"], "agentUid": noa.uid})
    assert assigned(texter_sandbox, chat["_id"]) == (PENDING, noa.on_chat(), None)


def test_a_null_department_alone_returns_the_chat_to_the_general_queue(client, texter_sandbox, chat, noa):
    client.post("/chats/assign", json={"chatId": chat["_id"], "agentUid": noa.uid, "departmentId": "sales"})
    assert client.post("/chats/assign", json={"chatId": chat["_id"], "departmentId": None}).text == "OK"
    assert assigned(texter_sandbox, chat["_id"]) == (PENDING, None, None)


@pytest.mark.parametrize("phone", ["972549000002", "+972 54-900-0002", "0549000002", "(054) 900.0002"])
def test_assign_by_phone_in_any_notation(client, texter_sandbox, noa, phone):
    response = client.post("/chats/assign", json={"phone": phone, "agentUid": noa.uid})
    assert (response.status_code, response.text) == (200, "OK")
    assert assigned(texter_sandbox, OMER) == (PENDING, noa.on_chat(), None)


def test_a_phone_with_several_chats_is_a_400_until_a_channel_picks_one(client, texter_sandbox, noa):
    whatsapp = texter_sandbox.add_chat(make_chat("972521234567", account_id="972500000001"))
    messenger = texter_sandbox.add_chat(make_chat("972521234567", channel="messenger", account_id="page-1"))
    body = {"phone": "+972521234567", "agentUid": noa.uid}
    response = client.post("/chats/assign", json=body)
    assert response.status_code == 400
    assert response.json()["message"].startswith("phone +972521234567 is ambiguous: 2 chats match (")
    assert "whatsapp 972500000001" in response.text and "messenger page-1" in response.text
    assert (
        texter_sandbox.chat(whatsapp["_id"])["status"] == texter_sandbox.chat(messenger["_id"])["status"] == 0
    )
    picked = client.post(
        "/chats/assign", json={**body, "channel": {"name": "messenger", "accountId": "page-1"}}
    )
    assert picked.text == "OK"
    assert assigned(texter_sandbox, messenger["_id"]) == (PENDING, noa.on_chat(), None)
    assert texter_sandbox.chat(whatsapp["_id"])["status"] == 0


def test_a_phone_with_no_chat_on_the_channel_is_a_404(client, noa):
    body = {
        "phone": "0549000002",
        "agentUid": noa.uid,
        "channel": {"name": "messenger", "accountId": "page-1"},
    }
    response = client.post("/chats/assign", json=body)
    assert (response.status_code, response.json()) == (
        404,
        {"message": "No chat with phone 0549000002 on messenger page-1"},
    )
    response = client.post("/chats/assign", json={"phone": "0521112233", "departmentId": "sales"})
    assert (response.status_code, response.json()) == (404, {"message": "No chat with phone 0521112233"})


def test_an_unknown_chat_id_is_a_404_naming_it(client, noa):
    response = client.post("/chats/assign", json={"chatId": UNKNOWN_CHAT, "agentUid": noa.uid})
    assert (response.status_code, response.json()) == (404, {"message": f"Chat {UNKNOWN_CHAT} not found"})


@pytest.mark.parametrize(
    ("field", "value"),
    [("agentUid", "00000000-0000-4000-8000-000000000000"), ("agentEmail", "ghost@sandbox.example")],
)
def test_an_unknown_agent_is_a_400_naming_it_and_assigns_nothing(client, texter_sandbox, chat, field, value):
    response = client.post(
        "/chats/assign", json={"chatId": chat["_id"], field: value, "departmentId": "sales"}
    )
    assert (response.status_code, response.json()) == (
        400,
        {"message": f"{field} {value!r} names no agent of this project"},
    )
    assert assigned(texter_sandbox, chat["_id"]) == (0, None, None)


ASSIGNEE_REQUIRED = (
    "an assignee is required: one of agentUid, agentEmail, agentCrmId, or departmentId, or both"
)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"departmentId": "sales"}, "exactly one of chatId or phone is required"),
        ({"chatId": "{chat}"}, ASSIGNEE_REQUIRED),
        (
            {"chatId": "{chat}", "phone": "0521234567", "departmentId": "sales"},
            "exactly one of chatId or phone is required",
        ),
        ({"chatId": "", "departmentId": "sales"}, "chatId must be a non-empty string"),
        (
            {"phone": "call me", "departmentId": "sales"},
            "phone must be a phone number: 7 or more digits, also with + ( ) . - spaces",
        ),
        (
            {"phone": "054123", "departmentId": "sales"},
            "phone must be a phone number: 7 or more digits, also with + ( ) . - spaces",
        ),
        (
            {"chatId": "{chat}", "channel": {"name": "whatsapp", "accountId": "1"}, "departmentId": "sales"},
            "channel is only allowed with phone (it picks one of the chats a phone matches)",
        ),
        (
            {"phone": "0521234567", "channel": {"name": "whatsapp"}, "departmentId": "sales"},
            "channel must be an object with the strings name and accountId",
        ),
        (
            {"phone": "0521234567", "channel": {"name": "sms", "accountId": "1"}, "departmentId": "sales"},
            "channel.name must be one of whatsapp, messenger, instagram, website_chat, email",
        ),
        (
            {"chatId": "{chat}", "agentUid": "a", "agentEmail": "b"},
            "at most one of agentUid, agentEmail, agentCrmId is allowed, got agentUid and agentEmail",
        ),
        ({"chatId": "{chat}", "agentCrmId": 12}, "agentCrmId must be a non-empty string"),
        ({"chatId": "{chat}", "departmentId": 5}, "departmentId must be a non-empty string or null"),
        ({"chatId": "{chat}", "departmentId": ""}, "departmentId must be a non-empty string or null"),
        ({"chatId": "{chat}", "agent": "noa"}, f"agent is not allowed; {ASSIGNEE_REQUIRED}"),
        ("noa", "body must be a JSON object"),
    ],
)
def test_invalid_assignment_is_a_400_naming_the_field_and_changes_nothing(
    client, texter_sandbox, chat, body, message
):
    if isinstance(body, dict) and body.get("chatId") == "{chat}":
        body = {**body, "chatId": chat["_id"]}
    response = client.post("/chats/assign", json=body)
    assert (response.status_code, response.json()) == (400, {"message": message})
    assert texter_sandbox.chat(chat["_id"]) == chat


def test_an_added_agent_can_be_assigned_by_crm_id(client, texter_sandbox, chat):
    agent = texter_sandbox.add_agent("Tamar Dahan", "tamar@sandbox.example", crm_id="crm-agent-9")
    assert str(uuid.UUID(agent.uid)) == agent.uid and agent in texter_sandbox.agents
    client.post("/chats/assign", json={"chatId": chat["_id"], "agentCrmId": "crm-agent-9"})
    assert assigned(texter_sandbox, chat["_id"]) == (
        PENDING,
        {"uid": agent.uid, "displayName": "Tamar Dahan"},
        None,
    )


def test_an_added_agent_keeps_the_uid_given(client, texter_sandbox, chat):
    agent = texter_sandbox.add_agent("Lior Biton", "lior@sandbox.example", uid="agent-from-crm-export")
    client.post("/chats/assign", json={"chatId": chat["_id"], "agentUid": "agent-from-crm-export"})
    assert assigned(texter_sandbox, chat["_id"]) == (PENDING, agent.on_chat(), None)


def test_add_agent_refuses_a_uid_email_or_crm_id_another_agent_has(texter_sandbox, noa):
    with pytest.raises(ValueError, match="another agent already has uid"):
        texter_sandbox.add_agent("Noa Twin", "twin@sandbox.example", uid=noa.uid)
    with pytest.raises(ValueError, match="another agent already has email"):
        texter_sandbox.add_agent("Noa Again", noa.email.upper())
    with pytest.raises(ValueError, match="another agent already has crm_id 'crm-agent-1'"):
        texter_sandbox.add_agent("Someone", "someone@sandbox.example", crm_id="crm-agent-1")
    assert len(texter_sandbox.agents) == 3


@pytest.mark.parametrize("path", ["/chats/assign", f"/chats/{OMER}/resolve"])
def test_a_token_that_may_only_list_chats_is_a_403(client_for, path):
    with TexterSandbox("list-only", scopes={"List all chats"}) as sandbox:
        chat = sandbox.add_chat(make_chat("972521234567", _id=OMER, status=2))
        response = client_for(sandbox).post(path, json={"chatId": OMER, "departmentId": "sales"})
        assert (response.status_code, response.json()) == (
            403,
            {"message": "Token lacks scope 'Manage all chats'"},
        )
        assert sandbox.chat(OMER) == chat


@pytest.mark.parametrize("status", [0, 1, 2, 3, 4])
def test_resolve_works_from_any_status_and_answers_success(client, texter_sandbox, noa, status):
    chat = texter_sandbox.add_chat(make_chat("972521234567", status=status, agent=noa.on_chat()))
    response = client.post(f"/chats/{chat['_id']}/resolve", json={"notifyClient": True})
    assert (response.status_code, response.json()) == (200, {"success": True})
    assert response.headers["Content-Type"] == "application/json"
    assert assigned(texter_sandbox, chat["_id"]) == (RESOLVED, noa.on_chat(), None)


def test_resolve_takes_an_empty_body_as_notify_client_false(client, texter_sandbox, chat):
    response = client.post(f"/chats/{chat['_id']}/resolve")
    assert (response.status_code, response.json()) == (200, {"success": True})
    assert texter_sandbox.chat(chat["_id"])["status"] == RESOLVED


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"notifyClient": "yes"}, "notifyClient must be a boolean"),
        ({"notify": True}, "notify is not allowed"),
        ([True], "body must be a JSON object"),
    ],
)
def test_invalid_resolve_body_is_a_400_and_leaves_the_status(client, texter_sandbox, chat, body, message):
    response = client.post(f"/chats/{chat['_id']}/resolve", json=body)
    assert (response.status_code, response.json()) == (400, {"message": message})
    assert texter_sandbox.chat(chat["_id"])["status"] == 0


def test_resolve_of_an_unknown_chat_is_a_404(client):
    response = client.post(f"/chats/{UNKNOWN_CHAT}/resolve", json={})
    assert (response.status_code, response.json()) == (404, {"message": f"Chat {UNKNOWN_CHAT} not found"})


def test_assign_and_resolve_are_recorded(client, texter_sandbox, chat, noa):
    client.post("/chats/assign", json={"phone": "0521234567", "agentUid": noa.uid})
    client.post(f"/chats/{chat['_id']}/resolve", json={"notifyClient": True})
    recorded = [
        (request.path, request.chat_id, request.body, request.status) for request in texter_sandbox.requests
    ]
    assert recorded == [
        ("/chats/assign", None, {"phone": "0521234567", "agentUid": noa.uid}, 200),
        (f"/chats/{chat['_id']}/resolve", chat["_id"], {"notifyClient": True}, 200),
    ]
