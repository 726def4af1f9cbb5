"""Quiet hours: a window that may span midnight, checked at the latest local time of the number's zones."""

from __future__ import annotations

from datetime import datetime, time, timezone

import pytest

from airflow_provider_texter.exceptions import TexterValidationError
from airflow_provider_texter.transfers.quiet_hours import QuietHours, recipient_time_zones

NIGHT = QuietHours.parse(("21:00", "09:00"))
LUNCH = QuietHours.parse(["12:00", "13:30"])


@pytest.mark.parametrize(
    ("hours", "moment", "quiet"),
    [(NIGHT, time(20, 59), False), (NIGHT, time(21, 0), True), (NIGHT, time(3, 0), True),
     (NIGHT, time(9, 0), False), (LUNCH, time(12, 30), True), (LUNCH, time(13, 30), False)],
)  # fmt: skip
def test_a_window_is_start_inclusive_end_exclusive_and_may_span_midnight(hours, moment, quiet):
    assert hours.contains(moment) is quiet


def test_a_number_takes_its_own_zones_or_its_countrys():
    assert recipient_time_zones("12015550123") == ("America/New_York",)
    assert recipient_time_zones("972521234567") == ("Asia/Jerusalem",)  # a mobile: its country's
    assert "Australia/Perth" in recipient_time_zones("61412345678")


def test_several_zones_are_checked_where_it_is_latest():
    evening_in_perth = datetime(2026, 12, 2, 10, 0, tzinfo=timezone.utc)  # 18:00 there, 21:00 in Sydney
    assert NIGHT.is_quiet_for("61412345678", evening_in_perth)  # a mobile: every Australian zone
    assert not NIGHT.is_quiet_for("61892345678", evening_in_perth)  # Perth or Adelaide (20:30)


@pytest.mark.parametrize("value", [("21:00",), ("9:00", "21:00"), ("21:00", "21:00"), "21:00-09:00"])
def test_quiet_hours_that_cannot_be_read_are_named(value):
    with pytest.raises(TexterValidationError, match="quiet_hours"):
        QuietHours.parse(value)
