"""One run of ``TexterToSqlOperator``: pages from Texter, rows into the warehouse table.

A snapshot collection streams its pages into the staging table and swaps it in at the end; messages are
read chat by chat by ``max_workers`` threads sharing the hook (and so its pacing), and upserted in
batches on this thread, the only one that touches the warehouse connection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import ExitStack, closing
from typing import Any, TypeVar

from airflow.providers.common.sql.hooks.sql import DbApiHook

from airflow_provider_texter.hooks.texter import TexterHook
from airflow_provider_texter.transfers.sql_rows import streamed_rows
from airflow_provider_texter.transfers.texter_collections import Row, message_row
from airflow_provider_texter.transfers.texter_pages import chat_messages
from airflow_provider_texter.transfers.texter_read_plan import ReadPlan
from airflow_provider_texter.transfers.texter_snapshots import SNAPSHOT_READERS
from airflow_provider_texter.transfers.texter_values import epoch_ms
from airflow_provider_texter.transfers.warehouse_tables import WarehouseTable

# SQLite cannot commit on a second connection while the first reads: the messages share the read one.
SHARED_CONNECTION_DIALECTS = ("sqlite",)
Item = TypeVar("Item")
Result = TypeVar("Result")


class TexterToSqlRun:
    """Owns the warehouse connections for one run; ``execute`` returns the rows the table got."""

    def __init__(self, plan: ReadPlan, texter_hook: TexterHook, db_hook: DbApiHook) -> None:
        self.plan = plan
        self.texter_hook = texter_hook
        self.db_hook = db_hook
        self.dialect = getattr(db_hook, "dialect_name", None)

    def execute(self) -> int:
        with ExitStack() as connections:
            connection = connections.enter_context(closing(self.db_hook.get_conn()))
            table = WarehouseTable(
                connection,
                self.plan.table,
                self.plan.collection,
                dialect=self.dialect,
                placeholder=self.db_hook.placeholder,
            )
            table.create()
            if not self.plan.collection.snapshot:
                reading = connection
                if self.dialect not in SHARED_CONNECTION_DIALECTS:
                    reading = connections.enter_context(closing(self.db_hook.get_conn()))
                return self.upsert_messages(table, reading)
            table.start_snapshot()
            for rows in SNAPSHOT_READERS[self.plan.collection.name](self.texter_hook, self.plan, table):
                table.stage(rows)
                del rows  # staged: not kept while the next page is read
            return table.swap()

    def upsert_messages(self, table: WarehouseTable, reading: Any) -> int:
        """Messages of the chats ``chat_ids_sql`` returns, read by worker threads, upserted in batches."""
        plan = self.plan
        since_ms = None if plan.since is None else epoch_ms(plan.since)

        def messages_of(chat_id: str) -> list[Row]:
            messages = chat_messages(self.texter_hook, chat_id, since_ms, plan.message_page_size)
            return [message_row(message, chat_id, include_text=plan.include_text) for message in messages]

        written, pending = 0, []
        assert plan.chat_ids_sql is not None  # the plan requires it for messages
        with streamed_rows(reading, self.dialect, plan.chat_ids_sql, batch_size=plan.batch_size) as (_, rows):
            chat_ids = each_once(str(row[0]) for row in rows if row and row[0] is not None)
            for chat_rows in concurrently(messages_of, chat_ids, workers=plan.max_workers):
                pending += chat_rows
                if len(pending) >= plan.batch_size:
                    table.upsert(pending)
                    written, pending = written + len(pending), []
        table.upsert(pending)
        return written + len(pending)


def concurrently(
    function: Callable[[Item], Result], items: Iterable[Item], *, workers: int
) -> Iterator[Result]:
    """``function`` of each item on ``workers`` threads, results as they finish; at most twice as many
    items in flight as workers, so a long input is never read ahead whole. A failure stops the rest."""
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="texter-read")
    pending: set[Future[Result]] = set()
    try:
        for item in items:
            pending.add(pool.submit(function, item))
            if len(pending) >= 2 * workers:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from (future.result() for future in done)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            yield from (future.result() for future in done)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def each_once(values: Iterable[str]) -> Iterator[str]:
    """The values in order, without repeats: a chat listed twice is read once."""
    seen: set[str] = set()
    for value in values:
        if value not in seen:
            seen.add(value)
            yield value
