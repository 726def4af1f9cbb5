"""An incremental run: which rows the state says are unchanged, and keeping state and lease as it goes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

from airflow_provider_texter.actions.action import Action, RowOptions
from airflow_provider_texter.exceptions import TexterPermanentError, TexterValidationError
from airflow_provider_texter.transfers.rows import RowTask
from airflow_provider_texter.transfers.run_report import SyncSummary
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
    """Decides which rows Texter already confirmed, and commits what this run confirms.

    :param full_refresh: send every row anyway (the state is rewritten from what Texter confirms).
    :param preview: read the state if there is one, but write neither it nor the lease.
    :param walks_departures: the run will ask for ``departures()`` (a preview then remembers the keys
        it saw, since it stamps nothing in the table), and a row also takes back what it wrote before
        and writes no more (``Action.rewritten_payload``).
    """

    def __init__(
        self,
        state: SyncState,
        lease: SyncLease,
        *,
        action: Action,
        options: RowOptions,
        full_refresh: bool = False,
        preview: bool = False,
        walks_departures: bool = False,
    ) -> None:
        self.state = state
        self.lease = lease
        self.action = action
        self.options = options
        self.walks_departures = walks_departures
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

    def decide(self, tasks: Sequence[RowTask]) -> list[RowTask]:
        """Each row with its fingerprint, marked unchanged, or failed as a repeated key of this run."""
        fingerprinted = [self._fingerprinted(task) for task in tasks]
        keys = [task.key for task in fingerprinted if not task.problem]
        stored: dict[str, StoredRow] = {}
        seen_earlier: set[str] = set()
        if self._readable:
            stored, seen_earlier = self.state.look_up(keys, mark_seen=not self.preview)
        seen_in_chunk: set[str] = set()
        decided = []
        for task in fingerprinted:
            if task.problem:
                decided.append(task)
                continue
            row = stored.get(task.key)
            if self._seen_in_preview is not None:
                self._seen_in_preview.add(task.key)
            if task.key in seen_earlier or task.key in seen_in_chunk:
                problem = (
                    f"row {task.row_number}: {task.chat_key} appears more than once in the result; "
                    "a stateful sync needs one row per key"
                )
                task = replace(
                    task, problem=problem, fingerprint=None
                )  # the key's earlier row keeps the state
            elif row is not None:
                unchanged = row.fingerprint == task.fingerprint and not self.full_refresh
                payload = task.payload
                if self.walks_departures:
                    payload = self.action.rewritten_payload(payload, row.written, self.options)
                task = replace(task, unchanged=unchanged, payload=payload)
            seen_in_chunk.add(task.key)
            decided.append(task)
        return decided

    def _fingerprinted(self, task: RowTask) -> RowTask:
        """The task with the digest of its request, or with the problem that kept it from having one."""
        if task.problem:
            return task
        try:
            if len(task.key) > MAX_KEY_LENGTH:
                raise TexterValidationError([f"key is longer than {MAX_KEY_LENGTH} characters"])
            setting = self.action.fingerprint_setting(self.options)
            return replace(
                task, fingerprint=request_fingerprint(self.action.operation or "", setting, task.payload)
            )
        except TexterValidationError as error:
            return replace(task, problem=f"row {task.row_number}: " + "; ".join(error.problems))
        except (ValueError, RecursionError) as error:  # a value the fingerprint cannot encode
            return replace(task, problem=f"row {task.row_number}: {type(error).__name__}: {error}")

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
