"""
### Texter single chat update: write CRM data and a display name into one chat, from the trigger form

The smallest use of both operators, for manual runs: trigger the DAG with a chat id (24 hex characters,
e.g. from Texter's Search Chats), the CRM data to merge into the chat, and the name agents should see.
The chat id has no default: the trigger form asks for it, since any default would name a chat that
exists in one Texter project only.

- `read_trigger_form`: passes the form's values on as they were typed. Templates would render the CRM
  data as text (or, rendered natively, a display name "2024" as a number); XCom keeps both as they are.
- `update_crm_data`: `TexterUpdateCrmDataOperator` merges `data` into the chat's crmData as
  `merging_mode` says (merge = deep, assign = top-level keys, replace = exactly `data`, ...).
- `update_display_name`: `TexterUpdateChatOperator` sets `displayName`; an empty name clears it.

Both payloads are checked before any request; a bad one fails the task without retries.

**Params**: `chat_id` (required), `data` (a JSON object), `merging_mode`, `display_name`.

**Connection**: `texter_default`, type `texter`, an API token with the scope *Manage all chats* (the
constant at the top of this file).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from airflow.sdk import DAG, Param, task

from airflow_provider_texter.operators.texter import TexterUpdateChatOperator, TexterUpdateCrmDataOperator

TEXTER_CONN_ID = "texter_default"
FORM_FIELDS = ("chat_id", "data", "merging_mode", "display_name")


@task(multiple_outputs=True)
def read_trigger_form(**context: Any) -> dict[str, Any]:
    """The trigger form's values, each its own XCom for the operators to take as they are."""
    return {name: context["params"][name] for name in FORM_FIELDS}


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
            type="string",
            pattern="^[0-9a-f]{24}$",
            title="Texter chat id",
            description="Required: the chat to update, 24 hex characters (Texter's Search Chats shows it).",
        ),
        "data": Param({"plan": "pro", "tags": ["vip"]}, type="object", title="CRM data"),
        "merging_mode": Param(
            "merge", enum=["merge", "assign", "replace", "defaults", "defaultsDeep"], title="Merging mode"
        ),
        "display_name": Param("Dana Levi", type="string", maxLength=255, title="Display name"),
    },
    tags=["texter"],
):
    form = read_trigger_form()
    update_crm_data = TexterUpdateCrmDataOperator(
        task_id="update_crm_data",
        texter_conn_id=TEXTER_CONN_ID,
        chat_id=form["chat_id"],
        data=form["data"],
        merging_mode=form["merging_mode"],
    )
    update_display_name = TexterUpdateChatOperator(
        task_id="update_display_name",
        texter_conn_id=TEXTER_CONN_ID,
        chat_id=form["chat_id"],
        display_name=form["display_name"],
    )
    update_crm_data >> update_display_name
