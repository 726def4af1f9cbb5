"""The campaign ledger: one row per (campaign, E.164 phone) in a table next to the warehouse data, the truth
about who was messaged. A row is committed as a reservation before its request is sent, then gets the
outcome; a reservation without one (its worker was killed) becomes ``unknown``.

Plain SQL for SQLite, PostgreSQL and MySQL/MariaDB: ``CREATE ... IF NOT EXISTS``, ``IN`` lists, and an
INSERT for a phone the ledger lacks or an UPDATE for one it has, instead of a dialect's upsert. Times are
ISO-8601 UTC text with milliseconds, so they compare as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from airflow_provider_texter.transfers.rejected_rows import check_table_name
from airflow_provider_texter.transfers.sql_rows import execute, execute_many, has_column

# What a row of the ledger says about its contact.
RESERVED = "reserved"  # committed before the send; the outcome is written after it
SENT = "sent"  # Texter accepted it (message_id is Texter's)
UNSUBSCRIBED = "unsubscribed"  # Texter answered success: false: the contact opted out, nothing was sent
REJECTED = "rejected"  # a 4xx, or a value WhatsApp refuses: surely not sent; a later run tries again
NOT_SENT = "not_sent"  # refused before it reached Texter (429, connection refused): tried again later
UNKNOWN = "unknown"  # Texter may have sent it: never resent blindly
DEFERRED = "deferred"  # quiet hours in the contact's time zone: the next run sends it
FINAL_DELIVERY = ("Seen", "Failed", "Channel Failed", "Deleted")  # delivery statuses that move no more
MAX_ID = 200
LOOKUP_BATCH = 500
COLUMNS = (
    "campaign_id", "phone", "status", "template_name", "language", "message_id", "reason", "run_id",
    "reserved_at", "sent_at", "updated_at",
)  # fmt: skip


def utc_text(moment: datetime) -> str:
    """A moment as the ledger keeps it: ``2026-12-01T07:30:00.123+00:00``."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def epoch_ms(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000)


@dataclass(frozen=True)
class LedgerEntry:
    """What a run writes for one contact: a reservation, an outcome, or why it was not sent.

    :param phone: E.164 (``+972521234567``).
    :param known: the ledger has a row for the phone already (an earlier run's): UPDATE, not INSERT.
    """

    phone: str
    status: str
    known: bool
    reason: str | None = None
    message_id: str | None = None
    at: str | None = None


@dataclass(frozen=True)
class DeliveryUpdate:
    """Where a sent message got to: ``Sent``, ``Delivered``, ``Seen``, ``Failed``, ... since ``at``."""

    phone: str
    status: str
    at: str | None
    error: str | None
    chat_id: str | None


class CampaignLedger:
    """The ledger ``table`` on ``connection``, seen by one run of ``campaign_id``; every method runs on the
    thread that owns the connection and commits what it wrote."""

    def __init__(
        self,
        connection: Any,
        table: str,
        campaign_id: str,
        *,
        placeholder: str,
        run_id: str = "",
        template: tuple[str, str | None] = ("", None),
    ) -> None:
        self.connection = connection
        self.table = check_table_name(table, field="ledger_table")
        self.campaign_id = campaign_id
        self.mark = placeholder
        self.run_id = run_id[:MAX_ID]
        self.template_name, self.language = template

    def create(self) -> None:
        """The table (and its index by phone, for frequency caps) if missing."""
        text = f"VARCHAR({MAX_ID})"
        self._execute(
            f"CREATE TABLE IF NOT EXISTS {self.table} (campaign_id {text} NOT NULL, "
            f"phone VARCHAR(32) NOT NULL, status VARCHAR(20) NOT NULL, template_name {text}, "
            f"language VARCHAR(20), message_id VARCHAR(64), reason TEXT, run_id {text}, "
            "reserved_at VARCHAR(40), sent_at VARCHAR(40), updated_at VARCHAR(40), chat_id VARCHAR(64), "
            "delivery_status VARCHAR(20), delivery_at VARCHAR(40), delivery_error TEXT, "
            "PRIMARY KEY (campaign_id, phone))"
        )
        index = self.table.replace(".", "_") + "_phone"
        self._execute(f"CREATE INDEX IF NOT EXISTS {index} ON {self.table} (phone, status, sent_at)")
        self.connection.commit()

    def exists(self) -> bool:
        """Whether the table is there (a preview reads it only if so)."""
        return has_column(self.connection, self.table, "1")

    def statuses(self, phones: Sequence[str]) -> dict[str, str]:
        """The status this campaign's ledger holds for each of ``phones`` it has."""
        return dict(self._in_chunks("SELECT phone, status FROM {table} WHERE campaign_id = {mark}", phones))

    def recent_sends(self, phones: Sequence[str], since: str) -> dict[str, int]:
        """How many messages other campaigns of the ledger sent to each of ``phones`` since ``since``."""
        statement = (
            f"SELECT phone, COUNT(*) FROM {{table}} WHERE campaign_id <> {{mark}} AND status = '{SENT}' "
            f"AND sent_at >= {self.mark}"
        )
        return {phone: int(count) for phone, count in self._in_chunks(statement, phones, since, group=True)}

    def abandon_reservations(self) -> int:
        """Reservations an earlier run left without an outcome (it was killed): ``unknown`` now."""
        changed = self._execute(
            f"UPDATE {self.table} SET status = {self.mark}, reason = {self.mark}, updated_at = {self.mark} "
            f"WHERE campaign_id = {self.mark} AND status = {self.mark}",
            [UNKNOWN, "reserved by a run that ended before it wrote the outcome",
             utc_text(datetime.now(timezone.utc)), self.campaign_id, RESERVED],
        )  # fmt: skip
        self.connection.commit()
        return int(changed)

    def unknown(self) -> list[tuple[str, str]]:
        """``(phone, reserved_at)`` of this campaign's ``unknown`` rows."""
        rows = self._execute(
            f"SELECT phone, reserved_at FROM {self.table} WHERE campaign_id = {self.mark} "
            f"AND status = {self.mark} ORDER BY phone",
            [self.campaign_id, UNKNOWN],
            fetch=True,
        )
        return [(phone, reserved_at) for phone, reserved_at in rows]

    def count(self, status: str) -> int:
        rows = self._execute(
            f"SELECT COUNT(*) FROM {self.table} WHERE campaign_id = {self.mark} AND status = {self.mark}",
            [self.campaign_id, status],
            fetch=True,
        )
        return int(rows[0][0])

    def awaiting_delivery(self) -> list[tuple[str, str, str, str | None]]:
        """``(phone, message_id, sent_at, chat_id)`` of the sent messages whose delivery may still move on
        (no status yet, or Sent, Accepted or Delivered)."""
        final = ", ".join(f"'{status}'" for status in FINAL_DELIVERY)
        rows = self._execute(
            f"SELECT phone, message_id, sent_at, chat_id FROM {self.table} WHERE campaign_id = {self.mark} "
            f"AND status = '{SENT}' AND message_id IS NOT NULL AND sent_at IS NOT NULL "
            f"AND (delivery_status IS NULL OR delivery_status NOT IN ({final})) ORDER BY phone",
            [self.campaign_id],
            fetch=True,
        )
        return [(phone, message_id, sent_at, chat_id) for phone, message_id, sent_at, chat_id in rows]

    def record_delivery(self, updates: Sequence[DeliveryUpdate]) -> None:
        """Write and commit each message's delivery status, when it was reached, its error and chat."""
        execute_many(
            self.connection,
            f"UPDATE {self.table} SET delivery_status = {self.mark}, delivery_at = {self.mark}, "
            f"delivery_error = {self.mark}, chat_id = {self.mark} "
            f"WHERE campaign_id = {self.mark} AND phone = {self.mark}",
            [(update.status, update.at, update.error, update.chat_id, self.campaign_id, update.phone)
             for update in updates],
        )  # fmt: skip
        self.connection.commit()

    def write(self, entries: Sequence[LedgerEntry]) -> None:
        """Write and commit ``entries``: new phones inserted, known ones updated."""
        now = utc_text(datetime.now(timezone.utc))
        marks = ", ".join([self.mark] * len(COLUMNS))
        new = [entry for entry in entries if not entry.known]
        if new:
            execute_many(
                self.connection,
                f"INSERT INTO {self.table} ({', '.join(COLUMNS)}) VALUES ({marks})",
                [(self.campaign_id, entry.phone, entry.status, self.template_name, self.language,
                  entry.message_id, entry.reason, self.run_id, *self._times(entry, now))
                 for entry in new],
            )  # fmt: skip
        known = [entry for entry in entries if entry.known]
        if known:
            assignments = ", ".join(f"{column} = {self.mark}" for column in COLUMNS[2:])
            execute_many(
                self.connection,
                f"UPDATE {self.table} SET {assignments} "
                f"WHERE campaign_id = {self.mark} AND phone = {self.mark}",
                [(entry.status, self.template_name, self.language, entry.message_id, entry.reason,
                  self.run_id, *self._times(entry, now), self.campaign_id, entry.phone) for entry in known],
            )  # fmt: skip
        self.connection.commit()

    def record(self, outcomes: Sequence[LedgerEntry]) -> None:
        """Write and commit the outcomes of reserved rows (their reservation time stays)."""
        execute_many(
            self.connection,
            f"UPDATE {self.table} SET status = {self.mark}, message_id = {self.mark}, reason = {self.mark}, "
            f"sent_at = {self.mark}, updated_at = {self.mark} "
            f"WHERE campaign_id = {self.mark} AND phone = {self.mark}",
            [(entry.status, entry.message_id, entry.reason, entry.at if entry.status == SENT else None,
              utc_text(datetime.now(timezone.utc)), self.campaign_id, entry.phone) for entry in outcomes],
        )  # fmt: skip
        self.connection.commit()

    @staticmethod
    def _times(entry: LedgerEntry, now: str) -> tuple[str | None, str | None, str]:
        """``reserved_at``, ``sent_at`` and ``updated_at`` of an entry written now."""
        return (entry.at if entry.status == RESERVED else None), None, now

    def _in_chunks(
        self, statement: str, phones: Sequence[str], *extra: Any, group: bool = False
    ) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        unique = list(dict.fromkeys(phones))
        for start in range(0, len(unique), LOOKUP_BATCH):
            chunk = unique[start : start + LOOKUP_BATCH]
            sql = statement.format(table=self.table, mark=self.mark)
            sql += f" AND phone IN ({', '.join([self.mark] * len(chunk))})"
            sql += " GROUP BY phone" if group else ""
            rows += self._execute(sql, [self.campaign_id, *extra, *chunk], fetch=True)
        return rows

    def _execute(self, sql: str, parameters: Sequence[Any] = (), *, fetch: bool = False) -> Any:
        return execute(self.connection, sql, parameters, fetch=fetch)
