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
from datetime import datetime, timezone
from typing import Any

from airflow_provider_texter.transfers.rejected_rows import check_table_name

MAX_KEY_LENGTH = 200
LOOKUP_BATCH = 500
FLUSH_EVERY_SECONDS = 5.0
BATCH_WAIT_SECONDS = 5.0


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
    ) -> None:
        self.connection = connection
        self.table = check_table_name(table, field="state_table")
        self.sync_id = sync_id
        self.placeholder = placeholder
        self.batch_size = batch_size
        self.run_token = uuid.uuid4().hex
        self.committed = 0
        self.wake = wake or threading.Event()
        self._lock = threading.Condition()
        self._outcomes: list[tuple[str, tuple[str, str] | None]] = []
        self._uncommitted_outcomes = 0
        self._uncommitted = False
        self._last_flush = time.monotonic()

    def create(self) -> None:
        self._execute(
            f"CREATE TABLE IF NOT EXISTS {self.table} (sync_id VARCHAR({MAX_KEY_LENGTH}) NOT NULL, "
            f"row_key VARCHAR({MAX_KEY_LENGTH}) NOT NULL, fingerprint VARCHAR(32) NOT NULL, chat_ids TEXT, "
            "last_seen VARCHAR(32), confirmed_at VARCHAR(40), PRIMARY KEY (sync_id, row_key))"
        )
        self.connection.commit()

    def exists(self) -> bool:
        """Whether the table is there (a dry run must not create it); a failed probe is rolled back."""
        try:
            self._execute(f"SELECT 1 FROM {self.table} WHERE 1 = 0", fetch=True)
        except Exception:  # each driver names "no such table" differently
            self.connection.rollback()
            return False
        return True

    def look_up(self, keys: Sequence[str], *, mark_seen: bool = True) -> dict[str, tuple[str, bool]]:
        """``{key: (fingerprint, seen_before_in_this_run)}`` for the keys the state holds.

        With ``mark_seen``, the found keys are stamped as part of this run, so that at the end the
        keys the result no longer has can be counted (``removed``).
        """
        found: dict[str, tuple[str, bool]] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), LOOKUP_BATCH):
            chunk = unique[start : start + LOOKUP_BATCH]
            marks = ", ".join([self.placeholder] * len(chunk))
            rows = self._execute(
                f"SELECT row_key, fingerprint, last_seen FROM {self.table} "
                f"WHERE sync_id = {self.placeholder} AND row_key IN ({marks})",
                [self.sync_id, *chunk],
                fetch=True,
            )
            found.update({key: (fingerprint, seen == self.run_token) for key, fingerprint, seen in rows})
            if mark_seen:
                hits = [key for key in chunk if key in found]
                if hits:
                    self._execute(
                        f"UPDATE {self.table} SET last_seen = {self.placeholder} WHERE sync_id = "
                        f"{self.placeholder} AND row_key IN ({', '.join([self.placeholder] * len(hits))})",
                        [self.run_token, self.sync_id, *hits],
                    )
                    self._uncommitted = True  # committed with the next flush
        return found

    def confirm(self, key: str, fingerprint: str, chat_ids: Sequence[str]) -> None:
        """Texter accepted this row's request (for every chat of it): remember it at the next flush."""
        self._add(key, (fingerprint, json.dumps(list(chat_ids))))

    def forget(self, key: str) -> None:
        """The row was not written: drop what the state held for it, so the next run sends it again."""
        self._add(key, None)

    def _add(self, key: str, outcome: tuple[str, str] | None) -> None:
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
        keys = list(latest)
        for start in range(0, len(keys), LOOKUP_BATCH):
            chunk = keys[start : start + LOOKUP_BATCH]
            self._execute(
                f"DELETE FROM {self.table} WHERE sync_id = {self.placeholder} "
                f"AND row_key IN ({', '.join([self.placeholder] * len(chunk))})",
                [self.sync_id, *chunk],
            )
        confirmed = [(key, outcome) for key, outcome in latest.items() if outcome is not None]
        if confirmed:
            self._execute_many(
                f"INSERT INTO {self.table} "
                "(sync_id, row_key, fingerprint, chat_ids, last_seen, confirmed_at) "
                f"VALUES ({', '.join([self.placeholder] * 6)})",
                [
                    (self.sync_id, key, digest, chats, self.run_token, now)
                    for key, (digest, chats) in confirmed
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
        rows = self._execute(
            f"SELECT COUNT(*) FROM {self.table} WHERE sync_id = {self.placeholder} "
            f"AND (last_seen IS NULL OR last_seen <> {self.placeholder})",
            [self.sync_id, self.run_token],
            fetch=True,
        )
        return int(rows[0][0])

    def _execute(self, sql: str, parameters: Sequence[Any] = (), *, fetch: bool = False) -> list[Any]:
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql, tuple(parameters)) if parameters else cursor.execute(sql)
            return list(cursor.fetchall()) if fetch else []
        finally:
            cursor.close()

    def _execute_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        cursor = self.connection.cursor()
        try:
            cursor.executemany(sql, rows)
        finally:
            cursor.close()
