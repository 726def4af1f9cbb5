"""Manage Labels in Chat (``POST /chats/{chatId}/labels``): add, remove or set a chat's labels (by id)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from airflow_provider_texter.actions.action import Action, Request, RowOptions, RowTarget
from airflow_provider_texter.actions.endpoint import MANAGE_CHATS, PLAIN_OK, Endpoint

LABEL_OPERATIONS = ("add", "remove", "set")


def label_list(value: Any) -> Any:
    """Labels as a list: one string is one label; anything else not a list is left for the schema to name."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return list(value)
    return value


@dataclass(frozen=True)
class ManageChatLabels(Action):
    """A segment's members get the run's labels; one call per change, since the API takes one at a time.

    The state keeps the label ids a row gave, so a member that leaves (or labels the sync no longer
    gives) can have exactly those taken off, and no other label.
    """

    row_arguments = ("labels", "create_missing_labels")
    undoable = True
    written_name = "labels"

    def argument_problems(self, arguments: Mapping[str, Any]) -> list[str]:
        return (
            []
            if arguments["labels"]
            else ["labels: operation 'labels' needs the labels to give (names or ids)"]
        )

    def written_fields(self, body: Any) -> list[str]:
        return ["labels"]

    def summary(self, body: Any) -> dict[str, Any]:
        return dict(body)

    def target_problems(self, targets: Sequence[Sequence[str]]) -> list[str]:
        return [
            f"column {'.'.join(path)!r}: operation 'labels' sends only the labels argument to each row's "
            "chat; drop the column from the query or map it to None in column_map"
            for path in targets
        ]

    def row_payload(self, mapped: dict[str, Any], options: RowOptions) -> dict[str, Any]:
        return {"add": list(options.label_ids)}

    def row_written(self, options: RowOptions) -> list[str] | None:
        return list(options.label_ids)

    def undo_payload(self, written: list[str]) -> dict[str, Any] | None:
        return {"remove": written}

    def rewritten_payload(
        self, payload: dict[str, Any], previously_written: list[str] | None, options: RowOptions
    ) -> dict[str, Any]:
        dropped = [label for label in previously_written or () if label not in options.label_ids]
        return {**payload, "remove": dropped} if dropped else payload

    def row_requests(self, target: RowTarget, payload: dict[str, Any], options: RowOptions) -> list[Request]:
        return [
            self.request(chat_id=target.chat_id, body={change: list(ids)}) for change, ids in payload.items()
        ]


MANAGE_CHAT_LABELS = ManageChatLabels(
    Endpoint(
        "Manage Labels in Chat", "POST", "/chats/{chat_id}/labels", MANAGE_CHATS, "manage_chat_labels",
        (PLAIN_OK,), "chat {chat_id}",
    ),
    addressing="chat_in_path",
    dataset="chats.labels",
    operation="labels",
)  # fmt: skip
