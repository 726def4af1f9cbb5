"""An incremental run: which rows the state says are unchanged, and keeping state and lease as it goes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from airflow_provider_texter.exceptions import TexterPermanentError, TexterValidationError
from airflow_provider_texter.transfers.row_sync import RowTask, SyncSummary
from airflow_provider_texter.transfers.sync_lease import SyncLease
from airflow_provider_texter.transfers.sync_state import (
    MAX_KEY_LENGTH,
    DepartedKey,
    StoredRow,
    SyncState,
    request_fingerprint,
)


class TooManyRemovedError(TexterPermanentError):
    """More keys left the result than the sync may undo in one run: nothing was undone."""


class IncrementalSync:
    """Marks the rows whose request Texter already confirmed, and commits what this run confirms.

    :param full_refresh: send every row anyway (the state is rewritten from what Texter confirms).
    :param preview: read the state if there is one, but write neither it nor the lease.
    :param walks_departures: the run will ask for ``departures()`` (a preview then remembers the keys
        it saw, since it stamps nothing in the table).
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
        walks_departures: bool = False,
    ) -> None:
        self.state = state
        self.lease = lease
        self.operation = operation
        self.merging_mode = merging_mode
        self.full_refresh = full_refresh
        self.preview = preview
        self._readable = True
        self._seen_in_preview: set[str] | None = set() if preview and walks_departures else None
        self.departed_count: int | None = None

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
        stored: dict[str, StoredRow] = {}
        seen_earlier: set[str] = set()
        if self._readable:
            stored, seen_earlier = self.state.look_up(keys, mark_seen=not self.preview)
        seen_in_chunk: set[str] = set()
        for task in keyed:
            row = stored.get(task.key_value)
            if self._seen_in_preview is not None:
                self._seen_in_preview.add(task.key_value)
            if task.key_value in seen_earlier or task.key_value in seen_in_chunk:
                task.problem = (
                    f"row {task.row_number}: {task.chat_key} appears more than once in the result; "
                    "a stateful sync needs one row per key"
                )
                task.fingerprint = None  # the earlier row of this key keeps the state
            elif row is not None:
                task.previously_written = row.written
                task.unchanged = row.fingerprint == task.fingerprint and not self.full_refresh
            seen_in_chunk.add(task.key_value)

    def departures(
        self, page_size: int, *, max_count: int | None = None, max_ratio: float | None = None
    ) -> Iterator[DepartedKey]:
        """The keys the state holds that this run's result did not have; walk them after the last row.

        More than ``max_count`` of them, or more than ``max_ratio`` of the keys the state holds, is
        ``TooManyRemovedError`` before the first: a query that came back empty or broken must not
        undo everything the sync wrote. A preview does not count them first.
        """
        self.departed_count = 0
        if not self._readable:
            return
        if not self.preview and (max_count is not None or max_ratio is not None):
            self._check_departures(max_count, max_ratio)
        after = ""
        while page := self.state.departed(after, page_size, unseen_only=not self.preview):
            for departed in page:
                if self._seen_in_preview is None or departed.key not in self._seen_in_preview:
                    self.departed_count += 1
                    yield departed
            after = page[-1].key

    def _check_departures(self, max_count: int | None, max_ratio: float | None) -> None:
        leaving, held = self.state.count_removed(), self.state.count_keys()
        if (max_count is not None and leaving > max_count) or (
            max_ratio is not None and held and leaving / held > max_ratio
        ):
            self.departed_count = leaving
            raise TooManyRemovedError(
                f"{leaving:,} of the {held:,} keys of sync {self.state.sync_id!r} left the result, more than "
                f"max_removed_rows={max_count} / max_removed_ratio={max_ratio} allow: nothing was removed "
                "(the rows of the result were written). Check the query; if the segment really shrank that "
                "much, run once with a higher limit"
            )

    def tick(self) -> None:
        if not self.preview:
            self.state.flush_if_due()
            self.lease.renew_if_due()

    def finish(self, summary: SyncSummary, *, completed: bool) -> None:
        """Commit the last confirmations; count removed keys when the whole result was read."""
        if self.preview:
            summary.removed = self.departed_count
            return
        try:
            self.state.flush()
            if not completed:
                summary.removed = None
            elif self.departed_count is not None:
                summary.removed = self.departed_count
            else:
                summary.removed = self.state.count_removed()
            self.state.close()
        finally:
            self.lease.release()
