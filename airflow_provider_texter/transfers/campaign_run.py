"""One run of a campaign plan: pre-flight, the ledger (created, leased, reservations a killed run left made
``unknown`` and reconciled), the opt-out list, every row decided, the cap, the sends (each reserved
first), a last reconciliation, and the counts by outcome that XCom gets."""

from __future__ import annotations

import threading
from collections import Counter
from contextlib import ExitStack, closing
from typing import Any

from airflow.providers.common.sql.hooks.sql import DbApiHook

from airflow_provider_texter.exceptions import TexterError, TexterOutcomeUnknownError, TexterPermanentError
from airflow_provider_texter.hooks.texter import TexterHook
from airflow_provider_texter.opt_out_list import unsubscribed_digits
from airflow_provider_texter.phones import masked_phone
from airflow_provider_texter.template_catalog import Localization
from airflow_provider_texter.transfers import campaign_ledger as states
from airflow_provider_texter.transfers.campaign_ledger import CampaignLedger
from airflow_provider_texter.transfers.campaign_plan import CampaignPlan
from airflow_provider_texter.transfers.campaign_preflight import preflight
from airflow_provider_texter.transfers.campaign_reconcile import reconcile_unknown
from airflow_provider_texter.transfers.campaign_selection import CampaignSelection, Selection
from airflow_provider_texter.transfers.campaign_sending import CampaignSender, LedgerDoor
from airflow_provider_texter.transfers.sql_rows import streamed_rows
from airflow_provider_texter.transfers.sync_lease import SyncLease
from airflow_provider_texter.transfers.sync_run import SHARED_CONNECTION_DIALECTS, RunIdentity

OUTCOMES = (
    "sent", "unsubscribed", "rejected", "not_sent", "unknown", "no_consent", "opted_out", "capped",
    "deferred",
    "duplicate", "already_sent", "already_unsubscribed", "held_by_canary", "not_attempted", "reconciled",
)  # fmt: skip
PREVIEW_MESSAGES = 20


class CampaignCapError(TexterPermanentError):
    """The run would send more messages than ``max_messages``: nothing was sent."""


class CampaignIncompleteError(TexterError):
    """Messages that surely never reached Texter (429, connection refused) are left: a retry sends them."""


class CampaignRun:
    """Runs ``plan`` once; ``counts`` holds what happened, also when ``execute`` raises."""

    def __init__(
        self,
        plan: CampaignPlan,
        identity: RunIdentity,
        *,
        texter_hook: TexterHook,
        db_hook: DbApiHook,
        log: Any,
    ) -> None:
        self.plan = plan
        self.identity = identity
        self.hook = texter_hook
        self.db_hook = db_hook
        self.log = log
        self.counts: Counter[str] = Counter()
        self.rows_read = 0

    def execute(self) -> dict[str, Any]:
        plan, who = self.plan, self.identity
        localization = preflight(self.hook, plan)
        dialect = getattr(self.db_hook, "dialect_name", None)
        with ExitStack() as connections:
            read = connections.enter_context(closing(self.db_hook.get_conn()))
            write = read
            if dialect not in SHARED_CONNECTION_DIALECTS:  # commits would close the streaming cursor
                write = connections.enter_context(closing(self.db_hook.get_conn()))
            ledger = CampaignLedger(
                write, plan.ledger_table, plan.campaign_id, placeholder=self.db_hook.placeholder,
                run_id=who.run_id, template=(plan.message.template_name, localization.language),
            )  # fmt: skip
            if plan.preview:
                return self.preview(read, dialect, ledger, localization)
            ledger.create()
            lease = who.lease(
                write, f"{plan.ledger_table}_lease", plan.campaign_id, placeholder=self.db_hook.placeholder
            )
            lease.claim()
            try:
                return self.send(read, dialect, ledger, lease)
            finally:
                lease.release()

    def send(
        self, read: Any, dialect: str | None, ledger: CampaignLedger, lease: SyncLease
    ) -> dict[str, Any]:
        """Reconcile what earlier runs left unknown, decide every row, check the cap, send, reconcile."""
        plan, counts = self.plan, self.counts
        abandoned = ledger.abandon_reservations()
        counts["reconciled"] += reconcile_unknown(ledger, self.hook, plan.message.account_id)
        selection = self.select(read, dialect, ledger)
        self.check_cap(selection)
        sends = selection.to_send[: plan.canary] if plan.canary else selection.to_send
        counts["held_by_canary"] = len(selection.to_send) - len(sends)
        ledger.write(selection.held)
        door = LedgerDoor(ledger, threading.Event())
        sender = CampaignSender(
            self.hook, plan.message, door, max_workers=plan.max_workers, keep_alive=lease.renew_if_due
        )
        try:
            sender.send_all(sends)
        finally:
            counts.update(sender.counts)
            found = reconcile_unknown(ledger, self.hook, plan.message.account_id)
            counts["sent"] += found
            counts["reconciled"] += found
            counts["unknown"] = ledger.count(states.UNKNOWN)
            self.log_counts(selection.rejected_sample + sender.rejected_sample, abandoned)
        if counts["unknown"]:
            raise TexterOutcomeUnknownError(
                f"campaign {plan.campaign_id!r}: {counts['unknown']} messages have an unknown outcome "
                f"(rows with status 'unknown' in {plan.ledger_table}): Texter may have sent them, and their "
                "chats do not show it yet. They are not sent again: check those contacts' chats in Texter, "
                "then set the rows to 'sent', or run the campaign again with resend_unknown=True"
            )
        if counts["not_sent"] or counts["not_attempted"]:
            raise CampaignIncompleteError(
                f"campaign {plan.campaign_id!r}: {counts['not_sent'] + counts['not_attempted']} messages "
                "were not sent (Texter refused them with 429, or could not be reached): a retry of the task "
                "sends them"
            )
        return self.result()

    def select(self, read: Any, dialect: str | None, ledger: CampaignLedger | None) -> Selection:
        """Every row of the query, decided (see ``campaign_selection``)."""
        plan = self.plan
        opted_out: set[str] = set()
        if plan.exclude_unsubscribed:  # once per run, before the first row
            opted_out = unsubscribed_digits(self.hook.list_unsubscribed(account_id=plan.message.account_id))
        with streamed_rows(read, dialect, plan.sql, plan.parameters, batch_size=plan.batch_size) as (
            columns,
            rows,
        ):
            selection = CampaignSelection(
                plan, columns, ledger=ledger, opted_out=opted_out, now=plan.clock()
            ).select(rows)
        self.rows_read = selection.rows_read
        self.counts.update(selection.counts)
        return selection

    def check_cap(self, selection: Selection) -> None:
        """Fail before any send when the run would send more than ``max_messages``, naming both numbers."""
        would_send = len(selection.to_send)
        if would_send > self.plan.max_messages:
            raise CampaignCapError(
                f"campaign {self.plan.campaign_id!r}: this run would send {would_send} messages (after "
                "consent, opt-outs, the ledger and the frequency cap), more than "
                f"max_messages={self.plan.max_messages}: "
                "nothing was sent. Check the query, or raise max_messages"
            )

    def preview(
        self, read: Any, dialect: str | None, ledger: CampaignLedger, localization: Localization
    ) -> dict[str, Any]:
        """Everything but the sends and the ledger's writes: the counts, and the first messages rendered."""
        selection = self.select(read, dialect, ledger if ledger.exists() else None)
        self.counts["would_send"] = len(selection.to_send)
        if len(selection.to_send) > self.plan.max_messages:
            self.log.warning(
                "[preview] a real run would fail: %d messages to send, max_messages=%d",
                len(selection.to_send), self.plan.max_messages,
            )  # fmt: skip
        self.log_counts(selection.rejected_sample, 0)
        messages = [
            {
                "row_number": send.row_number,
                "phone": masked_phone(send.phone),
                "text": localization.render(send.values),
            }
            for send in selection.to_send[:PREVIEW_MESSAGES]
        ]
        return {**self.result(), "would_send": len(selection.to_send), "messages": messages}

    def result(self) -> dict[str, Any]:
        """What XCom gets: counts by outcome, no phone and no message text."""
        counts = {outcome: self.counts[outcome] for outcome in OUTCOMES}
        return {
            "campaign_id": self.plan.campaign_id,
            "preview": self.plan.preview,
            "rows_read": self.rows_read,
            **counts,
        }

    def log_counts(self, rejected_sample: list[dict[str, Any]], abandoned: int) -> None:
        counts = ", ".join(
            f"{self.counts[outcome]} {outcome}" for outcome in OUTCOMES if self.counts[outcome]
        )
        self.log.info(
            "%sCampaign %r, template %r: %d rows read; %s%s",
            "[preview: nothing sent or written] " if self.plan.preview else "", self.plan.campaign_id,
            self.plan.message.template_name, self.rows_read, counts or "nothing to do",
            f"; {abandoned} reservations of a run that ended early were unknown" if abandoned else "",
        )  # fmt: skip
        for item in rejected_sample:
            self.log.warning(
                "Row %s (phone %s) rejected: %s", item["row_number"], item.get("phone"), item["reason"]
            )
