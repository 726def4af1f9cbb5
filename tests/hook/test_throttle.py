"""The throttle spaces every thread's sends and holds them all during a pause."""

from __future__ import annotations

import threading

from airflow_provider_texter.throttle import RequestThrottle


class FakeClock:
    """Time that stands still, so the slot arithmetic is exact; sleeps are recorded."""

    def __init__(self):
        self.now = 100.0
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)


def test_slots_are_spaced_by_the_rate_across_threads():
    clock = FakeClock()
    throttle = RequestThrottle(10, clock=clock, sleep=clock.sleep)
    threads = [threading.Thread(target=throttle.wait) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(round(delay, 6) for delay in clock.slept) == [0.1, 0.2, 0.3, 0.4]


def test_pause_holds_the_next_sender_of_any_thread():
    clock = FakeClock()
    throttle = RequestThrottle(None, clock=clock, sleep=clock.sleep)
    throttle.pause(2.0)
    throttle.pause(0.5)
    assert throttle.wait() == 2.0


def test_no_cap_and_no_pause_never_waits():
    throttle = RequestThrottle(None)
    assert [throttle.wait() for _ in range(100)] == [0.0] * 100
