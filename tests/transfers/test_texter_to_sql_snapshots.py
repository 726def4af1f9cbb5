"""TexterToSqlOperator snapshots: the table is replaced whole or not at all, chats that move during the scan
land once, and opt-outs keep the time they were first seen."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import pytest
import requests
from transfers.texter_tables import read_into, table_rows

from airflow_provider_texter.exceptions import TexterServerError
from airflow_provider_texter.sandbox import generate_chats

AUTHORIZATION = {"Authorization": "Bearer sandbox-token"}


def chat_ids(warehouse, table="texter_chats") -> list[str]:
    return [row["chat_id"] for row in table_rows(warehouse, "chats", table)]


def first_request_passes_second_fails(share: float = 0.5) -> int:
    """A seed for ``fail_randomly(share, seed=...)`` under which request 1 is answered and request 2 fails."""
    return next(
        seed
        for seed in range(1000)
        if (picks := random.Random(seed)) and picks.random() >= share and picks.random() < share
    )


def test_a_second_run_replaces_the_snapshot(warehouse, texter_sandbox, hook):
    read_into(warehouse, "chats", labels=["vip"])
    assert chat_ids(warehouse) == ["5eed00000000000000000001"]
    texter_sandbox.add_chat(generate_chats(1)[0] | {"labels": ["vip"], "_id": "c0ffee000000000000000001"})
    hook.update_labels("5eed00000000000000000001", set=[])  # as an agent would take it off
    assert read_into(warehouse, "chats", labels=["vip"])["rows"] == 1
    assert chat_ids(warehouse) == ["c0ffee000000000000000001"]


def test_a_run_that_fails_mid_way_leaves_the_previous_snapshot_whole(warehouse, texter_sandbox, connect):
    connect(max_retries=0)
    read_into(warehouse, "chats")
    before = table_rows(warehouse, "chats")
    for chat in generate_chats(10):
        texter_sandbox.add_chat(chat)
    texter_sandbox.fail_randomly(0.5, status=502, seed=first_request_passes_second_fails())
    with pytest.raises(TexterServerError):
        read_into(warehouse, "chats", chat_page_size=4)
    assert [request.status for request in texter_sandbox.requests][-2:] == [200, 502]
    assert table_rows(warehouse, "chats") == before
    texter_sandbox.fail_randomly(0)
    assert read_into(warehouse, "chats", chat_page_size=4)["rows"] == 13


KILLED_RUN = textwrap.dedent("""
    from airflow_provider_texter.transfers.texter_to_sql import TexterToSqlOperator
    TexterToSqlOperator(task_id="chats", conn_id="warehouse", collection="chats", table="texter_chats",
                        chat_page_size=5).execute({"run_id": "killed"})
""")


def test_a_killed_run_leaves_the_previous_snapshot_and_the_next_run_starts_afresh(
    sqlite_warehouse, texter_sandbox, hook
):
    read_into(sqlite_warehouse, "chats")
    before = table_rows(sqlite_warehouse, "chats")
    for chat in generate_chats(60):
        texter_sandbox.add_chat(chat)
    texter_sandbox.clear_requests()
    texter_sandbox.latency_ms = 50
    worker = subprocess.Popen([sys.executable, "-c", KILLED_RUN], env=os.environ.copy(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 60
    while len(texter_sandbox.requests) < 4 and time.monotonic() < deadline and worker.poll() is None:
        time.sleep(0.01)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    assert worker.returncode == -signal.SIGKILL
    assert 4 <= len(texter_sandbox.requests) < 13  # killed mid-scan: 63 chats take 13 pages of 5
    assert table_rows(sqlite_warehouse, "chats") == before
    [(staged,)] = sqlite_warehouse.records("SELECT COUNT(*) FROM texter_chats_staging")
    assert 0 < staged < 63  # what the killed run had staged, never seen by readers of texter_chats

    texter_sandbox.latency_ms = 0
    assert read_into(sqlite_warehouse, "chats", chat_page_size=5)["rows"] == 63
    tables = {
        name for (name,) in sqlite_warehouse.records("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    assert tables == {"texter_chats"}


@pytest.mark.parametrize("every", [1, 2, 3])
def test_chats_that_move_during_the_scan_land_exactly_once(warehouse, texter_sandbox, hook, every):
    for chat in generate_chats(57):
        texter_sandbox.add_chat(chat)
    texter_sandbox.drift_search(every=every)
    result = read_into(warehouse, "chats", chat_page_size=10)
    moved = [
        chat_id
        for chat_id, chat in texter_sandbox.chats.items()
        if chat["lastMessage"]["text"].startswith("a message")
    ]
    assert moved  # the drift happened
    assert sorted(chat_ids(warehouse)) == sorted(texter_sandbox.chats)
    assert result["rows"] == 60
    searches = [request for request in texter_sandbox.requests if request.path == "/chats/search"]
    assert len(searches) > 6  # the full pass took 6 pages; the moved chats were read again


def test_a_naive_offset_scan_would_miss_chats_under_the_same_drift(texter_sandbox):
    """The control for the test above: the drift really loses chats for a reader that only pages."""
    for chat in generate_chats(57):
        texter_sandbox.add_chat(chat)
    texter_sandbox.drift_search(every=2)
    search = f"{texter_sandbox.base_url}/chats/search"
    seen = []
    for offset in range(0, 60, 10):
        page = requests.get(search, params={"limit": 10, "offset": offset}, headers=AUTHORIZATION, timeout=5)
        seen += [chat["_id"] for chat in page.json()["data"]]
    assert set(texter_sandbox.chats) - set(seen)


def test_opt_outs_keep_when_they_were_first_seen_and_leave_when_resubscribed(warehouse, texter_sandbox, hook):
    texter_sandbox.unsubscribe("972500000001")
    texter_sandbox.unsubscribe("972500000002")
    read_into(warehouse, "unsubscribed")
    first = {row["phone"]: row["first_seen_at"] for row in table_rows(warehouse, "unsubscribed")}
    time.sleep(0.01)
    texter_sandbox.unsubscribe("972500000003")
    hook.run("POST", "/whatsapp/templates/subscribe", json={"phone": "972500000002"})
    read_into(warehouse, "unsubscribed")
    second = {row["phone"]: row["first_seen_at"] for row in table_rows(warehouse, "unsubscribed")}
    assert set(second) == {"+972500000001", "+972500000003"}
    assert second["+972500000001"] == first["+972500000001"]
    assert second["+972500000003"] > first["+972500000001"]


def test_unsubscribed_pages_to_the_end_without_a_total(sqlite_warehouse, texter_sandbox, hook):
    for number in range(10_050):
        texter_sandbox.unsubscribe(f"9725{number:08d}")
    assert read_into(sqlite_warehouse, "unsubscribed")["rows"] == 10_050
    limits = [request.query["limit"] for request in texter_sandbox.requests]
    assert limits == [["9999"], ["9999"]]
