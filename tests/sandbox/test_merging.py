"""The five merging modes against hand-computed results (lodash semantics on JSON values)."""

from __future__ import annotations

import copy

import pytest

from airflow_provider_texter.sandbox import apply_merging_mode

CASES = {
    "replace": [
        ({"a": 1, "b": {"c": 2}}, {"b": {"d": 3}}, {"b": {"d": 3}}),
        ({"a": 1}, {}, {}),
    ],
    "assign": [
        ({"a": 1, "b": {"c": 2}}, {"b": {"d": 3}}, {"a": 1, "b": {"d": 3}}),
        ({"a": 1, "b": 2}, {"a": None}, {"a": None, "b": 2}),
        ({"a": [1, 2, 3]}, {"a": [4]}, {"a": [4]}),
    ],
    "merge": [
        ({"a": {"b": 1, "c": {"d": 2}}}, {"a": {"c": {"e": 3}}}, {"a": {"b": 1, "c": {"d": 2, "e": 3}}}),
        ({"a": [1, 2, 3]}, {"a": [4]}, {"a": [4, 2, 3]}),
        ({"a": [1]}, {"a": [None, 2]}, {"a": [None, 2]}),
        ({"a": [{"x": 1}, {"y": 2}]}, {"a": [{"z": 3}]}, {"a": [{"x": 1, "z": 3}, {"y": 2}]}),
        ({"a": {"x": 1}}, {"a": [1]}, {"a": [1]}),
        ({"a": "text"}, {"a": [1, {"b": 2}]}, {"a": [1, {"b": 2}]}),
        ({"a": None}, {"a": {"b": 1}}, {"a": {"b": 1}}),
        ({"a": 5}, {"a": {"b": {"c": 1}}}, {"a": {"b": {"c": 1}}}),
        ({"a": [1, 2]}, {"a": {"b": 1}}, {"a": [1, 2]}),
        ({"a": {"b": 1}, "c": 1}, {"a": None}, {"a": None, "c": 1}),
        ({"a": {"b": 1}}, {"a": "flat"}, {"a": "flat"}),
        ({"a": {"b": None}}, {"a": {"b": {"c": 1}}}, {"a": {"b": {"c": 1}}}),
        ({}, {}, {}),
    ],
    "defaults": [
        ({"a": None, "b": 1}, {"a": 2, "b": 3, "c": {"d": 4}}, {"a": None, "b": 1, "c": {"d": 4}}),
        ({"x": {"y": 1}}, {"x": {"z": 2}}, {"x": {"y": 1}}),
        ({}, {"a": None}, {"a": None}),
    ],
    "defaultsDeep": [
        (
            {"a": {"b": 1, "n": None}},
            {"a": {"b": 2, "c": 3, "n": 4}, "d": [1]},
            {"a": {"b": 1, "c": 3, "n": None}, "d": [1]},
        ),
        ({"a": [1]}, {"a": [1, 2]}, {"a": [1, 2]}),
        ({"a": [{"x": 1}]}, {"a": [{"x": 2, "y": 3}]}, {"a": [{"x": 1, "y": 3}]}),
        ({"a": "text"}, {"a": {"b": 1}}, {"a": "text"}),
        ({"a": None}, {"a": {"b": 1}}, {"a": None}),
        ({"a": {"x": 1}}, {"a": [5]}, {"a": {"x": 1, "0": 5}}),
        ({}, {"a": {"b": [1, {"c": None}]}}, {"a": {"b": [1, {"c": None}]}}),
    ],
}


@pytest.mark.parametrize(
    ("mode", "current", "data", "expected"),
    [(mode, *case) for mode, cases in CASES.items() for case in cases],
)
def test_mode_gives_the_lodash_result(mode, current, data, expected):
    assert apply_merging_mode(current, data, mode) == expected


@pytest.mark.parametrize("mode", list(CASES))
def test_inputs_are_not_changed_and_not_shared_with_the_result(mode):
    current = {"a": {"b": [1, {"c": 2}]}, "n": None}
    data = {"a": {"b": [{"d": 3}], "e": {"f": 4}}, "g": [5]}
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
