"""TexterCampaignDeliveryOperator: each message a campaign sent gets its delivery status in the ledger (Sent,
Delivered, Seen, Failed, with the time and the error), read from the contact's chat, so the ledger answers
"how many were read" in SQL."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from contextlib import closing
from datetime import datetime, timezone
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow_provider_texter.compat import BaseOperator
from airflow_provider_texter.contact_messages import ContactMessages, delivery_status
from airflow_provider_texter.exceptions import TexterValidationError
from airflow_provider_texter.hooks.texter import TexterHook
from airflow_provider_texter.transfers.campaign_ledger import (
    CampaignLedger,
    DeliveryUpdate,
    epoch_ms,
    utc_text,
)
from airflow_provider_texter.transfers.sql_hooks import sql_hook
from airflow_provider_texter.transfers.worker_pool import KeyedWorkerPool

if TYPE_CHECKING:
    from airflow.sdk import Context

# A message carries Texter's clock, which may run a little behind the moment the ledger says it was sent.
CLOCK_SLACK_MS = 60_000
NOT_FOUND = "not_found"


class DeliveryReader:
    """Finds a sent message in its contact's chats (the chat the ledger knows, else by phone)."""

    def __init__(self, hook: TexterHook, account_id: str | None) -> None:
        self.messages = ContactMessages(hook, account_id)

    def status(self, phone: str, message_id: str, sent_at: str, chat_id: str | None) -> DeliveryUpdate | None:
        """The message's delivery status now; None when none of the contact's chats has it."""
        chat_ids = [chat_id] if chat_id else self.messages.chat_ids(phone.lstrip("+"))
        for message in self.messages.since(chat_ids, epoch_ms(sent_at) - CLOCK_SLACK_MS):
            if message.get("_id") == message_id:
                name, at, error = delivery_status(message)
                moment = None if at is None else utc_text(datetime.fromtimestamp(at / 1000, timezone.utc))
                return DeliveryUpdate(phone, name, moment, error, message.get("parent_chat") or chat_id)
        return None


class TexterCampaignDeliveryOperator(BaseOperator):
    """Update each ``sent`` row of a campaign's ledger with its message's delivery status.

    Rows whose status is final (Seen, Failed, Channel Failed, Deleted) are not read again, so a schedule
    that runs it hourly for a few days reads each message until it settles.

    :param conn_id: the SQL connection holding the ledger.
    :param ledger_table: the campaign operator's ``ledger_table``.
    :param campaign_id: the campaign (templated, e.g. ``"renewal-{{ ds }}"``).
    :param account_id: our WhatsApp number the campaign sent from; None: look in every chat of the contact.
    :param max_workers: concurrent reads.
    """

    template_fields: Sequence[str] = (
        "campaign_id",
        "ledger_table",
        "conn_id",
        "texter_conn_id",
        "sql_hook_params",
    )
    ui_color = "#25d366"

    def __init__(
        self,
        *,
        conn_id: str,
        ledger_table: str,
        campaign_id: str,
        account_id: str | None = None,
        max_workers: int = 8,
        texter_conn_id: str = TexterHook.default_conn_name,
        sql_hook_params: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.conn_id = conn_id
        self.ledger_table = ledger_table
        self.campaign_id = campaign_id
        self.account_id = account_id
        self.max_workers = max_workers
        self.texter_conn_id = texter_conn_id
        self.sql_hook_params = sql_hook_params

    @cached_property
    def texter_hook(self) -> TexterHook:
        return TexterHook(texter_conn_id=self.texter_conn_id)

    def execute(self, context: Context) -> dict[str, Any]:
        db_hook = sql_hook(self.conn_id, self.sql_hook_params, task_id=self.task_id)
        reader = DeliveryReader(self.texter_hook, self.account_id)
        found: list[DeliveryUpdate] = []
        counts: Counter[str] = Counter()
        lock = threading.Lock()

        def read(row: tuple[str, str, str, str | None]) -> None:
            update = reader.status(*row)
            with lock:
                counts[NOT_FOUND if update is None else update.status] += 1
                if update is not None:
                    found.append(update)

        with closing(db_hook.get_conn()) as connection:
            ledger = CampaignLedger(
                connection, self.ledger_table, self.campaign_id, placeholder=db_hook.placeholder
            )
            if not ledger.exists():
                raise TexterValidationError(
                    [f"ledger_table: there is no table {self.ledger_table!r} on {self.conn_id!r}"]
                )
            pending = ledger.awaiting_delivery()

            def write() -> None:
                with lock:
                    batch = found[:]
                    found.clear()
                if batch:
                    ledger.record_delivery(batch)

            pool = KeyedWorkerPool(
                read, max_workers=self.max_workers, tick=write, wake=threading.Event(), name="texter-delivery"
            )
            pool.run((row[0], row) for row in pending)
            write()
        self.log.info(
            "Campaign %r: the delivery of %d sent messages read: %s", self.campaign_id, len(pending),
            ", ".join(f"{count} {status}" for status, count in sorted(counts.items())) or "nothing to read",
        )  # fmt: skip
        return {"campaign_id": self.campaign_id, "checked": len(pending), **dict(sorted(counts.items()))}
