"""Update Chat Properties (``PATCH /chats/{chatId}``): display name, external bot, crmData (replaced),
CRM deep link, language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from airflow_provider_texter.actions.action import Action, Request, RowOptions, RowTarget
from airflow_provider_texter.actions.endpoint import JSON_OBJECT, MANAGE_CHATS, Endpoint
from airflow_provider_texter.exceptions import TexterValidationError
from airflow_provider_texter.validation import REQUEST_VALIDATORS, boolean_text, convert_json, schema_problems

CONTEXT = "Update Chat Properties request"
CHAT_PROPERTIES_VALIDATOR = REQUEST_VALIDATORS["update_chat_properties"]
CHAT_PROPERTIES: dict[str, str] = {
    "display_name": "displayName",
    "external_bot": "externalBot",
    "crm_data": "crmData",
    "crm_deep_link": "crmDeepLink",
    "language": "language",
}
_API_NAMES = {**CHAT_PROPERTIES, **{api_name: api_name for api_name in CHAT_PROPERTIES.values()}}


def chat_properties_request(properties: Mapping[str, Any]) -> dict[str, Any]:
    """The Update Chat Properties body, with API names; keys may be Python or API names, ``None`` = not given.

    ``external_bot`` accepts the strings ``"true"``/``"false"`` (any case, as templates render them).
    Problems name each field as the caller spelled it.
    """
    problems = [
        f"{key}: is not a chat property (valid: {', '.join(CHAT_PROPERTIES)})"
        for key in properties
        if key not in _API_NAMES
    ]
    given: dict[str, str] = {}  # API name -> the caller's name, for messages
    body: dict[str, Any] = {}
    for key, value in properties.items():
        if key not in _API_NAMES or value is None:
            continue
        api_name = _API_NAMES[key]
        if api_name in given:
            problems.append(f"{given[api_name]} and {key}: name the same property, give only one")
            continue
        given[api_name] = key
        found = len(problems)
        if api_name == "externalBot" and isinstance(value, str):
            value = boolean_text(value, key, problems)
        value = convert_json(value, key, problems)
        if len(problems) == found:  # a property already found wrong is not checked twice
            body[api_name] = value
    if body or not problems:
        problems += schema_problems(CHAT_PROPERTIES_VALIDATOR, body, rename=given)
    if problems:
        raise TexterValidationError(list(dict.fromkeys(problems)), context=CONTEXT)
    return body


@dataclass(frozen=True)
class UpdateChatProperties(Action):
    """A row's columns are named like the properties (``display_name`` or ``displayName``)."""

    def written_fields(self, body: Any) -> list[str]:
        return list(body)

    def target_problems(self, targets: Sequence[Sequence[str]]) -> list[str]:
        valid = ", ".join(CHAT_PROPERTIES)
        return [
            f"column {'.'.join(path)!r}: is not a chat property (valid: {valid})"
            for path in targets
            if path[0] not in _API_NAMES
        ]

    def row_requests(self, target: RowTarget, payload: dict[str, Any], options: RowOptions) -> list[Request]:
        return [self.addressed(chat_id=target.chat_id, body=chat_properties_request(payload))]


UPDATE_CHAT_PROPERTIES = UpdateChatProperties(
    Endpoint(
        "Update Chat Properties", "PATCH", "/chats/{chat_id}", MANAGE_CHATS, "update_chat_properties",
        (JSON_OBJECT,), "chat {chat_id}",
    ),
    addressing="chat_in_path",
    dataset="chats.properties",
    operation="chat",
)  # fmt: skip
