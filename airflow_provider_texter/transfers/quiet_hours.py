"""Quiet hours in the recipient's own time: the zones come from the number (libphonenumber's time-zone
data), and a number with several zones counts as where it is latest, so nobody is woken."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timezone
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import timezone as number_time_zones

from airflow_provider_texter.exceptions import TexterValidationError

CLOCK_TIME = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


def utc_now() -> datetime:
    """The campaign's clock (tests inject another)."""
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class QuietHours:
    """From ``start`` until ``end`` (local wall-clock times; ``("21:00", "09:00")`` spans midnight)."""

    start: time
    end: time

    @classmethod
    def parse(cls, value: Any) -> QuietHours:
        """``("21:00", "09:00")`` (a list too); ``TexterValidationError`` naming what is wrong."""
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise TexterValidationError(
                [f"quiet_hours: must be (start, end) like ('21:00', '09:00'), got {value!r}"]
            )
        times = [CLOCK_TIME.fullmatch(item) if isinstance(item, str) else None for item in value]
        if None in times or value[0] == value[1]:
            raise TexterValidationError(
                [f"quiet_hours: {value!r} must be two different 'HH:MM' times (24-hour clock)"]
            )
        start, end = (time(int(match.group(1)), int(match.group(2))) for match in times if match)
        return cls(start, end)

    def contains(self, moment: time) -> bool:
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def is_quiet_for(self, phone_digits: str, now: datetime) -> bool:
        """Whether it is quiet time for the contact: at the latest local time among the number's zones."""
        return self.contains(latest_local_time(recipient_time_zones(phone_digits), now).time())


@lru_cache(maxsize=4096)
def recipient_time_zones(phone_digits: str) -> tuple[str, ...]:
    """The number's time zones (``("Asia/Jerusalem",)``); its country's for a number libphonenumber cannot
    place, UTC when even those are unknown."""
    number = phonenumbers.parse("+" + phone_digits)
    for zones in (
        number_time_zones.time_zones_for_number(number),
        number_time_zones.time_zones_for_geographical_number(number),
    ):
        if tuple(zones) != (number_time_zones.UNKNOWN_TIMEZONE,):
            return tuple(zones)
    return ("UTC",)


def latest_local_time(zones: tuple[str, ...], now: datetime) -> datetime:
    """The latest wall-clock date and time among ``zones`` at ``now`` (aware), without its zone."""
    return max(now.astimezone(ZoneInfo(zone)).replace(tzinfo=None) for zone in zones)
