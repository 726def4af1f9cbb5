"""Update CRM Data (``POST /chats/{chatId}/crm-data``): merge data into a chat's crmData."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast, get_args

from airflow_provider_texter.actions.action import Action, Request, RowOptions, RowTarget
from airflow_provider_texter.actions.endpoint import MANAGE_CHATS, SUCCESS, Endpoint
from airflow_provider_texter.exceptions import TexterValidationError
from airflow_provider_texter.validation import (
    REQUEST_VALIDATORS,
    DataSchema,
    convert_json,
    load_data_schema,
    schema_problems,
)

CONTEXT = "Update CRM Data request"
CRM_DATA_VALIDATOR = REQUEST_VALIDATORS["update_crm_data"]
# A shipped schema is an object schema, never a boolean one.
MERGING_MODES: tuple[str, ...] = tuple(
    cast(Mapping[str, Any], CRM_DATA_VALIDATOR.schema)["properties"]["mergingMode"]["enum"]
)
MergingMode = Literal["replace", "assign", "merge", "defaults", "defaultsDeep"]  # for mypy and editors
assert get_args(MergingMode) == MERGING_MODES, "MergingMode must list the schema's merging modes"


def crm_data_request(
    data: Mapping[str, Any], merging_mode: MergingMode | str = "merge", *, data_schema: DataSchema = None
) -> dict[str, Any]:
    """The Update CRM Data body, checked against the request schema and the user's ``data_schema`` at once.

    Raises one ``TexterValidationError`` whose ``problems`` hold every violation of both schemas.
    """
    user_validator = load_data_schema(data_schema)
    conversion_problems: list[str] = []
    body = {"data": convert_json(data, "data", conversion_problems), "mergingMode": merging_mode}
    if conversion_problems:
        raise TexterValidationError(conversion_problems, context=CONTEXT)
    problems = schema_problems(CRM_DATA_VALIDATOR, body)
    if user_validator is not None:
        problems += schema_problems(user_validator, body["data"], prefix=("data",))
    if problems:
        raise TexterValidationError(list(dict.fromkeys(problems)), context=CONTEXT)
    return body


@dataclass(frozen=True)
class UpdateCrmData(Action):
    """A row's columns are the data (dotted targets nest); ``merging_mode`` is the run's."""

    row_arguments = ("merging_mode", "data_schema")

    def argument_problems(self, arguments: Mapping[str, Any]) -> list[str]:
        mode = arguments["merging_mode"]
        return (
            []
            if mode in MERGING_MODES
            else [f"merging_mode: {mode!r} is not one of {', '.join(MERGING_MODES)}"]
        )

    def written_fields(self, body: Any) -> list[str]:
        return list(body["data"])

    def summary(self, body: Any) -> dict[str, Any]:
        return {"merging_mode": body["mergingMode"]}

    def fingerprint_setting(self, options: RowOptions) -> str | None:
        return options.merging_mode

    def skips_empty(self, options: RowOptions) -> bool:
        return options.merging_mode != "replace"  # replace with {} empties the crmData: a real write

    def row_requests(self, target: RowTarget, payload: dict[str, Any], options: RowOptions) -> list[Request]:
        body = crm_data_request(payload, options.merging_mode, data_schema=options.data_schema)
        return [self.addressed(chat_id=target.chat_id, body=body)]


UPDATE_CRM_DATA = UpdateCrmData(
    Endpoint(
        "Update CRM Data", "POST", "/chats/{chat_id}/crm-data", MANAGE_CHATS, "update_crm_data",
        (SUCCESS,), "chat {chat_id}",
    ),
    addressing="chat_in_path",
    dataset="chats.crmData",
    operation="crm_data",
)  # fmt: skip
