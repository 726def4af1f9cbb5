"""TexterToSqlOperator: Texter's chats, opt-outs, templates, labels or messages as a warehouse table."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow_provider_texter.compat import BaseOperator
from airflow_provider_texter.hooks.texter import TexterHook
from airflow_provider_texter.read_lineage import texter_to_sql_lineage
from airflow_provider_texter.transfers.sql_hooks import sql_hook
from airflow_provider_texter.transfers.texter_collections import COLLECTIONS, CollectionName
from airflow_provider_texter.transfers.texter_pages import CHAT_PAGE_SIZE, MESSAGE_PAGE_SIZE
from airflow_provider_texter.transfers.texter_read_plan import ReadPlan, read_plan
from airflow_provider_texter.transfers.texter_read_run import TexterToSqlRun

if TYPE_CHECKING:
    from airflow.providers.common.sql.hooks.sql import DbApiHook
    from airflow.providers.openlineage.extractors import OperatorLineage
    from airflow.sdk import Context


class TexterToSqlOperator(BaseOperator):
    """Read one Texter collection into a table on any common-sql connection (created if missing).

    ``chats``, ``unsubscribed``, ``templates`` and ``labels`` are snapshots: the run fills a staging
    table and replaces the table's contents in one transaction at the end, so readers never see half a
    table and a failed or killed run leaves the previous snapshot whole. ``messages`` are upserted by
    ``message_id`` in batches, so a later run updates the delivery status of messages already there.
    Pages are streamed into the table, never collected. XCom: ``{collection, table, rows, seconds}``.

    :param conn_id: the warehouse connection (SQLite, PostgreSQL, MySQL/MariaDB, ...).
    :param collection: ``chats`` (Search Chats), ``unsubscribed`` (template opt-outs), ``templates`` (one
        row per template and language, pending and rejected ones too), ``labels`` or ``messages``.
    :param table: ``table`` or ``schema.table``, templated; ``<table>_staging`` is used during a snapshot.
    :param labels: for ``chats``: only chats with one of these label ids ...
    :param statuses: ... with one of these statuses (BOT, PENDING, ASSIGNED, RESOLVED, BULK) ...
    :param channel_name: ... on this channel, with ``account_id`` (e.g. ``"whatsapp"``, our number).
    :param account_id: for ``unsubscribed`` and ``templates``: one WhatsApp number (default: all of them).
    :param chat_ids_sql: for ``messages``: a query on ``conn_id`` whose first column is chat ids, templated.
    :param since: for ``messages``: only messages sent at this time or later (ISO, templated, e.g.
        ``"{{ data_interval_start }}"``; reach back as far as delivery takes to settle, since a message
        sent before ``since`` is not read again).
    :param include_text: for ``messages``: also store the text (personal data: off by default).
    :param max_workers: for ``messages``: chats read at once, sharing the hook's pacing.
    :param batch_size: rows per upsert transaction (``messages``).
    :param chat_page_size: chats per Search Chats request: the largest it takes, 10,000, by default;
        lower it to hold less in memory at once.
    :param message_page_size: messages per Get Messages request (the docs give no maximum).
    :param texter_conn_id: the Texter connection; its token needs *List all chats* (chats, unsubscribed),
        *View template messages* (templates) or *View all chats* (messages).
    :param sql_hook_params: extra arguments for the warehouse connection's hook.
    """

    template_fields: Sequence[str] = (
        "table",
        "chat_ids_sql",
        "since",
        "labels",
        "statuses",
        "channel_name",
        "account_id",
        "conn_id",
        "texter_conn_id",
        "sql_hook_params",
    )
    template_fields_renderers = {"chat_ids_sql": "sql", "sql_hook_params": "json"}
    ui_color = "#25d366"

    def __init__(
        self,
        *,
        conn_id: str,
        collection: CollectionName,
        table: str,
        labels: Sequence[str] | str | None = None,
        statuses: Sequence[str] | str | None = None,
        channel_name: str | None = None,
        account_id: str | None = None,
        chat_ids_sql: str | None = None,
        since: Any = None,
        include_text: bool = False,
        max_workers: int = 8,
        batch_size: int = 1000,
        chat_page_size: int = CHAT_PAGE_SIZE,
        message_page_size: int = MESSAGE_PAGE_SIZE,
        texter_conn_id: str = TexterHook.default_conn_name,
        sql_hook_params: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.conn_id = conn_id
        self.collection = collection
        self.table = table
        self.labels = labels
        self.statuses = statuses
        self.channel_name = channel_name
        self.account_id = account_id
        self.chat_ids_sql = chat_ids_sql
        self.since = since
        self.include_text = include_text
        self.max_workers = max_workers
        self.batch_size = batch_size
        self.chat_page_size = chat_page_size
        self.message_page_size = message_page_size
        self.texter_conn_id = texter_conn_id
        self.sql_hook_params = sql_hook_params
        self._rows: int | None = None

    @cached_property
    def texter_hook(self) -> TexterHook:
        return TexterHook(texter_conn_id=self.texter_conn_id)

    @cached_property
    def db_hook(self) -> DbApiHook:
        return sql_hook(self.conn_id, self.sql_hook_params, task_id=self.task_id)

    def plan(self) -> ReadPlan:
        """The arguments checked (every problem at once), before any request or connection."""
        return read_plan(
            collection=self.collection,
            table=self.table,
            labels=self.labels,
            statuses=self.statuses,
            channel_name=self.channel_name,
            account_id=self.account_id,
            chat_ids_sql=self.chat_ids_sql,
            since=self.since,
            include_text=self.include_text,
            max_workers=self.max_workers,
            batch_size=self.batch_size,
            chat_page_size=self.chat_page_size,
            message_page_size=self.message_page_size,
        )

    def execute(self, context: Context) -> dict[str, Any]:
        plan = self.plan()
        started = time.monotonic()
        self._rows = TexterToSqlRun(plan, self.texter_hook, self.db_hook).execute()
        seconds = round(time.monotonic() - started, 3)
        self.log.info(
            "Texter %s -> %s: %d rows in %.1f s", plan.collection.name, plan.table, self._rows, seconds
        )
        return {
            "collection": plan.collection.name,
            "table": plan.table,
            "rows": self._rows,
            "seconds": seconds,
        }

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> OperatorLineage:
        """The collection read, the table written, and how many rows it got."""
        return texter_to_sql_lineage(
            texter_conn_id=self.texter_conn_id,
            conn_id=self.conn_id,
            table=self.table,
            collection=COLLECTIONS[self.collection],
            rows=self._rows,
            task_id=self.task_id,
        )
