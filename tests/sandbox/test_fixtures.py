"""The pytest plugin's fixtures: a seeded sandbox per test, and a connection pointing at it."""

from __future__ import annotations

import json
import os

import requests


def test_texter_sandbox_starts_with_the_documented_chats(texter_sandbox):
    chats = texter_sandbox.chats
    assert {chat_id: chat["channelInfo"]["id"] for chat_id, chat in chats.items()} == {
        "5eed00000000000000000001": "972549000001",
        "5eed00000000000000000002": "972549000002",
        "5eed00000000000000000003": "972549000003",
    }
    assert chats["5eed00000000000000000001"]["crmData"] == {"plan": "gold"}
    assert texter_sandbox.token == "sandbox-token" and texter_sandbox.requests == []
    found = requests.get(
        f"{texter_sandbox.base_url}/chats/search",
        headers={"Authorization": "Bearer sandbox-token"},
        timeout=5,
    ).json()
    assert [chat["_id"][-1] for chat in found["data"]] == ["3", "2", "1"]


def test_texter_sandbox_is_fresh_for_each_test(texter_sandbox):
    assert texter_sandbox.requests == [] and len(texter_sandbox.chats) == 3


def test_texter_connection_sets_the_default_connection_variable(texter_connection):
    assert json.loads(os.environ["AIRFLOW_CONN_TEXTER_DEFAULT"]) == {
        "conn_type": "texter",
        "host": texter_connection.base_url,
        "password": "sandbox-token",
    }
