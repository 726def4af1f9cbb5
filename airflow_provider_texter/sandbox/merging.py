"""The five crmData merging modes of Update CRM Data, computed as lodash computes them on JSON values.

Texter names the modes after lodash's functions, so the sandbox follows lodash's algorithms
(``baseMerge``/``baseMergeDeep``, ``assign``, ``defaults``, ``customDefaultsMerge``), not a reading of
their names: arrays merge index by index, ``null`` overwrites under ``merge`` (lodash skips only
``undefined``, which JSON cannot carry) and ``null`` is kept under ``defaults``.

Not modelled, because only JavaScript objects reach them: a target object with an integer ``length`` key
(lodash copies it as if it were an array) and numeric keys of a source object landing on an array.
"""

from __future__ import annotations

import copy
from typing import Any

MERGING_MODES = ("replace", "assign", "merge", "defaults", "defaultsDeep")


def apply_merging_mode(current: dict, data: dict, mode: str) -> dict:
    """Return the crmData that ``mode`` makes of ``current`` and ``data``; neither input is changed."""
    if mode not in MERGING_MODES:
        raise ValueError(f"mergingMode must be one of {', '.join(MERGING_MODES)}, got {mode!r}")
    result = {} if mode == "replace" else copy.deepcopy(current)
    source = copy.deepcopy(data)
    if mode in ("replace", "assign"):
        result.update(source)
    elif mode == "defaults":
        for key, value in source.items():
            result.setdefault(key, value)
    else:
        _merge_into(result, source, keep_existing=mode == "defaultsDeep")
    return result


def _merge_into(target: dict | list, source: dict | list, *, keep_existing: bool) -> None:
    """lodash ``baseMerge``: walk the source's keys (indexes for arrays) and write each into ``target``.

    ``keep_existing`` is ``defaultsDeep``: a value already present wins unless both sides are containers.
    """
    if isinstance(target, list) and isinstance(source, dict):
        return  # only numeric keys would show in the JSON of the array; see the module docstring
    entries = source.items() if isinstance(source, dict) else enumerate(source)
    for key, value in entries:
        slot = str(key) if isinstance(target, dict) else key
        present, existing = _lookup(target, slot)
        if keep_existing and present:
            if isinstance(existing, (dict, list)) and isinstance(value, (dict, list)):
                _merge_into(existing, value, keep_existing=True)
            continue
        if isinstance(value, list):
            merged = existing if isinstance(existing, list) else []
            _merge_into(merged, value, keep_existing=keep_existing)
        elif isinstance(value, dict):
            merged = existing if isinstance(existing, (dict, list)) else {}
            _merge_into(merged, value, keep_existing=keep_existing)
        else:
            merged = value
        _store(target, slot, merged)


def _lookup(container: dict | list, key: str | int) -> tuple[bool, Any]:
    """Whether ``key`` holds a value in ``container`` (lodash's ``undefined`` is "absent"), and the value."""
    if isinstance(container, dict):
        return key in container, container.get(key)
    return key < len(container), container[key] if key < len(container) else None


def _store(container: dict | list, key: str | int, value: Any) -> None:
    """Set ``key``; source arrays are walked in order, so a new index is always the next one."""
    if isinstance(container, list) and key == len(container):
        container.append(value)
    else:
        container[key] = value
