"""Manage Labels in Chat: the one change a body asks for, and a chat's labels after it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .payloads import raise_if_any, require_object, unknown_fields

OPERATIONS = ("add", "remove", "set")


@dataclass(frozen=True)
class LabelChange:
    """``add``, ``remove`` or ``set`` with its label ids (ids, as ``chat.labels`` stores them)."""

    operation: str
    label_ids: tuple[str, ...]

    def apply(self, labels: list[str]) -> list[str]:
        """The labels after the change: ``add`` appends the missing ids in order, ``remove`` drops the ids
        (one the chat does not have is no error), ``set`` replaces them all; never an id twice."""
        if self.operation == "set":
            return list(dict.fromkeys(self.label_ids))
        if self.operation == "remove":
            return [label for label in labels if label not in self.label_ids]
        return list(dict.fromkeys([*labels, *self.label_ids]))


def label_change(body: Any) -> LabelChange:
    """The change a Manage Labels in Chat body asks for: exactly one of add, remove (each at least one
    id) or set (may be empty, which clears the labels)."""
    require_object(body)
    problems = unknown_fields(body, OPERATIONS)
    given = [operation for operation in OPERATIONS if operation in body]
    if len(given) != 1:
        got = f", got {' and '.join(given)}" if given else ""
        problems.append(f"exactly one of add, remove or set is required{got}")
    for operation in given:
        label_ids = body[operation]
        if not isinstance(label_ids, list) or not all(isinstance(label_id, str) for label_id in label_ids):
            problems.append(f"{operation} must be a list of label ids (strings)")
        elif not label_ids and operation != "set":
            problems.append(f"{operation} must hold at least 1 label id (to clear all labels, set [])")
    raise_if_any(problems)
    return LabelChange(given[0], tuple(body[given[0]]))
