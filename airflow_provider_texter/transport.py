"""The request path every Texter call takes: prepare, pace, send once, classify, back off.

One ``Transport`` per hook, shared by its threads: one pooled session, one throttle, one retry policy,
so concurrent workers together respect ``max_requests_per_second`` and back off together on a 429.
Whether to retry is ``RetryPolicy.verdict``'s decision; a call that may not be sent twice is retried
only when it surely never reached Texter.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3

from airflow_provider_texter.actions.action import Request
from airflow_provider_texter.actions.endpoint import is_good_answer
from airflow_provider_texter.connection_settings import TexterSettings
from airflow_provider_texter.exceptions import TexterClientError, TexterOutcomeUnknownError
from airflow_provider_texter.redaction import redact
from airflow_provider_texter.responses import decode_response, exhausted_error, retry_history, server_message
from airflow_provider_texter.retry_policy import RetryPolicy, parse_retry_after
from airflow_provider_texter.session import pooled_session
from airflow_provider_texter.shared_rate_limit import Pacing, throttle_for
from airflow_provider_texter.validation import to_json_value

ANSWER_SHOWN = 200  # characters of an unexpected answer quoted in the error
# Whatever breaks while a request is sent or its answer read: requests wraps most of it, but urllib3
# and http.client errors can escape it raw (e.g. a malformed header) and socket errors are OSErrors.
WIRE_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError, http.client.HTTPException, OSError)


@dataclass(frozen=True)
class Attempt:
    """What one send brought: an answer, or the kind of wire failure, what it said, and whether the
    request surely never left (no connection was made)."""

    response: requests.Response | None
    failure: str = ""
    detail: str = ""
    not_sent: bool = False

    @property
    def outcome(self) -> str:
        """``503``, or ``ReadTimeout``: how retries are counted and told."""
        return self.failure if self.response is None else str(self.response.status_code)


def surely_not_sent(error: BaseException) -> bool:
    """True when no connection was made, so no byte of the request reached Texter: refused, DNS, connect
    timeout. A reset or timeout after connecting may follow a request Texter received."""
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return True
    cause = error.args[0] if error.args else None
    return isinstance(getattr(cause, "reason", None), urllib3.exceptions.NewConnectionError)


class RequestStats:
    """Requests and retries of one hook, by outcome; thread-safe, for progress lines and summaries."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.retries = 0
        self.retried: Counter[str] = Counter()

    def sent(self) -> None:
        with self._lock:
            self.requests += 1

    def retried_after(self, outcome: str) -> None:
        with self._lock:
            self.retries += 1
            self.retried[outcome] += 1

    def retried_so_far(self) -> Counter[str]:
        with self._lock:
            return self.retried.copy()


class Transport:
    """Sends checked requests (``actions.Request``) and turns answers into results or typed errors.

    :param log_each_retried_request: one INFO line per request that needed retries; a transfer of a
        million rows turns it off and logs how many retries each progress interval had instead.
    """

    def __init__(
        self,
        session: requests.Session,
        base_url: str,
        host: str,
        *,
        throttle: Pacing,
        retry_policy: RetryPolicy,
        timeout: float,
        log: Any,
    ) -> None:
        self.session = session
        self.base_url = base_url
        self.host = host
        self.throttle = throttle
        self.retry_policy = retry_policy
        self.timeout = timeout
        self.log = log
        self.stats = RequestStats()
        self.log_each_retried_request = True

    @classmethod
    def from_settings(cls, settings: TexterSettings, *, log: Any) -> Transport:
        """The transport a connection's settings describe: its session, pace, retries and timeout."""
        return cls(
            pooled_session(settings.base_url, settings.token),
            settings.base_url,
            urlsplit(settings.base_url).netloc,
            throttle=throttle_for(settings),
            retry_policy=RetryPolicy(settings.max_retries, settings.backoff_factor, settings.max_retry_wait),
            timeout=settings.timeout,
            log=log,
        )

    def send(
        self, request: Request, *, timeout: float | None = None, retry_policy: RetryPolicy | None = None
    ) -> Any:
        """The answer to ``request``, after the retries ``retry_policy`` allows; its shape checked."""
        answer = self.exchange(
            request.action.endpoint.method,
            request.path,
            body=request.body,
            query=request.query,
            scope=request.action.endpoint.scope or "",
            subject=request.subject,
            may_resend=request.may_resend,
            call_name=request.action.name,
            timeout=timeout,
            retry_policy=retry_policy,
        )
        if not is_good_answer(request.action.endpoint, answer):
            expected = " or ".join(request.action.endpoint.answers)
            shown = redact(repr(answer))[:ANSWER_SHOWN]
            message = f"unexpected answer {shown}: expected {expected}"
            raise TexterClientError(200, request.action.endpoint.method, request.path, message)
        return answer

    def exchange(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: Any = None,
        scope: str = "",
        subject: str = "resource",
        may_resend: bool = True,
        call_name: str = "",
        timeout: float | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> Any:
        """One request, retried as the policy says; the decoded body or a typed error.

        A 429 lowers the send rate and pauses every thread (see ``RequestThrottle``); with ``Retry-After``
        it is retried for as long as ``max_retry_wait`` allows, whatever ``max_retries``.
        """
        timeout = self.timeout if timeout is None else timeout
        policy = retry_policy or self.retry_policy
        url = self.base_url + path
        retries: list[str] = []
        counted = 0  # retries that spend max_retries (a 429 with Retry-After spends only time)
        first_sent_at = None
        while True:
            sent_at = self.pace()
            first_sent_at = sent_at if first_sent_at is None else first_sent_at
            attempt = self.send_once(method, url, path, body, query, timeout)
            status = None if attempt.response is None else attempt.response.status_code
            if status is not None and status != 429:
                self.throttle.answered()
            retry_after = None if attempt.response is None else parse_retry_after(
                attempt.response.headers.get("Retry-After")
            )  # fmt: skip
            by_time_only = status == 429 and retry_after is not None
            delay = policy.delay(counted + 1, retry_after)
            verdict = policy.verdict(
                status=status, not_sent=attempt.not_sent, may_resend=may_resend, retry_number=counted + 1,
                spent=self.throttle.now() - first_sent_at, delay=delay, by_time_only=by_time_only,
            )  # fmt: skip
            if status == 429:  # the rate drops either way; every thread waits in pace() if we retry
                self.throttle.throttled(sent_at, pause=delay if verdict == "retry" else 0.0)
            if verdict == "final":
                self._log_recovery(method, path, status, retries, first_sent_at)
                assert attempt.response is not None  # a final verdict has an answer
                return decode_response(attempt.response, method, path, scope=scope, subject=subject)
            if verdict == "outcome_unknown":
                raise self._unknown_outcome(method, path, call_name, subject, attempt)
            if verdict == "give_up":
                raise exhausted_error(
                    method, path, attempt.response, attempt.outcome, retries, subject,
                    host=self.host, detail=attempt.detail,
                )  # fmt: skip
            self.back_off(attempt.outcome, delay, rate_limited=status == 429)
            counted += not by_time_only
            retries.append(attempt.outcome)

    def pace(self) -> float:
        """Wait for this thread's send slot; the moment it may send, on the throttle's clock."""
        self.throttle.wait()
        return self.throttle.now()

    def send_once(self, method: str, url: str, path: str, body: Any, query: Any, timeout: float) -> Attempt:
        """One attempt: the response, or which wire failure ended it."""
        started = time.monotonic()
        self.stats.sent()
        try:
            response = self.session.request(method, url, json=body, params=query, timeout=timeout)
        except (requests.exceptions.InvalidJSONError, TypeError):
            if body is not None:  # a body requests cannot encode (NaN, objects): name the field, no retry
                to_json_value(body, field="body")
            raise
        except WIRE_ERRORS as error:
            detail = redact(str(error))
            self.log.debug(
                "%s %s -> %s after %.3f s: %s",
                method, path, type(error).__name__, time.monotonic() - started, detail,
            )  # fmt: skip
            return Attempt(None, type(error).__name__, detail, not_sent=surely_not_sent(error))
        self.log.debug(
            "%s %s -> %s in %.3f s", method, path, response.status_code, time.monotonic() - started
        )
        return Attempt(response)

    def back_off(self, outcome: str, delay: float, *, rate_limited: bool) -> None:
        """Count the retry and wait before it; a 429's pause is the throttle's, shared by every thread."""
        self.stats.retried_after(outcome)
        if not rate_limited:
            time.sleep(delay)

    def _log_recovery(
        self, method: str, path: str, status: int | None, retries: list[str], first_sent_at: float
    ) -> None:
        if retries:
            (self.log.info if self.log_each_retried_request else self.log.debug)(
                "%s %s answered %s after %s and %.1f s",
                method, path, status, retry_history(retries), self.throttle.now() - first_sent_at,
            )  # fmt: skip

    def _unknown_outcome(
        self, method: str, path: str, call_name: str, subject: str, attempt: Attempt
    ) -> TexterOutcomeUnknownError:
        what = attempt.failure if attempt.response is None else f"HTTP {attempt.response.status_code}"
        said = attempt.detail if attempt.response is None else server_message(attempt.response)
        return TexterOutcomeUnknownError(
            f"Texter API {method} {path} on {self.host} ({call_name or 'request'} for {subject}): "
            f"the outcome is unknown after {what} ({said[:200]}): Texter may have applied it. "
            "It is not sent again: this call messages the contact, and a second send would message them "
            f"twice. Check {subject} in Texter (its messages and status) before running it again."
        )
