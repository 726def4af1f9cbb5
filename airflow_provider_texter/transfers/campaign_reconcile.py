"""Reconcile a campaign's ``unknown`` rows (an ambiguous answer, or a reservation a killed run left) from
the contacts' chats: an outgoing template message newer than the reservation means Texter sent it."""

from __future__ import annotations

from datetime import datetime, timezone

from airflow_provider_texter.contact_messages import ContactMessages, is_template_we_sent
from airflow_provider_texter.hooks.texter import TexterHook
from airflow_provider_texter.transfers.campaign_ledger import (
    SENT,
    CampaignLedger,
    LedgerEntry,
    epoch_ms,
    utc_text,
)

RECONCILED = "reconciled: the chat has an outgoing template message newer than the reservation"


def reconcile_unknown(ledger: CampaignLedger, hook: TexterHook, account_id: str | None) -> int:
    """Mark ``sent`` each unknown row whose message the contact's chat shows; how many were."""
    messages = ContactMessages(hook, account_id)
    found = []
    for phone, reserved_at in ledger.unknown():
        if not reserved_at:
            continue
        chat_ids = messages.chat_ids(phone.lstrip("+"))
        sent = next(
            (
                message
                for message in messages.since(chat_ids, epoch_ms(reserved_at))
                if is_template_we_sent(message)
            ),
            None,
        )
        if sent is not None:
            at = datetime.fromtimestamp(int(sent["timestamp"]) / 1000, timezone.utc)
            found.append(LedgerEntry(phone, SENT, True, RECONCILED, str(sent["_id"]), utc_text(at)))
    if found:
        ledger.record(found)
    return len(found)
