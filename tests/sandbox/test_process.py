"""``sandbox_process`` runs the CLI as a child, gives its URL and admin views, and always stops it."""

from __future__ import annotations

import time

import pytest
import requests

from airflow_provider_texter.sandbox import sandbox_process


def test_child_sandbox_serves_and_reports_then_stops():
    with sandbox_process("--generate", "2", token="child-token") as sandbox:
        headers = {"Authorization": "Bearer child-token"}
        found = requests.get(f"{sandbox.base_url}/chats/search", headers=headers, timeout=5).json()
        assert found["total"] == 2
        assert len(sandbox.admin("chats")["chats"]) == 2
        assert sandbox.admin("requests") == {"count": 1, "by_status": {"200": 1}}
        ((arrived, chat_id, status),) = sandbox.admin("answers")["answers"]
        assert (chat_id, status) == (None, 200) and arrived <= time.monotonic()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{sandbox.base_url}/chats/search", headers=headers, timeout=5)


def test_child_sandbox_takes_faults_and_seeding_through_admin_posts():
    with sandbox_process("--generate", "1") as sandbox:
        headers = {"Authorization": "Bearer sandbox-token"}
        assert sandbox.admin("faults", {"kind": "apply_then_status", "count": 1, "status": 502}) == {
            "success": True
        }
        sandbox.admin("unsubscribed", {"phone": "972521234567"})
        unsubscribe = {"phone": "972521234568"}
        url = f"{sandbox.base_url}/whatsapp/templates/unsubscribe"
        assert requests.post(url, json=unsubscribe, headers=headers, timeout=5).status_code == 502
        phones = [item["phone"] for item in sandbox.admin("unsubscribed")["unsubscribed"]]
        assert phones == ["+972521234567", "+972521234568"]


def test_child_sandbox_is_stopped_when_the_block_fails():
    with pytest.raises(KeyError), sandbox_process() as sandbox:
        raise KeyError("the caller's own error")
    with pytest.raises(requests.ConnectionError):
        requests.get(sandbox.base_url, timeout=5)


def test_a_sandbox_that_cannot_start_is_reported(tmp_path):
    bad_seed = tmp_path / "chats.json"
    bad_seed.write_text("not json")
    with (
        pytest.raises(RuntimeError, match=r"did not start within .* \(exit code 2\)"),
        sandbox_process("--seed-file", str(bad_seed)),
    ):
        pass
