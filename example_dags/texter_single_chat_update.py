"""
### Texter single chat update: write CRM data and a display name into one chat, from the trigger form

The smallest use of both operators, for manual runs: trigger the DAG with a chat id (24 hex characters,
e.g. from Texter's Search Chats), the CRM data to merge into the chat, and the name agents should see.

- `update_crm_data`: `TexterUpdateCrmDataOperator` merges `data` into the chat's crmData as
  `merging_mode` says (merge = deep, assign = top-level keys, replace = exactly `data`, ...).
- `update_display_name`: `TexterUpdateChatOperator` sets `displayName`; an empty name clears it.

Both payloads are checked before any request; a bad one fails the task without retries.

**Params**: `chat_id`, `data` (a JSON object), `merging_mode`, `display_name`.

**Connection**: `texter_default`, type `texter`, an API token with the scope *Manage all chats* (the
constant at the top of this file).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from airflow.sdk import DAG, Param

from airflow_provider_texter.operators.texter import TexterUpdateChatOperator, TexterUpdateCrmDataOperator

TEXTER_CONN_ID = "texter_default"

with DAG(
    dag_id="texter_single_chat_update",
    description="Write CRM data and a display name into one Texter chat",
    doc_md=__doc__,
    schedule=None,
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    default_args={"retries": 1, "retry_delay": timedelta(seconds=30)},
    params={
        "chat_id": Param(
            "5eed00000000000000000001", type="string", pattern="^[0-9a-f]{24}$", title="Texter chat id"
        ),
        "data": Param({"plan": "pro", "tags": ["vip"]}, type="object", title="CRM data"),
        "merging_mode": Param(
            "merge", enum=["merge", "assign", "replace", "defaults", "defaultsDeep"], title="Merging mode"
        ),
        "display_name": Param("Dana Levi", type="string", maxLength=255, title="Display name"),
    },
    tags=["texter"],
):
    update_crm_data = TexterUpdateCrmDataOperator(
        task_id="update_crm_data",
        texter_conn_id=TEXTER_CONN_ID,
        chat_id="{{ params.chat_id }}",
        data="{{ params.data }}",
        merging_mode="{{ params.merging_mode }}",
        # Render "{{ params.data }}" as the dict itself, not as its text. Set on this task only (a task
        # option of recent Airflow 3 releases): rendered natively, a display name "2024" became a number.
        render_template_as_native_obj=True,
    )
    update_display_name = TexterUpdateChatOperator(
        task_id="update_display_name",
        texter_conn_id=TEXTER_CONN_ID,
        chat_id="{{ params.chat_id }}",
        display_name="{{ params.display_name }}",
    )
    update_crm_data >> update_display_name
