"""A campaign through crashes and faults: every contact gets at most one message. Texter applies a send and
the answer times out or is a 502 (unknown, then reconciled to sent from the chat); a send that never
reached Texter stays unknown until the user says ``resend_unknown``; a worker killed with SIGKILL mid-run.
Real SQL and real HTTP against the sandbox."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from transfers.campaign_helpers import (
    CUSTOMERS,
    campaign,
    customers,
    ledger,
    send_requests,
    template_messages,
)

from airflow_provider_texter.exceptions import TexterOutcomeUnknownError

SEND = "/whatsapp/templates/send"
TESTS = Path(__file__).resolve().parents[1]


@pytest.fixture(params=["sqlite_warehouse", "postgres_warehouse"])
def warehouse(request, texter_sandbox, connect):
    connect(timeout=1, backoff_factor=0.01)  # a stalled answer is a read timeout after 1 s
    return request.getfixturevalue(request.param)


@pytest.mark.parametrize("fault", ["apply_then_stall", "apply_then_502"])
def test_a_send_texter_applied_without_a_clear_answer_is_sent_once_and_reconciled(
    warehouse, texter_sandbox, fault
):
    warehouse.load("customers", CUSTOMERS, customers(3))
    if fault == "apply_then_stall":
        texter_sandbox.apply_then_stall_next(1, path=SEND)
    else:
        texter_sandbox.apply_then_fail_next(1, 502, path=SEND)

    result = campaign(warehouse)

    assert (result["sent"], result["unknown"], result["reconciled"]) == (3, 0, 1)
    assert len(send_requests(texter_sandbox)) == 3  # the ambiguous one was not sent again
    assert set(template_messages(texter_sandbox).values()) == {1}
    rows = ledger(warehouse)
    assert [reason for _, _, reason in rows.values() if reason] == [
        "reconciled: the chat has an outgoing template message newer than the reservation"
    ]
    assert all(status == "sent" and len(message_id) == 24 for status, message_id, _ in rows.values())


def test_an_unknown_send_that_never_arrived_is_reported_and_resent_only_when_asked(warehouse, texter_sandbox):
    warehouse.load("customers", CUSTOMERS, customers(2))
    texter_sandbox.stall_next(1, path=SEND)  # the connection was made: Texter may have it

    with pytest.raises(TexterOutcomeUnknownError, match="1 messages have an unknown outcome"):
        campaign(warehouse)
    ((phone, (status, _, reason)),) = [item for item in ledger(warehouse).items() if item[1][0] != "sent"]
    assert status == "unknown" and "ReadTimeout" in reason and phone[-4:] not in reason
    assert set(template_messages(texter_sandbox)) == {"+972521000000", "+972521000001"} - {phone}

    with pytest.raises(TexterOutcomeUnknownError):
        campaign(warehouse, "run_2")  # reported again, not sent
    assert len(send_requests(texter_sandbox)) == 2

    result = campaign(warehouse, "run_3", resend_unknown=True)
    assert (result["sent"], result["already_sent"], result["unknown"]) == (1, 1, 0)
    assert set(template_messages(texter_sandbox).values()) == {1}


CAMPAIGN_IN_A_WORKER = textwrap.dedent("""
    import sys
    from types import SimpleNamespace
    sys.path.insert(0, {tests!r})
    from transfers.campaign_helpers import campaign
    campaign(SimpleNamespace(conn_id={conn_id!r}), max_workers=4, max_messages=1000)
""")


def test_a_campaign_killed_mid_run_then_run_again_messages_nobody_twice(warehouse, texter_sandbox):
    count, workers = 400, 4
    warehouse.load("customers", CUSTOMERS, customers(count))
    texter_sandbox.latency_ms = 10
    script = CAMPAIGN_IN_A_WORKER.format(tests=str(TESTS), conn_id=warehouse.conn_id)
    worker = subprocess.Popen([sys.executable, "-c", script], env=os.environ.copy(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 60
    while len(send_requests(texter_sandbox)) < count // 2 and time.monotonic() < deadline:
        if worker.poll() is not None:
            break
        time.sleep(0.01)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    time.sleep(0.1)  # requests the dead worker left in flight land
    sent_before = sum(template_messages(texter_sandbox).values())
    assert count // 2 <= sent_before < count

    texter_sandbox.latency_ms = 0
    try:
        result = campaign(warehouse, "run_1", max_workers=workers, max_messages=1000)
    except TexterOutcomeUnknownError:  # reservations the killed worker made but never sent
        result = None
    messages = template_messages(texter_sandbox)
    rows = ledger(warehouse)
    unknown = {phone for phone, (status, _, _) in rows.items() if status == "unknown"}
    assert set(messages.values()) == {1}  # nobody twice
    assert len(unknown) <= workers and not unknown & set(messages)
    assert set(messages) | unknown == set(rows) and len(rows) == count  # everybody got one or is reported
    assert {phone for phone, (status, _, _) in rows.items() if status == "sent"} == set(messages)
    assert result is None or result["unknown"] == 0

    if unknown:
        campaign(warehouse, "run_2", resend_unknown=True, max_messages=1000)
    messages = template_messages(texter_sandbox)
    assert set(messages.values()) == {1} and len(messages) == count
