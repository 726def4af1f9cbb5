"""Where hooks on every worker keep one Texter rate limit: the state, the three operations, the store.

A store keeps per Texter host, on its own clock: the next free send slot (GCRA's theoretical arrival
time), the end of a pause a 429 asked for, how many requests were sent and met 429 since the current
cycle began, and the limit learned from 429s (``adaptive_rate.LearnedLimit``) with a version number.
Each operation is atomic in the store and costs one round trip (Redis) or one short transaction (SQL).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from airflow_provider_texter.adaptive_rate import LearnedLimit, SendCycle
from airflow_provider_texter.compat import BaseHook
from airflow_provider_texter.exceptions import TexterConfigError

STORE_TIMEOUT_SECONDS = 0.5  # a store slower than this is treated as away: the hook paces itself
FORGET_AFTER_SECONDS = 600.0  # a host nobody sent to for this long starts afresh (its learned limit too)
KEY_PREFIX = "texter-rate-limit:"


@dataclass(frozen=True)
class SharedState:
    """What the store answered, its times on the store's clock.

    :param now: the store's clock when it answered.
    :param first_slot: the first slot reserved (``reserve``; else ``now``); the others follow at the
        interval asked for.
    """

    now: float
    first_slot: float
    paused_until: float
    cycle: SendCycle
    learned: LearnedLimit | None
    version: int


class RateLimitStore(Protocol):
    """The operations ``shared_rate_limit.SharedRateLimit`` needs; each raises when the store is away."""

    def reserve(self, host: str, count: int, interval: float) -> SharedState:
        """Reserve ``count`` slots ``interval`` seconds apart, from the later of the next free slot, now
        and the pause's end, and count them as sent."""

    def pause(self, host: str, seconds: float) -> SharedState:
        """A 429 asked every client to wait ``seconds`` from now: count it and pause everyone."""

    def learn(self, host: str, version: int, learned: LearnedLimit) -> bool:
        """Keep ``learned`` and start a new cycle at its ``since``, if nobody learned since ``version``."""


def store_for(conn_id: str) -> RateLimitStore:
    """The store of an Airflow connection: a ``redis`` connection, or any SQL connection whose hook is a
    ``DbApiHook`` (PostgreSQL, MySQL/MariaDB; SQLite for one host)."""
    connection = BaseHook.get_connection(conn_id)
    if connection.conn_type == "redis":
        from airflow_provider_texter.redis_rate_store import RedisRateStore

        return RedisRateStore(conn_id)
    from airflow.providers.common.sql.hooks.sql import DbApiHook

    try:
        hook = connection.get_hook()
    except Exception:  # a connection type no installed provider has a hook for
        hook = None
    if isinstance(hook, DbApiHook):
        from airflow_provider_texter.sql_rate_store import SqlRateStore

        return SqlRateStore(hook)
    raise TexterConfigError(
        f"rate_limit_conn_id {conn_id!r} is a {connection.conn_type!r} connection: name a redis connection "
        "or a SQL one (postgres, mysql, sqlite)"
    )
