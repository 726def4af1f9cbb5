"""TexterCampaignDeliveryOperator: the ledger's sent rows get their messages' delivery status from the chats,
so SQL answers "how many were read". Real SQL and real HTTP against the sandbox."""

from __future__ import annotations

import pytest
from transfers.campaign_helpers import CUSTOMERS, LEDGER, campaign, customers

from airflow_provider_texter.transfers.campaign_delivery import TexterCampaignDeliveryOperator


@pytest.fixture(params=["sqlite_warehouse", "postgres_warehouse"])
def warehouse(request, texter_sandbox, hook):
    return request.getfixturevalue(request.param)


def deliveries(warehouse, **arguments):
    operator = TexterCampaignDeliveryOperator(
        task_id="delivery_report", conn_id=warehouse.conn_id, ledger_table=LEDGER,
        campaign_id="renewal-2026-12-01", **arguments,
    )  # fmt: skip
    return operator.execute({})


def test_sent_rows_get_delivered_seen_or_failed_with_time_and_error(warehouse, texter_sandbox):
    warehouse.load("customers", CUSTOMERS, customers(3))
    texter_sandbox.fail_messages_to("+972521000002", "Phone is not on WhatsApp")
    texter_sandbox.set_delivery_delays(60, 120)  # nothing delivered yet
    campaign(warehouse)

    first = deliveries(warehouse)
    assert (first["checked"], first["Sent"]) == (3, 3)

    texter_sandbox.set_delivery_delays(0, 0)  # now every message is Seen, or Failed
    second = deliveries(warehouse)
    assert (second["checked"], second["Seen"], second["Failed"]) == (3, 2, 1)
    rows = warehouse.records(
        f"SELECT phone, delivery_status, delivery_error, delivery_at IS NOT NULL, chat_id IS NOT NULL "
        f"FROM {LEDGER} ORDER BY phone"
    )
    assert [tuple(row) for row in rows] == [
        ("+972521000000", "Seen", None, True, True),
        ("+972521000001", "Seen", None, True, True),
        ("+972521000002", "Failed", "Phone is not on WhatsApp", True, True),
    ]
    [(read,)] = warehouse.records(f"SELECT COUNT(*) FROM {LEDGER} WHERE delivery_status = 'Seen'")
    assert read == 2

    texter_sandbox.clear_requests()
    assert deliveries(warehouse)["checked"] == 0  # final statuses are not read again
    assert texter_sandbox.requests == []


def test_a_message_no_chat_shows_is_counted_not_found(sqlite_warehouse, texter_sandbox, hook):
    sqlite_warehouse.load("customers", CUSTOMERS, customers(1))
    campaign(sqlite_warehouse)
    sqlite_warehouse.hook.run(f"UPDATE {LEDGER} SET message_id = 'ffffffffffffffffffffffff'")
    assert deliveries(sqlite_warehouse)["not_found"] == 1
