"""What the campaign tests share: the customers table, a campaign run with the test's defaults, and views of
the ledger and of what the sandbox sent."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

from airflow_provider_texter.transfers.campaign import SqlToTexterCampaignOperator

CUSTOMERS = {"phone": "VARCHAR(40)", "first_name": "VARCHAR(100)", "renewal_date": "VARCHAR(20)",
             "opted_in": "INTEGER"}  # fmt: skip
SQL = "SELECT phone, first_name, renewal_date, opted_in FROM customers ORDER BY first_name"
LEDGER = "texter_campaign_ledger"
NOON_IN_ISRAEL = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)  # 12:00 in Israel, 05:00 in New York


def customers(count: int, *, start: int = 0) -> list[tuple]:
    """``count`` consenting customers with Israeli mobile numbers written the local way."""
    return [
        (f"052-100-{number:04d}", f"Customer{number}", "2026-12-08", 1)
        for number in range(start, start + count)
    ]


def campaign(warehouse, run_id: str = "run_1", **arguments):
    """One run of the renewal campaign (English, so the text is easy to check) with a fixed clock."""
    arguments = {
        "sql": SQL, "phone_column": "phone", "default_region": "IL", "campaign_id": "renewal-2026-12-01",
        "template_name": "renewal_reminder", "language": "en", "body_columns": ["first_name", "renewal_date"],
        "ledger_table": LEDGER, "max_messages": 100, "consent_column": "opted_in",
        "clock": lambda: NOON_IN_ISRAEL,
        **arguments,
    }  # fmt: skip
    operator = SqlToTexterCampaignOperator(task_id="renewal_reminder", conn_id=warehouse.conn_id, **arguments)
    return operator.execute({"run_id": run_id})


def ledger(warehouse, campaign_id: str = "renewal-2026-12-01") -> dict[str, tuple]:
    """``{phone: (status, message_id, reason)}`` of one campaign."""
    rows = warehouse.records(
        f"SELECT phone, status, message_id, reason FROM {LEDGER} WHERE campaign_id = '{campaign_id}'"
    )
    return {phone: (status, message_id, reason) for phone, status, message_id, reason in rows}


def template_messages(sandbox) -> Counter[str]:
    """How many template messages each contact (E.164) got, from the sandbox's chats."""
    sent: Counter[str] = Counter()
    for chat_id, chat in sandbox.chats.items():
        for message in sandbox.messages(chat_id):
            if message["type"] == "special" and message["direction"] == "outgoing":
                sent["+" + chat["channelInfo"]["id"]] += 1
    return sent


def send_requests(sandbox) -> list:
    return [request for request in sandbox.requests if request.path == "/whatsapp/templates/send"]
