"""Failures a test (or an admin request) injects: error answers, and the ways a connection can break.

Refused before applying (state untouched: a client may safely send the request again):

- ``status``: answer ``status`` (with ``Retry-After`` if given) without touching state; with
  ``echo_authorization`` the message repeats the request's ``Authorization`` header, as careless
  servers do, so clients can prove they never store or log it.
- ``reset``: drop the connection without an answer (a TCP reset).
- ``stall``: accept the request and never answer; the connection is dropped when the sandbox stops
  (or after ``STALL_SECONDS``), so clients meet their read timeout.

Applied, then the answer breaks (Texter acted: sending the request again would act twice):

- ``cut``: apply the request, then send the headers and half the body and close: the answer's
  ``Content-Length`` promises more than arrives.
- ``bad_gzip``: apply the request, then answer with ``Content-Encoding: gzip`` and a body that is
  not gzip.
- ``apply_then_stall``: apply the request, then never answer, as ``stall`` does.
- ``apply_then_status``: apply the request, then answer ``status`` (e.g. a 502 from a proxy whose
  upstream acted), with ``Retry-After`` if given.

A fault with a ``path`` (``/whatsapp/templates/send``) waits for a request to that path (below the base
URL); the requests to other paths pass it by.

A stalled request is in the request log (status None) as soon as it is applied or refused, while
its connection still waits: a test can count it right after the client's timeout.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from dataclasses import dataclass, replace

from .api import Response, message
from .transport import Outgoing

KINDS = ("status", "reset", "stall", "cut", "bad_gzip", "apply_then_stall", "apply_then_status")
REFUSING_KINDS = frozenset({"status", "reset", "stall"})  # the request is answered in its place
STALLING_KINDS = frozenset({"stall", "apply_then_stall"})
STATUS_KINDS = frozenset({"status", "apply_then_status"})
STALL_SECONDS = 60.0
BROKEN_GZIP = b"\x1f\x8b\x08\x00" + b"not gzip at all"


@dataclass(frozen=True)
class Fault:
    """One injected failure (see the module docstring for the kinds)."""

    kind: str
    status: int | None = None
    retry_after: int | str | None = None
    echo_authorization: bool = False
    path: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"fault kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if self.kind in STATUS_KINDS and not (isinstance(self.status, int) and 400 <= self.status <= 599):
            raise ValueError(f"status must be an HTTP error status (400-599), got {self.status!r}")

    @property
    def refuses_request(self) -> bool:
        """Whether the request is refused before it reaches the endpoint (state untouched)."""
        return self.kind in REFUSING_KINDS

    @property
    def withholds_answer(self) -> bool:
        """Whether the client never gets an answer and meets its read timeout."""
        return self.kind in STALLING_KINDS

    def answer(self, applied: Response | None, authorization: str) -> Response | None:
        """What the client is to get instead of ``applied`` (the endpoint's answer, None when refused):
        the fault's error status, or None for no answer at all."""
        if self.kind not in STATUS_KINDS:
            return None if self.refuses_request or self.withholds_answer else applied
        status = self.status or 500  # set for these kinds: __post_init__ checks it
        headers = () if self.retry_after is None else (("Retry-After", str(self.retry_after)),)
        text = f"Injected failure: HTTP {status}"
        if self.echo_authorization:
            text += f" (request sent Authorization: {authorization})"
        return message(status, text, headers)

    def break_answer(self, outgoing: Outgoing) -> Outgoing:
        """The real answer as this fault delivers it: cut in the middle, or with a broken gzip body."""
        if self.kind == "cut":
            return replace(outgoing, cut_after=len(outgoing.body) // 2)
        if self.kind == "bad_gzip":
            return replace(
                outgoing, body=BROKEN_GZIP, headers=(*outgoing.headers, ("Content-Encoding", "gzip"))
            )
        return outgoing


class FaultQueue:
    """Faults in the order they were queued, each for a number of requests; then, if set, a seeded
    share of the remaining requests fails with one status at random."""

    def __init__(self):
        self._lock = threading.Lock()
        self._pending: deque[list] = deque()  # [fault, requests still to hit]
        self._random_fault: Fault | None = None
        self._random_share = 0.0
        self._random = random.Random(0)

    def add(self, count: int, fault: Fault) -> None:
        if count < 0:
            raise ValueError(f"count must be at least 0, got {count}")
        if count:
            with self._lock:
                self._pending.append([fault, count])

    def fail_randomly(self, share: float, status: int = 503, seed: int = 0) -> None:
        """From now on, answer each request ``status`` with probability ``share`` (0 stops it); same seed,
        same picks."""
        if not 0 <= share <= 1:
            raise ValueError(f"share must be from 0 to 1, got {share}")
        fault = Fault("status", status) if share else None
        with self._lock:
            self._random_fault, self._random_share = fault, share
            self._random = random.Random(seed)

    def take(self, path: str | None = None) -> Fault | None:
        """The fault the next request (to ``path``) meets, if any."""
        with self._lock:
            entry = next((entry for entry in self._pending if entry[0].path in (None, path)), None)
            if entry is not None:
                entry[1] -= 1
                if entry[1] == 0:
                    self._pending.remove(entry)
                return entry[0]
            if self._random_share and self._random.random() < self._random_share:
                return self._random_fault
            return None
