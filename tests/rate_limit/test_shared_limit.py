"""Several worker processes, each its own hook, share one rate limit through a real store.

Counts and bounds with wide margins, no timings asserted to the millisecond: the machine is shared.
The speed figures are the benchmarks' (``benchmarks/celery_shared_limit.py``).
"""

from __future__ import annotations

import time

from rate_limit.conftest import RATE_LIMIT

CAPPED = {"max_requests_per_second": RATE_LIMIT, "backoff_factor": 0.01}


def arrivals_by_worker(sandbox, workers) -> list[list]:
    """Each worker's recorded requests, in arrival order."""
    owner = {chat_id: index for index, worker in enumerate(workers) for chat_id in worker.chats}
    by_worker: list[list] = [[] for _ in workers]
    for request in sandbox.requests:
        by_worker[owner[request.chat_id]].append(request)
    return by_worker


def shares_while_all_ran(by_worker: list[list]) -> tuple[list[int], float]:
    """Accepted requests of each worker while every worker was sending, and that window in seconds."""
    start = max(requests[0].timestamp for requests in by_worker)
    end = min(requests[-1].timestamp for requests in by_worker)
    accepted = [
        sum(1 for request in requests if request.status == 200 and start <= request.timestamp <= end)
        for requests in by_worker
    ]
    return accepted, end - start


def test_workers_hold_the_limit_together_with_no_429_in_fair_shares(workers, store_connection):
    started = workers.start([2, 4, 8], rows=150, extra=CAPPED, store=store_connection)
    workers.go()
    done = workers.finish()
    assert [worker.result for worker in done] == [{"written": 150, "failed": []}] * 3
    by_worker = arrivals_by_worker(workers.sandbox, started)
    assert sum(request.status == 429 for requests in by_worker for request in requests) == 0
    accepted, window = shares_while_all_ran(by_worker)
    assert window > 3  # most of the run: 450 requests at 50 a second
    total = sum(accepted)
    assert total / window > 0.6 * RATE_LIMIT
    # 2, 4 and 8 threads all want more than a third: each gets about a third, whatever its threads
    assert all(0.2 < share / total < 0.47 for share in accepted), accepted


def test_a_429_pauses_every_worker_for_its_retry_after(workers, store_connection):
    started = workers.start([4, 4, 4], rows=100, extra=CAPPED, store=store_connection)
    workers.go()
    time.sleep(1.5)
    workers.sandbox.fail_next(1, status=429, retry_after=2)
    done = workers.finish()
    assert [worker.result["failed"] for worker in done] == [[]] * 3
    by_worker = arrivals_by_worker(workers.sandbox, started)
    (throttled,) = [request for requests in by_worker for request in requests if request.status == 429]
    for requests in by_worker:  # each worker waits out the 2 s, not only the one that got the 429
        during_pause = [
            r for r in requests if throttled.timestamp + 0.3 < r.timestamp < throttled.timestamp + 1.9
        ]
        assert during_pause == [], [r.timestamp - throttled.timestamp for r in during_pause]
        assert requests[-1].timestamp > throttled.timestamp + 2.0  # and then carries on


def test_redis_stopped_mid_run_costs_no_row_and_its_return_is_used(workers, own_redis):
    started = workers.start([4, 4], rows=300, extra=CAPPED, store=own_redis.connection)
    workers.go()
    time.sleep(2)
    own_redis.stop()
    time.sleep(2)
    own_redis.start()
    done = workers.finish()
    assert [worker.result for worker in done] == [{"written": 300, "failed": []}] * 2
    chats = workers.sandbox.chats
    assert all(
        chats[chat_id]["crmData"] == {"synced": True} for worker in started for chat_id in worker.chats
    )
    for worker in done:
        assert worker.log.count("Rate limit store did not answer") == 1, worker.log[-3000:]
        assert "Rate limit store answers again" in worker.log


def test_without_a_store_workers_each_at_the_limit_meet_429s(workers):
    workers.start([4, 4], rows=100, extra=CAPPED, store=None)
    workers.go()
    done = workers.finish()
    assert [worker.result["failed"] for worker in done] == [[], []]
    assert sum(request.status == 429 for request in workers.sandbox.requests) > 0  # what the store avoids
