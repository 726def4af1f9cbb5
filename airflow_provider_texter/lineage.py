"""OpenLineage for the Texter operators: the chats they write and, for the SQL transfer, what fed them.

OpenLineage stays optional (the ``openlineage`` extra): it is imported inside these functions only,
which Airflow's OpenLineage listener reaches through the operators' ``get_openlineage_facets_on_*``.
A Texter project is the namespace (``texter://acme.texterchat.com``, the host of the connection's
base URL) and what an operation writes is the dataset: ``chats.crmData`` or ``chats.properties``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from airflow_provider_texter.actions.action import Action
from airflow_provider_texter.compat import BaseHook
from airflow_provider_texter.hooks.texter import TexterHook

if TYPE_CHECKING:
    from airflow.providers.common.compat.openlineage.facet import (
        ColumnLineageDatasetFacet,
        DatasetFacet,
        OutputDataset,
    )
    from airflow.providers.common.sql.hooks.sql import DbApiHook
    from airflow.providers.openlineage.extractors import OperatorLineage
    from openlineage.client.generated.base import OutputDatasetFacet


def texter_namespace(hook: TexterHook) -> str:
    """``texter://{host}`` of the project the hook's connection points at."""
    return f"texter://{urlsplit(hook.settings.base_url).netloc}"


def chat_update_lineage(hook: TexterHook, action: Action) -> OperatorLineage:
    """What a single-chat operator wrote to: the CRM data or the properties of this project's chats."""
    from airflow.providers.openlineage.extractors import OperatorLineage

    return OperatorLineage(outputs=[_output(hook, action.dataset or action.name, {}, None)])


def sql_to_texter_lineage(
    *,
    sql: str,
    conn_id: str,
    texter_conn_id: str,
    action: Action,
    column_map: Mapping[str, str | None] | None,
    rows_succeeded: int | None,
) -> OperatorLineage:
    """The tables ``sql`` reads (parsed as common-sql's operators do), the chats written, and which
    column of the query went to which field (``column_map``); ``rows_succeeded`` as output statistics.
    """
    lineage = _query_lineage(sql, conn_id)
    facets: dict[str, DatasetFacet] = {}
    # With several tables in the query, which one a column comes from is not known here.
    if len(lineage.inputs) == 1 and column_map:
        (source,) = lineage.inputs
        facets["columnLineage"] = _column_lineage(source.namespace, source.name, column_map)
    texter_hook = TexterHook(texter_conn_id=texter_conn_id)
    lineage.outputs = [_output(texter_hook, action.dataset or action.name, facets, rows_succeeded)]
    return lineage


def campaign_lineage(
    *, sql: str, conn_id: str, texter_conn_id: str, template_name: str, messages_sent: int | None
) -> OperatorLineage:
    """The tables a campaign's ``sql`` reads, and the template it sent (``whatsapp.templates.<name>``),
    with the messages sent as output statistics."""
    lineage = _query_lineage(sql, conn_id)
    texter_hook = TexterHook(texter_conn_id=texter_conn_id)
    lineage.outputs = [_output(texter_hook, f"whatsapp.templates.{template_name}", {}, messages_sent)]
    return lineage


def _query_lineage(sql: str, conn_id: str) -> OperatorLineage:
    """The tables ``sql`` reads, parsed as common-sql's operators do; the query alone where OpenLineage
    cannot name the database (SQLite)."""
    from airflow.providers.common.compat.openlineage.facet import SQLJobFacet
    from airflow.providers.common.compat.openlineage.utils.sql import get_openlineage_facets_with_sql
    from airflow.providers.openlineage.extractors import OperatorLineage

    lineage = get_openlineage_facets_with_sql(hook=_db_hook(conn_id), sql=sql, conn_id=conn_id, database=None)
    return lineage if lineage is not None else OperatorLineage(job_facets={"sql": SQLJobFacet(query=sql)})


def _output(
    hook: TexterHook, name: str, facets: dict[str, DatasetFacet], row_count: int | None
) -> OutputDataset:
    """A dataset of the hook's project, with ``row_count`` (when known) as output statistics."""
    from airflow.providers.common.compat.openlineage.facet import (
        OutputDataset,
        OutputStatisticsOutputDatasetFacet,
    )

    output_facets: dict[str, OutputDatasetFacet] = {}
    if row_count is not None:
        output_facets["outputStatistics"] = OutputStatisticsOutputDatasetFacet(rowCount=row_count)
    return OutputDataset(
        namespace=texter_namespace(hook), name=name, facets=facets, outputFacets=output_facets
    )


def _db_hook(conn_id: str) -> DbApiHook:
    """The SQL connection's hook, as ``GenericTransfer.get_hook`` gets it."""
    from airflow.providers.common.sql.hooks.sql import DbApiHook

    hook = BaseHook.get_connection(conn_id).get_hook()
    if not isinstance(hook, DbApiHook):
        raise TypeError(f"connection {conn_id!r} has no DB-API hook (got {type(hook).__name__})")
    return hook


def _column_lineage(
    namespace: str, name: str, column_map: Mapping[str, str | None]
) -> ColumnLineageDatasetFacet:
    """Each mapped column -> the field it fills (a dotted path in crmData, or a chat property)."""
    from airflow.providers.common.compat.openlineage.facet import (
        ColumnLineageDatasetFacet,
        Fields,
        InputField,
    )

    return ColumnLineageDatasetFacet(
        fields={
            target: Fields(
                inputFields=[InputField(namespace=namespace, name=name, field=column)],
                transformationType="IDENTITY",
                transformationDescription="copied from the query result",
            )
            for column, target in column_map.items()
            if target is not None
        }
    )
