"""The throttle spaces every thread's sends, holds them all during a pause, and adapts its rate to 429s."""

from __future__ import annotations

import itertools
import threading

import pytest

from airflow_provider_texter.throttle import RequestThrottle


class FakeClock:
    """Time that moves only when told to, so the slot and rate arithmetic is exact; sleeps are recorded."""

    def __init__(self):
        self.now = 100.0
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)


def answer_at(throttle, clock, rate, seconds):
    """``seconds`` of answers arriving at ``rate`` per second."""
    for _ in range(int(rate * seconds)):
        clock.now += 1 / rate
        throttle.answered()


def test_slots_are_spaced_by_the_rate_across_threads():
    clock = FakeClock()
    throttle = RequestThrottle(10, clock=clock, sleep=clock.sleep)
    threads = [threading.Thread(target=throttle.wait) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(round(delay, 6) for delay in clock.slept) == [0.1, 0.2, 0.3, 0.4]


def test_a_429_holds_the_next_sender_of_any_thread_for_the_longest_pause():
    clock = FakeClock()
    throttle = RequestThrottle(None, clock=clock, sleep=clock.sleep)
    throttle.throttled(sent_at=clock.now, pause=2.0)
    throttle.throttled(sent_at=clock.now, pause=0.5)
    assert throttle.wait() == 2.0


def test_no_cap_and_no_429_never_waits():
    throttle = RequestThrottle(None)
    assert [throttle.wait() for _ in range(100)] == [0.0] * 100


def test_a_429_cuts_the_rate_to_70_percent_of_the_measured_rate_once_per_event():
    clock = FakeClock()
    throttle = RequestThrottle(200, clock=clock, sleep=clock.sleep)
    answer_at(throttle, clock, 100, seconds=3)  # the cap is 200, but 100/s is what got through
    in_flight_since = clock.now - 0.05
    throttle.throttled(sent_at=in_flight_since, pause=1.0)
    assert throttle.rate == pytest.approx(70, rel=0.05)
    throttle.throttled(sent_at=in_flight_since, pause=1.0)  # sent before the cut: the same event
    assert throttle.rate == pytest.approx(70, rel=0.05)
    clock.now += 1.0
    throttle.throttled(sent_at=clock.now, pause=1.0)  # sent after the cut: congestion again
    assert throttle.rate < 55


def test_the_rate_recovers_slowly_near_the_old_rate_and_never_passes_the_cap():
    clock = FakeClock()
    throttle = RequestThrottle(120, clock=clock, sleep=clock.sleep)
    answer_at(throttle, clock, 100, seconds=3)
    throttle.throttled(sent_at=clock.now, pause=0.0)
    rates = []
    for _ in range(12):
        answer_at(throttle, clock, throttle.rate, seconds=1)
        rates.append(throttle.rate)
    assert rates == sorted(rates)  # no 429: it only ever grows
    gains = [later - earlier for earlier, later in itertools.pairwise(rates)]
    near_old_rate = next(index for index, rate in enumerate(rates) if rate >= 95)
    assert gains[near_old_rate] < gains[0]  # slows down near the rate that met the 429 ...
    assert rates[-1] == 120  # ... then probes above it, up to the cap and no further


def test_an_uncapped_hook_adapts_once_throttled():
    clock = FakeClock()
    throttle = RequestThrottle(None, clock=clock, sleep=clock.sleep)
    answer_at(throttle, clock, 50, seconds=2)
    assert throttle.interval == 0.0
    throttle.throttled(sent_at=clock.now, pause=0.0)
    assert throttle.interval == pytest.approx(1 / 35, rel=0.05)


def test_a_pause_is_idle_time_not_a_slow_rate():
    clock = FakeClock()
    throttle = RequestThrottle(200, clock=clock, sleep=clock.sleep)
    answer_at(throttle, clock, 100, seconds=3)
    clock.now += 1.2  # the pool sat out a Retry-After
    answer_at(throttle, clock, 100, seconds=0.1)
    throttle.throttled(sent_at=clock.now, pause=0.0)
    assert throttle.rate == pytest.approx(70, rel=0.05)  # cut from what it achieved while sending
