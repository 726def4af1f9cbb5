"""Search Chats drift over real HTTP: chats that get a message while a client pages move to the top."""

from __future__ import annotations

import pytest
import requests

from airflow_provider_texter.sandbox import TexterSandbox, generate_chats


@pytest.fixture
def sandbox():
    with TexterSandbox(chats=generate_chats(30)) as sandbox:
        yield sandbox


def naive_scan(client, limit=5):
    """Page by offset until the total is reached, as a reader unaware of the drift does."""
    seen, offset = [], 0
    while True:
        page = client.get("/chats/search", params={"limit": limit, "offset": offset}).json()
        seen += [chat["_id"] for chat in page["data"]]
        offset += limit
        if offset >= page["total"]:
            return seen


def test_without_drift_a_scan_sees_every_chat_once(client_for, sandbox):
    assert sorted(naive_scan(client_for(sandbox))) == sorted(sandbox.chats)


def test_drift_moves_the_last_chat_to_the_top_so_a_naive_scan_repeats_and_misses_chats(client_for, sandbox):
    sandbox.drift_search(every=2)
    seen = naive_scan(client_for(sandbox))
    assert len(seen) == 30
    repeated = {chat_id for chat_id in seen if seen.count(chat_id) > 1}
    missed = set(sandbox.chats) - set(seen)
    assert repeated and missed
    moved = [
        chat_id
        for chat_id, chat in sandbox.chats.items()
        if chat["lastMessage"]["text"].startswith("a message")
    ]
    assert set(moved) >= missed


def test_drift_can_move_given_chats_in_turn_and_be_stopped(client_for, sandbox):
    first, second = sorted(sandbox.chats)[:2]
    client = client_for(sandbox)
    sandbox.drift_search(every=1, chat_ids=[first, second])
    top = [client.get("/chats/search", params={"limit": 1}).json()["data"][0]["_id"] for _ in range(3)]
    assert top[1:] == [first, second]
    assert [message["text"] for message in sandbox.messages(first)] == [
        "a message that arrived during the scan"
    ] * 2
    sandbox.drift_search(every=0)
    client.get("/chats/search")
    assert len(sandbox.messages(second)) == 1


def test_drift_follows_the_search_filters(client_for, sandbox):
    sandbox.drift_search(every=1)
    client = client_for(sandbox)
    bulk = client.get("/chats/search", params={"statuses[]": "BULK", "limit": 100}).json()["data"]
    moved = client.get("/chats/search", params={"statuses[]": "BULK", "limit": 1}).json()["data"][0]
    assert moved["_id"] == bulk[-1]["_id"]


def test_drift_is_set_through_the_admin_route(client_for, sandbox):
    admin = f"http://127.0.0.1:{sandbox.port}/_sandbox/search-drift"
    assert requests.post(admin, json={"every": 1}, timeout=5).status_code == 200
    assert requests.post(admin, json={"every": -1}, timeout=5).status_code == 400
    assert requests.post(admin, json={}, timeout=5).status_code == 400
    client = client_for(sandbox)
    last = client.get("/chats/search", params={"limit": 30}).json()["data"][-1]["_id"]
    assert client.get("/chats/search", params={"limit": 1}).json()["data"][0]["_id"] == last
