"""How an outgoing message's delivery status moves on: Sent, then Delivered, then Seen, or Failed.

A status is worked out when a message is read, from the time since it was sent and the delays set now:
no timer runs, and lowering a delay moves every message on at once (a test's way to let time pass;
raising one moves them back, so a test that wants progress only lowers them). A message to a contact
marked to fail goes from Sent to Failed, carrying the error; marking or unmarking later changes no
message already sent. Incoming messages are Delivered when they arrive and stay so.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

SENT, ACCEPTED, DELIVERED, SEEN, FAILED, CHANNEL_FAILED, DELETED = range(7)
DEFAULT_FAILURE = "Message undeliverable"


@dataclass(frozen=True)
class DeliveryDelays:
    """Seconds after sending at which an outgoing message is Delivered, then Seen; or Failed, for a
    contact marked to fail (``delivered_after_seconds`` then too)."""

    delivered_after_seconds: float = 2.0
    seen_after_seconds: float = 10.0

    def __post_init__(self) -> None:
        if not 0 <= self.delivered_after_seconds <= self.seen_after_seconds:
            raise ValueError(
                "delays must satisfy 0 <= delivered_after_seconds <= seen_after_seconds, got "
                f"{self.delivered_after_seconds} and {self.seen_after_seconds}"
            )


class Delivery:
    """The delays in force and the contacts whose messages fail; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.delays = DeliveryDelays()
        self._failing: dict[str, str] = {}

    def set_delays(self, delays: DeliveryDelays) -> None:
        self.delays = delays  # one reference swap: readers see the old delays or the new ones

    def fail_messages_to(self, contact: str, error: str = DEFAULT_FAILURE) -> None:
        """Messages sent to ``contact`` from now on fail with ``error``."""
        with self._lock:
            self._failing[contact] = error

    def failure_for(self, contact: str) -> str | None:
        """The error a message sent now to ``contact`` will fail with; None: it will be delivered."""
        with self._lock:
            return self._failing.get(contact)

    def history(self, sent_ms: int, failure: str | None, now_ms: int) -> list[tuple[int, int]]:
        """``[(status, epoch ms), ...]`` of an outgoing message sent at ``sent_ms``, as of ``now_ms``."""
        delays = self.delays
        steps = [(SENT, sent_ms)]
        delivered_ms = sent_ms + round(delays.delivered_after_seconds * 1000)
        if failure is not None:
            steps.append((FAILED, delivered_ms))
        else:
            steps += [(DELIVERED, delivered_ms), (SEEN, sent_ms + round(delays.seen_after_seconds * 1000))]
        return [step for step in steps if step[1] <= now_ms]
