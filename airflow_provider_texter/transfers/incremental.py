"""An incremental run: which rows the state says are unchanged, and keeping state and lease as it goes."""

from __future__ import annotations

from collections.abc import Sequence

from airflow_provider_texter.exceptions import TexterValidationError
from airflow_provider_texter.transfers.row_sync import RowTask, SyncSummary
from airflow_provider_texter.transfers.sync_lease import SyncLease
from airflow_provider_texter.transfers.sync_state import MAX_KEY_LENGTH, SyncState, request_fingerprint


class IncrementalSync:
    """Marks the rows whose request Texter already confirmed, and commits what this run confirms.

    :param full_refresh: send every row anyway (the state is rewritten from what Texter confirms).
    :param preview: read the state if there is one, but write neither it nor the lease.
    """

    def __init__(
        self,
        state: SyncState,
        lease: SyncLease,
        *,
        operation: str,
        merging_mode: str | None,
        full_refresh: bool = False,
        preview: bool = False,
    ) -> None:
        self.state = state
        self.lease = lease
        self.operation = operation
        self.merging_mode = merging_mode
        self.full_refresh = full_refresh
        self.preview = preview
        self._readable = True

    def start(self) -> None:
        """Claim the sync and make sure its table exists (a preview only checks that it does)."""
        if self.preview:
            self._readable = self.state.exists()
            return
        self.lease.claim()
        self.state.create()

    def classify(self, tasks: Sequence[RowTask]) -> None:
        """Give each row its fingerprint; mark it unchanged, or as a duplicate key of this run."""
        keyed = []
        for task in tasks:
            if task.problem:
                continue
            try:
                if len(task.key_value) > MAX_KEY_LENGTH:
                    raise TexterValidationError([f"key is longer than {MAX_KEY_LENGTH} characters"])
                task.fingerprint = request_fingerprint(self.operation, self.merging_mode, task.payload)
            except TexterValidationError as error:
                task.problem = f"row {task.row_number}: " + "; ".join(error.problems)
                continue
            except (ValueError, RecursionError) as error:  # a value the fingerprint cannot encode
                task.problem = f"row {task.row_number}: {type(error).__name__}: {error}"
                continue
            keyed.append(task)
        keys = [task.key_value for task in keyed]
        stored = self.state.look_up(keys, mark_seen=not self.preview) if self._readable else {}
        seen_in_chunk: set[str] = set()
        for task in keyed:
            fingerprint, seen_earlier = stored.get(task.key_value, (None, False))
            if seen_earlier or task.key_value in seen_in_chunk:
                task.problem = (
                    f"row {task.row_number}: {task.chat_key} appears more than once in the result; "
                    "a stateful sync needs one row per key"
                )
                task.fingerprint = None  # the earlier row of this key keeps the state
            elif fingerprint == task.fingerprint and not self.full_refresh:
                task.unchanged = True
            seen_in_chunk.add(task.key_value)

    def tick(self) -> None:
        if not self.preview:
            self.state.flush_if_due()
            self.lease.renew_if_due()

    def finish(self, summary: SyncSummary, *, completed: bool) -> None:
        """Commit the last confirmations; count removed keys when the whole result was read."""
        if self.preview:
            summary.removed = None
            return
        try:
            self.state.flush()
            summary.removed = self.state.count_removed() if completed else None
        finally:
            self.lease.release()
