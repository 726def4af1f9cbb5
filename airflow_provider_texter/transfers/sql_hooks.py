"""The warehouse connection's hook, as ``GenericTransfer`` gets it: any common-sql ``DbApiHook``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow.providers.common.sql.hooks.sql import DbApiHook

from airflow_provider_texter.compat import BaseHook
from airflow_provider_texter.exceptions import TexterValidationError


def sql_hook(conn_id: str, hook_params: Mapping[str, Any] | None, *, task_id: str) -> DbApiHook:
    """The hook of ``conn_id`` (with ``hook_params``); a connection without a SQL hook is a clear error."""
    hook = BaseHook.get_connection(conn_id).get_hook(hook_params=dict(hook_params or {}))
    if not isinstance(hook, DbApiHook):
        raise TexterValidationError(
            [f"conn_id: connection {conn_id!r} has no SQL hook (got {type(hook).__name__})"],
            context=f"arguments of task {task_id!r}",
        )
    return hook
