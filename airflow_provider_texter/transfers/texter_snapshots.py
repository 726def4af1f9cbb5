"""The rows of each snapshot collection, a page at a time, as ``TexterToSqlRun`` stages them.

Every reader takes the hook, the plan and the table being staged (the chats reader counts what it
staged to know when the drift of Search Chats is made up for) and keeps no page once yielded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timezone

from airflow_provider_texter.exceptions import TexterError
from airflow_provider_texter.hooks.texter import TexterHook
from airflow_provider_texter.labels import label_pages
from airflow_provider_texter.opt_out_list import unsubscribed_pages
from airflow_provider_texter.transfers.texter_collections import (
    Row,
    chat_row,
    label_row,
    template_rows,
    unsubscribed_row,
)
from airflow_provider_texter.transfers.texter_pages import ChatScan
from airflow_provider_texter.transfers.texter_read_plan import ReadPlan
from airflow_provider_texter.transfers.warehouse_tables import WarehouseTable

MAX_RESCANS = 10
log = logging.getLogger(__name__)
SnapshotReader = Callable[[TexterHook, ReadPlan, WarehouseTable], Iterator[list[Row]]]


def chat_rows(hook: TexterHook, plan: ReadPlan, table: WarehouseTable) -> Iterator[list[Row]]:
    """Every chat once although chats move during the scan: after the full pass, the top of the list is
    read again down to the chats that did not move, until the table holds as many chats as Search Chats
    counts (or a re-scan finds none it lacked: a total that counts chats no page shows)."""
    scan = ChatScan(hook, plan.filters, plan.chat_page_size)
    for page in scan.full_pass():
        rows = [chat_row(chat) for chat in page]
        del page  # the chats are not needed once they are rows: the next page arrives without them
        yield rows
    for rescan in range(1, MAX_RESCANS + 1):
        staged = table.staged_count()
        if staged >= scan.total:
            return
        for page in scan.moved_since(scan.newest_at_start):
            yield [chat_row(chat) for chat in page]
        if table.staged_count() == staged:
            log.warning(
                "Search Chats counts %d chats, its pages showed %d; re-scan %d found no other",
                scan.total, staged, rescan,
            )  # fmt: skip
            return
    raise TexterError(
        f"chats kept moving: after {MAX_RESCANS} re-scans {table.staged_count()} of {scan.total} chats "
        "were read; the table keeps its previous snapshot: run again when the inbox is quieter"
    )


def unsubscribed_rows(hook: TexterHook, plan: ReadPlan, table: WarehouseTable) -> Iterator[list[Row]]:
    seen_at = datetime.now(timezone.utc)
    for page in unsubscribed_pages(hook.send, plan.account_id):
        yield [unsubscribed_row(item, plan.account_id, seen_at) for item in page]


def localization_rows(hook: TexterHook, plan: ReadPlan, table: WarehouseTable) -> Iterator[list[Row]]:
    listed = hook.list_templates(account_id=plan.account_id, include_all=True)
    yield [row for template in listed if isinstance(template, dict) for row in template_rows(template)]


def labels_rows(hook: TexterHook, plan: ReadPlan, table: WarehouseTable) -> Iterator[list[Row]]:
    for page in label_pages(hook.send):
        yield [label_row(label) for label in page]


SNAPSHOT_READERS: dict[str, SnapshotReader] = {
    "chats": chat_rows,
    "unsubscribed": unsubscribed_rows,
    "templates": localization_rows,
    "labels": labels_rows,
}
