"""pytest fixtures for code that talks to Texter: a running sandbox and a connection pointing at it.

Registered through the ``pytest11`` entry point ``texter_sandbox``, so installing the provider makes
the fixtures available to any test suite; no Airflow import is needed (the connection is an env var).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from .chats import iso_timestamp, make_chat
from .server import TexterSandbox

SANDBOX_TOKEN = "sandbox-token"
_SEEDED_AT = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def seeded_chats() -> list[dict]:
    """The chats every ``texter_sandbox`` starts with; listed in that fixture's docstring."""
    seeds = [
        ("5eed00000000000000000001", "972549000001", "Yael Mizrahi", "whatsapp", "972586640430", 1),
        ("5eed00000000000000000002", "972549000002", "Omer Katz", "whatsapp", "972586640430", 3),
        ("5eed00000000000000000003", "972549000003", "Shira Peretz", "messenger", "sandbox-page", 0),
    ]
    return [
        make_chat(
            phone,
            title=title,
            channel=channel,
            account_id=account_id,
            crm_data={"plan": "gold"} if index == 0 else None,
            _id=chat_id,
            personId=chat_id,
            botState={"id": chat_id.rjust(64, "0")},
            status=status,
            labels=["vip"] if index == 0 else [],
            last_message_timestamp=_SEEDED_AT + index * 60_000,
            lastIncomingMessageTimestamp=_SEEDED_AT + index * 60_000,
            created=iso_timestamp(_SEEDED_AT),
            updatedAt=iso_timestamp(_SEEDED_AT + index * 60_000),
        )
        for index, (chat_id, phone, title, channel, account_id, status) in enumerate(seeds)
    ]


@pytest.fixture
def texter_sandbox() -> Iterator[TexterSandbox]:
    """A running sandbox on a free port, token ``"sandbox-token"``, stopped after the test.

    It starts with three chats (fixed ids, all other tests' phones left free):

    - ``5eed00000000000000000001``: Yael Mizrahi, whatsapp 972549000001 (account 972586640430),
      PENDING, labels ``["vip"]``, crmData ``{"plan": "gold"}``
    - ``5eed00000000000000000002``: Omer Katz, whatsapp 972549000002 (account 972586640430), RESOLVED
    - ``5eed00000000000000000003``: Shira Peretz, messenger 972549000003 (account sandbox-page), BOT

    Newest last message first: 003, 002, 001. Labels: the system label ``failed-message`` and ``vip``
    ("VIP"); agents: the three of ``TexterSandbox.agents``. The request log starts empty.
    """
    with TexterSandbox(SANDBOX_TOKEN, chats=seeded_chats()) as sandbox:
        sandbox.add_label("vip", "VIP")
        yield sandbox


@pytest.fixture
def texter_connection(texter_sandbox: TexterSandbox, monkeypatch: pytest.MonkeyPatch) -> TexterSandbox:
    """The ``texter_sandbox``, with ``AIRFLOW_CONN_TEXTER_DEFAULT`` pointing at it for this test."""
    connection = {"conn_type": "texter", "host": texter_sandbox.base_url, "password": texter_sandbox.token}
    monkeypatch.setenv("AIRFLOW_CONN_TEXTER_DEFAULT", json.dumps(connection))
    return texter_sandbox
