"""Every endpoint description against the sandbox, and ``TexterHook.call``'s checks, over real HTTP."""

from __future__ import annotations

import dataclasses
import json
from contextlib import ExitStack, suppress

import pytest

from airflow_provider_texter.actions import (
    ACTIONS,
    MANAGE_CHAT_LABELS,
    RESOLVE_CHAT,
    SEARCH_CHATS,
    UPDATE_CHAT_PROPERTIES,
    UPDATE_CRM_DATA,
)
from airflow_provider_texter.actions.endpoint import PLAIN_OK, SUCCESS
from airflow_provider_texter.exceptions import (
    TexterAuthError,
    TexterBadRequestError,
    TexterClientError,
    TexterValidationError,
)
from airflow_provider_texter.hooks.texter import TexterHook
from airflow_provider_texter.retry_policy import RetryPolicy
from airflow_provider_texter.sandbox import TexterSandbox, make_chat
from airflow_provider_texter.validation import REQUEST_VALIDATORS

ENDPOINTS = [action.endpoint for action in ACTIONS]
YAEL = "5eed00000000000000000001"  # seeded: labels ["vip"]
ALL_SCOPES = {
    "Manage all chats", "List all chats", "Manage labels", "View all chats", "View template messages",
    "Send template messages",
}  # fmt: skip
ACCOUNT_ID = "972586640430"  # the sandbox's WhatsApp number


@pytest.fixture
def scoped(monkeypatch):
    """``scoped(scopes)``: a sandbox whose token holds only ``scopes``, with a chat and a label to address,
    and a hook pointed at it that makes one attempt per call."""
    with ExitStack() as stack:

        def scoped(scopes):
            sandbox = stack.enter_context(TexterSandbox("scoped-token", scopes=scopes))
            sandbox.add_chat(make_chat("972521234567", _id=YAEL))
            sandbox.add_label("vip", "VIP")
            connection = {"conn_type": "texter", "host": sandbox.base_url, "password": sandbox.token}
            monkeypatch.setenv("AIRFLOW_CONN_TEXTER_SCOPED", json.dumps(connection))
            return sandbox, TexterHook("texter_scoped")

        yield scoped


def send_as_described(hook, endpoint):
    """The endpoint's method and path with an empty body where it takes one, past the hook's own checks."""
    path = endpoint.path.format(chat_id=YAEL, label_id="vip", account_id=ACCOUNT_ID)
    body = {} if endpoint.request_schema else None
    # A 400 is fine: the route exists and the token may use it; only the empty body is refused.
    with suppress(TexterBadRequestError):
        hook.run(endpoint.method, path, json=body, scope=endpoint.scope or "", retry_policy=RetryPolicy(0))


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.name)
def test_every_endpoint_description_matches_the_sandbox_method_path_and_scope(scoped, endpoint):
    # With only its scope (none, for a call any token may make) the route is found and served ...
    sandbox, hook = scoped(set() if endpoint.scope is None else {endpoint.scope})
    send_as_described(hook, endpoint)
    assert [request.status for request in sandbox.requests] in ([200], [400])
    if endpoint.scope is None:
        return
    # ... and with every other scope but this one it is refused for this scope.
    sandbox, hook = scoped(ALL_SCOPES - {endpoint.scope})
    with pytest.raises(TexterAuthError) as refused:
        send_as_described(hook, endpoint)
    assert refused.value.status == 403 and repr(endpoint.scope) in str(refused.value)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.name)
def test_every_request_schema_is_shipped_and_compiled(endpoint):
    assert endpoint.request_schema is None or endpoint.request_schema in REQUEST_VALIDATORS


def test_call_checks_ids_and_body_before_any_request(connect, texter_sandbox):
    hook = connect()
    with pytest.raises(TexterValidationError) as no_chat:
        hook.call(MANAGE_CHAT_LABELS, body={"add": ["vip"]})
    assert no_chat.value.problems == ["chat_id: is required"]
    with pytest.raises(TexterValidationError) as stray:
        hook.call(SEARCH_CHATS, chat_id=YAEL, body={"search": "x"})
    assert stray.value.problems == ["chat_id: Search Chats takes none", "body: Search Chats takes none"]
    with pytest.raises(TexterValidationError) as bad_body:
        hook.call(MANAGE_CHAT_LABELS, chat_id=YAEL, body={"add": [], "set": [""]})
    assert "Manage Labels in Chat request" in str(bad_body.value)
    assert bad_body.value.problems == [
        "exactly one of add, remove or set is allowed, got {'add': [], 'set': ['']}",
        "add: must have at least 1 items, got 0",
        "set[0]: must be at least 1 characters, got 0",
    ]
    with pytest.raises(TexterValidationError, match="may not contain"):
        hook.call(RESOLVE_CHAT, chat_id="../labels", body={})
    assert texter_sandbox.requests == []


def test_call_quotes_the_id_as_one_path_segment_and_returns_the_answer(connect, texter_sandbox):
    hook = connect()
    assert hook.call(UPDATE_CRM_DATA, chat_id=YAEL, body={"data": {"tier": 2}})["crmData"]["tier"] == 2
    (request,) = texter_sandbox.requests
    assert (request.method, request.path, request.chat_id) == ("POST", f"/chats/{YAEL}/crm-data", YAEL)


def expecting(action, answer_shape):
    """The action with an endpoint that promises another answer shape."""
    return dataclasses.replace(action, endpoint=dataclasses.replace(action.endpoint, answers=(answer_shape,)))


@pytest.mark.parametrize(
    ("action", "body", "answer"),
    [
        (expecting(RESOLVE_CHAT, PLAIN_OK), {}, "{'success': True}"),
        (expecting(UPDATE_CHAT_PROPERTIES, SUCCESS), {"language": "he"}, "{'_id': "),
    ],
    ids=["plain OK expected", "success expected"],
)
def test_an_answer_of_another_shape_is_an_error(connect, texter_sandbox, action, body, answer):
    endpoint = action.endpoint
    with pytest.raises(TexterClientError, match="unexpected answer") as odd:
        connect().call(action, chat_id=YAEL, body=body)
    assert answer in str(odd.value) and f"expected {endpoint.answers[0]}" in str(odd.value)
    assert len(texter_sandbox.requests) == 1  # not retried: the same request would get the same answer
