"""The project's labels as Texter's Labels endpoints serve them, starting with Texter's built-in one.

A label's ``id`` is what chats store in ``labels`` (and what Manage Labels in Chat and Search Chats
take); its ``name`` is what agents see. System labels can be renamed and recoloured, never created.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import Any

from .payloads import InvalidRequest, page_window, raise_if_any, require_object, unknown_fields

MAX_TEXT_LENGTH = 100
DEFAULT_COLOR = "#555555"
MAX_PAGE_SIZE = 10_000
MAX_SKIP = 100_000
DEFAULT_PAGE_SIZE = 30  # the docs give no default: Search Chats' page size, so clients that rely on it page
SYSTEM_LABELS: tuple[dict[str, Any], ...] = (
    {"id": "failed-message", "name": "Failed message", "color": "#e53935", "system": True},
)
_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")


class UnknownLabel(KeyError):
    """No label has this id."""


def new_label(body: Any) -> dict:
    """The label a Create Label body describes; ``system`` may be sent only as false."""
    require_object(body)
    problems = unknown_fields(body, ("id", "name", "color", "system"))
    problems += _text_problems(body, ("id", "name"), required=True)
    problems += _color_problems(body)
    if body.get("system", False) is not False:
        problems.append("system must be false: system labels cannot be created")
    raise_if_any(problems)
    return {
        "id": body["id"],
        "name": body["name"],
        "color": body.get("color", DEFAULT_COLOR),
        "system": False,
    }


def label_changes(body: Any) -> dict:
    """The ``name`` and ``color`` an Update Label body sets (at least one of them)."""
    require_object(body)
    if not body:
        raise InvalidRequest("name or color is required")
    problems = unknown_fields(body, ("name", "color"))
    problems += _text_problems(body, ("name",), required=False)
    problems += _color_problems(body)
    raise_if_any(problems)
    return dict(body)


def label_page(query: dict[str, list[str]]) -> tuple[int, int]:
    """``(skip, limit)`` of a List Labels query string."""
    return page_window(query, default_limit=DEFAULT_PAGE_SIZE, max_limit=MAX_PAGE_SIZE, max_skip=MAX_SKIP)


def _text_problems(body: dict, names: Iterable[str], *, required: bool) -> list[str]:
    problems = []
    for name in names:
        if name not in body:
            if required:
                problems.append(f"{name} is required")
        elif not isinstance(body[name], str) or not 1 <= len(body[name]) <= MAX_TEXT_LENGTH:
            problems.append(f"{name} must be a string of 1 to {MAX_TEXT_LENGTH} characters")
    return problems


def _color_problems(body: dict) -> list[str]:
    color = body.get("color", DEFAULT_COLOR)
    if isinstance(color, str) and _COLOR.fullmatch(color):
        return []
    return [f"color must be #RRGGBB (six hex digits), got {color!r}"]


class LabelStore:
    """Thread-safe labels by id, in creation order (the order List Labels answers in).

    A stored label is never changed in place: an update stores a new dict, so what a method returns is
    a snapshot that callers must not change.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._labels: dict[str, dict] = {label["id"]: dict(label) for label in SYSTEM_LABELS}

    def create(self, label: dict) -> dict:
        """Store a label from ``new_label``; an id already taken is a 400.

        400 rather than 409: Texter answers every documented body problem with 400, and a status the real
        API may never send would invite clients to depend on it. Read the label first to find out.
        """
        with self._lock:
            taken = self._labels.get(label["id"])
            if taken is not None:
                kind = "system label" if taken["system"] else "label"
                raise InvalidRequest(f"id {label['id']!r} is taken: a {kind} with this id exists")
            self._labels[label["id"]] = label
        return label

    def update(self, label_id: str, changes: dict) -> dict:
        """Set the ``changes`` from ``label_changes``; UnknownLabel for an unknown id."""
        with self._lock:
            label = {**self._find(label_id), **changes}
            self._labels[label_id] = label
        return label

    def get(self, label_id: str) -> dict:
        with self._lock:
            return self._find(label_id)

    def all(self) -> list[dict]:
        """Every label in creation order (the labels themselves: see the class docstring)."""
        with self._lock:
            return list(self._labels.values())

    def page(self, skip: int, limit: int) -> tuple[list[dict], int]:
        """Labels ``skip`` to ``skip + limit`` in creation order, and how many there are."""
        labels = self.all()
        return labels[skip : skip + limit], len(labels)

    def unknown(self, label_ids: Iterable[str]) -> list[str]:
        """The ids no label has, in the order given, each once."""
        with self._lock:
            return [label_id for label_id in dict.fromkeys(label_ids) if label_id not in self._labels]

    def _find(self, label_id: str) -> dict:
        try:
            return self._labels[label_id]
        except KeyError:
            raise UnknownLabel(label_id) from None
