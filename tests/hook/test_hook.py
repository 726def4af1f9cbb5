"""TexterHook against the local sandbox over real HTTP: requests, retries, errors and secrets."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from airflow_provider_texter.exceptions import (
    TexterAuthError,
    TexterClientError,
    TexterNotFoundError,
    TexterPermanentError,
    TexterRateLimitError,
    TexterServerError,
    TexterTransportError,
    TexterValidationError,
)
from airflow_provider_texter.hooks.texter import TexterHook
from airflow_provider_texter.sandbox import TexterSandbox, make_chat

PHONE = "972521234567"
UNKNOWN_CHAT = "0123456789abcdef01234567"


@pytest.fixture
def chat(texter_sandbox):
    return texter_sandbox.add_chat(
        make_chat(
            PHONE, title="Dana", crm_data={"plan": "free", "customer": {"first_name": "Dana", "tags": ["a"]}}
        )
    )


@pytest.fixture
def hook(connect):
    return connect(backoff_factor=0.01, max_retries=3)


@pytest.mark.parametrize(
    ("merging_mode", "expected"),
    [
        ("replace", {"customer": {"tags": ["b"]}}),
        ("assign", {"plan": "free", "customer": {"tags": ["b"]}}),
        ("merge", {"plan": "free", "customer": {"first_name": "Dana", "tags": ["b"]}}),
        ("defaults", {"plan": "free", "customer": {"first_name": "Dana", "tags": ["a"]}}),
        ("defaultsDeep", {"plan": "free", "customer": {"first_name": "Dana", "tags": ["a"]}}),
    ],
)
def test_update_crm_data_applies_each_merging_mode(hook, texter_sandbox, chat, merging_mode, expected):
    updated = hook.update_crm_data(chat["_id"], {"customer": {"tags": ["b"]}}, merging_mode=merging_mode)
    assert updated["crmData"] == expected
    assert texter_sandbox.chat(chat["_id"])["crmData"] == expected
    (request,) = texter_sandbox.requests
    assert (request.method, request.body) == (
        "POST",
        {"data": {"customer": {"tags": ["b"]}}, "mergingMode": merging_mode},
    )


def test_update_chat_sends_api_names_and_returns_the_chat(hook, texter_sandbox, chat):
    updated = hook.update_chat(chat["_id"], {"display_name": "Dana VIP", "external_bot": True})
    assert (updated["displayName"], updated["externalBot"]) == ("Dana VIP", True)
    (request,) = texter_sandbox.requests
    assert (request.method, request.body) == ("PATCH", {"displayName": "Dana VIP", "externalBot": True})


def test_search_chats_by_phone_and_filters(hook, texter_sandbox, chat):
    texter_sandbox.add_chat(make_chat("972529999999", channel="instagram", account_id="acc-2"))
    found = hook.search_chats("+972 52-123-4567")
    assert [c["_id"] for c in found["data"]] == [chat["_id"]] and found["total"] == 1
    by_channel = hook.search_chats(channel_name="instagram", account_id="acc-2", limit=5)
    assert by_channel["total"] == 1 and by_channel["data"][0]["channelInfo"]["id"] == "972529999999"
    request = texter_sandbox.requests[-1]
    assert request.query == {
        "channel[name]": ["instagram"],
        "channel[accountId]": ["acc-2"],
        "limit": ["5"],
        "offset": ["0"],
    }


def test_search_arguments_are_checked_before_any_request(hook, texter_sandbox):
    with pytest.raises(TexterValidationError) as error:
        hook.search_chats("x", channel_name="fax", statuses=["SOLVED"], limit=0)
    assert error.value.problems == [
        "search: needs at least 2 characters, got 'x'",
        "channel_name and account_id: give both or neither",
        "channel_name: 'fax' is not one of whatsapp, messenger, instagram, website_chat, email",
        "statuses: 'SOLVED' is not one of BOT, PENDING, ASSIGNED, RESOLVED, BULK",
        "limit: must be an integer from 1 to 10000, got 0",
    ]
    assert texter_sandbox.requests == []


def test_data_nested_too_deep_never_reaches_the_server(hook, texter_sandbox, chat):
    nested: dict = {"leaf": 1}
    for _ in range(2000):  # deeper than Python's recursion limit
        nested = {"child": nested}
    with pytest.raises(TexterValidationError, match=r"data(\.child)+: nested deeper than 64 levels"):
        hook.update_crm_data(chat["_id"], nested)
    assert texter_sandbox.requests == []


def test_429_retry_after_is_honoured(hook, texter_sandbox, chat):
    texter_sandbox.fail_next(1, status=429, retry_after=1)
    hook.update_crm_data(chat["_id"], {"plan": "pro"})
    first, second = texter_sandbox.requests
    assert (first.status, second.status) == (429, 200)
    assert second.timestamp - first.timestamp >= 1.0
    assert hook.retry_count == 1 and hook.retried_outcomes == {"429": 1}


def test_429_without_retry_after_backs_off_and_succeeds(hook, texter_sandbox, chat):
    texter_sandbox.fail_next(2, status=429)
    assert hook.update_crm_data(chat["_id"], {"plan": "pro"})["crmData"]["plan"] == "pro"
    assert [request.status for request in texter_sandbox.requests] == [429, 429, 200]


def test_503_then_success_is_retried_and_summarised(hook, texter_sandbox, chat, capfd):
    texter_sandbox.fail_next(2, status=503)
    hook.update_chat(chat["_id"], {"display_name": "Dana"})
    assert [request.status for request in texter_sandbox.requests] == [503, 503, 200]
    assert (
        f"[info     ] PATCH /chats/{chat['_id']} answered 200 after 2 retries (503, 503)"
        in capfd.readouterr().out
    )


def test_connection_reset_is_retried(hook, texter_sandbox, chat):
    texter_sandbox.reset_next(1)
    assert hook.update_crm_data(chat["_id"], {"plan": "pro"})["crmData"]["plan"] == "pro"
    assert hook.retried_outcomes == {"ConnectionError": 1}


def test_retries_run_out_with_a_typed_error(hook, texter_sandbox, chat):
    texter_sandbox.fail_next(10, status=502)
    with pytest.raises(TexterServerError) as error:
        hook.update_crm_data(chat["_id"], {"plan": "pro"})
    assert error.value.status == 502
    assert "gave up after 3 retries (502, 502, 502)" in str(error.value)
    assert not isinstance(error.value, TexterPermanentError)
    assert len(texter_sandbox.requests) == 4


def test_429_with_retry_after_is_budgeted_by_time_not_by_count(hook, texter_sandbox, chat):
    texter_sandbox.fail_next(5, status=429, retry_after=0)  # max_retries is 3
    assert hook.update_crm_data(chat["_id"], {"plan": "pro"})["crmData"]["plan"] == "pro"
    assert len(texter_sandbox.requests) == 6 and hook.retried_outcomes == {"429": 5}


def test_429s_with_retry_after_give_up_when_the_wait_budget_is_spent(connect, texter_sandbox, chat):
    hook = connect(max_retry_wait=1.5)
    texter_sandbox.fail_next(100, status=429, retry_after=1)
    with pytest.raises(TexterRateLimitError, match=r"gave up after 1 retries \(429\)"):
        hook.update_crm_data(chat["_id"], {"plan": "pro"})
    assert len(texter_sandbox.requests) == 2


def test_429_without_retry_after_spends_the_retry_count(hook, texter_sandbox, chat):
    texter_sandbox.fail_next(10, status=429)
    with pytest.raises(TexterRateLimitError, match=r"gave up after 3 retries"):
        hook.update_crm_data(chat["_id"], {"plan": "pro"})


def test_a_429_slows_every_thread_of_the_hook_down(connect, texter_sandbox, chat):
    hook = connect(max_requests_per_second=50)
    texter_sandbox.fail_next(1, status=429, retry_after=0)
    hook.update_crm_data(chat["_id"], {"plan": "pro"})
    assert hook.throttle.rate < 50
    slowed = hook.throttle.rate
    for _ in range(5):
        hook.update_crm_data(chat["_id"], {"plan": "pro"})
    assert slowed < hook.throttle.rate <= 50


def test_a_429_that_gives_up_still_slows_the_hook_down(connect, texter_sandbox, chat):
    hook = connect(max_requests_per_second=50, max_retry_wait=5)
    texter_sandbox.fail_next(1, status=429, retry_after=3600)
    with pytest.raises(TexterRateLimitError):
        hook.update_crm_data(chat["_id"], {"plan": "pro"})
    assert hook.throttle.rate < 50 and hook.throttle.wait() < 60  # slower, but not paused for an hour


def test_retry_after_beyond_the_wait_budget_fails_at_once(connect, texter_sandbox, chat):
    hook = connect(max_retry_wait=5)
    texter_sandbox.fail_next(1, status=429, retry_after=3600)
    with pytest.raises(TexterRateLimitError, match="gave up after 0 retries"):
        hook.update_crm_data(chat["_id"], {"plan": "pro"})
    assert len(texter_sandbox.requests) == 1


@pytest.mark.parametrize(
    ("status", "error_type"),
    [(400, TexterClientError), (401, TexterAuthError), (404, TexterNotFoundError), (409, TexterClientError)],
)
def test_other_4xx_are_never_retried(hook, texter_sandbox, chat, status, error_type):
    texter_sandbox.fail_next(1, status=status)
    with pytest.raises(error_type) as error:
        hook.update_crm_data(chat["_id"], {"plan": "pro"})
    assert isinstance(error.value, TexterPermanentError) and error.value.status == status
    assert len(texter_sandbox.requests) == 1


def test_unknown_chat_says_which_chat(hook, texter_sandbox):
    with pytest.raises(TexterNotFoundError, match=f"answered 404: chat {UNKNOWN_CHAT} not found"):
        hook.update_crm_data(UNKNOWN_CHAT, {"plan": "pro"})


def test_wrong_token_says_to_check_the_token(connect, texter_sandbox, chat):
    hook = connect(token="not-the-token")
    with pytest.raises(TexterAuthError, match="401: .*the API token was rejected"):
        hook.update_chat(chat["_id"], {"language": "he"})
    assert len(texter_sandbox.requests) == 1


def test_token_without_scope_names_the_scope(monkeypatch):
    with TexterSandbox("scoped-token-1", scopes={"List all chats"}) as sandbox:
        chat = sandbox.add_chat(make_chat(PHONE))
        monkeypatch.setenv(
            "AIRFLOW_CONN_TEXTER_DEFAULT",
            f'{{"conn_type": "texter", "host": "{sandbox.base_url}", "password": "scoped-token-1"}}',
        )
        with pytest.raises(TexterAuthError, match="403: .*lacks the scope 'Manage all chats'"):
            TexterHook().update_crm_data(chat["_id"], {"plan": "pro"})


def test_read_timeout_is_retried_then_reported(connect, texter_sandbox, chat):
    hook = connect(timeout=0.2, max_retries=1, backoff_factor=0.01)
    texter_sandbox.latency_ms = 600
    host = texter_sandbox.base_url.split("//")[1].split("/")[0]
    with pytest.raises(TexterTransportError) as error:
        hook.update_crm_data(chat["_id"], {"plan": "pro"})
    assert f"/crm-data on {host}: ReadTimeout after 1 retries (ReadTimeout)" in str(error.value)


# Every way the wire can fail, as the sandbox injects it, and the name the hook gives it.
WIRE_FAULTS = {
    "reset": ("reset_next", "ConnectionError"),
    "answer cut mid-body": ("cut_next", "ChunkedEncodingError"),
    "broken gzip body": ("break_gzip_next", "ContentDecodingError"),
    "no answer at all": ("stall_next", "ReadTimeout"),
}


@pytest.mark.parametrize("fault", WIRE_FAULTS)
def test_every_wire_failure_is_retried_like_a_reset(connect, texter_sandbox, chat, fault):
    inject, name = WIRE_FAULTS[fault]
    hook = connect(timeout=0.3, backoff_factor=0.01, max_retries=2)
    getattr(texter_sandbox, inject)(1)
    assert hook.update_crm_data(chat["_id"], {"plan": "pro"})["crmData"]["plan"] == "pro"
    assert hook.retried_outcomes == {name: 1}


@pytest.mark.parametrize("fault", WIRE_FAULTS)
def test_every_wire_failure_ends_as_a_transport_error_naming_host_and_request(
    connect, texter_sandbox, chat, fault
):
    inject, name = WIRE_FAULTS[fault]
    hook = connect(timeout=0.3, backoff_factor=0.01, max_retries=1)
    getattr(texter_sandbox, inject)(2)
    with pytest.raises(TexterTransportError) as error:
        hook.update_crm_data(chat["_id"], {"plan": "pro"})
    assert str(error.value).startswith(
        f"Texter API POST /chats/{chat['_id']}/crm-data on 127.0.0.1:{texter_sandbox.port}: "
        f"{name} after 1 retries ({name}); last error: "
    )


def test_a_body_requests_cannot_encode_is_a_validation_error_not_a_crash(hook, texter_sandbox):
    with pytest.raises(TexterValidationError, match=r"body\.when: object is not a JSON value"):
        hook.run("POST", "/chats/x/crm-data", json={"when": object()})
    assert texter_sandbox.requests == []


def test_random_5xx_are_retried_and_every_write_lands(connect, texter_sandbox, chat):
    hook = connect(backoff_factor=0.01, max_retries=5)
    texter_sandbox.fail_randomly(0.3, status=503, seed=3)
    for plan in range(30):
        assert hook.update_crm_data(chat["_id"], {"plan": plan})["crmData"]["plan"] == plan
    statuses = Counter(request.status for request in texter_sandbox.requests)
    assert statuses[200] == 30 and statuses[503] == hook.retry_count > 0


def test_a_token_the_server_echoes_is_redacted_from_errors_and_logs(hook, texter_sandbox, chat, capfd):
    texter_sandbox.fail_next(1, status=400, echo_authorization=True)
    with pytest.raises(TexterClientError) as error:
        hook.update_crm_data(chat["_id"], {"plan": "pro"})
    logged = capfd.readouterr().out
    assert "Authorization: ***" in str(error.value)
    for text in (str(error.value), error.value.message, repr(error.value), logged):
        assert texter_sandbox.token not in text


def test_masking_leaves_every_word_of_the_missing_token_message(connect, chat):
    hook = connect("texter_nopw", token="")
    message = "connection 'texter_nopw' has no API token: put the Texter API token in its password field"
    assert hook.test_connection() == (False, message)
    with pytest.raises(TexterPermanentError) as error:
        hook.update_crm_data(chat["_id"], {"plan": "pro"})
    assert str(error.value) == message


def test_unreachable_server_is_a_transport_error(monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_TEXTER_DEFAULT",
        '{"conn_type": "texter", "host": "http://127.0.0.1:9", "password": "tok-12345",'
        ' "extra": {"max_retries": 1, "backoff_factor": 0.01}}',
    )
    refused = r"/chats/search on 127\.0\.0\.1:9: ConnectionError after 1 retries"
    with pytest.raises(TexterTransportError, match=refused):
        TexterHook().search_chats("dana")


@pytest.mark.parametrize(
    "chat_id", ["../x", "a/b", "", "   ", " 64de ", "a?b", "a#b", "%2e%2e", "..", None, 5]
)
def test_chat_ids_that_escape_the_path_never_reach_the_server(hook, texter_sandbox, chat_id):
    with pytest.raises(TexterValidationError, match="chat_id"):
        hook.update_crm_data(chat_id, {"plan": "pro"})
    with pytest.raises(TexterValidationError, match="chat_id"):
        hook.update_chat(chat_id, {"display_name": "x"})
    assert texter_sandbox.requests == []


def test_token_never_appears_in_logs_errors_or_repr(connect, texter_sandbox, chat, capfd):
    hook = connect(backoff_factor=0.01, max_retries=1)
    texter_sandbox.fail_next(1, status=503)
    hook.update_crm_data(chat["_id"], {"plan": "pro"})
    with pytest.raises(TexterNotFoundError) as error:
        hook.update_crm_data(UNKNOWN_CHAT, {"plan": "pro"})
    bad = connect("texter_bad", token="wrong-token-xyz")
    with pytest.raises(TexterAuthError) as auth_error:
        bad.search_chats("dana")
    logged = capfd.readouterr().out
    assert f"[debug    ] POST /chats/{chat['_id']}/crm-data -> 503" in logged
    seen = [
        logged,
        str(error.value),
        str(auth_error.value),
        repr(hook),
        repr(hook.settings),
        repr(bad.settings),
    ]
    seen.append(repr(hook.session.auth))
    for text in seen:
        assert texter_sandbox.token not in text and "wrong-token-xyz" not in text


def test_test_connection_reports_success_and_failure(connect, texter_sandbox, chat):
    ok, message = connect().test_connection()
    assert ok and message.startswith(f"Connected to {texter_sandbox.base_url}: token accepted")
    ok, message = connect("texter_bad", token="wrong-token-xyz").test_connection()
    assert not ok and "401" in message and "wrong-token-xyz" not in message


def test_test_connection_makes_one_attempt_and_names_the_host(connect, texter_sandbox):
    texter_sandbox.stall_next(1)
    ok, message = connect(timeout=0.3).test_connection()
    assert not ok
    assert message.startswith(f"127.0.0.1:{texter_sandbox.port} did not accept the test request: ")
    assert "ReadTimeout after 0 retries; last error: " in message


def test_test_connection_does_not_wait_out_a_429(connect, texter_sandbox):
    texter_sandbox.fail_next(1, status=429, retry_after=60)
    ok, message = connect().test_connection()
    assert not ok and "answered 429" in message


def test_test_connection_reports_bad_settings(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_TEXTER_DEFAULT", '{"conn_type": "texter", "host": "acme"}')
    ok, message = TexterHook().test_connection()
    assert not ok and "has no API token" in message


def test_threads_share_one_session_and_the_rate_cap(connect, texter_sandbox, chat):
    hook = connect(max_requests_per_second=40)
    chats = [texter_sandbox.add_chat(make_chat(f"97250000{i:04d}"))["_id"] for i in range(40)]

    def send(chat_ids):
        for chat_id in chat_ids:
            hook.update_crm_data(chat_id, {"plan": "pro"})

    threads = [threading.Thread(target=send, args=(chats[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stamps = sorted(request.timestamp for request in texter_sandbox.requests)
    assert len(stamps) == 40 and all(texter_sandbox.chat(c)["crmData"] == {"plan": "pro"} for c in chats)
    assert stamps[-1] - stamps[0] >= 0.9  # 40 requests at 40 per second: spread over ~1 s, not a burst
    assert len(hook.session.adapters["http://"].poolmanager.pools) == 1
