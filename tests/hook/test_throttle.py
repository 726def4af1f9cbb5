"""The throttle spaces every thread's sends, holds them all during a pause, learns an unpublished limit
from 429s, and shares a known one (the cap) with CUBIC's curve."""

from __future__ import annotations

import itertools
import threading

import pytest

from airflow_provider_texter.adaptive_rate import BRACKETED, SEARCHING
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


def send_at(throttle, clock, rate, seconds):
    """``seconds`` of requests offered at ``rate`` per second (or the throttle's, when slower)."""
    for _ in range(int(rate * seconds)):
        throttle.wait()
        clock.now += max(1 / rate, throttle.interval)


def answer_at(throttle, clock, rate, seconds):
    """``seconds`` of answers arriving at ``rate`` per second."""
    for _ in range(int(rate * seconds)):
        clock.now += 1 / rate
        throttle.answered()


@pytest.fixture
def clock():
    return FakeClock()


def test_slots_are_spaced_by_the_rate_across_threads(clock):
    throttle = RequestThrottle(10, clock=clock, sleep=clock.sleep)
    threads = [threading.Thread(target=throttle.wait) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(round(delay, 6) for delay in clock.slept) == [0.1, 0.2, 0.3, 0.4]


def test_a_429_holds_the_next_sender_of_any_thread_for_the_longest_pause(clock):
    throttle = RequestThrottle(None, clock=clock, sleep=clock.sleep)
    throttle.throttled(sent_at=clock.now, pause=2.0)
    throttle.throttled(sent_at=clock.now, pause=0.5)
    assert throttle.wait() == 2.0


def test_no_cap_and_no_429_never_waits():
    throttle = RequestThrottle(None)
    assert [throttle.wait() for _ in range(100)] == [0.0] * 100


def test_an_unpaced_429_settles_at_what_went_through_with_the_pause_counted(clock):
    throttle = RequestThrottle(None, clock=clock, sleep=clock.sleep)
    send_at(throttle, clock, 100, seconds=1)  # 100 sent in a second, then the server says 1 s
    throttle.throttled(sent_at=clock.now, pause=1.0)
    assert throttle.rate == pytest.approx(0.98 * 99 / 2, rel=0.02)  # 99 went through in 2 s


def test_an_unpaced_429_after_a_few_requests_only_pauses(clock):
    throttle = RequestThrottle(None, clock=clock, sleep=clock.sleep)
    throttle.wait()
    throttle.throttled(sent_at=clock.now, pause=1.0)
    assert throttle.rate is None and throttle.wait() == 1.0


def test_429s_in_flight_when_the_lesson_was_learned_teach_nothing_new(clock):
    throttle = RequestThrottle(None, clock=clock, sleep=clock.sleep)
    send_at(throttle, clock, 100, seconds=1)
    in_flight_since = clock.now - 0.05
    throttle.throttled(sent_at=in_flight_since, pause=1.0)
    learned = throttle.rate
    clock.now += 0.5
    throttle.throttled(sent_at=in_flight_since, pause=1.0)  # sent before the pause: the same event
    assert throttle.rate == learned


def test_probes_start_after_a_quiet_spell_and_a_failed_probe_doubles_it(clock):
    throttle = RequestThrottle(None, clock=clock, sleep=clock.sleep)
    send_at(throttle, clock, 100, seconds=2)
    throttle.throttled(sent_at=clock.now, pause=1.0)
    searching = throttle.rate
    clock.now += 1.0 + SEARCHING.quiet  # the pause, then the quiet spell: no probe yet
    assert throttle.rate == pytest.approx(searching)
    clock.now += SEARCHING.doubling_seconds  # searching upwards doubles the rate quickly
    assert throttle.rate == pytest.approx(2 * searching)
    send_at(throttle, clock, 200, seconds=1)
    throttle.throttled(sent_at=clock.now, pause=1.0)  # a paced rate met a 429: the limit is bracketed
    settled = throttle.rate
    clock.now += 1.0 + BRACKETED.quiet - 0.1
    assert throttle.rate == pytest.approx(settled)  # still quiet
    clock.now += 0.1 + BRACKETED.doubling_seconds / 2
    probe = throttle.rate
    assert settled * 1.3 < probe < settled * 1.5  # a slow probe
    send_at(throttle, clock, probe, seconds=1)
    throttle.throttled(sent_at=clock.now, pause=1.0)  # the probe failed: the next one waits twice as long
    settled = throttle.rate
    clock.now += 1.0 + 2 * BRACKETED.quiet - 0.1
    assert throttle.rate == pytest.approx(settled)


def test_an_idle_spell_is_not_a_slow_rate(clock):
    throttle = RequestThrottle(None, clock=clock, sleep=clock.sleep)
    send_at(throttle, clock, 100, seconds=0.05)
    clock.now += 60  # the hook sat idle for a minute, then a burst met a 429
    send_at(throttle, clock, 100, seconds=1)
    throttle.throttled(sent_at=clock.now, pause=1.0)
    assert throttle.rate == pytest.approx(0.98 * 99 / 2, rel=0.02)


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


def test_a_pause_is_idle_time_not_a_slow_rate():
    clock = FakeClock()
    throttle = RequestThrottle(200, clock=clock, sleep=clock.sleep)
    answer_at(throttle, clock, 100, seconds=3)
    clock.now += 1.2  # the pool sat out a Retry-After
    answer_at(throttle, clock, 100, seconds=0.1)
    throttle.throttled(sent_at=clock.now, pause=0.0)
    assert throttle.rate == pytest.approx(70, rel=0.05)  # cut from what it achieved while sending
