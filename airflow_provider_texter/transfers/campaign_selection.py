"""Who a run of a campaign messages: each row of the query is sent, held for a later run, or excluded, and
why; all of it decided before the first send, so the cap can count what the run would send.

A row's checks, in order: a usable phone; not already in the result (``duplicate``); not already done by
the campaign (``already_sent``, ``already_unsubscribed``, ``unknown`` unless ``resend_unknown``); consent
(``no_consent``); Texter's opt-out list (``opted_out``); values WhatsApp takes (``rejected``, naming the
column); the frequency cap (``capped``); quiet hours (``deferred``). What is left is sent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import islice
from typing import Any

from airflow_provider_texter.actions.send_template_message import template_value, value_problem
from airflow_provider_texter.exceptions import TexterValidationError
from airflow_provider_texter.phones import mask_phones, masked_phone, parse_phone
from airflow_provider_texter.transfers import campaign_ledger as ledger_states
from airflow_provider_texter.transfers.campaign_ledger import CampaignLedger, LedgerEntry, utc_text
from airflow_provider_texter.transfers.campaign_plan import CampaignPlan
from airflow_provider_texter.transfers.sync_plan import TRUE_TEXTS

SAMPLE_SIZE = 20
DONE_BEFORE = {ledger_states.SENT: "already_sent", ledger_states.UNSUBSCRIBED: "already_unsubscribed"}
STILL_UNKNOWN = (ledger_states.UNKNOWN, ledger_states.RESERVED)  # RESERVED: read by a preview only


@dataclass(frozen=True)
class PlannedSend:
    """One message to send: the row, the contact (E.164 digits), the template's values, and whether the
    ledger has a row for the contact already (an earlier run's, which the reservation updates)."""

    row_number: int
    phone: str
    values: tuple[str, ...]
    known: bool


@dataclass
class Selection:
    """What the rows came to: the sends, the ledger rows held for later (rejected, deferred), the count of
    each outcome, and a sample of the rejected rows (phones masked)."""

    to_send: list[PlannedSend] = field(default_factory=list)
    held: list[LedgerEntry] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    rejected_sample: list[dict[str, Any]] = field(default_factory=list)
    rows_read: int = 0


class CampaignSelection:
    """Decides each row of a run (see the module docstring), a batch of rows per ledger look-up.

    :param ledger: the campaign's ledger; None when it does not exist yet (a preview's first run).
    :param opted_out: the E.164 digits on Texter's opt-out list.
    """

    def __init__(
        self,
        plan: CampaignPlan,
        columns: Sequence[str],
        *,
        ledger: CampaignLedger | None,
        opted_out: set[str],
        now: datetime,
    ) -> None:
        missing = [column for column in plan.columns if column not in columns]
        if missing:
            raise TexterValidationError(
                [f"column {column!r}: the query returns no such column (it returns {', '.join(columns)})"
                 for column in missing], context=f"query of campaign {plan.campaign_id!r}",
            )  # fmt: skip
        self.plan = plan
        self.index = {column: position for position, column in enumerate(columns)}
        self.ledger = ledger
        self.opted_out = opted_out
        self.now = now
        self.selection = Selection()
        self._seen: set[str] = set()

    def select(self, rows: Iterator[Sequence[Any]]) -> Selection:
        numbered = enumerate(rows, start=1)
        while batch := list(islice(numbered, self.plan.batch_size)):
            parsed = [(number, row, self._phone(number, row)) for number, row in batch]
            phones = ["+" + digits for _, _, digits in parsed if digits]
            statuses = self.ledger.statuses(phones) if self.ledger else {}
            recent: dict[str, int] = {}
            cap = self.plan.frequency_cap
            if self.ledger and cap:
                recent = self.ledger.recent_sends(phones, utc_text(self.now - timedelta(days=cap.days)))
            for number, row, digits in parsed:
                self.selection.rows_read += 1
                if digits:
                    self._decide(number, row, digits, statuses.get("+" + digits), recent.get("+" + digits, 0))
        return self.selection

    def _phone(self, row_number: int, row: Sequence[Any]) -> str | None:
        """The row's contact as E.164 digits, or None (counted as rejected) when it has no usable phone."""
        column = self.plan.phone_column
        try:
            value = row[self.index[column]]
            # Not the hook's reader: it names each unassigned number in the log, unmasked.
            return parse_phone(value, default_region=self.plan.default_region, field=column).digits
        except TexterValidationError as error:
            self._reject(row_number, None, mask_phones("; ".join(error.problems)))
            return None

    def _decide(
        self, row_number: int, row: Sequence[Any], digits: str, status: str | None, recent: int
    ) -> None:
        plan, counts = self.plan, self.selection.counts
        if digits in self._seen:
            counts["duplicate"] += 1
            return
        self._seen.add(digits)
        if status in DONE_BEFORE:
            counts[DONE_BEFORE[status]] += 1
            return
        if status in STILL_UNKNOWN and not plan.resend_unknown:
            counts[ledger_states.UNKNOWN] += 1
            return
        if plan.consent_column and not consented(row[self.index[plan.consent_column]]):
            counts["no_consent"] += 1
            return
        if digits in self.opted_out:
            counts["opted_out"] += 1
            return
        values = tuple(template_value(row[self.index[column]]) for column in plan.body_columns)
        problems = [
            f"column {column}: {problem}"
            for column, value in zip(plan.body_columns, values, strict=True)
            if (problem := value_problem(value)) is not None
        ]
        known = status is not None
        if problems:
            self._reject(row_number, digits, "; ".join(problems), known=known)
        elif plan.frequency_cap and recent >= plan.frequency_cap.messages:
            counts["capped"] += 1
        elif plan.quiet_hours and plan.quiet_hours.is_quiet_for(digits, self.now):
            counts[ledger_states.DEFERRED] += 1
            reason = f"quiet hours in the contact's time zone at {utc_text(self.now)}"
            self.selection.held.append(LedgerEntry("+" + digits, ledger_states.DEFERRED, known, reason))
        else:
            self.selection.to_send.append(PlannedSend(row_number, digits, values, known))

    def _reject(self, row_number: int, digits: str | None, reason: str, *, known: bool = False) -> None:
        """A row that cannot be sent as it is: counted, sampled and (with a phone to key it) kept."""
        self.selection.counts[ledger_states.REJECTED] += 1
        if digits is not None:
            self.selection.held.append(LedgerEntry("+" + digits, ledger_states.REJECTED, known, reason))
        if len(self.selection.rejected_sample) < SAMPLE_SIZE:
            phone = None if digits is None else masked_phone(digits)
            self.selection.rejected_sample.append(
                {"row_number": row_number, "phone": phone, "reason": reason}
            )


def consented(value: Any) -> bool:
    """A consent column's value as true or false: booleans, 1/0, and texts such as ``"yes"``; NULL is no."""
    if isinstance(value, str):
        return value.strip().lower() in TRUE_TEXTS
    return value is True or (isinstance(value, (int, Decimal)) and not isinstance(value, bool) and value == 1)
