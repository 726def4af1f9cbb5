"""The shared rate limit in Redis: one hash per Texter host, changed by one Lua script on Redis's clock.

The client is the Redis provider's (``RedisHook``: host, password, db and TLS from the Airflow
connection), so Celery deployments point ``rate_limit_conn_id`` at the broker's connection. A script is
atomic in Redis and costs one round trip; redis-py's ``register_script`` sends it once and runs it
by its SHA. Considered and not used: ``limits`` (fixed or moving windows counted per call, a limit set
when it is created: no reservations ahead, no shared pause, no learned rate) and ``pyrate-limiter``
(a leaky bucket of timestamps per request, and the same fixed rates).
"""

from __future__ import annotations

from typing import Any

from airflow_provider_texter.adaptive_rate import IDLE_SECONDS, LearnedLimit, SendCycle
from airflow_provider_texter.exceptions import TexterConfigError
from airflow_provider_texter.rate_limit_store import (
    FORGET_AFTER_SECONDS,
    KEY_PREFIX,
    STORE_TIMEOUT_SECONDS,
    SharedState,
)

# ARGV: the operation, then reserve: count, interval, idle seconds | pause: seconds |
# learn: version, learned record, cycle start; the last one: milliseconds the key lives after this.
SCRIPT = """
local key, operation = KEYS[1], ARGV[1]
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local function number(field) return tonumber(redis.call('HGET', key, field)) or 0 end
local function time(value) return string.format('%.6f', value) end
local first, applied = now, 1
if operation == 'reserve' then
  local count, interval, idle = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
  first = math.max(number('tat'), now, number('paused_until'))
  if redis.call('HEXISTS', key, 'cycle_started') == 0 or first - number('last_sent') > idle then
    redis.call('HSET', key, 'cycle_started', time(first), 'cycle_sent', number('sent'),
      'cycle_throttled', number('throttled'))
  end
  redis.call('HSET', key, 'tat', time(first + count * interval),
    'last_sent', time(first + (count - 1) * interval))
  redis.call('HINCRBY', key, 'sent', count)
elseif operation == 'pause' then
  redis.call('HSET', key, 'paused_until', time(math.max(number('paused_until'), now + tonumber(ARGV[2]))))
  redis.call('HINCRBY', key, 'throttled', 1)
elseif operation == 'learn' and number('version') == tonumber(ARGV[2]) then
  redis.call('HSET', key, 'learned', ARGV[3], 'version', number('version') + 1, 'cycle_started', ARGV[4],
    'cycle_sent', number('sent'), 'cycle_throttled', number('throttled'))
else
  applied = 0
end
redis.call('PEXPIRE', key, ARGV[#ARGV])
return {applied, time(now), time(first), time(number('paused_until')), time(number('cycle_started')),
  number('sent') - number('cycle_sent'), number('throttled') - number('cycle_throttled'),
  redis.call('HGET', key, 'learned') or '', number('version')}
"""


class RedisRateStore:
    """``rate_limit_store.RateLimitStore`` in Redis, through the Airflow connection ``redis_conn_id``."""

    def __init__(self, redis_conn_id: str) -> None:
        try:
            from airflow.providers.redis.hooks.redis import RedisHook
        except ImportError:
            raise TexterConfigError(
                f"rate_limit_conn_id {redis_conn_id!r} is a redis connection, but the Redis provider is not "
                "installed: pip install 'airflow-provider-texter[redis]'"
            ) from None
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        client = RedisHook(redis_conn_id=redis_conn_id).get_conn()
        # Fail fast instead of redis-py's default retries with backoff: the throttle falls back to
        # per-hook pacing and tries the store again later; a late answer is worth less than none.
        client.connection_pool.connection_kwargs.update(
            socket_timeout=STORE_TIMEOUT_SECONDS,
            socket_connect_timeout=STORE_TIMEOUT_SECONDS,
            retry=Retry(NoBackoff(), 0),
        )
        self._script = client.register_script(SCRIPT)

    def reserve(self, host: str, count: int, interval: float) -> SharedState:
        return self._run(host, "reserve", count, repr(interval), IDLE_SECONDS)[1]

    def pause(self, host: str, seconds: float) -> SharedState:
        return self._run(host, "pause", repr(seconds))[1]

    def learn(self, host: str, version: int, learned: LearnedLimit) -> bool:
        return self._run(host, "learn", version, learned.as_record(), f"{learned.since:.6f}")[0]

    def _run(self, host: str, *arguments: Any) -> tuple[bool, SharedState]:
        milliseconds_kept = int(FORGET_AFTER_SECONDS * 1000)
        answer = self._script(keys=[KEY_PREFIX + host], args=[*arguments, milliseconds_kept])
        applied, now, first, paused_until, cycle_started, sent, throttled, learned, version = answer
        state = SharedState(
            now=float(now),
            first_slot=float(first),
            paused_until=float(paused_until),
            cycle=SendCycle(float(cycle_started), int(sent), int(throttled)),
            learned=LearnedLimit.from_record(learned) if learned else None,
            version=int(version),
        )
        return bool(applied), state
