"""What SqlToTexterOperator sends for one row and chat, per operation: described API calls and their bodies.

The transfer's preview shows these requests (method, path and body) instead of sending them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jsonschema.protocols import Validator

from airflow_provider_texter.endpoints import (
    ASSIGN_CHAT,
    MANAGE_CHAT_LABELS,
    UPDATE_CHAT_PROPERTIES,
    UPDATE_CRM_DATA,
    Endpoint,
)
from airflow_provider_texter.exceptions import TexterValidationError
from airflow_provider_texter.hooks.texter import (
    ASSIGNEE_FIELDS,
    TexterHook,
    assign_chat_request,
    path_segment,
)
from airflow_provider_texter.validation import CHAT_PROPERTIES, chat_properties_request, crm_data_request

OPERATIONS = ("crm_data", "chat", "labels", "assign")
_ASSIGNEE_NAMES = {
    **{name: name for name in ASSIGNEE_FIELDS},
    **{api: name for name, api in ASSIGNEE_FIELDS.items()},
}
_CHAT_NAMES = {*CHAT_PROPERTIES, *CHAT_PROPERTIES.values()}


@dataclass(frozen=True)
class RowRequest:
    """One API call for one chat."""

    endpoint: Endpoint
    chat_id: str
    body: dict[str, Any]

    def send(self, hook: TexterHook) -> Any:
        in_path = "chat_id" in self.endpoint.path_ids
        return hook.call(self.endpoint, chat_id=self.chat_id if in_path else None, body=self.body)

    def preview(self) -> dict[str, Any]:
        """What would be sent: ``{"method", "path", "body"}``."""
        path = self.endpoint.path.format(chat_id=path_segment(self.chat_id, field="chat_id"))
        return {"method": self.endpoint.method, "path": path, "body": self.body}


def row_requests(
    operation: str, *, merging_mode: str, data_schema: Validator | None
) -> Callable[[str, Mapping[str, Any]], list[RowRequest]]:
    """``build(chat_id, payload)``: the checked requests one row's payload makes for one of its chats.

    A labels payload is ``{"add": [ids]}``, plus ``"remove"`` when the row's labels changed; each is
    one call, since Manage Labels in Chat takes one operation at a time.
    """
    if operation == "crm_data":
        return lambda chat_id, payload: [
            RowRequest(
                UPDATE_CRM_DATA, chat_id, crm_data_request(payload, merging_mode, data_schema=data_schema)
            )
        ]
    if operation == "chat":
        return lambda chat_id, payload: [
            RowRequest(UPDATE_CHAT_PROPERTIES, chat_id, chat_properties_request(payload))
        ]
    if operation == "labels":
        return lambda chat_id, payload: [
            RowRequest(MANAGE_CHAT_LABELS, chat_id, {change: list(ids)}) for change, ids in payload.items()
        ]
    return lambda chat_id, payload: [RowRequest(ASSIGN_CHAT, chat_id, assignment_body(chat_id, payload))]


def assignment_body(chat_id: str, columns: Mapping[str, Any]) -> dict[str, str]:
    """The Assign Chat body for one row's assignee columns (``agent_email`` or ``agentEmail``, ...).

    Warehouse ids are often numbers: an integer id is sent as its text.
    """
    assignee: dict[str, Any] = {name: None for name in ASSIGNEE_FIELDS}
    for column, value in columns.items():
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        assignee[_ASSIGNEE_NAMES[column]] = text
    return assign_chat_request(chat_id=chat_id, phone=None, **assignee)


def check_targets(operation: str, targets: Sequence[Sequence[str]]) -> None:
    """Refuse, before any row, payload fields an operation cannot send (each would fail every row).

    ``targets`` are the payload paths the columns map to (``("crm_data", "plan")``).
    """
    if operation == "crm_data":
        return
    names = [".".join(path) for path in targets]
    if operation == "labels":
        problems = [
            f"column {name!r}: operation 'labels' sends only the labels argument to each row's chat; "
            "drop the column from the query or map it to None in column_map"
            for name in names
        ]
    elif operation == "assign":
        valid = ", ".join(ASSIGNEE_FIELDS)
        problems = [
            f"column {name!r}: is not an assignee column (valid: {valid})"
            for name, path in zip(names, targets, strict=True)
            if len(path) != 1 or path[0] not in _ASSIGNEE_NAMES
        ]
    else:
        valid = ", ".join(CHAT_PROPERTIES)
        problems = [
            f"column {name!r}: is not a chat property (valid: {valid})"
            for name, path in zip(names, targets, strict=True)
            if path[0] not in _CHAT_NAMES
        ]
    if problems:
        raise TexterValidationError(problems, context=f"columns of operation {operation!r}")
