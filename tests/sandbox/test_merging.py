"""The five merging modes on the corners where they are easiest to get wrong, without node.

Every expected value is real lodash's (4.17.21, through ``lodash_merging.js``) after a JSON round trip,
written here as literal JSON and compared as text, so that key order counts too. The random cases in
``test_merging_against_lodash.py`` cover the rest.
"""

from __future__ import annotations

import copy
import json

import pytest

from airflow_provider_texter.sandbox import merging
from airflow_provider_texter.sandbox.merging import MergeFailure, apply_merging_mode

# (corner, mode, current crmData, data, what lodash makes of them)
LODASH_RESULTS = [
    (
        "index keys of an object write an array's slots",
        "merge",
        '{"a":[1,2,3]}',
        '{"a":{"2":{"0":[null]}}}',
        '{"a":[1,2,{"0":[null]}]}',
    ),
    (
        "an index key past the end leaves nulls before it",
        "merge",
        '{"a":[1]}',
        '{"a":{"3":"x"}}',
        '{"a":[1,null,null,"x"]}',
    ),
    (
        "keys that only look like indexes vanish on an array",
        "merge",
        '{"a":[1]}',
        '{"a":{"01":1,"-1":2,"1.5":3," 1":4,"4294967295":5,"x":6}}',
        '{"a":[1]}',
    ),
    ("a length key shortens an array", "merge", '{"a":[1,2,3]}', '{"a":{"length":1}}', '{"a":[1]}'),
    (
        "a length key lengthens an array with nulls",
        "merge",
        '{"a":[1]}',
        '{"a":{"length":3}}',
        '{"a":[1,null,null]}',
    ),
    (
        "a length key is read as a JavaScript number",
        "merge",
        '{"a":[1,2,3],"b":[1,2,3],"c":[1,2,3],"d":[1,2,3]}',
        '{"a":{"length":" 0x2 "},"b":{"length":true},"c":{"length":null},"d":{"length":[["2"]]}}',
        '{"a":[1,2],"b":[1],"c":[],"d":[1,2]}',
    ),
    (
        "a length key applies after every index key",
        "merge",
        '{"a":[1,2,3]}',
        '{"a":{"length":2,"5":1}}',
        '{"a":[1,2]}',
    ),
    (
        "an array merges into a copy of an array-like object",
        "merge",
        '{"a":{"length":2,"0":{"x":1},"b":3}}',
        '{"a":[{"y":2}]}',
        '{"a":[{"x":1,"y":2},null]}',
    ),
    (
        "an array replaces an object without a numeric length",
        "merge",
        '{"a":{"length":"2","0":1},"b":{"x":1}}',
        '{"a":[5],"b":[1]}',
        '{"a":[5],"b":[1]}',
    ),
    (
        "an object merges into an array, an array merges into an array",
        "merge",
        '{"a":[{"x":1},{"y":2}],"b":[1,2,3]}',
        '{"a":{"1":{"z":3}},"b":[4]}',
        '{"a":[{"x":1},{"y":2,"z":3}],"b":[4,2,3]}',
    ),
    (
        "__proto__ holding a container is skipped",
        "merge",
        '{"__proto__":{"a":1},"b":{}}',
        '{"__proto__":{"b":2},"b":{"__proto__":[1]}}',
        '{"__proto__":{"a":1},"b":{}}',
    ),
    (
        "__proto__ holding a plain value is written",
        "merge",
        "{}",
        '{"__proto__":1,"a":{"__proto__":null}}',
        '{"__proto__":1,"a":{"__proto__":null}}',
    ),
    (
        "constructor, prototype and inherited names are ordinary keys",
        "merge",
        '{"toString":{"a":1}}',
        '{"constructor":{"prototype":{"x":1}},"toString":{"b":2},"valueOf":1}',
        '{"toString":{"a":1,"b":2},"constructor":{"prototype":{"x":1}},"valueOf":1}',
    ),
    (
        "index keys come first, in numeric order",
        "merge",
        '{"b":1,"a":{"x":1,"3":1}}',
        '{"10":1,"2":2,"x":3,"a":{"1":2,"y":1}}',
        '{"2":2,"10":1,"b":1,"a":{"1":2,"3":1,"x":1,"y":1},"x":3}',
    ),
    (
        "null overwrites, and a container overwrites null",
        "merge",
        '{"a":{"b":1},"c":null,"d":[1]}',
        '{"a":null,"c":{"e":1},"d":[null]}',
        '{"a":null,"c":{"e":1},"d":[null]}',
    ),
    (
        "empty containers change nothing but a plain value",
        "merge",
        '{"a":[1,2],"b":{"c":1},"d":1}',
        '{"a":[],"b":{},"d":[]}',
        '{"a":[1,2],"b":{"c":1},"d":[]}',
    ),
    (
        "unicode keys keep their order",
        "merge",
        '{"é":1,"😀":{"ключ":1}}',
        '{"😀":{"\\u2028":2},"":0}',
        '{"é":1,"😀":{"ключ":1,"\\u2028":2},"":0}',
    ),
    (
        "defaultsDeep: an array fills an object's index keys",
        "defaultsDeep",
        '{"a":{"x":1}}',
        '{"a":[5,6]}',
        '{"a":{"0":5,"1":6,"x":1}}',
    ),
    (
        "defaultsDeep: an object fills an array's missing slots only",
        "defaultsDeep",
        '{"a":[1,null]}',
        '{"a":{"0":9,"1":2,"3":4,"length":0,"x":1}}',
        '{"a":[1,null,null,4]}',
    ),
    (
        "defaultsDeep: an array-like object stays an object",
        "defaultsDeep",
        '{"a":{"length":2,"0":{"x":1}}}',
        '{"a":[{"y":2}]}',
        '{"a":{"0":{"x":1,"y":2},"length":2}}',
    ),
    (
        "defaultsDeep: inherited names are never filled",
        "defaultsDeep",
        '{"a":{}}',
        '{"toString":1,"valueOf":{"a":1},"hasOwnProperty":[1],"a":{"x":{"toString":1,"y":2}}}',
        '{"a":{"x":{"y":2}}}',
    ),
    (
        "defaultsDeep: own keys with inherited names merge",
        "defaultsDeep",
        '{"toString":{"a":1}}',
        '{"toString":{"b":2}}',
        '{"toString":{"a":1,"b":2}}',
    ),
    (
        "defaultsDeep: __proto__ takes a plain value, even over one",
        "defaultsDeep",
        '{"__proto__":1,"a":{"__proto__":{"x":1}}}',
        '{"__proto__":2,"a":{"__proto__":{"y":2}},"constructor":3}',
        '{"__proto__":2,"a":{"__proto__":{"x":1}},"constructor":3}',
    ),
    (
        "defaultsDeep: null and other values already present are kept",
        "defaultsDeep",
        '{"a":null,"b":"text","c":[1]}',
        '{"a":{"b":1},"b":{"c":1},"c":[2,3],"d":[1]}',
        '{"a":null,"b":"text","c":[1,3],"d":[1]}',
    ),
    (
        "defaults never fills __proto__ but fills inherited names",
        "defaults",
        '{"b":null}',
        '{"__proto__":1,"toString":1,"constructor":2,"b":1,"1":2}',
        '{"1":2,"b":null,"toString":1,"constructor":2}',
    ),
    (
        "assign writes __proto__ and puts index keys first",
        "assign",
        '{"b":1,"a":{"x":1}}',
        '{"__proto__":2,"1":1,"a":{"y":2}}',
        '{"1":1,"b":1,"a":{"y":2},"__proto__":2}',
    ),
    (
        "replace puts index keys first at every level",
        "replace",
        '{"a":1}',
        '{"b":1,"2":{"y":1,"1":2}}',
        '{"2":{"1":2,"y":1},"b":1}',
    ),
    ("replace with an empty object empties crmData", "replace", '{"a":1}', "{}", "{}"),
]
# (corner, current crmData, data, what lodash does under merge instead of returning a result)
LODASH_FAILURES = [
    ("a negative length", '{"a":[1]}', '{"a":{"length":-1}}', "RangeError: Invalid array length"),
    ("a fractional length", '{"a":[1]}', '{"a":{"length":1.5}}', "RangeError: Invalid array length"),
    (
        "a length that is not a number",
        '{"a":[1]}',
        '{"a":{"length":"x"}}',
        "RangeError: Invalid array length",
    ),
    ("an object as length", '{"a":[1]}', '{"a":{"length":{}}}', "RangeError: Invalid array length"),
    (
        "an array of two items as length",
        '{"a":[1]}',
        '{"a":{"length":[1,2]}}',
        "RangeError: Invalid array length",
    ),
    (
        "the largest index",
        '{"a":[]}',
        '{"a":{"4294967294":1}}',
        "an array of 4294967295 slots, whose JSON no server can write",
    ),
    (
        "the largest length",
        '{"a":[]}',
        '{"a":{"length":4294967295}}',
        "an array of 4294967295 slots, whose JSON no server can write",
    ),
    (
        "an array-like object longer than a length can be",
        '{"a":{"length":4294967296}}',
        '{"a":[]}',
        "RangeError: Invalid array length",
    ),
    (
        "a length longer than a length can be",
        '{"a":[]}',
        '{"a":{"length":4294967296}}',
        "RangeError: Invalid array length",
    ),
]


def merged_json(current: str, data: str, mode: str) -> str:
    return json.dumps(apply_merging_mode(json.loads(current), json.loads(data), mode))


@pytest.mark.parametrize(
    ("mode", "current", "data", "expected"),
    [pytest.param(*row[1:], id=row[0]) for row in LODASH_RESULTS],
)
def test_mode_gives_the_lodash_result(mode, current, data, expected):
    assert merged_json(current, data, mode) == json.dumps(json.loads(expected))


@pytest.mark.parametrize(
    ("current", "data", "lodash"), [pytest.param(*row[1:], id=row[0]) for row in LODASH_FAILURES]
)
def test_merge_fails_where_lodash_gives_no_result(current, data, lodash):
    with pytest.raises(MergeFailure):
        apply_merging_mode(json.loads(current), json.loads(data), "merge")


@pytest.fixture
def max_array_length(monkeypatch) -> int:
    """A small ``MAX_ARRAY_LENGTH``, so that the tests of the limit build no arrays of a million items."""
    monkeypatch.setattr(merging, "MAX_ARRAY_LENGTH", 5)
    return 5


def test_an_array_grown_longer_than_the_sandbox_builds_is_refused(max_array_length):
    """lodash would build it; the sandbox stops at ``MAX_ARRAY_LENGTH`` instead of filling its memory."""
    assert apply_merging_mode({"a": []}, {"a": {"length": max_array_length}}, "merge") == {"a": [None] * 5}
    too_long = f"array of {max_array_length + 1} items"
    with pytest.raises(MergeFailure, match=too_long):
        apply_merging_mode({"a": []}, {"a": {str(max_array_length): 1}}, "merge")
    with pytest.raises(MergeFailure, match=too_long):
        apply_merging_mode({"a": [1]}, {"a": {"length": max_array_length + 1}}, "merge")
    with pytest.raises(MergeFailure, match=too_long):
        apply_merging_mode({"a": {"length": max_array_length + 1}}, {"a": []}, "merge")


@pytest.mark.parametrize("mode", ["merge", "defaultsDeep"])
def test_arrays_that_were_sent_are_never_too_long(mode, max_array_length):
    long_list = list(range(max_array_length + 1))
    assert apply_merging_mode({"a": [9]}, {"a": long_list}, mode)["a"][1:] == long_list[1:]
    assert apply_merging_mode({"a": long_list}, {"a": {"1": 9}}, mode)["a"][2:] == long_list[2:]


@pytest.mark.parametrize(
    ("mode", "expected"), [("merge", {"k": [1, {"b": 1}]}), ("defaultsDeep", {"k": [1, 2, 3]})]
)
def test_json_nested_900_levels_deep_merges_as_at_the_top(mode, expected):
    """lodash merges such JSON (the expected values are its own); Python's recursion limit is 1000."""

    def nested(value: dict) -> dict:
        for _ in range(900):
            value = {"a": value}
        return value

    result = apply_merging_mode(nested({"k": [1, 2, 3]}), nested({"k": {"1": {"b": 1}, "length": 2}}), mode)
    assert result == nested(expected)


@pytest.mark.parametrize("mode", ["replace", "assign", "merge", "defaults", "defaultsDeep"])
def test_inputs_are_not_changed_and_not_shared_with_the_result(mode):
    current = {"a": {"b": [1, {"c": 2}]}, "n": None, "l": [1, 2]}
    data = {"a": {"b": [{"d": 3}], "e": {"f": 4}}, "g": [5], "l": {"0": {"h": 1}, "length": 1}}
    before = copy.deepcopy((current, data))
    result = apply_merging_mode(current, data, mode)
    assert (current, data) == before
    for value in result.values():
        if isinstance(value, dict):
            value.clear()
        elif isinstance(value, list):
            value.append("changed")
    assert (current, data) == before


def test_unknown_mode_names_the_valid_modes():
    with pytest.raises(ValueError, match="replace, assign, merge, defaults, defaultsDeep.*'deep'"):
        apply_merging_mode({}, {}, "deep")
