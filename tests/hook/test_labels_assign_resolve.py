"""Labels, assignment and resolving through TexterHook, over real HTTP against the sandbox."""

from __future__ import annotations

import pytest

from airflow_provider_texter.exceptions import TexterValidationError
from airflow_provider_texter.sandbox import make_chat

YAEL = "5eed00000000000000000001"  # seeded: labels ["vip"]; labels: failed-message ("Failed message"), vip
PENDING, RESOLVED = 1, 3


@pytest.fixture
def hook(connect):
    return connect()


@pytest.fixture
def chat(texter_sandbox):
    return texter_sandbox.add_chat(make_chat("972521234567", status=0))


def sent(sandbox):
    return [(request.method, request.path, request.body) for request in sandbox.requests]


def labels_of(sandbox, chat_id):
    return sandbox.chat(chat_id)["labels"]


def test_add_takes_labels_by_name_or_id_and_sends_ids(hook, texter_sandbox, chat):
    assert hook.update_labels(chat["_id"], add=["VIP", "failed-message"]) == {
        "add": ["vip", "failed-message"]
    }
    assert labels_of(texter_sandbox, chat["_id"]) == ["vip", "failed-message"]
    assert sent(texter_sandbox)[1:] == [
        ("POST", f"/chats/{chat['_id']}/labels", {"add": ["vip", "failed-message"]})
    ]


def test_a_name_matches_in_any_case_and_one_string_is_one_label(hook, texter_sandbox, chat):
    hook.update_labels(chat["_id"], add="failed MESSAGE")
    assert labels_of(texter_sandbox, chat["_id"]) == ["failed-message"]


def test_remove_drops_the_labels_and_keeps_the_others(hook, texter_sandbox):
    hook.update_labels(YAEL, add=["Failed message"])
    hook.update_labels(YAEL, remove=["VIP"])
    assert labels_of(texter_sandbox, YAEL) == ["failed-message"]


def test_set_replaces_all_labels_and_an_empty_set_clears_them_without_reading_labels(
    hook, connect, texter_sandbox
):
    hook.update_labels(YAEL, set=["failed-message"])
    assert labels_of(texter_sandbox, YAEL) == ["failed-message"]
    texter_sandbox.clear_requests()
    assert connect().update_labels(YAEL, set=[]) == {"set": []}  # a fresh hook, labels not read yet
    assert labels_of(texter_sandbox, YAEL) == []
    assert sent(texter_sandbox) == [("POST", f"/chats/{YAEL}/labels", {"set": []})]


def test_label_names_are_read_once_per_hook(hook, texter_sandbox, chat):
    hook.update_labels(chat["_id"], add=["VIP"])
    hook.update_labels(YAEL, remove=["Failed message"])
    assert hook.label_ids(["VIP", "failed-message", "vip"]) == ["vip", "failed-message"]
    assert [request.path for request in texter_sandbox.requests].count("/labels") == 1


def test_an_unknown_label_name_fails_before_any_write_listing_the_known_names(hook, texter_sandbox, chat):
    with pytest.raises(TexterValidationError) as unknown:
        hook.update_labels(chat["_id"], add=["VIP", "Gold", "Silver"])
    assert unknown.value.problems == [
        "'Gold': no label has this name or id",
        "'Silver': no label has this name or id",
        "known label names: 'Failed message', 'VIP' (create_missing_labels=True creates the missing ones)",
    ]
    assert [request.method for request in texter_sandbox.requests] == ["GET"]
    assert labels_of(texter_sandbox, chat["_id"]) == []


def test_create_missing_labels_creates_them_with_an_id_from_the_name_and_the_default_color(
    hook, texter_sandbox, chat
):
    result = hook.update_labels(chat["_id"], add=["VIP", "Gold  Members"], create_missing_labels=True)
    assert result == {"add": ["vip", "gold-members"]}
    assert labels_of(texter_sandbox, chat["_id"]) == ["vip", "gold-members"]
    created = {"id": "gold-members", "name": "Gold  Members", "color": "#555555", "system": False}
    assert texter_sandbox.labels[-1] == created
    assert sent(texter_sandbox)[1] == ("POST", "/labels", {"id": "gold-members", "name": "Gold  Members"})
    hook.update_labels(YAEL, add=["gold members"])  # now known to the hook: no second GET /labels
    assert [request.path for request in texter_sandbox.requests].count("/labels") == 2  # one GET, one POST


def test_one_missing_label_in_two_spellings_is_created_once(hook, texter_sandbox):
    assert hook.label_ids(["Gold Members", "gold  members"], create_missing=True) == ["gold-members"]
    assert [request.method for request in texter_sandbox.requests] == ["GET", "POST"]


def test_a_derived_id_that_belongs_to_another_label_is_refused(hook, texter_sandbox):
    texter_sandbox.add_label("gold", "Premium")
    # "GOLD" is no label's name, and ids match exactly: creating it would need the taken id "gold"
    with pytest.raises(TexterValidationError, match="'GOLD': its id 'gold' belongs to the label 'Premium'"):
        hook.label_ids(["GOLD"], create_missing=True)
    assert [request.method for request in texter_sandbox.requests] == ["GET"]


@pytest.mark.parametrize(
    ("arguments", "problems"),
    [
        ({}, ["exactly one of add, remove or set is required"]),
        (
            {"add": ["a"], "set": []},
            ["exactly one of add, remove or set is allowed, got {'add': ['a'], 'set': []}"],
        ),
        ({"remove": []}, ["remove: must have at least 1 items, got 0"]),
        ({"add": ["VIP", 7]}, ["add[1]: must be a string, got 7"]),
        ({"set": "x" * 101}, ["set[0]: must be at most 100 characters, got 101"]),
    ],
)
def test_label_arguments_are_checked_before_any_request(hook, texter_sandbox, chat, arguments, problems):
    with pytest.raises(TexterValidationError) as invalid:
        hook.update_labels(chat["_id"], **arguments)
    assert invalid.value.problems == problems
    assert texter_sandbox.requests == []


def test_list_labels_pages_through_all_labels(hook, texter_sandbox):
    for index in range(5):
        texter_sandbox.add_label(f"label-{index}", f"Label {index}")
    labels = hook.list_labels(page_size=2)
    assert [label["id"] for label in labels] == ["failed-message", "vip", *(f"label-{i}" for i in range(5))]
    assert [request.query for request in texter_sandbox.requests] == [
        {"limit": ["2"], "skip": [str(skip)]} for skip in (0, 2, 4, 6)
    ]


def test_create_label_returns_the_label(hook, texter_sandbox):
    label = hook.create_label("churn-risk", "Churn risk", color="#FF0000")
    assert label == {"id": "churn-risk", "name": "Churn risk", "color": "#FF0000", "system": False}
    with pytest.raises(TexterValidationError, match=r"color: must be #RRGGBB \(six hex digits\), got 'red'"):
        hook.create_label("x", "X", color="red")


@pytest.mark.parametrize(
    ("agent", "value"),
    [("agent_email", "noa@sandbox.example"), ("agent_uid", None), ("agent_crm_id", "crm-agent-1")],
)
def test_assign_to_an_agent_by_email_uid_or_crm_id_with_a_department(
    hook, texter_sandbox, chat, agent, value
):
    noa = texter_sandbox.agents[0]
    value = value or noa.uid
    body = hook.assign_chat(chat_id=chat["_id"], department_id="sales", **{agent: value})
    api_name = {"agent_email": "agentEmail", "agent_uid": "agentUid", "agent_crm_id": "agentCrmId"}[agent]
    assert body == {"chatId": chat["_id"], api_name: value, "departmentId": "sales"}
    stored = texter_sandbox.chat(chat["_id"])
    assert (stored["status"], stored["agent"], stored["departmentId"]) == (PENDING, noa.on_chat(), "sales")
    assert sent(texter_sandbox) == [("POST", "/chats/assign", body)]


def test_assign_by_phone_to_a_department_only(hook, texter_sandbox, chat):
    hook.assign_chat(phone="+972 52-123-4567", department_id="support")
    stored = texter_sandbox.chat(chat["_id"])
    assert (stored["status"], stored["agent"], stored["departmentId"]) == (PENDING, None, "support")


@pytest.mark.parametrize(
    ("arguments", "problems"),
    [
        ({"agent_email": "noa@sandbox.example"}, ["give exactly one of chat_id or phone"]),
        (
            {"chat_id": YAEL, "phone": "972549000001", "agent_uid": "u", "agent_email": "e"},
            [
                "give at most one of agent_email, agent_uid or agent_crm_id",
                "give exactly one of chat_id or phone",
            ],
        ),
        (
            {"chat_id": YAEL},
            ["an assignee is required: agent_email, agent_uid or agent_crm_id, and/or department_id"],
        ),
        ({"chat_id": YAEL, "department_id": ""}, ["departmentId: must be at least 1 characters, got 0"]),
    ],
)
def test_assignment_arguments_are_checked_before_any_request(hook, texter_sandbox, arguments, problems):
    with pytest.raises(TexterValidationError) as invalid:
        hook.assign_chat(**arguments)
    assert sorted(invalid.value.problems) == sorted(problems)
    assert texter_sandbox.requests == []


@pytest.mark.parametrize("notify_client", [True, False, "true"])
def test_resolve_makes_the_chat_resolved(hook, texter_sandbox, chat, notify_client):
    assert hook.resolve_chat(chat["_id"], notify_client=notify_client) == {"success": True}
    assert texter_sandbox.chat(chat["_id"])["status"] == RESOLVED
    notify = notify_client in (True, "true")
    assert sent(texter_sandbox) == [("POST", f"/chats/{chat['_id']}/resolve", {"notifyClient": notify})]


def test_resolve_refuses_a_notify_client_that_is_no_boolean(hook, texter_sandbox, chat):
    with pytest.raises(TexterValidationError, match="notify_client: must be true or false, got 'yes'"):
        hook.resolve_chat(chat["_id"], notify_client="yes")
    assert texter_sandbox.requests == []
