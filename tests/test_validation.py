"""The validation rules on their own: JSON conversion, request schemas, user data contracts, messages."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from jsonschema import Draft7Validator

from airflow_provider_texter.actions.update_chat_properties import (
    CHAT_PROPERTIES,
    CHAT_PROPERTIES_VALIDATOR,
    chat_properties_request,
)
from airflow_provider_texter.actions.update_crm_data import (
    CRM_DATA_VALIDATOR,
    MERGING_MODES,
    crm_data_request,
)
from airflow_provider_texter.compat import AirflowFailException
from airflow_provider_texter.exceptions import TexterValidationError
from airflow_provider_texter.validation import load_data_schema, to_json_value

PLAN_SCHEMA = {
    "type": "object",
    "required": ["plan", "lead_id"],
    "properties": {
        "plan": {"enum": ["free", "pro", "premium"]},
        "lead_id": {"type": "integer", "minimum": 1},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
        "customer": {
            "type": "object",
            "properties": {"email": {"type": "string", "format": "email"}},
            "additionalProperties": False,
        },
    },
}
VALID_NAMES = "(valid: display_name, external_bot, crm_data, crm_deep_link, language)"
AT_LEAST_ONE = "at least one of display_name, external_bot, crm_data, crm_deep_link, language is required"


def problems_of(call, *args, **kwargs) -> list[str]:
    with pytest.raises(TexterValidationError) as caught:
        call(*args, **kwargs)
    return caught.value.problems


# --- the one JSON conversion rule ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (True, True),
        (7, 7),
        ("text", "text"),
        (2.5, 2.5),
        (Decimal("42"), 42),
        (Decimal("42.00"), 42),
        (Decimal("1E+3"), 1000),
        (Decimal("19.99"), 19.99),
        (Decimal("-0.5"), -0.5),
        (datetime(2024, 5, 1, 9, 30, 15), "2024-05-01T09:30:15"),
        (datetime(2024, 5, 1, 9, 30, tzinfo=timezone.utc), "2024-05-01T09:30:00+00:00"),
        (datetime(2024, 5, 1, 9, 30, tzinfo=timezone(timedelta(hours=3))), "2024-05-01T09:30:00+03:00"),
        (date(2024, 5, 1), "2024-05-01"),
        (time(9, 30, 0, 500), "09:30:00.000500"),
        (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
        ((1, "a"), [1, "a"]),
        ({"a": {"b": [Decimal("1.5"), date(2024, 1, 2)]}}, {"a": {"b": [1.5, "2024-01-02"]}}),
    ],
)
def test_to_json_value_follows_one_rule(value, expected):
    converted = to_json_value(value, field="data")
    assert converted == expected
    assert type(converted) is type(expected)
    json.dumps(converted, allow_nan=False)


def test_to_json_value_reports_every_value_without_json_form():
    value = {
        "score": float("nan"),
        "limit": float("inf"),
        "debt": Decimal("-Infinity"),
        "ratio": Decimal("NaN"),
        "customer": {"tags": ["vip", "ok", b"raw"]},
        "seen": {1, 2},
        "owner": object(),
        "by_id": {5: "x"},
    }
    assert problems_of(to_json_value, value, field="data") == [
        "data.score: NaN is not a JSON value",
        "data.limit: inf is not a JSON value",
        "data.debt: -inf is not a JSON value",
        "data.ratio: NaN is not a JSON value",
        "data.customer.tags[2]: bytes is not a JSON value",
        "data.seen: set is not a JSON value",
        "data.owner: object is not a JSON value",
        "data.by_id: key 5 is not a string",
    ]


def test_json_nested_past_the_depth_limit_names_the_field():
    at_limit: list = []  # with the dict around it: 64 levels
    for _ in range(62):
        at_limit = [at_limit]
    assert to_json_value({"deep": at_limit}, field="data") == {"deep": at_limit}
    too_deep = {"deep": [at_limit]}
    assert problems_of(to_json_value, too_deep, field="data") == [
        "data.deep" + "[0]" * 63 + ": nested deeper than 64 levels"
    ]


def test_a_value_that_contains_itself_is_refused_not_a_recursion_error():
    cyclic: dict = {"name": "loop"}
    cyclic["self"] = cyclic
    (problem,) = problems_of(to_json_value, cyclic, field="data")
    assert problem.startswith("data.self.self.self") and problem.endswith(": nested deeper than 64 levels")


def test_validation_errors_fail_the_task_without_retries():
    with pytest.raises(AirflowFailException, match=r"^invalid payload: amount: NaN is not a JSON value$"):
        to_json_value(float("nan"), field="amount")


# --- Update CRM Data ------------------------------------------------------------------------------


def test_merging_modes_come_from_the_packaged_schema():
    assert MERGING_MODES == ("replace", "assign", "merge", "defaults", "defaultsDeep")
    assert CRM_DATA_VALIDATOR.schema["properties"]["mergingMode"]["enum"] == list(MERGING_MODES)


@pytest.mark.parametrize("mode", MERGING_MODES)
def test_crm_data_request_accepts_every_merging_mode(mode):
    assert crm_data_request({"plan": "pro"}, mode) == {"data": {"plan": "pro"}, "mergingMode": mode}


def test_crm_data_request_defaults_to_merge_and_converts_sql_values():
    body = crm_data_request({"amount": Decimal("120.50"), "count": Decimal("3"), "since": date(2023, 7, 9)})
    assert body == {"data": {"amount": 120.5, "count": 3, "since": "2023-07-09"}, "mergingMode": "merge"}


def test_unknown_merging_mode_lists_the_valid_ones():
    assert problems_of(crm_data_request, {"plan": "pro"}, "upsert") == [
        "mergingMode: 'upsert' is not one of 'replace', 'assign', 'merge', 'defaults', 'defaultsDeep'"
    ]


def test_data_must_be_an_object():
    with pytest.raises(TexterValidationError) as caught:
        crm_data_request('{"plan": "pro"}')
    assert str(caught.value) == (
        'invalid Update CRM Data request: data: must be an object, got \'{"plan": "pro"}\''
    )


def test_crm_data_conversion_problems_are_reported_before_sending():
    assert problems_of(crm_data_request, {"photo": b"\x89PNG", "score": float("nan")}) == [
        "data.photo: bytes is not a JSON value",
        "data.score: NaN is not a JSON value",
    ]


def test_data_schema_reports_every_violation_with_the_request_schema():
    data = {
        "plan": "gold",
        "lead_id": "641225",
        "tags": ["vip", 7, "a", "b"],
        "customer": {"email": "not-an-email", "phone": "0521234567"},
    }
    problems = problems_of(crm_data_request, data, "upsert", data_schema=PLAN_SCHEMA)
    assert problems == [
        "mergingMode: 'upsert' is not one of 'replace', 'assign', 'merge', 'defaults', 'defaultsDeep'",
        "data.customer.email: 'not-an-email' is not a valid email",
        "data.customer.phone: is not an allowed property",
        "data.lead_id: must be an integer, got '641225'",
        "data.plan: 'gold' is not one of 'free', 'pro', 'premium'",
        "data.tags: must have at most 3 items, got 4",
        "data.tags[1]: must be a string, got 7",
    ]


def test_data_schema_names_missing_required_fields_and_bounds():
    assert problems_of(crm_data_request, {"lead_id": 0}, data_schema=PLAN_SCHEMA) == [
        "data.lead_id: must be >= 1, got 0",
        "data.plan: is required",
    ]


def test_data_schema_sees_converted_values():
    body = crm_data_request({"plan": "pro", "lead_id": Decimal("641225")}, data_schema=PLAN_SCHEMA)
    assert body["data"] == {"plan": "pro", "lead_id": 641225}


def test_data_schema_from_a_json_file_is_compiled_once(tmp_path):
    path = tmp_path / "crm_contract.json"
    path.write_text(json.dumps(PLAN_SCHEMA))
    validator = load_data_schema(str(path))
    assert load_data_schema(path) is validator
    assert problems_of(crm_data_request, {"plan": "gold", "lead_id": 1}, data_schema=path) == [
        "data.plan: 'gold' is not one of 'free', 'pro', 'premium'"
    ]


def test_data_schema_from_a_dict_or_a_ready_validator():
    assert load_data_schema(None) is None
    assert load_data_schema(PLAN_SCHEMA) is load_data_schema(dict(PLAN_SCHEMA))
    ready = Draft7Validator({"required": ["plan"]})
    assert load_data_schema(ready) is ready
    assert problems_of(crm_data_request, {}, data_schema=ready) == ["data.plan: is required"]


def test_data_schema_declaring_another_draft_is_honoured():
    schema = {"$schema": "http://json-schema.org/draft-07/schema#", "properties": {"n": {"type": "integer"}}}
    assert type(load_data_schema(schema)).__name__ == "Draft7Validator"


def test_data_schema_custom_error_messages_are_used():
    schema = {"properties": {"plan": {"enum": ["free"], "errorMessage": {"enum": "ask sales, not {value}"}}}}
    assert problems_of(crm_data_request, {"plan": "pro"}, data_schema=schema) == [
        "data.plan: ask sales, not 'pro'"
    ]


@pytest.mark.parametrize(
    ("data_schema", "message"),
    [
        (
            {"properties": {"plan": {"type": "strin"}}},
            "data_schema: the given dict is not a valid JSON Schema: properties.plan.type: "
            "'strin' is not valid under any of the given schemas",
        ),
        (
            {"pattern": {1, 2}},
            "data_schema: the given dict is not JSON: Object of type set is not JSON serializable",
        ),
        (42, "data_schema: expected a dict, a path to a .json file or a jsonschema validator, got int"),
    ],
)
def test_invalid_data_schema_is_explained(data_schema, message):
    with pytest.raises(TexterValidationError) as caught:
        load_data_schema(data_schema)
    assert caught.value.problems == [message]
    assert str(caught.value) == f"invalid CRM data contract: {message}"


def test_invalid_data_schema_file_names_the_file(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"type": "object",}')
    invalid = tmp_path / "invalid.json"
    invalid.write_text('{"required": "plan"}')
    missing = tmp_path / "missing.json"
    assert problems_of(load_data_schema, broken) == [
        f"data_schema: {broken} is not valid JSON: Expecting property name enclosed in double quotes: "
        "line 1 column 19 (char 18)"
    ]
    assert problems_of(load_data_schema, invalid) == [
        f"data_schema: {invalid} is not a valid JSON Schema: required: 'plan' is not of type 'array'"
    ]
    assert problems_of(load_data_schema, str(missing)) == [
        f"data_schema: cannot read {missing}: [Errno 2] No such file or directory: '{missing}'"
    ]


def test_invalid_data_schema_fails_before_the_data_is_checked():
    assert problems_of(crm_data_request, {"plan": float("nan")}, data_schema={"type": 5}) == [
        "data_schema: the given dict is not a valid JSON Schema: type: 5 is not valid under any of the given "
        "schemas"
    ]


# --- Update Chat Properties ---------------------------------------------------------------------


def test_chat_property_names_match_the_packaged_schema():
    assert list(CHAT_PROPERTIES.values()) == list(CHAT_PROPERTIES_VALIDATOR.schema["properties"])


def test_chat_properties_are_sent_with_api_names_and_none_left_out():
    body = chat_properties_request(
        {
            "display_name": "Dana Levi",
            "external_bot": False,
            "crm_data": {"lead_id": Decimal("7"), "renewal": date(2025, 1, 31)},
            "crm_deep_link": "https://crm.example.com/leads/7?tab=info",
            "language": None,
        }
    )
    assert body == {
        "displayName": "Dana Levi",
        "externalBot": False,
        "crmData": {"lead_id": 7, "renewal": "2025-01-31"},
        "crmDeepLink": "https://crm.example.com/leads/7?tab=info",
    }


def test_chat_properties_accept_api_names():
    assert chat_properties_request({"displayName": "", "language": "he"}) == {
        "displayName": "",
        "language": "he",
    }


@pytest.mark.parametrize("properties", [{}, {"display_name": None, "crm_data": None}])
def test_at_least_one_chat_property_is_required(properties):
    with pytest.raises(TexterValidationError) as caught:
        chat_properties_request(properties)
    assert caught.value.problems == [AT_LEAST_ONE]
    assert str(caught.value) == f"invalid Update Chat Properties request: {AT_LEAST_ONE}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("true", True), ("False", False), (" TRUE ", True), ("True", True), ("false\n", False)],
)
def test_external_bot_text_from_templates_becomes_a_boolean(text, expected):
    assert chat_properties_request({"external_bot": text}) == {"externalBot": expected}


@pytest.mark.parametrize(
    ("properties", "problems"),
    [
        ({"external_bot": "yes"}, ["external_bot: must be true or false, got 'yes'"]),
        ({"externalBot": ""}, ["externalBot: must be true or false, got ''"]),
        ({"external_bot": 1}, ["external_bot: must be a boolean, got 1"]),
        ({"display_name": "x" * 256}, ["display_name: must be at most 255 characters, got 256"]),
        ({"language": "l" * 300}, ["language: must be at most 255 characters, got 300"]),
        ({"display_name": 5}, ["display_name: must be a string, got 5"]),
        ({"crm_data": ["plan", "pro"]}, ["crm_data: must be an object, got ['plan', 'pro']"]),
        ({"crm_data": {"photo": b"x"}}, ["crm_data.photo: bytes is not a JSON value"]),
        (
            {"crm_deep_link": "ftp://crm.example.com/7"},
            ["crm_deep_link: must be an http(s) URL, got 'ftp://crm.example.com/7'"],
        ),
        (
            {"crm_deep_link": "crm.example.com/7"},
            ["crm_deep_link: must be an http(s) URL, got 'crm.example.com/7'"],
        ),
        ({"crm_deep_link": "https://"}, ["crm_deep_link: must be an http(s) URL, got 'https://'"]),
        (
            {"crm_deep_link": "https://crm example.com"},
            ["crm_deep_link: must be an http(s) URL, got 'https://crm example.com'"],
        ),
        ({"crmDeepLink": 7}, ["crmDeepLink: must be a string, got 7"]),
        (
            {"title": "old", "display_name": "Dana"},
            [f"title: is not a chat property {VALID_NAMES}"],
        ),
        (
            {"display_name": "Dana", "displayName": "Dina"},
            ["display_name and displayName: name the same property, give only one"],
        ),
    ],
)
def test_chat_property_rules_name_the_field_as_given(properties, problems):
    assert problems_of(chat_properties_request, properties) == problems


def test_every_chat_property_problem_is_reported_at_once():
    properties = {
        "display_name": "x" * 256,
        "external_bot": "maybe",
        "crm_data": "plan=pro",
        "crm_deep_link": "mailto:dana@example.com",
        "language": None,
        "colour": "red",
    }
    assert problems_of(chat_properties_request, properties) == [
        f"colour: is not a chat property {VALID_NAMES}",
        "external_bot: must be true or false, got 'maybe'",
        "crm_data: must be an object, got 'plan=pro'",
        "crm_deep_link: must be an http(s) URL, got 'mailto:dana@example.com'",
        "display_name: must be at most 255 characters, got 256",
    ]
