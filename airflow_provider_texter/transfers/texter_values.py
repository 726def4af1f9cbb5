"""Texter's values as warehouse values: times in UTC, JSON as text, statuses by name, phones in E.164.

Texter writes times three ways (epoch milliseconds in ``...Timestamp``, epoch seconds in
``...UpdateTime``, ISO strings in ``created``/``updatedAt``); each becomes one aware UTC ``datetime``.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

from airflow_provider_texter.exceptions import TexterValidationError
from airflow_provider_texter.phones import BARE_INTERNATIONAL_DIGITS

CHAT_STATUSES = ("BOT", "PENDING", "ASSIGNED", "RESOLVED", "BULK")
MESSAGE_STATUSES = ("Sent", "Accepted", "Delivered", "Seen", "Failed", "Channel Failed", "Deleted")
SECONDS_BEFORE = 100_000_000_000  # an epoch number below this is seconds (year 5138), above it milliseconds


def utc_time(value: Any) -> datetime | None:
    """An epoch number (milliseconds, or seconds when small) or an ISO string as an aware UTC datetime;
    None for anything else (a missing or unreadable time is left empty, not guessed)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        seconds = value if abs(value) < SECONDS_BEFORE else value / 1000
        return datetime.fromtimestamp(seconds, tz=timezone.utc)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        return as_utc(moment)
    return None


def as_utc(moment: datetime) -> datetime:
    """The moment in UTC; a naive one is taken to be UTC already."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def since_time(value: Any, *, field: str = "since") -> datetime | None:
    """A templated ``since`` (``"{{ data_interval_start }}"`` renders ISO) as UTC; a naive time is UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return as_utc(value)
    moment = utc_time(value) if isinstance(value, str) else None
    if moment is None:
        raise TexterValidationError([f"{field}: {value!r} is not an ISO date-time"], context="arguments")
    return moment


def json_text(value: Any) -> str | None:
    """JSON text of a value (keys sorted, so equal values compare equal as text); None stays NULL."""
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def status_name(value: Any, names: tuple[str, ...]) -> str | None:
    """A numeric status by name (``2`` -> ``ASSIGNED``); an unknown number as its digits, not lost."""
    if isinstance(value, int) and not isinstance(value, bool):
        return names[value] if 0 <= value < len(names) else str(value)
    return None if value is None else str(value)


def e164(contact: Any) -> str | None:
    """``+972521234567`` for a contact written as Texter's digits or already with ``+``; None when the
    contact is no phone number (an e-mail address, a Messenger id written otherwise)."""
    if not isinstance(contact, str):
        return None
    digits = re.sub(r"[\s().-]", "", contact).removeprefix("+")
    return f"+{digits}" if BARE_INTERNATIONAL_DIGITS.fullmatch(digits) else None


def text(value: Any) -> str | None:
    """A value for a text column: strings as they are, other values as JSON, None as NULL."""
    if value is None or isinstance(value, str):
        return value
    return json_text(value)
