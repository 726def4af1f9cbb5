"""A fixed pool of threads fed from one thread: items with the same key go to the same worker, so they run
in the order they were fed, and the feeding thread keeps ticking (committing, renewing) while it waits."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Hashable, Iterable
from typing import Any

QUEUE_DEPTH = 64
TICK_SECONDS = 0.5
_DONE = object()


class KeyedWorkerPool:
    """Runs ``work(item)`` on ``max_workers`` threads for every ``(key, item)`` fed to ``run``.

    :param tick: called on the feeding thread whenever it waits (for room in a queue, for the workers to
        finish), at least every half second: the thread that owns the database connection does its
        writes there.
    :param wake: set by anyone with work for the feeding thread (a finished item, outcomes to commit); it
        ticks then instead of after a fixed sleep.
    """

    def __init__(
        self,
        work: Callable[[Any], None],
        *,
        max_workers: int,
        tick: Callable[[], None],
        wake: threading.Event,
        name: str,
    ) -> None:
        self.work = work
        self.tick = tick
        self.wake = wake
        self.name = name
        self._queues: list[queue.Queue] = [queue.Queue(maxsize=QUEUE_DEPTH) for _ in range(max_workers)]

    def run(self, items: Iterable[tuple[Hashable, Any]]) -> None:
        """Hand each item to its key's worker; return once every item fed was worked (also when feeding
        stopped with an error, which is then raised)."""
        workers = [
            threading.Thread(target=self._work, args=(work,), name=f"{self.name}-{index}", daemon=True)
            for index, work in enumerate(self._queues)
        ]
        for worker in workers:
            worker.start()
        try:
            for key, item in items:
                self._put(self._queues[hash(key) % len(self._queues)], item)
        finally:
            for work in self._queues:
                self._put(work, _DONE)
            for worker in workers:
                while worker.is_alive():
                    self.wake.clear()
                    self.tick()
                    if worker.is_alive():
                        self.wake.wait(TICK_SECONDS)

    def _put(self, work: queue.Queue, item: Any) -> None:
        """Hand ``item`` to a worker; while its queue is full, tick whenever a worker wakes us."""
        while True:
            self.wake.clear()
            try:
                work.put_nowait(item)
                return
            except queue.Full:
                self.tick()
                self.wake.wait(TICK_SECONDS)

    def _work(self, work: queue.Queue) -> None:
        while (item := work.get()) is not _DONE:
            self.work(item)
            self.wake.set()  # a queue has room, and there may be outcomes to commit
        self.wake.set()
