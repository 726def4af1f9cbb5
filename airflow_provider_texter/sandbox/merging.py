"""The five crmData merging modes of Update CRM Data, computed as lodash 4 computes them on JSON values.

Texter names the modes after lodash's functions, so the sandbox follows lodash's algorithms (``assign``,
``defaults``, ``baseMerge``/``baseMergeDeep``, ``customDefaultsMerge``) and what JavaScript does with
their writes, then answers what a JSON round trip of lodash's result gives. Where an object meets an
array: an array's index keys write its slots (holes become ``null``), its ``length`` key resizes it under
``merge``, other keys vanish; an object with a numeric ``length`` merged with an array is first copied into
an array of that length. ``__proto__`` holding a container is skipped by the deep modes, and the deep
defaults never fill a key that plain objects inherit (``toString`` ...), since lodash sees the inherited
function there. Objects list index-like keys first, in numeric order, as JavaScript does.
"""

from __future__ import annotations

from typing import Any

from .javascript import ARRAY_LENGTH_LIMIT, array_index, as_javascript_value, to_number

MERGING_MODES = ("replace", "assign", "merge", "defaults", "defaultsDeep")
# lodash builds arrays of up to 2**32 - 1 slots from one number (an index key, a length), but no server
# can send the JSON of billions of nulls back; Texter's own limit is not documented. A million nulls are
# 5 MB of JSON already.
MAX_ARRAY_LENGTH = 1_000_000
_MAX_SAFE_INTEGER = 2**53 - 1
# Object.prototype's own names except "constructor" and "__proto__", which lodash's safeGet hides.
_INHERITED_NAMES = frozenset(
    (
        "__defineGetter__",
        "__defineSetter__",
        "__lookupGetter__",
        "__lookupSetter__",
        "hasOwnProperty",
        "isPrototypeOf",
        "propertyIsEnumerable",
        "toLocaleString",
        "toString",
        "valueOf",
    )
)
_ABSENT = object()  # JavaScript's undefined: no own value (a hole, a missing key)
_INHERITED = object()  # an inherited function, which lodash's defaultsDeep takes for a value to keep


class MergeFailure(ValueError):
    """lodash throws on this input (so Texter cannot store a result), or the result is too long to build."""


def apply_merging_mode(current: dict, data: dict, mode: str) -> dict:
    """Return the crmData that ``mode`` makes of ``current`` and ``data``; neither input is changed.

    Raises MergeFailure where lodash would throw or an array would exceed ``MAX_ARRAY_LENGTH``.
    """
    if mode not in MERGING_MODES:
        raise ValueError(f"mergingMode must be one of {', '.join(MERGING_MODES)}, got {mode!r}")
    result = as_javascript_value(current)
    source = as_javascript_value(data)
    if mode == "replace":
        result = source
    elif mode == "assign":
        result.update(source)
    elif mode == "defaults":
        for key, value in source.items():
            # lodash reads object["__proto__"], which is never undefined, so it never fills that key
            if key not in result and key != "__proto__":
                result[key] = value
    else:
        _merge_into(result, source, keep_existing=mode == "defaultsDeep")
    return as_javascript_value(result)  # keys in JavaScript's order, after the writes


def _merge_into(target: dict, source: dict, *, keep_existing: bool) -> None:
    """lodash ``baseMerge``, with a list of pending merges instead of recursion.

    lodash merges JSON nested a thousand levels deep; Python's recursion limit would stop halfway.
    ``keep_existing`` is ``defaultsDeep``: a value already present wins unless both sides are containers.
    """
    pending: list[tuple[dict | list, dict | list]] = [(target, source)]
    while pending:
        into, values = pending.pop()
        if isinstance(into, list):
            _write_array_slots(into, values, pending, keep_existing=keep_existing)
        else:
            _write_object_keys(into, values, pending, keep_existing=keep_existing)


def _write_object_keys(target: dict, source: dict | list, pending: list, *, keep_existing: bool) -> None:
    """Write each key of ``source`` (its indexes, for an array) into an object."""
    entries = source.items() if isinstance(source, dict) else ((str(i), v) for i, v in enumerate(source))
    for key, value in entries:
        if key == "__proto__":
            # safeGet hides the source's container, so lodash writes only a plain value there
            if not isinstance(value, (dict, list)):
                target[key] = value
            continue
        missing = _INHERITED if keep_existing and key in _INHERITED_NAMES else _ABSENT
        merged = _merged_value(target.get(key, missing), value, pending, keep_existing=keep_existing)
        if merged is not _INHERITED:
            target[key] = merged


def _write_array_slots(target: list, source: dict | list, pending: list, *, keep_existing: bool) -> None:
    """Write the source's index keys into an array's slots; under ``merge`` its ``length`` resizes it.

    JavaScript lists index keys first, so every slot is written before ``length``; new slots are placed
    once the final length is known, so that a length cut saves building what it cuts.
    """
    entries = enumerate(source) if isinstance(source, list) else source.items()
    new_slots: dict[int, Any] = {}
    length = len(target)
    for key, value in entries:
        index = key if isinstance(key, int) else array_index(key)
        if index is not None and index < len(target):
            target[index] = _merged_value(target[index], value, pending, keep_existing=keep_existing)
        elif index is not None:
            new_slots[index] = _merged_value(_ABSENT, value, pending, keep_existing=keep_existing)
            length = index + 1
        elif key == "length" and not keep_existing:
            # lodash writes a copy of the value; as a number the copy reads as the value does
            length = _array_length(value)
        # any other key becomes a property of the array, which JSON does not show
    if length > max(len(target), len(source)):
        _refuse_longer_than_max(length)  # grown from a number, not from items that were sent
    del target[length:]
    target.extend([None] * (length - len(target)))
    for index, value in new_slots.items():
        if index < length:
            target[index] = value


def _merged_value(existing: Any, value: Any, pending: list, *, keep_existing: bool) -> Any:
    """lodash ``baseMergeDeep`` (with ``customDefaultsMerge`` when ``keep_existing``): the slot's new value.

    ``existing`` is the slot's value, ``_ABSENT`` or ``_INHERITED``. A container that ``value`` must be
    merged into is returned at once and its merge appended to ``pending``.
    """
    if keep_existing and existing is not _ABSENT:
        if isinstance(existing, (dict, list)) and isinstance(value, (dict, list)):
            pending.append((existing, value))
        return existing
    merged: dict | list
    if isinstance(value, list):
        if isinstance(existing, list):
            merged = existing
        elif isinstance(existing, dict) and _is_length(existing.get("length")):
            merged = _copy_array_like(existing)
        else:
            merged = []
    elif isinstance(value, dict):
        merged = existing if isinstance(existing, (dict, list)) else {}
    else:
        return value
    pending.append((merged, value))
    return merged


def _is_length(value: Any) -> bool:
    """lodash ``isLength``: an object with such a ``length`` is array-like."""
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and -1 < value <= _MAX_SAFE_INTEGER
        and value % 1 == 0
    )


def _copy_array_like(value: dict) -> list:
    """lodash ``copyArray`` of an array-like object: its slots ``0`` to ``length - 1``, missing ones null."""
    length = int(value["length"])
    _refuse_longer_than_max(length)
    return [value.get(str(index)) for index in range(length)]


def _array_length(value: Any) -> int:
    """The length JavaScript gives an array when lodash writes ``value`` to its ``length``."""
    number = to_number(value)
    if number is None or not (0 <= number <= ARRAY_LENGTH_LIMIT and number % 1 == 0):
        raise MergeFailure(f"lodash throws: {value!r} is not a valid array length")
    return int(number)


def _refuse_longer_than_max(length: int) -> None:
    """An index key or a length can ask for billions of slots: stop at ``MAX_ARRAY_LENGTH`` instead."""
    if length > MAX_ARRAY_LENGTH:
        raise MergeFailure(f"the result would hold an array of {length} items (most: {MAX_ARRAY_LENGTH})")
