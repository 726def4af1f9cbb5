"""Stream a query's rows from any DB-API hook in chunks, so memory does not grow with the result."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
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
