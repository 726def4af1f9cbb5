"""The project's labels by id and by name, read once per hook: operators name labels as agents see them."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from airflow_provider_texter.actions.action import Request
from airflow_provider_texter.actions.create_label import CREATE_LABEL, label_id_for
from airflow_provider_texter.actions.list_labels import LABEL_PAGE_SIZE, LIST_LABELS
from airflow_provider_texter.actions.manage_chat_labels import MANAGE_CHAT_LABELS, label_list
from airflow_provider_texter.exceptions import TexterClientError, TexterValidationError
from airflow_provider_texter.redaction import redact

ANSWER_SHOWN = 200


def label_pages(send: Callable[[Request], Any], page_size: int = LABEL_PAGE_SIZE) -> Iterator[list[dict]]:
    """List Labels to the end, a page at a time."""
    skip = 0
    while True:
        page = send(LIST_LABELS.request(query={"limit": page_size, "skip": skip}))
        batch, total = page.get("labels"), page.get("total")
        if not isinstance(batch, list) or not isinstance(total, int):
            shown = redact(repr(page))[:ANSWER_SHOWN]
            raise TexterClientError(200, "GET", "/labels", f"expected {{total, labels}}, got {shown}")
        yield batch
        skip += len(batch)
        if not batch or skip >= total:
            return


def name_key(name: str) -> str:
    """What label names are matched on: ``"Gold  members "`` and ``"gold members"`` name one label."""
    return " ".join(name.split()).casefold()


class LabelDirectory:
    """Label id -> label, from ``GET /labels`` on the first name to resolve; thread-safe.

    :param send: sends a checked request (the hook's transport).
    """

    def __init__(self, send: Callable[[Request], Any], log: Any) -> None:
        self.send = send
        self.log = log
        self._labels: dict[str, dict] | None = None
        self._lock = threading.RLock()

    def read_all(self, *, page_size: int = LABEL_PAGE_SIZE) -> list[dict]:
        """Every label of the project, page by page; refreshes what names resolve with."""
        labels = [label for page in label_pages(self.send, page_size) for label in page]
        with self._lock:
            self._labels = {label["id"]: label for label in labels}
        return labels

    def create(self, id: str, name: str, color: str | None = None) -> dict:
        body = {"id": id, "name": name} if color is None else {"id": id, "name": name, "color": color}
        answer = self.send(CREATE_LABEL.request(body=body))
        label: dict[str, Any] = answer if isinstance(answer, dict) else {**body, "system": False}
        with self._lock:
            if self._labels is not None:
                self._labels[label["id"]] = label
        return label

    def change(
        self,
        chat_id: str,
        *,
        add: Iterable[str] | str | None,
        remove: Iterable[str] | str | None,
        set: Iterable[str] | str | None,
        create_missing: bool,
    ) -> Request:
        """The Manage Labels in Chat request for one of add/remove/set, names resolved to ids. The names are
        checked against the request schema first (names and ids have one form); ``create_missing`` creates
        unknown names, never for ``remove``."""
        operations = {"add": add, "remove": remove, "set": set}
        body = {name: label_list(value) for name, value in operations.items() if value is not None}
        MANAGE_CHAT_LABELS.request(chat_id=chat_id, body=body)
        ((operation, labels),) = body.items()
        ids = self.ids(labels, create_missing=create_missing and operation != "remove")
        return MANAGE_CHAT_LABELS.addressed(chat_id=chat_id, body={operation: ids})

    def ids(
        self, names: Iterable[str] | str, *, create_missing: bool = False, preview: bool = False
    ) -> list[str]:
        """The label ids for labels given by id or by name (any case and spacing), each once, in order.

        A value that names no label is a ``TexterValidationError`` listing the known names, unless
        ``create_missing``: then a label is created with that name and an id derived from it. With
        ``preview`` nothing is created: the ids it would get are returned.
        """
        values = [names] if isinstance(names, str) else list(names)
        problems = [
            f"labels[{index}]: must be a non-empty string, got {value!r}"
            for index, value in enumerate(values)
            if not isinstance(value, str) or not value.strip()
        ]
        if problems:
            raise TexterValidationError(problems, context="labels")
        if not values:
            return []
        with self._lock:
            if self._labels is None:
                self.read_all()
            known = dict(self._labels or {})
        by_name: dict[str, str] = {}
        for label in known.values():
            by_name.setdefault(name_key(str(label.get("name", ""))), label["id"])
        missing = [value for value in values if value not in known and name_key(value) not in by_name]
        if missing and not create_missing:
            names_known = ", ".join(repr(label.get("name")) for label in known.values()) or "none"
            raise TexterValidationError(
                [f"{value!r}: no label has this name or id" for value in dict.fromkeys(missing)]
                + [f"known label names: {names_known} (create_missing_labels=True creates the missing ones)"],
                context="labels",
            )
        for name in missing:
            if name_key(name) in by_name:  # "Gold members" after "gold  Members": created already
                continue
            label_id = label_id_for(name)
            if label_id in known:
                raise TexterValidationError(
                    [f"{name!r}: its id {label_id!r} belongs to the label {known[label_id].get('name')!r}"],
                    context="labels",
                )
            if preview:
                self.log.info("[preview] would create label %r with id %r", name, label_id)
                known[label_id] = {"id": label_id, "name": name}
            else:
                known[label_id] = self.create(label_id, name)
            by_name[name_key(name)] = label_id
        ids = [value if value in known else by_name[name_key(value)] for value in values]
        return list(dict.fromkeys(ids))
