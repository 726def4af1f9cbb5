"""Turn one SQL row into one Texter payload: which columns go where, and what NULL means."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from airflow_provider_texter.exceptions import TexterValidationError

PATH_PART = re.compile(r"^[^.\s][^.]*$")
MAX_JSON_DEPTH = 64  # crmData is a document agents read: deeper nesting is a mistake, and it would
# exhaust Python's recursion when validated or converted


class RowMapper:
    """Maps the columns of a result set to a nested payload.

    :param columns: the result set's column names, in order.
    :param key_columns: columns that identify the chat; they never enter the payload.
    :param column_map: ``{column: "target.path"}``; dotted targets nest (``"customer.first_name"``).
        Columns not named here keep their own name; a column mapped to ``None`` is left out.
    :param keep_nulls: send NULLs as JSON null instead of leaving the key out.
    :param json_columns: columns holding JSON as text (SQLite, MySQL, Snowflake ARRAY/VARIANT): a string
        value is parsed, so ``'["vip", "b2b"]'`` is sent as an array; other values pass as they are.
    """

    def __init__(
        self,
        columns: Sequence[str],
        *,
        key_columns: Sequence[str],
        column_map: Mapping[str, str | None] | None = None,
        keep_nulls: bool = False,
        json_columns: Sequence[str] = (),
    ) -> None:
        column_map = dict(column_map or {})
        self._check_columns(columns, key_columns, column_map, json_columns)
        self.keep_nulls = keep_nulls
        self.json_positions = {columns.index(name): name for name in json_columns}
        self.key_positions = {name: columns.index(name) for name in key_columns}
        self.targets: list[tuple[int, tuple[str, ...]]] = []
        for position, column in enumerate(columns):
            if column in key_columns:
                continue
            target = column_map.get(column, column)
            if target is not None:
                self.targets.append((position, tuple(target.split("."))))
        self._check_targets()

    def key(self, row: Sequence[Any], column: str) -> Any:
        return row[self.key_positions[column]]

    def payload(self, row: Sequence[Any]) -> dict[str, Any]:
        """The nested payload of one row, values as the database returned them (converted to JSON later)."""
        payload: dict[str, Any] = {}
        for position, path in self.targets:
            value = row[position]
            if position in self.json_positions and isinstance(value, str):
                value = parse_json_column(value, self.json_positions[position])
            if value is None and not self.keep_nulls:
                continue
            node = payload
            for part in path[:-1]:
                node = node.setdefault(part, {})
            node[path[-1]] = value
        return payload

    @staticmethod
    def _check_columns(
        columns: Sequence[str], key_columns: Sequence[str], column_map: Mapping, json_columns: Sequence[str]
    ) -> None:
        problems = [
            f"key column {name!r} is not in the query result" for name in key_columns if name not in columns
        ]
        problems += [
            f"json_columns: column {name!r} is not in the query result"
            for name in json_columns
            if name not in columns
        ]
        problems += [
            f"column_map: column {name!r} is not in the query result"
            for name in column_map
            if name not in columns
        ]
        duplicates = sorted({name for name in columns if list(columns).count(name) > 1})
        if duplicates:
            problems.append(f"the query returns duplicate column names {duplicates}: alias them")
        for column, target in column_map.items():
            if target is not None and (
                not isinstance(target, str) or not all(map(PATH_PART.match, target.split(".")))
            ):
                problems.append(f"column_map: target {target!r} of column {column!r} is not a dotted path")
        if problems:
            raise TexterValidationError(
                problems + [f"query columns: {list(columns)}"], context="column mapping"
            )

    def _check_targets(self) -> None:
        """Two columns may not write the same key, nor one a value where another needs an object."""
        paths = [path for _, path in self.targets]
        problems = []
        for index, path in enumerate(paths):
            for other in paths[index + 1 :]:
                shorter, longer = sorted((path, other), key=len)
                if longer[: len(shorter)] == shorter:
                    problems.append(f"targets {'.'.join(path)!r} and {'.'.join(other)!r} overlap")
        if problems:
            raise TexterValidationError(problems, context="column mapping")


def parse_json_column(text: str, column: str) -> Any:
    """A column's JSON text as a value; too deep or broken JSON is the row's error, naming the column."""
    try:
        value = json.loads(text)
    except RecursionError:
        value = None
        depth = MAX_JSON_DEPTH + 1
    except ValueError as error:
        raise TexterValidationError([f"{column}: is not valid JSON ({error}): {text[:80]!r}"]) from None
    else:
        depth = json_depth(value)
    if depth > MAX_JSON_DEPTH:
        raise TexterValidationError([f"{column}: JSON nested deeper than {MAX_JSON_DEPTH} levels"])
    return value


def json_depth(value: Any) -> int:
    """How deeply containers nest in ``value`` (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        for child in children:
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1))
        if isinstance(node, (dict, list)):
            deepest = max(deepest, depth)
    return deepest
