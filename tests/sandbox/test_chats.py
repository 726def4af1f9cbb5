"""Chat objects built for tests and benchmarks look like Texter's and are reproducible when asked."""

from __future__ import annotations

import re
from datetime import datetime

from airflow_provider_texter.sandbox import generate_chats, make_chat


def test_make_chat_builds_a_texter_shaped_chat():
    chat = make_chat("+972 52-123-4567", title="Dana", crm_data={"plan": "free"}, status=2)
    assert re.fullmatch(r"[0-9a-f]{24}", chat["_id"])
    assert chat["channelInfo"] == {"name": "whatsapp", "id": "972521234567", "accountId": "972586640430"}
    assert (chat["title"], chat["crmData"], chat["status"], chat["externalBot"]) == (
        "Dana",
        {"plan": "free"},
        2,
        False,
    )
    assert chat["lastMessage"]["type"] == "text" and isinstance(chat["last_message_timestamp"], int)
    assert datetime.fromisoformat(chat["updatedAt"].replace("Z", "+00:00")).year >= 2024
    assert "displayName" not in chat


def test_make_chat_ids_are_distinct_for_the_same_phone():
    assert len({make_chat("972521234567")["_id"] for _ in range(1000)}) == 1000


def test_make_chat_keeps_a_contact_id_that_is_not_a_phone():
    chat = make_chat("dana@example.com", channel="email", account_id="support@example.com")
    assert chat["channelInfo"]["id"] == "dana@example.com"


def test_generate_chats_is_reproducible_with_distinct_phones_and_ids():
    chats = generate_chats(500, seed=7)
    assert chats == generate_chats(500, seed=7) and chats != generate_chats(500, seed=8)
    phones = {chat["channelInfo"]["id"] for chat in chats}
    assert len(phones) == 500 and all(re.fullmatch(r"97250\d{7}", phone) for phone in phones)
    assert len({chat["_id"] for chat in chats}) == 500
    assert all(re.fullmatch(r"[0-9a-f]{24}", chat["_id"]) for chat in chats)
