"""What JavaScript does with JSON values where lodash's merging depends on it: key order, indexes, numbers."""

from __future__ import annotations

import re
from typing import Any

ARRAY_LENGTH_LIMIT = 2**32 - 1  # the longest array; every array index is below it
_INDEX = re.compile(r"0|[1-9][0-9]*")
# what Number(text) trims: JavaScript's white space and line terminators (Python's strip() differs)
_WHITESPACE = "\t\n\v\f\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff" + "".join(
    map(chr, range(0x2000, 0x200B))
)
_DECIMAL = re.compile(r"[+-]?(?:Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)")
_RADIX_NUMBER = re.compile(r"0(?:[xX][0-9a-fA-F]+|[oO][0-7]+|[bB][01]+)")
_RADIXES = {"x": 16, "o": 8, "b": 2}


def array_index(key: str) -> int | None:
    """The array index that a property key names (``"0"``, ``"17"``; not ``"01"``, ``"-1"``), else None."""
    if _INDEX.fullmatch(key) and int(key) < ARRAY_LENGTH_LIMIT:
        return int(key)
    return None


def as_javascript_value(value: Any) -> Any:
    """A deep copy of a JSON value, each object's keys in JavaScript's order: indexes first, ascending.

    Copied level by level without recursion, so that any depth that ``json.loads`` accepts is copied.
    """
    copy = _shallow_copy(value)
    pending = [copy]
    while pending:
        container = pending.pop()
        for key, item in container.items() if isinstance(container, dict) else enumerate(container):
            if isinstance(item, (dict, list)):
                container[key] = _shallow_copy(item)
                pending.append(container[key])
    return copy


def _shallow_copy(value: Any) -> Any:
    if isinstance(value, list):
        return list(value)
    if not isinstance(value, dict):
        return value
    indexed = sorted((index, key) for key in value if (index := array_index(key)) is not None)
    keys = [key for _, key in indexed] + [key for key in value if array_index(key) is None]
    return {key: value[key] for key in keys}


def to_number(value: Any) -> int | float | None:
    """JavaScript's ``Number(value)`` for a JSON value; None where it is NaN (or JavaScript throws)."""
    if isinstance(value, list):
        # Number(array) reads the array's text, its items joined by commas: a number for at most one item
        while isinstance(value, list) and len(value) == 1:
            value = value[0]
        if value == []:
            return 0
        if isinstance(value, (list, bool)):  # "1,2" or "true"
            return None
    if value is None:
        return 0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return None if value != value else value
    if isinstance(value, str):
        return _string_to_number(value)
    return None  # an object reads as "[object Object]"


def _string_to_number(text: str) -> int | float | None:
    text = text.strip(_WHITESPACE)
    if not text:
        return 0
    if _DECIMAL.fullmatch(text):
        return float(text)
    if _RADIX_NUMBER.fullmatch(text):
        return int(text[2:], _RADIXES[text[1].lower()])
    return None
