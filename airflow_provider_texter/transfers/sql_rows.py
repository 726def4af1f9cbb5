"""Stream a query's rows from any DB-API hook in chunks, so memory does not grow with the result; and run
the single statements the state, lease and rejected-rows tables need, each on a cursor of its own."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from typing import Any

SERVER_SIDE_CURSOR_DIALECTS = ("postgresql", "postgres")


@contextmanager
def streamed_rows(
    conn: Any,
    dialect_name: str | None,
    sql: str,
    parameters: Sequence | Mapping | None = None,
    *,
    batch_size: int = 1000,
) -> Iterator[tuple[list[str], Iterator[Sequence[Any]]]]:
    """Yield ``(column_names, rows)`` read on ``conn``; rows are fetched ``batch_size`` at a time.

    PostgreSQL gets a named (server-side) cursor: a plain one would pull the whole result into
    memory at ``execute``. Other databases stream through ``fetchmany``.
    """
    if dialect_name in SERVER_SIDE_CURSOR_DIALECTS:
        cursor = conn.cursor(name="airflow_provider_texter_rows")
    else:
        cursor = conn.cursor()
    try:
        cursor.execute(sql, parameters) if parameters else cursor.execute(sql)
        first = cursor.fetchmany(batch_size)  # a server-side cursor describes columns after a fetch
        columns = [column[0] for column in cursor.description or ()]
        yield columns, _rows(cursor, first, batch_size)
    finally:
        cursor.close()


def count_rows(db_hook: Any, sql: str, parameters: Sequence | Mapping | None = None) -> int:
    """How many rows ``sql`` returns, for progress ETAs (costs one extra query)."""
    statement = sql.strip().rstrip(";")
    return int(db_hook.get_first(f"SELECT COUNT(*) FROM ({statement}) AS texter_rows", parameters)[0])


def _rows(cursor: Any, first: Sequence[Sequence[Any]], batch_size: int) -> Iterator[Sequence[Any]]:
    chunk = first
    while chunk:
        yield from chunk
        chunk = cursor.fetchmany(batch_size)


def execute(connection: Any, sql: str, parameters: Sequence[Any] = (), *, fetch: bool = False) -> Any:
    """Run one statement on a cursor closed afterwards: its rows with ``fetch``, else its row count."""
    with closing(connection.cursor()) as cursor:
        cursor.execute(sql, tuple(parameters)) if parameters else cursor.execute(sql)
        return list(cursor.fetchall()) if fetch else cursor.rowcount


def has_column(connection: Any, table: str, column: str) -> bool:
    """Whether ``table`` exists and has ``column`` (``"1"``: whether it exists); a failed probe is rolled
    back, since each driver names "no such table/column" differently."""
    try:
        execute(connection, f"SELECT {column} FROM {table} WHERE 1 = 0", fetch=True)
    except Exception:
        connection.rollback()
        return False
    return True


def sql_db_hook(conn_id: str, hook_params: Mapping[str, Any] | None, task_id: str) -> Any:
    """The SQL connection's hook, as ``GenericTransfer`` gets it: any common-sql ``DbApiHook``."""
    from airflow.providers.common.sql.hooks.sql import DbApiHook

    from airflow_provider_texter.compat import BaseHook
    from airflow_provider_texter.exceptions import TexterValidationError

    hook = BaseHook.get_connection(conn_id).get_hook(hook_params=dict(hook_params or {}))
    if not isinstance(hook, DbApiHook):
        raise TexterValidationError(
            [f"conn_id: connection {conn_id!r} has no SQL hook (got {type(hook).__name__})"],
            context=f"arguments of task {task_id!r}",
        )
    return hook


def execute_many(connection: Any, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """Run one statement for each of ``rows`` on a cursor closed afterwards."""
    with closing(connection.cursor()) as cursor:
        cursor.executemany(sql, rows)
