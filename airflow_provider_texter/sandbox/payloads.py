"""Checks of request bodies and query strings; each problem becomes a 400 message naming the field.

Stricter than "accept anything": unknown fields and parameters are refused, so a client that misspells
a name fails against the sandbox instead of being silently ignored.
"""

from __future__ import annotations

import re
from collections.abc import Container
from typing import Any

from .chats import CHANNEL_NAMES, CHAT_STATUSES
from .merging import MERGING_MODES
from .search import SearchFilters

MAX_NAME_LENGTH = 255
MAX_LABELS = 100
MAX_LIMIT = 10_000
_CHAT_PROPERTIES = {
    "displayName": (str, f"a string of at most {MAX_NAME_LENGTH} characters"),
    "externalBot": (bool, "a boolean"),
    "crmData": (dict, "an object"),
    "crmDeepLink": (str, "a string"),
    "language": (str, f"a string of at most {MAX_NAME_LENGTH} characters"),
    "title": (str, "a string"),
}
_LENGTH_LIMITED = ("displayName", "language")
_SEARCH_PARAMETERS = (
    "search",
    "channel[name]",
    "channel[accountId]",
    "labels[]",
    "statuses[]",
    "includeEmpty",
    "limit",
    "offset",
)


class InvalidRequest(ValueError):
    """The request breaks the API's contract; the message says which field and what is allowed."""


def crm_data_update(body: Any) -> tuple[dict, str]:
    """The ``data`` and ``mergingMode`` of an Update CRM Data body."""
    require_object(body)
    problems = unknown_fields(body, ("data", "mergingMode"))
    if "data" not in body:
        problems.append("data is required")
    elif not isinstance(body["data"], dict):
        problems.append("data must be an object")
    merging_mode = body.get("mergingMode", "merge")
    if merging_mode not in MERGING_MODES:
        problems.append(f"mergingMode must be one of {', '.join(MERGING_MODES)}")
    raise_if_any(problems)
    return body["data"], merging_mode


def chat_properties(body: Any) -> tuple[dict, list[str]]:
    """The values an Update Chat Properties body sets, and the keys it removes (a cleared displayName)."""
    require_object(body)
    if not body:
        raise InvalidRequest("at least one property is required")
    problems = unknown_fields(body, _CHAT_PROPERTIES)
    for name, value in body.items():
        if name not in _CHAT_PROPERTIES:
            continue
        kind, description = _CHAT_PROPERTIES[name]
        too_long = name in _LENGTH_LIMITED and isinstance(value, str) and len(value) > MAX_NAME_LENGTH
        if not isinstance(value, kind) or too_long:
            problems.append(f"{name} must be {description}")
    raise_if_any(problems)
    values = dict(body)
    if "displayName" not in values:
        return values, []
    display_name = " ".join(values.pop("displayName").split())  # as Texter's bot does: trim, collapse
    if not display_name:
        return values, ["displayName"]
    return {**values, "displayName": display_name}, []


def search_filters(query: dict[str, list[str]]) -> SearchFilters:
    """The filters of a Search Chats query string (values as ``parse_qs`` gives them)."""
    problems = [f"{name} is not allowed" for name in query if name not in _SEARCH_PARAMETERS]
    search = last_value(query, "search")
    if search is not None and len(search.strip()) < 2:
        problems.append("search must be at least 2 characters")
    channel_name, account_id = last_value(query, "channel[name]"), last_value(query, "channel[accountId]")
    if (channel_name is None) != (account_id is None):
        problems.append("channel[name] and channel[accountId] must be given together")
    if channel_name is not None and channel_name not in CHANNEL_NAMES:
        problems.append(f"channel[name] must be one of {', '.join(CHANNEL_NAMES)}")
    labels = query.get("labels[]", [])
    if len(labels) > MAX_LABELS:
        problems.append(f"labels[] must have at most {MAX_LABELS} items")
    problems += [
        f"statuses[] must be one of {', '.join(CHAT_STATUSES)}, got {status!r}"
        for status in query.get("statuses[]", [])
        if status not in CHAT_STATUSES
    ]
    if last_value(query, "includeEmpty") not in (None, "true", "false"):
        problems.append("includeEmpty must be true or false")
    limit = integer_parameter(query, "limit", 30)
    if limit is None or not 1 <= limit <= MAX_LIMIT:
        problems.append(f"limit must be an integer from 1 to {MAX_LIMIT}")
    offset = integer_parameter(query, "offset", 0)
    if offset is None:
        problems.append("offset must be an integer of at least 0")
    raise_if_any(problems)
    assert limit is not None and offset is not None  # each was a problem above
    return SearchFilters(
        search=search,
        channel_name=channel_name,
        account_id=account_id,
        labels=frozenset(labels),
        statuses=frozenset(CHAT_STATUSES[status] for status in query.get("statuses[]", [])),
        limit=limit,
        offset=offset,
    )


def require_object(body: Any) -> None:
    """Every endpoint's body is a JSON object; anything else is refused before its fields are read."""
    if not isinstance(body, dict):
        raise InvalidRequest("body must be a JSON object")


def unknown_fields(body: dict, allowed: Container[str]) -> list[str]:
    """A problem for each body field (or query parameter) the endpoint does not know."""
    return [f"{name} is not allowed" for name in body if name not in allowed]


def raise_if_any(problems: list[str]) -> None:
    """One 400 listing every problem, so a client fixes them all at once."""
    if problems:
        raise InvalidRequest("; ".join(problems))


def last_value(query: dict[str, list[str]], name: str) -> str | None:
    """A single-valued parameter: when repeated, the last value counts (as most web frameworks do)."""
    values = query.get(name)
    return values[-1] if values else None


def integer_parameter(query: dict[str, list[str]], name: str, default: int) -> int | None:
    """The parameter as a non-negative integer, its default when absent, None when not a number."""
    value = last_value(query, name)
    if value is None:
        return default
    return int(value) if re.fullmatch(r"\d{1,9}", value) else None


def page_window(
    query: dict[str, list[str]], *, default_limit: int, max_limit: int, max_skip: int
) -> tuple[int, int]:
    """``(skip, limit)`` of a list endpoint that pages by ``limit`` and ``skip`` and takes nothing else.

    A default above ``max_limit`` is possible (List unsubscribed documents limit 1-9999, default 10000):
    only a limit the client sends is held to the range.
    """
    problems = unknown_fields(query, ("limit", "skip"))
    limit = integer_parameter(query, "limit", default_limit)
    if limit is None or (last_value(query, "limit") is not None and not 1 <= limit <= max_limit):
        problems.append(f"limit must be an integer from 1 to {max_limit}")
    skip = integer_parameter(query, "skip", 0)
    if skip is None or skip > max_skip:
        problems.append(f"skip must be an integer from 0 to {max_skip}")
    raise_if_any(problems)
    assert limit is not None and skip is not None  # each was a problem above
    return skip, limit
