"""One Texter rate limit for every hook on every worker: send slots reserved a few at a time in a store.

Airflow pools cap how many tasks run, not how many requests a second they send, and Celery's
``rate_limit`` is per worker; a project's limit is one. So every hook whose connection names a store
(``rate_limit_conn_id``) takes its send slots from one schedule per Texter host, kept in that store on
the store's clock (GCRA: the store holds the next free slot and hands out slots one interval apart).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from urllib.parse import urlsplit

from airflow_provider_texter.adaptive_rate import learn, paced_rate
from airflow_provider_texter.connection_settings import TexterSettings
from airflow_provider_texter.rate_limit_store import RateLimitStore, SharedState, store_for
from airflow_provider_texter.throttle import RequestThrottle

log = logging.getLogger(__name__)

# A hook holds at most this many seconds of slots, and at most MOST_HELD_SLOTS: hooks that all want more
# than they get then take turns a batch each (fair shares), and one that wants less reserves only what
# its waiting threads need (it does not hold the others back).
HELD_SECONDS = 0.025
MOST_HELD_SLOTS = 8
STALE_SLOT_SECONDS = 0.05  # a reserved slot nobody took this long after its time is let go
STORE_RETRY_SECONDS = 5.0  # while the store is away, how often it is tried again
SLOW_STORE_SECONDS = 1.0  # threads waiting longer than this for the store's answer pace alone


class SharedRateLimit:
    """``RequestThrottle``'s interface, with the slots, the pauses and the learned rate of every hook.

    Each hook reserves a few slots per store round trip (as many as its threads are waiting for, up to
    ``HELD_SECONDS`` of the shared rate); a 429 anywhere writes its ``Retry-After`` into the store,
    where no slot is given out before it ends, and the limit it teaches (``adaptive_rate``) is learned
    once for everyone. When the store does not answer within ``rate_limit_store.STORE_TIMEOUT_SECONDS``
    the hook logs one warning and paces itself with a ``RequestThrottle`` that starts from what the
    store had learned, then goes back to the store when it answers again.

    :param host: the Texter host whose limit this is (hooks of two connections to one project share it).
    """

    def __init__(
        self,
        store: RateLimitStore,
        host: str,
        max_requests_per_second: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.ceiling = max_requests_per_second
        self.host = host
        self.round_trips = 0
        self._store = store
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Condition(threading.Lock())
        self._unclaimed: deque[float] = deque()  # reserved slots (this clock) no thread took yet
        self._held: deque[float] = deque()  # every reserved slot still ahead, claimed or not
        self._waiting = 0
        self._reserving = False
        self._reserving_since = 0.0
        self._offset = 0.0  # the store's clock minus this one
        self._shared: SharedState | None = None
        self._fallback: RequestThrottle | None = None  # pacing this hook alone while the store is away
        self._store_lock = threading.Lock()
        self._store_failed_at = 0.0

    @property
    def rate(self) -> float | None:
        """Requests per second for all hooks together now (None: unpaced)."""
        if self._fallback is not None:
            return self._fallback.rate
        learned = self._shared.learned if self._shared else None
        return paced_rate(learned, self.ceiling, self._clock() + self._offset)

    def now(self) -> float:
        """The throttle's clock: what ``throttled(sent_at=...)`` compares against."""
        return self._clock()

    def wait(self) -> float:
        """Block until this thread may send; returns the seconds it waited."""
        started = self._clock()
        slot = self._claim_slot()
        if slot is None:
            return self._pace_alone().wait()
        delay = slot - self._clock()
        if delay > 0:
            self._sleep(delay)
        return max(self._clock() - started, 0.0)

    def answered(self) -> None:
        """Nothing to do: the store counts what was sent, and the 429s."""

    def throttled(self, sent_at: float, pause: float) -> None:
        """A request sent at ``sent_at`` got a 429: pause every hook ``pause`` seconds, and learn from it
        once for all (a 429 sent before the last lesson's pause ended belongs to that lesson)."""
        if self._fallback is not None and not self._store_due():
            self._fallback.throttled(sent_at, pause)
            return
        try:
            shared = self._round_trip(lambda: self._store.pause(self.host, pause))
            learned = shared.learned
            store_sent_at = sent_at + self._offset
            if learned is None or store_sent_at >= learned.since:
                lesson = learn(
                    learned,
                    sending_rate=paced_rate(learned, self.ceiling, store_sent_at),
                    goodput=shared.cycle.goodput(shared.now, pause),
                    resume_at=shared.paused_until,
                )
                if lesson is not None and lesson is not learned:
                    self._store.learn(self.host, shared.version, lesson)
                    self.round_trips += 1
        except Exception as error:  # the store is away: the hook learns alone
            self._store_away(error)
            self._pace_alone().throttled(sent_at, pause)
            return
        with self._lock:
            # slots reserved before the pause: nobody else gets them, and this hook waits too
            resume_at = shared.paused_until - self._offset
            self._unclaimed = deque(slot for slot in self._unclaimed if slot >= resume_at)
            self._held = deque(slot for slot in self._held if slot >= resume_at)

    def _claim_slot(self) -> float | None:
        """The next slot reserved for this hook, reserving more when none is left; None: the store is
        away or slow, pace alone."""
        with self._lock:
            self._waiting += 1
            try:
                while True:
                    now = self._clock()
                    self._let_go_of_passed(now)
                    if self._unclaimed:
                        return self._unclaimed.popleft()
                    if self._fallback is not None and not self._store_due():
                        return None
                    if self._reserving:  # another thread asks the store for this hook's next slots
                        answer_due = self._reserving_since + SLOW_STORE_SECONDS - now
                        if answer_due <= 0:
                            return None
                        self._lock.wait(timeout=answer_due)
                    elif (count := self._batch()) > 0:
                        self._reserve(count)
                    else:  # holding all it may: wait until the first slot held passes
                        self._lock.wait(timeout=max(self._held[0] - now, 0.001))
            finally:
                self._waiting -= 1

    def _reserve(self, count: int) -> None:
        """Reserve ``count`` slots; called holding the lock, which is released during the round trip."""
        self._reserving = True
        self._reserving_since = self._clock()
        rate = self.rate
        interval = 1.0 / rate if rate else 0.0
        self._lock.release()
        try:
            shared = self._round_trip(lambda: self._store.reserve(self.host, count, interval))
        except Exception as error:
            shared = None
            self._store_away(error)
        finally:
            self._lock.acquire()
            self._reserving = False
            self._lock.notify_all()
        if shared is not None:
            slots = [shared.first_slot - self._offset + index * interval for index in range(count)]
            self._unclaimed.extend(slots)
            self._held.extend(slots)

    def _batch(self) -> int:
        """How many slots to reserve now: as many as threads wait for, once there is room for half of
        what this hook may hold (so a round trip brings several); 0: wait for held slots to pass."""
        rate = self.rate
        most = MOST_HELD_SLOTS if rate is None else min(MOST_HELD_SLOTS, max(1, int(rate * HELD_SECONDS)))
        room = most - len(self._held)
        return min(room, self._waiting) if room >= max(1, most // 2) else 0

    def _let_go_of_passed(self, now: float) -> None:
        while self._held and self._held[0] <= now:
            self._held.popleft()
        while self._unclaimed and self._unclaimed[0] < now - STALE_SLOT_SECONDS:
            self._unclaimed.popleft()

    def _round_trip(self, operation: Callable[[], SharedState]) -> SharedState:
        """Run one store operation; the store's answer sets the clock offset and the shared state."""
        sent = self._clock()
        answer = operation()
        self.round_trips += 1
        self._offset = answer.now - (sent + self._clock()) / 2
        self._shared = answer
        with self._store_lock:
            if self._fallback is not None:
                log.info("Rate limit store answers again: %s is paced with every other hook", self.host)
                self._fallback = None
        return answer

    def _store_away(self, error: Exception) -> None:
        """One warning per outage; from now on this hook paces itself, starting from what was learned."""
        with self._store_lock:
            self._store_failed_at = self._clock()
            if self._fallback is None:
                self._fallback = self._take_over(error)

    def _take_over(self, error: Exception) -> RequestThrottle:
        """The throttle that paces this hook alone, from the store's last pause and learned limit."""
        log.warning(
            "Rate limit store did not answer (%s: %s): %s is paced by this hook alone until it answers "
            "(tried again every %.0f s)",
            type(error).__name__, error, self.host, STORE_RETRY_SECONDS,
        )  # fmt: skip
        shared = self._shared
        learned = shared.learned if shared else None
        local_learned = replace(learned, since=learned.since - self._offset) if learned else None
        fallback = RequestThrottle(self.ceiling, learned=local_learned, clock=self._clock, sleep=self._sleep)
        if shared is not None:
            fallback.pause_until(shared.paused_until - self._offset)
        return fallback

    def _store_due(self) -> bool:
        """Whether to try the store again after it failed."""
        return self._clock() - self._store_failed_at >= STORE_RETRY_SECONDS

    def _pace_alone(self) -> RequestThrottle:
        if self._fallback is None:  # the store was slow, not failing: this request paces alone
            self._store_away(TimeoutError(f"no answer within {SLOW_STORE_SECONDS} s"))
        assert self._fallback is not None
        return self._fallback


Pacing = RequestThrottle | SharedRateLimit  # what a transport paces its sends with


def throttle_for(settings: TexterSettings) -> Pacing:
    """The hook's pacing: shared through the store ``rate_limit_conn_id`` names, or its own."""
    if settings.rate_limit_conn_id is None:
        return RequestThrottle(settings.max_requests_per_second)
    store = store_for(settings.rate_limit_conn_id)
    return SharedRateLimit(store, urlsplit(settings.base_url).netloc, settings.max_requests_per_second)
