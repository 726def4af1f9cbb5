"""Columns become payload keys: renamed, nested by dotted paths, NULLs left out unless kept."""

from __future__ import annotations

import pytest

from airflow_provider_texter.exceptions import TexterValidationError
from airflow_provider_texter.transfers.row_mapping import RowMapper

COLUMNS = ["chat_id", "plan_name", "first", "last", "ltv"]


def test_columns_keep_their_names_and_key_columns_stay_out():
    mapper = RowMapper(COLUMNS, key_columns=["chat_id"])
    assert mapper.payload(("c1", "pro", "Dana", "Levi", 10)) == {
        "plan_name": "pro", "first": "Dana", "last": "Levi", "ltv": 10,
    }  # fmt: skip
    assert mapper.key(("c1", "pro", "Dana", "Levi", 10), "chat_id") == "c1"


def test_column_map_renames_nests_and_drops():
    mapper = RowMapper(
        COLUMNS,
        key_columns=["chat_id"],
        column_map={
            "plan_name": "plan",
            "first": "customer.first_name",
            "last": "customer.last_name",
            "ltv": None,
        },
    )
    assert mapper.payload(("c1", "pro", "Dana", "Levi", 10)) == {
        "plan": "pro", "customer": {"first_name": "Dana", "last_name": "Levi"},
    }  # fmt: skip


def test_nulls_are_left_out_unless_kept():
    row = ("c1", None, "Dana", None, None)
    nested = {"first": "customer.first_name", "last": "customer.last_name"}
    assert RowMapper(COLUMNS, key_columns=["chat_id"], column_map=nested).payload(row) == {
        "customer": {"first_name": "Dana"}
    }
    kept = RowMapper(COLUMNS, key_columns=["chat_id"], column_map=nested, keep_nulls=True).payload(row)
    assert kept == {"plan_name": None, "customer": {"first_name": "Dana", "last_name": None}, "ltv": None}


def test_mapping_problems_are_reported_together_with_the_columns():
    with pytest.raises(TexterValidationError) as error:
        RowMapper(COLUMNS, key_columns=["phone"], column_map={"missing": "x", "first": "a..b"})
    assert error.value.problems == [
        "key column 'phone' is not in the query result",
        "column_map: column 'missing' is not in the query result",
        "column_map: target 'a..b' of column 'first' is not a dotted path",
        "query columns: ['chat_id', 'plan_name', 'first', 'last', 'ltv']",
    ]


def test_overlapping_targets_are_refused():
    with pytest.raises(TexterValidationError, match="targets 'customer' and 'customer.first_name' overlap"):
        RowMapper(
            COLUMNS,
            key_columns=["chat_id"],
            column_map={"plan_name": "customer", "first": "customer.first_name"},
        )


def test_duplicate_column_names_must_be_aliased():
    with pytest.raises(TexterValidationError, match=r"duplicate column names \['plan'\]: alias them"):
        RowMapper(["chat_id", "plan", "plan"], key_columns=["chat_id"])


def test_json_columns_turn_json_text_into_values_and_leave_decoded_values_alone():
    mapper = RowMapper(["chat_id", "tags"], key_columns=["chat_id"], json_columns=["tags"])
    assert mapper.payload(("c1", '["vip", "b2b"]')) == {"tags": ["vip", "b2b"]}
    assert mapper.payload(("c1", ["vip"])) == {"tags": ["vip"]}  # PostgreSQL arrays arrive decoded
    assert mapper.payload(("c1", None)) == {}
    with pytest.raises(TexterValidationError, match=r"tags: is not valid JSON .*: 'vip, b2b'"):
        mapper.payload(("c1", "vip, b2b"))


def test_json_columns_must_be_in_the_result():
    with pytest.raises(TexterValidationError, match="json_columns: column 'labels' is not in the query"):
        RowMapper(["chat_id", "tags"], key_columns=["chat_id"], json_columns=["labels"])
