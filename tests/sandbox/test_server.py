"""The sandbox as a server: tokens, scopes, injected faults, rate limit, latency, the request log, admin."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import requests

from airflow_provider_texter.sandbox import TexterSandbox, make_chat


@pytest.fixture
def chat(texter_sandbox):
    return texter_sandbox.add_chat(make_chat("972521234567", crm_data={"plan": "free"}))


def write_crm(client, chat, plan="pro"):
    return client.post(f"/chats/{chat['_id']}/crm-data", json={"data": {"plan": plan}})


@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong-token", "sandbox-token", "Bearer sandbox-token2"]
)
def test_missing_or_wrong_token_is_a_401_and_is_logged(texter_sandbox, chat, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}
    url = f"{texter_sandbox.base_url}/chats/{chat['_id']}/crm-data"
    response = requests.post(url, json={"data": {"plan": "pro"}}, headers=headers, timeout=5)
    assert (response.status_code, response.json()) == (
        401,
        {"message": "Unauthorized: invalid or missing API token"},
    )
    assert texter_sandbox.token not in response.text
    (request,) = texter_sandbox.requests
    assert (request.status, request.authorization_ok) == (401, False)
    assert texter_sandbox.chat(chat["_id"])["crmData"] == {"plan": "free"}


def test_token_without_the_scope_is_a_403_naming_the_scope(client_for):
    with TexterSandbox("list-only", scopes={"List all chats"}) as sandbox:
        chat = sandbox.add_chat(make_chat("972521234567"))
        client = client_for(sandbox)
        response = write_crm(client, chat)
        assert (response.status_code, response.json()) == (
            403,
            {"message": "Token lacks scope 'Manage all chats'"},
        )
        assert client.patch(f"/chats/{chat['_id']}", json={"language": "he"}).status_code == 403
        assert client.get("/chats/search").status_code == 200
        assert sandbox.chat(chat["_id"])["crmData"] == {}


def test_unknown_scope_names_are_refused():
    with pytest.raises(ValueError, match="unknown scopes \\['Read chats'\\]"):
        TexterSandbox(scopes={"Read chats"})


def test_fail_next_answers_the_status_then_serves_normally_without_touching_state(
    client, texter_sandbox, chat
):
    texter_sandbox.fail_next(2, status=503)
    first, second = write_crm(client, chat, "lost"), write_crm(client, chat, "lost")
    assert (first.status_code, second.status_code) == (503, 503)
    assert "Retry-After" not in first.headers and "message" in first.json()
    assert texter_sandbox.chat(chat["_id"])["crmData"] == {"plan": "free"}
    assert write_crm(client, chat).status_code == 200
    assert [request.status for request in texter_sandbox.requests] == [503, 503, 200]


def test_fail_next_can_send_retry_after(client, texter_sandbox, chat):
    texter_sandbox.fail_next(1, status=429, retry_after=7)
    response = write_crm(client, chat)
    assert (response.status_code, response.headers["Retry-After"]) == (429, "7")


def test_fail_next_refuses_a_status_that_is_not_an_error():
    with pytest.raises(ValueError, match="400-599"):
        TexterSandbox().fail_next(1, status=200)


def test_reset_next_drops_the_connection_without_an_answer(client, texter_sandbox, chat):
    texter_sandbox.reset_next(1)
    with pytest.raises(requests.ConnectionError):
        write_crm(client, chat)
    assert texter_sandbox.chat(chat["_id"])["crmData"] == {"plan": "free"}
    assert write_crm(client, chat).status_code == 200
    assert [request.status for request in texter_sandbox.requests] == [None, 200]


def test_cut_next_applies_the_write_then_cuts_the_answer_mid_body(client, texter_sandbox, chat):
    texter_sandbox.cut_next(1)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        write_crm(client, chat)
    assert texter_sandbox.chat(chat["_id"])["crmData"] == {"plan": "pro"}
    assert write_crm(client, chat, "premium").status_code == 200


def test_break_gzip_next_applies_the_write_then_answers_a_body_that_is_not_gzip(client, texter_sandbox, chat):
    texter_sandbox.break_gzip_next(1)
    with pytest.raises(requests.exceptions.ContentDecodingError):
        write_crm(client, chat)
    assert texter_sandbox.chat(chat["_id"])["crmData"] == {"plan": "pro"}


def test_stall_next_never_answers_and_changes_nothing(client, texter_sandbox, chat):
    texter_sandbox.stall_next(1)
    with pytest.raises(requests.exceptions.ReadTimeout):
        client.session.post(
            f"{texter_sandbox.base_url}/chats/{chat['_id']}/crm-data",
            json={"data": {"plan": "x"}},
            timeout=0.3,
        )
    assert texter_sandbox.chat(chat["_id"])["crmData"] == {"plan": "free"}


def resolve(client, chat, **kwargs):
    return client.post(f"/chats/{chat['_id']}/resolve", json={"notifyClient": True}, **kwargs)


def test_apply_then_stall_next_applies_the_request_and_never_answers(client, texter_sandbox, chat):
    texter_sandbox.apply_then_stall_next(1)
    with pytest.raises(requests.exceptions.ReadTimeout):
        client.session.post(
            f"{texter_sandbox.base_url}/chats/{chat['_id']}/resolve", json={"notifyClient": True}, timeout=0.3
        )
    assert texter_sandbox.chat(chat["_id"])["status"] == 3
    # in the log while the connection still waits, with no answer
    assert [(request.path, request.status) for request in texter_sandbox.requests] == [
        (f"/chats/{chat['_id']}/resolve", None)
    ]
    assert resolve(client, chat).status_code == 200


def test_apply_then_fail_next_applies_the_request_then_answers_the_status(client, texter_sandbox, chat):
    texter_sandbox.apply_then_fail_next(1, status=502)
    response = resolve(client, chat)
    assert (response.status_code, response.json()) == (502, {"message": "Injected failure: HTTP 502"})
    assert texter_sandbox.chat(chat["_id"])["status"] == 3
    assert [request.status for request in texter_sandbox.requests] == [502]
    assert write_crm(client, chat).status_code == 200


def test_apply_then_fail_next_defaults_to_502_and_can_send_retry_after(client, texter_sandbox, chat):
    texter_sandbox.apply_then_fail_next(1, retry_after=3)
    response = write_crm(client, chat)
    assert (response.status_code, response.headers["Retry-After"]) == (502, "3")
    assert texter_sandbox.chat(chat["_id"])["crmData"] == {"plan": "pro"}


def test_faults_that_apply_the_request_are_queued_through_the_admin_endpoint(client, texter_sandbox, chat):
    admin = f"http://127.0.0.1:{texter_sandbox.port}/_sandbox"
    for fault in (
        {"kind": "apply_then_status", "count": 1, "status": 502},
        {"kind": "apply_then_stall", "count": 1},
    ):
        assert requests.post(f"{admin}/faults", json=fault, timeout=5).status_code == 200
    missing_status = {"kind": "apply_then_status", "count": 1}
    assert requests.post(f"{admin}/faults", json=missing_status, timeout=5).status_code == 400
    assert write_crm(client, chat, "first").status_code == 502
    with pytest.raises(requests.exceptions.ReadTimeout):
        client.session.post(
            f"{texter_sandbox.base_url}/chats/{chat['_id']}/crm-data",
            json={"data": {"plan": "second"}},
            timeout=0.3,
        )
    assert texter_sandbox.chat(chat["_id"])["crmData"] == {"plan": "second"}


def test_faults_that_refuse_leave_a_non_idempotent_request_unapplied(client, texter_sandbox, chat):
    texter_sandbox.fail_next(1, status=502)
    texter_sandbox.reset_next(1)
    assert resolve(client, chat).status_code == 502
    with pytest.raises(requests.ConnectionError):
        resolve(client, chat)
    assert texter_sandbox.chat(chat["_id"])["status"] == 0


def test_fail_next_can_echo_the_authorization_header(client, texter_sandbox, chat):
    texter_sandbox.fail_next(1, status=400, echo_authorization=True)
    assert "Authorization: Bearer sandbox-token" in write_crm(client, chat).json()["message"]


def test_fail_randomly_fails_a_seeded_share_of_requests(client, texter_sandbox, chat):
    def statuses():
        return [write_crm(client, chat).status_code for _ in range(40)]

    texter_sandbox.fail_randomly(0.5, status=502, seed=7)
    first = statuses()
    texter_sandbox.fail_randomly(0.5, status=502, seed=7)
    assert statuses() == first and set(first) == {200, 502}
    texter_sandbox.fail_randomly(0)
    assert set(statuses()) == {200}


def test_faults_can_be_queued_through_the_admin_endpoint(client, texter_sandbox, chat):
    admin = f"http://127.0.0.1:{texter_sandbox.port}/_sandbox"
    fault = {"kind": "status", "count": 1, "status": 429, "retry_after": 2}
    assert requests.post(f"{admin}/faults", json=fault, timeout=5).status_code == 200
    assert requests.post(f"{admin}/faults", json={"kind": "melt", "count": 1}, timeout=5).status_code == 400
    response = write_crm(client, chat)
    assert (response.status_code, response.headers["Retry-After"]) == (429, "2")
    assert requests.post(f"{admin}/random-failures", json={"share": 1.0}, timeout=5).status_code == 200
    assert write_crm(client, chat).status_code == 503


def test_faults_apply_in_the_order_they_were_queued(client, texter_sandbox, chat):
    texter_sandbox.fail_next(1, status=502)
    texter_sandbox.reset_next(1)
    texter_sandbox.fail_next(1, status=500)
    assert write_crm(client, chat).status_code == 502
    with pytest.raises(requests.ConnectionError):
        write_crm(client, chat)
    assert write_crm(client, chat).status_code == 500
    assert write_crm(client, chat).status_code == 200


def test_rate_limit_answers_429_with_whole_seconds_and_refills(client, texter_sandbox, chat):
    texter_sandbox.rate_limit = 4
    texter_sandbox.burst = 2
    assert [write_crm(client, chat).status_code for _ in range(2)] == [200, 200]
    limited = write_crm(client, chat)
    assert (limited.status_code, limited.json()) == (429, {"message": "Too many requests"})
    assert limited.headers["Retry-After"] == "1"
    time.sleep(0.3)  # 4 per second: a token is back after 0.25 s
    assert write_crm(client, chat).status_code == 200


def test_rate_limit_none_means_unlimited(client, texter_sandbox, chat):
    texter_sandbox.rate_limit = 1
    assert [write_crm(client, chat).status_code for _ in range(2)] == [200, 429]
    texter_sandbox.rate_limit = None
    assert {write_crm(client, chat).status_code for _ in range(20)} == {200}


def test_latency_delays_each_answer(client, texter_sandbox, chat):
    texter_sandbox.latency_ms = 150
    started = time.monotonic()
    write_crm(client, chat)
    assert time.monotonic() - started >= 0.15


def test_requests_are_served_concurrently(texter_sandbox, client_for, chat):
    texter_sandbox.latency_ms = 300
    clients = [client_for(texter_sandbox) for _ in range(6)]
    statuses = []
    threads = [
        threading.Thread(target=lambda c=c: statuses.append(write_crm(c, chat).status_code)) for c in clients
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 6 and time.monotonic() - started < 1.2  # one after another: 1.8 s


def test_keep_alive_answers_do_not_stall(client, chat):
    write_crm(client, chat)
    started = time.monotonic()
    for _ in range(50):
        write_crm(client, chat)
    assert time.monotonic() - started < 1.0  # a 40 ms Nagle/delayed-ACK stall per answer would take 2 s


def test_two_requests_on_one_raw_connection_get_two_answers(texter_sandbox):
    request = (
        b"GET /server/api/v2/chats/search?limit=1 HTTP/1.1\r\nHost: sandbox\r\n"
        b"Authorization: Bearer sandbox-token\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", texter_sandbox.port), timeout=5) as connection:
        connection.sendall(request + request)
        received = b""
        while received.count(b"HTTP/1.1 200 OK") < 2 or not received.endswith(b"}"):
            chunk = connection.recv(65536)
            assert chunk, f"connection closed after {received!r}"
            received += chunk
    head = received.split(b"\r\n\r\n")[0].decode()
    assert "Content-Type: application/json" in head and "Content-Length: " in head


def test_malformed_content_length_is_a_400_and_closes_the_connection(texter_sandbox):
    request = b"POST /server/api/v2/chats/search HTTP/1.1\r\nHost: sandbox\r\nContent-Length: ten\r\n\r\n"
    with socket.create_connection(("127.0.0.1", texter_sandbox.port), timeout=5) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400 ") and b"Connection: close" in answer


def test_chunked_request_body_is_refused_with_411(client, chat):
    response = client.post(f"/chats/{chat['_id']}/crm-data", data=iter([b'{"data": {}}']))
    assert response.status_code == 411


def test_request_log_records_what_was_asked_and_answered(client, texter_sandbox, chat):
    before = time.monotonic()
    write_crm(client, chat)
    client.get("/chats/search", params={"search": "dana", "labels[]": ["a", "b"]})
    client.patch(f"/chats/{chat['_id']}", data="not json")
    client.get("/nowhere")
    crm, search, patch, nowhere = texter_sandbox.requests
    assert (crm.method, crm.path, crm.chat_id, crm.body, crm.status, crm.authorization_ok) == (
        "POST",
        f"/chats/{chat['_id']}/crm-data",
        chat["_id"],
        {"data": {"plan": "pro"}},
        200,
        True,
    )
    assert (search.path, search.query, search.body, search.chat_id) == (
        "/chats/search",
        {"search": ["dana"], "labels[]": ["a", "b"]},
        None,
        None,
    )
    assert (patch.body, patch.status) == ("not json", 400)
    assert (nowhere.path, nowhere.status) == ("/nowhere", 404)
    assert before <= crm.timestamp <= search.timestamp <= patch.timestamp <= nowhere.timestamp
    texter_sandbox.clear_requests()
    assert texter_sandbox.requests == []


def test_admin_endpoints_need_no_token_and_are_not_recorded_or_limited(client, texter_sandbox, chat):
    texter_sandbox.rate_limit = 1
    write_crm(client, chat)
    write_crm(client, chat)
    admin = f"http://127.0.0.1:{texter_sandbox.port}/_sandbox"
    for _ in range(3):
        counts = requests.get(f"{admin}/requests", timeout=5).json()
    assert counts == {"count": 2, "by_status": {"200": 1, "429": 1}}
    chats = {stored["_id"]: stored for stored in requests.get(f"{admin}/chats", timeout=5).json()["chats"]}
    assert chats[chat["_id"]]["crmData"] == {"plan": "pro"} and len(chats) == 4
    assert requests.get(f"{admin}/nothing", timeout=5).status_code == 404
    assert len(texter_sandbox.requests) == 2


def test_add_chat_and_chat_return_copies(texter_sandbox):
    added = texter_sandbox.add_chat(make_chat("972521234567"))
    added["crmData"]["x"] = 1
    stored = texter_sandbox.chat(added["_id"])
    stored["crmData"]["y"] = 2
    texter_sandbox.chats[added["_id"]]["crmData"]["z"] = 3
    assert texter_sandbox.chat(added["_id"])["crmData"] == {}


def test_unknown_chat_id_is_a_key_error(texter_sandbox):
    with pytest.raises(KeyError):
        texter_sandbox.chat("0123456789abcdef01234567")


@pytest.mark.parametrize("chat_id", ["abc", "64DE3B15398A8E09C47A9F62", 5])
def test_chat_ids_must_be_24_lowercase_hex(texter_sandbox, chat_id):
    with pytest.raises(ValueError, match="24 lowercase hex"):
        texter_sandbox.add_chat(make_chat("972521234567", _id=chat_id))


def test_chat_without_id_gets_one(texter_sandbox):
    added = texter_sandbox.add_chat({"title": "Dana", "channelInfo": {"id": "972521234567"}})
    assert len(added["_id"]) == 24 and added["crmData"] == {}


def test_stop_closes_the_port_and_open_keep_alive_connections(client_for):
    sandbox = TexterSandbox().start()
    client = client_for(sandbox)
    assert client.get("/chats/search").status_code == 200
    sandbox.stop()
    sandbox.stop()
    with pytest.raises(requests.ConnectionError):
        client.get("/chats/search")
    with pytest.raises(requests.ConnectionError):
        requests.get(sandbox.base_url + "/chats/search", timeout=5)


def test_context_manager_serves_on_a_free_port_inside_the_block(client_for):
    with TexterSandbox("t") as sandbox:
        assert sandbox.port > 0
        assert sandbox.base_url == f"http://127.0.0.1:{sandbox.port}/server/api/v2"
        assert client_for(sandbox).get("/chats/search").json() == {"data": [], "total": 0}
    with pytest.raises(requests.ConnectionError):
        requests.get(sandbox.base_url + "/chats/search", timeout=5)


def test_ipv6_loopback_is_served_with_a_bracketed_url(client_for):
    try:
        sandbox = TexterSandbox(host="::1").start()
    except OSError as error:
        pytest.skip(f"no IPv6 loopback here: {error}")
    with sandbox:
        assert sandbox.base_url.startswith("http://[::1]:")
        assert client_for(sandbox).get("/chats/search").status_code == 200
