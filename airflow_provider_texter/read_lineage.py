"""OpenLineage for ``TexterToSqlOperator``: a Texter dataset in, the warehouse table out.

The input is named like the writes' outputs (``texter://acme.texterchat.com``, ``chats`` or
``whatsapp.unsubscribed`` ...). The table is named by common-sql's SQL parser from an INSERT into it,
so it matches what the parser names for the queries that read it later; SQLite, which OpenLineage does
not name, gets ``sqlite://<path>``. OpenLineage stays optional: imported inside the function only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_texter.hooks.texter import TexterHook
from airflow_provider_texter.lineage import texter_namespace
from airflow_provider_texter.transfers.sql_hooks import sql_hook
from airflow_provider_texter.transfers.texter_collections import Collection

if TYPE_CHECKING:
    from airflow.providers.openlineage.extractors import OperatorLineage
    from openlineage.client.generated.base import OutputDatasetFacet


def texter_to_sql_lineage(
    *, texter_conn_id: str, conn_id: str, table: str, collection: Collection, rows: int | None, task_id: str
) -> OperatorLineage:
    """The collection read, the table written, and (after a run) how many rows the table got."""
    from airflow.providers.common.compat.openlineage.facet import (
        InputDataset,
        OutputDataset,
        OutputStatisticsOutputDatasetFacet,
    )
    from airflow.providers.common.compat.openlineage.utils.sql import get_openlineage_facets_with_sql
    from airflow.providers.openlineage.extractors import OperatorLineage

    db_hook = sql_hook(conn_id, None, task_id=task_id)
    nulls = ", ".join(["NULL"] * len(collection.columns))
    statement = f"INSERT INTO {table} ({', '.join(collection.column_names)}) VALUES ({nulls})"
    parsed = get_openlineage_facets_with_sql(hook=db_hook, sql=statement, conn_id=conn_id, database=None)
    if parsed is not None and parsed.outputs:
        namespace, name = parsed.outputs[0].namespace, parsed.outputs[0].name
    else:
        connection = db_hook.get_connection(conn_id)
        namespace, name = f"{connection.conn_type}://{connection.host or ''}", table
    statistics: dict[str, OutputDatasetFacet] = {}
    if rows is not None:
        statistics["outputStatistics"] = OutputStatisticsOutputDatasetFacet(rowCount=rows)
    texter = InputDataset(namespace=texter_namespace(TexterHook(texter_conn_id)), name=collection.dataset)
    return OperatorLineage(
        inputs=[texter], outputs=[OutputDataset(namespace=namespace, name=name, outputFacets=statistics)]
    )
