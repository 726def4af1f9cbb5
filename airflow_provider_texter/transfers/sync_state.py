"""What Texter confirmed, per sync and row key, kept in a table next to the warehouse data.

A run sends only rows whose request differs from the last confirmed one, and a run that dies
resumes where it stopped: confirmations are committed in batches as the run goes. The SQL is
plain enough for SQLite, PostgreSQL and MySQL/MariaDB: ``CREATE TABLE IF NOT EXISTS``, ``IN``
lists, and delete-then-insert instead of a dialect's upsert.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from airflow_provider_texter.exceptions import TexterPermanentError
from airflow_provider_texter.transfers.rejected_rows import check_table_name
from airflow_provider_texter.transfers.sql_rows import execute, execute_many, has_column

MAX_KEY_LENGTH = 200
LOOKUP_BATCH = 500
FLUSH_EVERY_SECONDS = 5.0
# PostgreSQL never gathers statistics on a temporary table by itself; without them it scans the whole
# table of seen keys for each look-up (measured: the run slowed down quadratically, to seconds per
# look-up). One ANALYZE once it holds this many keys is enough: later estimates scale with its size.
ANALYZE_SEEN_AFTER = 5000
POSTGRES_DIALECTS = ("postgresql", "postgres")
BATCH_WAIT_SECONDS = 5.0
STALE = "stale"  # outcome: not written this time; keep what the row holds, but send it again next run
DROP = "drop"  # outcome: the key left the result and what it wrote was undone; forget it


@dataclass(frozen=True)
class StoredRow:
    """What the state holds for one key: the confirmed request, and what it wrote that a later run may
    have to undo (label ids), if anything."""

    fingerprint: str
    written: list[str] | None


@dataclass(frozen=True)
class DepartedKey:
    """A key the state holds that this run's result did not have, with the chats and labels it wrote."""

    key: str
    chat_ids: list[str]
    written: list[str] | None


def _tagged(value: Any) -> str:
    """SQL values JSON lacks (Decimal, datetime, ...) by type and text: distinct values stay distinct."""
    return f"{type(value).__name__}:{value}"


# Values as the database returned them, not converted: converting every unchanged row would cost more
# than the rest of the look-up, and the conversion is a pure function of them.
_FINGERPRINT_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), default=_tagged, check_circular=False
)


def request_fingerprint(operation: str, merging_mode: str | None, payload: dict[str, Any]) -> str:
    """A digest of everything that decides the request but the chat: equal digests, equal writes."""
    text = _FINGERPRINT_ENCODER.encode([operation, merging_mode, payload])
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


class SyncState:
    """The state table of one sync, used by one run: look-ups, confirmations, and what was removed.

    Every method runs on the thread that feeds rows (DB-API connections are not shared between
    threads); workers only hand in outcomes with ``confirm`` and ``forget``, which are thread-safe.

    :param connection: a DB-API connection of its own, or (SQLite) the one the rows are read from:
        a second SQLite connection could not commit while the read is open.
    :param placeholder: the driver's parameter marker (``?`` or ``%s``), from the hook.
    :param batch_size: confirmations committed together; a crash loses at most this many, plus one
        per worker: a worker that would grow the batch further waits until it is committed.
    :param wake: set when a batch is full, to wake the thread that commits.
    :param dialect: the connection's (the hook's ``dialect_name``): PostgreSQL gets statistics on the
        temporary table of seen keys.
    """

    def __init__(
        self,
        connection: Any,
        table: str,
        sync_id: str,
        *,
        placeholder: str,
        batch_size: int = 1000,
        wake: threading.Event | None = None,
        dialect: str | None = None,
    ) -> None:
        self.connection = connection
        self.table = check_table_name(table, field="state_table")
        self.sync_id = sync_id
        self.placeholder = placeholder
        self.batch_size = batch_size
        # The keys this run's result had so far: a temporary table, so that an unchanged row costs no
        # write to the state (no dead row versions, no log) and the leavers can still be found at the end.
        self.seen_table = f"texter_seen_{uuid.uuid4().hex[:16]}"
        self._seen_count = 0
        self._analyze_seen = dialect in POSTGRES_DIALECTS
        self.committed = 0
        self.wake = wake or threading.Event()
        self._lock = threading.Condition()
        self._outcomes: list[tuple[str, tuple[str, str, str | None] | str]] = []
        self._uncommitted_outcomes = 0
        self._uncommitted = False
        self._last_flush = time.monotonic()

    def create(self) -> None:
        """Create the state table if missing (and bring an older one up to date), and this run's
        temporary table of the keys seen."""
        self._execute(
            f"CREATE TABLE IF NOT EXISTS {self.table} (sync_id VARCHAR({MAX_KEY_LENGTH}) NOT NULL, "
            f"row_key VARCHAR({MAX_KEY_LENGTH}) NOT NULL, fingerprint VARCHAR(32) NOT NULL, chat_ids TEXT, "
            "confirmed_at VARCHAR(40), written TEXT, PRIMARY KEY (sync_id, row_key))"
        )
        self.connection.commit()
        if not self._has_column("written"):  # a table made before labels were synced
            self._execute(f"ALTER TABLE {self.table} ADD COLUMN written TEXT")
            self.connection.commit()
        key_column = f"row_key VARCHAR({MAX_KEY_LENGTH}) NOT NULL PRIMARY KEY"
        try:
            self._execute(f"CREATE TEMPORARY TABLE {self.seen_table} ({key_column})")
        except Exception as error:  # a database without CREATE TEMPORARY TABLE, or a user without the right
            self.connection.rollback()
            raise TexterPermanentError(
                f"state_table: could not create the temporary table {self.seen_table} a stateful run needs "
                f"({type(error).__name__}: {error}); SQLite, PostgreSQL, MySQL/MariaDB, Snowflake and "
                "Redshift have CREATE TEMPORARY TABLE (PostgreSQL needs the TEMP privilege on the database)"
            ) from error
        self.connection.commit()

    def close(self) -> None:
        """Drop the temporary table of keys seen (closing the connection would too)."""
        self._execute(f"DROP TABLE {self.seen_table}")
        self.connection.commit()

    def _has_column(self, column: str) -> bool:
        return has_column(self.connection, self.table, column)

    def exists(self) -> bool:
        """Whether the table is there (a preview must not create it); a failed probe is rolled back."""
        return self._has_column("1")

    def look_up(
        self, keys: Sequence[str], *, mark_seen: bool = True
    ) -> tuple[dict[str, StoredRow], set[str]]:
        """What the state holds for each of ``keys`` it has, and which of ``keys`` earlier look-ups of
        this run already had (a key twice in the result).

        With ``mark_seen``, the keys are remembered as part of this run's result, so that at the end the
        keys the result no longer has can be found (``departed``, ``count_removed``); without, the
        second set is empty.
        """
        found: dict[str, StoredRow] = {}
        seen_before: set[str] = set()
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), LOOKUP_BATCH):
            chunk = unique[start : start + LOOKUP_BATCH]
            marks = ", ".join([self.placeholder] * len(chunk))
            rows = self._execute(
                f"SELECT row_key, fingerprint, written FROM {self.table} "
                f"WHERE sync_id = {self.placeholder} AND row_key IN ({marks})",
                [self.sync_id, *chunk],
                fetch=True,
            )
            for key, fingerprint, written in rows:
                found[key] = StoredRow(fingerprint, _json_list(written))
            if mark_seen:
                seen = self._execute(
                    f"SELECT row_key FROM {self.seen_table} WHERE row_key IN ({marks})", chunk, fetch=True
                )
                seen_before.update(key for (key,) in seen)
                new = [(key,) for key in chunk if key not in seen_before]
                if new:
                    execute_many(
                        self.connection, f"INSERT INTO {self.seen_table} VALUES ({self.placeholder})", new
                    )
                    self._uncommitted = True  # committed with the next flush
                    self._seen_count += len(new)
                if self._analyze_seen and self._seen_count >= ANALYZE_SEEN_AFTER:
                    self._execute(f"ANALYZE {self.seen_table}")
                    self._analyze_seen = False
        return found, seen_before

    def confirm(
        self, key: str, fingerprint: str, chat_ids: Sequence[str], written: Sequence[str] | None = None
    ) -> None:
        """Texter accepted this row's request (for every chat of it): remember it at the next flush.

        ``written``: what a later run must undo when the key leaves the result (label ids), if anything.
        """
        self._add(
            key, (fingerprint, json.dumps(list(chat_ids)), None if written is None else json.dumps(written))
        )

    def forget(self, key: str) -> None:
        """The row was not written: the next run sends it again. What the key wrote before stays known,
        so that it can still be undone when the key leaves the result."""
        self._add(key, STALE)

    def drop(self, key: str) -> None:
        """The key left the result and what it wrote was undone: the state forgets it."""
        self._add(key, DROP)

    def departed(self, after: str, limit: int, *, unseen_only: bool = True) -> list[DepartedKey]:
        """The next ``limit`` keys after ``after`` (in key order) that this run's look-ups did not stamp;
        with ``unseen_only=False`` every key (a preview, which stamps nothing, filters them itself)."""
        unseen = f" AND {self._unseen}" if unseen_only else ""
        rows = self._execute(
            f"SELECT row_key, chat_ids, written FROM {self.table} kept WHERE sync_id = {self.placeholder} "
            f"AND row_key > {self.placeholder}{unseen} ORDER BY row_key LIMIT {int(limit)}",
            [self.sync_id, after],
            fetch=True,
        )
        return [
            DepartedKey(key, _json_list(chat_ids) or [], _json_list(written))
            for key, chat_ids, written in rows
        ]

    def _add(self, key: str, outcome: tuple[str, str, str | None] | str) -> None:
        with self._lock:
            self._outcomes.append((key, outcome))
            self._uncommitted_outcomes += 1
            if self._uncommitted_outcomes >= self.batch_size:
                self.wake.set()
                # Wait (bounded, so nothing can hang) until the feeding thread committed the batch.
                self._lock.wait_for(
                    lambda: self._uncommitted_outcomes < self.batch_size, timeout=BATCH_WAIT_SECONDS
                )

    def flush_if_due(self) -> None:
        pending = len(self._outcomes)  # a racy read is fine: flush() takes the lock
        due = time.monotonic() - self._last_flush >= FLUSH_EVERY_SECONDS
        if pending >= self.batch_size or (due and (pending or self._uncommitted)):
            self.flush()

    def flush(self) -> None:
        """Commit the outcomes handed in so far, in one transaction per batch."""
        with self._lock:
            outcomes, self._outcomes = self._outcomes, []
        self._last_flush = time.monotonic()
        latest = dict(outcomes)  # rows of one key finish in query order: the last outcome stands
        if not latest:
            if self._uncommitted:
                self.connection.commit()
                self._uncommitted = False
            return
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self._for_keys("DELETE FROM {table}", [key for key, outcome in latest.items() if outcome != STALE])
        self._for_keys(
            "UPDATE {table} SET fingerprint = ''",
            [key for key, outcome in latest.items() if outcome == STALE],
        )
        confirmed = [(key, outcome) for key, outcome in latest.items() if isinstance(outcome, tuple)]
        if confirmed:
            execute_many(
                self.connection,
                f"INSERT INTO {self.table} "
                "(sync_id, row_key, fingerprint, chat_ids, confirmed_at, written) "
                f"VALUES ({', '.join([self.placeholder] * 6)})",
                [
                    (self.sync_id, key, digest, chats, now, written)
                    for key, (digest, chats, written) in confirmed
                ],
            )
        self.connection.commit()
        self._uncommitted = False
        self.committed += len(confirmed)
        with self._lock:
            self._uncommitted_outcomes -= len(outcomes)
            self._lock.notify_all()

    def count_removed(self) -> int:
        """Keys the state holds for this sync that this run's result did not have."""
        return self._count(f" AND {self._unseen}")

    def count_keys(self) -> int:
        """Keys the state holds for this sync."""
        return self._count()

    def _count(self, condition: str = "") -> int:
        rows = self._execute(
            f"SELECT COUNT(*) FROM {self.table} kept WHERE sync_id = {self.placeholder}{condition}",
            [self.sync_id],
            fetch=True,
        )
        return int(rows[0][0])

    @property
    def _unseen(self) -> str:
        """The condition on the state's rows (``kept``) whose key this run's look-ups did not have."""
        return f"NOT EXISTS (SELECT 1 FROM {self.seen_table} seen WHERE seen.row_key = kept.row_key)"

    def _for_keys(self, statement: str, keys: list[str]) -> None:
        """Run ``statement`` (``{table}`` filled in) on this sync's rows with these keys, in chunks."""
        for start in range(0, len(keys), LOOKUP_BATCH):
            chunk = keys[start : start + LOOKUP_BATCH]
            self._execute(
                statement.format(table=self.table) + f" WHERE sync_id = {self.placeholder} "
                f"AND row_key IN ({', '.join([self.placeholder] * len(chunk))})",
                [self.sync_id, *chunk],
            )

    def _execute(self, sql: str, parameters: Sequence[Any] = (), *, fetch: bool = False) -> list[Any]:
        result = execute(self.connection, sql, parameters, fetch=fetch)
        return result if fetch else []


def _json_list(text: str | None) -> list[str] | None:
    return None if text is None else list(json.loads(text))
