"""One run per sync at a time: a lease row that a live run renews and a killed run lets expire.

Two runs of one sync would each send what the other is sending and race on the state. The lease
is a row per sync in ``<state_table>_lease``; it is claimed with one conditional UPDATE, which
every database applies atomically, so no dialect-specific locking is needed.
"""

from __future__ import annotations

import time
from typing import Any

from airflow_provider_texter.exceptions import TexterError
from airflow_provider_texter.transfers.sql_rows import execute

LEASE_SECONDS = 300.0
RENEW_EVERY_SECONDS = 60.0
MAX_TEXT = 500


class SyncBusyError(TexterError):
    """Another run holds the sync; retrying later (when it finished or its lease expired) may work."""


class SyncLease:
    """Claim, renew and release the lease of ``sync_id``.

    :param owner: who may take the lease over while it is live: the same task instance (a retry of
        a killed try holds the same owner), so an Airflow retry never waits for its own dead lease.
    :param holder: how the error names the run that holds it (DAG, task, run, try, host).
    """

    def __init__(
        self,
        connection: Any,
        table: str,
        sync_id: str,
        *,
        owner: str,
        holder: str,
        placeholder: str,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self.connection = connection
        self.table = table
        self.sync_id = sync_id
        self.owner = owner[:MAX_TEXT]
        self.holder = holder[:MAX_TEXT]
        self.placeholder = placeholder
        self.lease_seconds = lease_seconds
        self._renewed = 0.0

    def claim(self) -> None:
        """Take the lease, or raise ``SyncBusyError`` naming the live run that has it."""
        mark = self.placeholder
        self._execute(
            f"CREATE TABLE IF NOT EXISTS {self.table} (sync_id VARCHAR(200) NOT NULL PRIMARY KEY, "
            f"owner VARCHAR({MAX_TEXT}), holder VARCHAR({MAX_TEXT}), expires_at DOUBLE PRECISION)"
        )
        self.connection.commit()
        if self._current() is None:
            try:
                self._execute(
                    f"INSERT INTO {self.table} (sync_id, owner, holder, expires_at) "
                    f"VALUES ({mark}, '', '', 0)",
                    [self.sync_id],
                )
                self.connection.commit()
            except Exception:  # another run inserted the row first; the claim below decides who runs
                self.connection.rollback()
        now = time.time()
        claimed = self._execute(
            f"UPDATE {self.table} SET owner = {mark}, holder = {mark}, expires_at = {mark} "
            f"WHERE sync_id = {mark} AND (expires_at < {mark} OR owner = {mark})",
            [self.owner, self.holder, now + self.lease_seconds, self.sync_id, now, self.owner],
        )
        self.connection.commit()
        if claimed != 1:
            holder, expires_at = self._current() or ("another run", 0.0)
            raise SyncBusyError(
                f"sync {self.sync_id!r} is running in {holder} (its lease expires in "
                f"{max(expires_at - now, 0):.0f} s unless renewed): this run did not start. Runs of one "
                "sync must not overlap; give each sync its own sync_id, or set max_active_runs=1"
            )
        self._renewed = time.monotonic()

    def renew_if_due(self) -> None:
        """Push the expiry out; a run that lost its lease (it stalled past expiry) must stop."""
        if time.monotonic() - self._renewed < RENEW_EVERY_SECONDS:
            return
        renewed = self._execute(
            f"UPDATE {self.table} SET expires_at = {self.placeholder} "
            f"WHERE sync_id = {self.placeholder} AND owner = {self.placeholder}",
            [time.time() + self.lease_seconds, self.sync_id, self.owner],
        )
        self.connection.commit()
        if renewed != 1:
            holder, _ = self._current() or ("another run", 0.0)
            raise SyncBusyError(f"sync {self.sync_id!r}: this run's lease expired and {holder} took it")
        self._renewed = time.monotonic()

    def release(self) -> None:
        self._execute(
            f"UPDATE {self.table} SET expires_at = 0 WHERE sync_id = {self.placeholder} "
            f"AND owner = {self.placeholder}",
            [self.sync_id, self.owner],
        )
        self.connection.commit()

    def _current(self) -> tuple[str, float] | None:
        """The lease row's holder and expiry, or None when the sync never had a lease."""
        rows = execute(
            self.connection,
            f"SELECT holder, expires_at FROM {self.table} WHERE sync_id = {self.placeholder}",
            [self.sync_id],
            fetch=True,
        )
        return None if not rows else (rows[0][0] or "another run", float(rows[0][1] or 0))

    def _execute(self, sql: str, parameters: list[Any] | None = None) -> int:
        """Run one statement; the number of rows it changed."""
        return int(execute(self.connection, sql, parameters or ()))
