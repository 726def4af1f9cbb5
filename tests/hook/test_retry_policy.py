"""Backoff grows, is jittered and bounded; Retry-After wins; the wait budget stops retrying."""

from __future__ import annotations

from datetime import datetime, timezone

from airflow_provider_texter.retry_policy import RetryPolicy, parse_retry_after


def test_backoff_doubles_with_jitter_inside_its_band():
    policy = RetryPolicy(max_retries=5, backoff_factor=1.0)
    for retry_number, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0)]:
        delays = {policy.delay(retry_number) for _ in range(50)}
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
        assert len(delays) > 1


def test_backoff_is_capped_at_thirty_seconds():
    assert RetryPolicy(backoff_factor=10).delay(10) <= 30.0


def test_retry_after_wins_over_backoff_with_up_to_20_percent_jitter():
    delays = {RetryPolicy(backoff_factor=10).delay(1, retry_after=0.25) for _ in range(50)}
    assert all(0.25 <= delay <= 0.3 for delay in delays) and len(delays) > 1


def test_retry_count_and_wait_budget_both_bound_retrying():
    policy = RetryPolicy(max_retries=2, max_retry_wait=10)
    assert policy.allows(2, spent=0, delay=1)
    assert not policy.allows(3, spent=0, delay=1)
    assert not policy.allows(1, spent=9.5, delay=1)


def test_a_429_with_retry_after_spends_only_the_wait_budget():
    policy = RetryPolicy(max_retries=2, max_retry_wait=10)
    assert policy.allows(50, spent=8, delay=1, by_time_only=True)
    assert not policy.allows(50, spent=9.5, delay=1, by_time_only=True)
    assert not RetryPolicy(max_retries=0).allows(1, spent=0, delay=0, by_time_only=True)


def test_retry_after_in_seconds_and_as_http_date():
    now = datetime(2026, 11, 24, 8, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Tue, 24 Nov 2026 08:00:07 GMT", now=now) == 7.0
    assert parse_retry_after("Tue, 24 Nov 2026 07:59:00 GMT", now=now) == 0.0


def test_unreadable_retry_after_is_ignored():
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
