"""``python -m airflow_provider_texter.sandbox`` serves in its own process and stops cleanly on a signal."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

import airflow_provider_texter

PROJECT_ROOT = str(Path(airflow_provider_texter.__file__).resolve().parents[1])


def start_cli(*arguments: str) -> subprocess.Popen:
    environment = dict(
        os.environ, PYTHONPATH=os.pathsep.join([PROJECT_ROOT, os.environ.get("PYTHONPATH", "")])
    )
    return subprocess.Popen(
        [sys.executable, "-m", "airflow_provider_texter.sandbox", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_cli_prints_its_url_serves_seeded_chats_and_exits_0_on_a_signal(tmp_path, stop_signal):
    seed_file = tmp_path / "chats.json"
    seed_file.write_text(
        json.dumps([{"title": "Dana", "channelInfo": {"name": "whatsapp", "id": "972521234567"}}])
    )
    process = start_cli(
        "--port", "0", "--token", "cli-token", "--generate", "3", "--seed-file", str(seed_file)
    )
    try:
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/server/api/v2")
        headers = {"Authorization": "Bearer cli-token"}
        found = requests.get(f"{base_url}/chats/search", headers=headers, timeout=5).json()
        assert found["total"] == 4
        by_phone = requests.get(f"{base_url}/chats/search?search=0521234567", headers=headers, timeout=5)
        assert [chat["title"] for chat in by_phone.json()["data"]] == ["Dana"]
        process.send_signal(stop_signal)
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
        process.communicate()


def test_cli_makes_the_label_ids_of_its_chats_labels_so_they_can_be_managed(tmp_path):
    seed_file = tmp_path / "chats.json"
    chat = {
        "channelInfo": {"name": "whatsapp", "id": "972521234567"},
        "labels": ["late payer", "failed-message"],
    }
    seed_file.write_text(json.dumps([chat]))
    process = start_cli(
        "--port", "0", "--token", "cli-token", "--generate", "20", "--seed-file", str(seed_file)
    )
    try:
        base_url = process.stdout.readline().strip()
        headers = {"Authorization": "Bearer cli-token"}
        labels = requests.get(f"{base_url}/labels", headers=headers, timeout=5).json()["labels"]
        chats = requests.get(f"{base_url}/chats/search?limit=100", headers=headers, timeout=5).json()["data"]
        carried = {label_id for chat in chats for label_id in chat["labels"]}
        assert carried <= {label["id"] for label in labels} and len(carried) > 2
        assert {"id": "late payer", "name": "late payer", "color": "#555555", "system": False} in labels
        assert [label["id"] for label in labels].count("failed-message") == 1
        (seeded,) = requests.get(
            f"{base_url}/chats/search?search=0521234567", headers=headers, timeout=5
        ).json()["data"]
        removed = requests.post(
            f"{base_url}/chats/{seeded['_id']}/labels",
            json={"remove": ["late payer"]},
            headers=headers,
            timeout=5,
        )
        assert removed.text == "OK"
    finally:
        process.kill()
        process.communicate()


def test_cli_reports_a_bad_seed_file_and_exits_non_zero(tmp_path):
    seed_file = tmp_path / "chats.json"
    seed_file.write_text('{"not": "a list"}')
    process = start_cli("--port", "0", "--seed-file", str(seed_file))
    _, errors = process.communicate(timeout=10)
    assert process.returncode == 2 and "expected a JSON list of chat objects" in errors
