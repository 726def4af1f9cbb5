"""A call that messages a person is sent at most once: after an ambiguous failure it is never resent, and
it is retried only when it surely never reached Texter. Over real HTTP against the sandbox."""

from __future__ import annotations

import json
import socket

import pytest

from airflow_provider_texter.compat import AirflowFailException
from airflow_provider_texter.exceptions import (
    TexterOutcomeUnknownError,
    TexterServerError,
    TexterTransportError,
)
from airflow_provider_texter.hooks.texter import TexterHook

YAEL = "5eed00000000000000000001"  # seeded by the sandbox, status BOT
RESOLVED = 3


def resolves(sandbox) -> list:
    return [request for request in sandbox.requests if request.path == f"/chats/{YAEL}/resolve"]


def test_resolve_that_notifies_is_not_resent_after_texter_applied_it_and_the_answer_timed_out(
    connect, texter_sandbox
):
    hook = connect(timeout=1, max_retries=3, backoff_factor=0.01)
    texter_sandbox.apply_then_stall_next(1)
    with pytest.raises(TexterOutcomeUnknownError) as unknown:
        hook.resolve_chat(YAEL, notify_client=True)
    assert len(resolves(texter_sandbox)) == 1  # applied once, never sent again
    assert texter_sandbox.chat(YAEL)["status"] == RESOLVED
    message = str(unknown.value)
    assert (
        f"POST /chats/{YAEL}/resolve" in message and "Resolve Chat" in message and f"chat {YAEL}" in message
    )
    assert "ReadTimeout" in message and "outcome is unknown" in message and "Check chat" in message
    assert isinstance(unknown.value, AirflowFailException)  # Airflow does not retry the task either


@pytest.mark.parametrize("status", [502, 500, 503])
def test_resolve_that_notifies_is_not_resent_after_a_5xx_that_followed_the_write(
    connect, texter_sandbox, status
):
    hook = connect(max_retries=3, backoff_factor=0.01)
    texter_sandbox.apply_then_fail_next(1, status)
    with pytest.raises(TexterOutcomeUnknownError, match=f"HTTP {status}"):
        hook.resolve_chat(YAEL, notify_client=True)
    assert len(resolves(texter_sandbox)) == 1
    assert texter_sandbox.chat(YAEL)["status"] == RESOLVED


@pytest.mark.parametrize(
    ("break_answer", "failure"),
    [
        ("reset_next", "ConnectionError"),
        ("cut_next", "ChunkedEncodingError"),
        ("break_gzip_next", "ContentDecodingError"),
    ],
)
def test_a_broken_answer_is_ambiguous_for_a_call_that_notifies(
    connect, texter_sandbox, break_answer, failure
):
    hook = connect(max_retries=3, backoff_factor=0.01)
    getattr(texter_sandbox, break_answer)(1)
    with pytest.raises(TexterOutcomeUnknownError, match=failure):
        hook.resolve_chat(YAEL, notify_client="true")
    assert len(resolves(texter_sandbox)) == 1


def test_a_429_is_a_refusal_so_a_call_that_notifies_is_sent_again(connect, texter_sandbox):
    hook = connect(max_retries=3, backoff_factor=0.01)
    texter_sandbox.fail_next(2, 429, retry_after=0)
    assert hook.resolve_chat(YAEL, notify_client=True) == {"success": True}
    assert [request.status for request in resolves(texter_sandbox)] == [429, 429, 200]


def test_a_resolve_without_notifying_is_idempotent_and_keeps_its_retries(connect, texter_sandbox):
    hook = connect(max_retries=3, backoff_factor=0.01)
    texter_sandbox.apply_then_fail_next(2, 502)
    assert hook.resolve_chat(YAEL, notify_client=False) == {"success": True}
    assert [request.status for request in resolves(texter_sandbox)] == [502, 502, 200]


def test_a_server_that_refuses_the_connection_never_got_the_request_so_it_is_retried(monkeypatch):
    with socket.socket() as unused:  # a loopback port nobody listens on: every connect is refused
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    connection = {"conn_type": "texter", "host": f"http://127.0.0.1:{port}", "password": "t0ken-for-refusals"}
    connection["extra"] = {"max_retries": 2, "backoff_factor": 0.01}
    monkeypatch.setenv("AIRFLOW_CONN_TEXTER_REFUSED", json.dumps(connection))
    hook = TexterHook("texter_refused")
    with pytest.raises(TexterTransportError, match="after 2 retries") as refused:
        hook.resolve_chat(YAEL, notify_client=True)
    assert not isinstance(refused.value, TexterOutcomeUnknownError)
    assert hook.transport.stats.requests == 3 and hook.retried_outcomes == {"ConnectionError": 2}


def test_an_idempotent_write_still_gets_a_final_500_as_a_server_error(connect, texter_sandbox, chat_id=YAEL):
    hook = connect(max_retries=3, backoff_factor=0.01)
    texter_sandbox.fail_next(1, 500)
    with pytest.raises(TexterServerError):
        hook.update_crm_data(chat_id, {"plan": "pro"})
