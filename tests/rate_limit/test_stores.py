"""Every store keeps the same schedule: slots one interval apart, pauses, one lesson per version."""

from __future__ import annotations

import json
import sqlite3
import uuid

import pytest

from airflow_provider_texter.adaptive_rate import LearnedLimit
from airflow_provider_texter.exceptions import TexterConfigError
from airflow_provider_texter.rate_limit_store import store_for


@pytest.fixture
def sqlite_connection(tmp_path) -> dict:
    path = tmp_path / "rate-limit.db"
    sqlite3.connect(path).close()
    return {"conn_type": "sqlite", "host": str(path)}


@pytest.fixture(params=["redis_connection", "postgres_connection", "mariadb_connection", "sqlite_connection"])
def store(request, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_RATE_STORE", json.dumps(request.getfixturevalue(request.param)))
    return store_for("rate_store")


@pytest.fixture
def host() -> str:
    return f"{uuid.uuid4().hex}.texterchat.com"


def test_slots_follow_each_other_one_interval_apart(store, host):
    first = store.reserve(host, 5, 0.1)
    second = store.reserve(host, 1, 0.1)
    assert second.first_slot == pytest.approx(first.first_slot + 0.5, abs=1e-6)
    assert second.cycle.sent == 6


def test_a_pause_holds_the_next_slot_and_counts_the_429(store, host):
    store.reserve(host, 1, 0.0)
    paused = store.pause(host, 2.0)
    after = store.reserve(host, 1, 0.0)
    assert paused.paused_until == pytest.approx(paused.now + 2.0, abs=1e-3)
    assert after.first_slot == pytest.approx(paused.paused_until, abs=1e-6)
    assert (after.cycle.sent, after.cycle.throttled) == (2, 1)


def test_one_lesson_per_version_and_a_new_cycle_from_it(store, host):
    paused = store.pause(host, 1.0)
    lesson = LearnedLimit(42.0, paused.paused_until)
    assert store.learn(host, paused.version, lesson)
    assert not store.learn(host, paused.version, LearnedLimit(7.0, paused.paused_until))  # learned already
    after = store.reserve(host, 1, 0.0)
    assert (after.learned, after.version) == (lesson, paused.version + 1)
    assert (after.cycle.started, after.cycle.sent, after.cycle.throttled) == (
        pytest.approx(lesson.since),
        1,
        0,
    )


def test_a_connection_that_cannot_keep_a_limit_is_named(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_NOT_A_STORE", json.dumps({"conn_type": "http", "host": "example.com"}))
    with pytest.raises(TexterConfigError, match="'not_a_store' is a 'http' connection"):
        store_for("not_a_store")
