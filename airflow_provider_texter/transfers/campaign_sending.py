"""Send a campaign's messages on a pool of workers, each one reserved in the ledger before it goes out.

A worker hands its contact's reservation to the thread that owns the ledger's connection and waits until
it is committed (the reservations of all workers waiting go in one commit); only then does it send. The
outcome goes back the same way and is committed with the next batch: a crash after a send leaves its
reservation, which the next run turns into ``unknown`` and reconciles from the contact's chat. So at most
one reservation per worker can lack its message.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import Any

from airflow_provider_texter.actions.send_template_message import SEND_TEMPLATE_MESSAGE, TemplateMessage
from airflow_provider_texter.exceptions import (
    TexterAuthError,
    TexterClientError,
    TexterConfigError,
    TexterError,
    TexterOutcomeUnknownError,
    TexterRateLimitError,
    TexterTransportError,
    TexterUnsuccessfulError,
)
from airflow_provider_texter.hooks.texter import TexterHook
from airflow_provider_texter.phones import ParsedPhone, mask_phones, masked_phone
from airflow_provider_texter.transfers import campaign_ledger as states
from airflow_provider_texter.transfers.campaign_ledger import CampaignLedger, LedgerEntry, utc_text
from airflow_provider_texter.transfers.campaign_selection import SAMPLE_SIZE, PlannedSend
from airflow_provider_texter.transfers.worker_pool import KeyedWorkerPool

RESERVATION_WAIT_SECONDS = 60.0
OUTCOMES_PER_COMMIT = 200
OUTCOMES_EVERY_SECONDS = 2.0


class LedgerUnavailableError(TexterError):
    """The ledger could not record a reservation: nothing is sent without one."""


class LedgerDoor:
    """The workers' reservations and outcomes, written by the thread that owns the ledger's connection
    (``serve``, called whenever that thread ticks)."""

    def __init__(self, ledger: CampaignLedger, wake: threading.Event) -> None:
        self.ledger = ledger
        self.wake = wake
        self._lock = threading.Condition()
        self._reservations: list[LedgerEntry] = []
        self._reserved: set[str] = set()
        self._outcomes: list[LedgerEntry] = []
        self._last_commit = time.monotonic()
        self.broken: Exception | None = None

    def reserve(self, entry: LedgerEntry) -> None:
        """On a worker: return once the reservation is committed; ``LedgerUnavailableError`` if it was not."""
        with self._lock:
            self._reservations.append(entry)
            self.wake.set()
            committed = self._lock.wait_for(
                lambda: entry.phone in self._reserved or self.broken is not None, RESERVATION_WAIT_SECONDS
            )
            if not committed or entry.phone not in self._reserved:
                raise LedgerUnavailableError(f"the ledger did not record the reservation: {self.broken}")

    def record(self, outcome: LedgerEntry) -> None:
        """On a worker: the outcome of a reserved contact, committed with the next batch."""
        with self._lock:
            self._outcomes.append(outcome)
            if len(self._outcomes) >= OUTCOMES_PER_COMMIT:
                self.wake.set()

    def serve(self) -> None:
        """On the owning thread: commit the waiting reservations, and the outcomes when a batch is due."""
        with self._lock:
            reservations, self._reservations = self._reservations, []
        if reservations and self.broken is None:
            try:
                self.ledger.write(reservations)
            except Exception as error:  # the database failed: no worker may send without its reservation
                self.broken = error
            with self._lock:
                if self.broken is None:
                    self._reserved.update(entry.phone for entry in reservations)
                self._lock.notify_all()
        due = time.monotonic() - self._last_commit >= OUTCOMES_EVERY_SECONDS
        if len(self._outcomes) >= OUTCOMES_PER_COMMIT or (due and self._outcomes):
            self.flush()

    def flush(self) -> None:
        """Commit every outcome handed in so far."""
        with self._lock:
            outcomes, self._outcomes = self._outcomes, []
        self._last_commit = time.monotonic()
        if outcomes:
            self.ledger.record(outcomes)


class CampaignSender:
    """Sends planned messages through the hook (never resent after an ambiguous failure) and counts what
    became of each; a token or connection error stops the run, and the messages not started stay unsent."""

    def __init__(
        self,
        hook: TexterHook,
        message: TemplateMessage,
        door: LedgerDoor,
        *,
        max_workers: int,
        keep_alive: Callable[[], None],
    ) -> None:
        self.hook = hook
        self.message = message
        self.door = door
        self.max_workers = max_workers
        self.keep_alive = keep_alive  # renews the run's lease
        self.counts: Counter[str] = Counter()
        self.rejected_sample: list[dict[str, Any]] = []
        self.fatal: TexterError | None = None
        self._lock = threading.Lock()
        self._stopped = threading.Event()

    def send_all(self, sends: Sequence[PlannedSend]) -> None:
        pool = KeyedWorkerPool(
            self._send, max_workers=self.max_workers, tick=self._tick, wake=self.door.wake,
            name="texter-campaign",
        )  # fmt: skip
        try:
            pool.run((send.phone, send) for send in sends)
        finally:
            self.door.flush()
        if self.fatal is not None:
            raise self.fatal

    def _tick(self) -> None:
        self.door.serve()
        self.keep_alive()

    def _send(self, planned: PlannedSend) -> None:
        if self._stopped.is_set():
            self._count("not_attempted")
            return
        phone = "+" + planned.phone
        try:
            self.door.reserve(LedgerEntry(phone, states.RESERVED, planned.known, at=_now()))
        except LedgerUnavailableError as error:
            self._stop(error)
            self._count("not_attempted")
            return
        outcome = self.outcome(planned, phone)
        self._count(outcome.status, planned, outcome.reason)
        self.door.record(outcome)

    def outcome(self, planned: PlannedSend, phone: str) -> LedgerEntry:
        """Send one reserved message: what became of it, as the ledger keeps it."""
        try:
            request = SEND_TEMPLATE_MESSAGE.to(ParsedPhone(planned.phone, True), self.message, planned.values)
            answer = self.hook.send(request)
        except TexterUnsuccessfulError as error:
            return LedgerEntry(phone, states.UNSUBSCRIBED, True, _reason(error))
        except TexterOutcomeUnknownError as error:
            return LedgerEntry(phone, states.UNKNOWN, True, _reason(error))
        except (TexterAuthError, TexterConfigError) as error:
            self._stop(error)
            return LedgerEntry(phone, states.REJECTED, True, _reason(error))
        except TexterClientError as error:  # 4xx: Texter refused it, nothing was sent
            return LedgerEntry(phone, states.REJECTED, True, _reason(error))
        except (TexterRateLimitError, TexterTransportError) as error:  # it never reached Texter
            return LedgerEntry(phone, states.NOT_SENT, True, _reason(error))
        except Exception as error:  # whatever else broke may have broken after the send: never resend blindly
            return LedgerEntry(phone, states.UNKNOWN, True, _reason(error))
        return LedgerEntry(phone, states.SENT, True, message_id=str(answer.get("messageId") or ""), at=_now())

    def _count(self, outcome: str, planned: PlannedSend | None = None, reason: str | None = None) -> None:
        with self._lock:
            self.counts[outcome] += 1
            if outcome == states.REJECTED and planned is not None and len(self.rejected_sample) < SAMPLE_SIZE:
                self.rejected_sample.append(
                    {"row_number": planned.row_number, "phone": masked_phone(planned.phone), "reason": reason}
                )

    def _stop(self, error: Exception) -> None:
        with self._lock:
            if self.fatal is None:
                self.fatal = error if isinstance(error, TexterError) else TexterError(str(error))
        self._stopped.set()


def _reason(error: Exception) -> str:
    return mask_phones(f"{type(error).__name__}: {error}")[:1000]


def _now() -> str:
    return utc_text(datetime.now(timezone.utc))
