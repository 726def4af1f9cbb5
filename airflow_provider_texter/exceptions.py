"""Typed errors, so callers (and Airflow) can tell what went wrong and whether retrying can help.

Errors that derive from ``TexterPermanentError`` are also ``AirflowFailException``: the task fails
without Airflow retries, because the same request would fail the same way again.
"""

from __future__ import annotations

from airflow_provider_texter.compat import AirflowException, AirflowFailException
from airflow_provider_texter.redaction import redact


class TexterError(AirflowException):
    """Base class of every error this provider raises; its text never holds a credential.

    Messages quote servers and payloads verbatim, and they are logged, pushed to XCom and stored in
    the rejected-rows table, so every one is redacted here, once, whichever path built it.
    """

    def __init__(self, *args: object) -> None:
        super().__init__(*(redact(arg) if isinstance(arg, str) else arg for arg in args))


class TexterPermanentError(TexterError, AirflowFailException):
    """Retrying will not help: fix the input, the connection or the token."""


class TexterConfigError(TexterPermanentError):
    """The ``texter`` connection is missing something or holds an invalid value."""


class TexterValidationError(TexterPermanentError, ValueError):
    """A payload does not match its schema; ``problems`` lists every violation, not only the first."""

    def __init__(self, problems: list[str], *, context: str = "payload") -> None:
        self.problems = [redact(problem) for problem in problems]
        self.context = context
        super().__init__(f"invalid {context}: " + "; ".join(self.problems))


class AmbiguousPhoneError(TexterValidationError):
    """One phone matches several chats and the caller said to refuse that (``on_multiple_chats="error"``)."""


class TexterNoChatError(TexterPermanentError):
    """No chat has the contact phone a single-chat operator was given."""


class TexterOutcomeUnknownError(TexterPermanentError):
    """A call that messages a person got no clear answer after it may have reached Texter (read timeout,
    reset, 5xx): it may have been applied, so neither the hook nor Airflow sends it again."""


class TexterPartialSendError(TexterPermanentError):
    """A call that messages a person reached some of a phone's chats and then failed: retrying the task
    would message the first ones again, so it is not retried; the message names what is left."""


class TexterTransportError(TexterError):
    """No HTTP answer (connection refused or reset, timeout) even after the hook's retries."""


class TexterAPIError(TexterError):
    """The API answered with an error status."""

    def __init__(self, status: int, method: str, path: str, message: str) -> None:
        self.status = status
        self.method = method
        self.path = path
        self.message = redact(message)
        super().__init__(f"Texter API {method} {path} answered {status}: {message}")


class TexterClientError(TexterAPIError, TexterPermanentError):
    """A 4xx other than 429: the request itself is wrong and is never retried."""


class TexterUnsuccessfulError(TexterClientError):
    """HTTP 200 with ``success: false``: Texter refused and did nothing (a template message to a contact who
    unsubscribed from templates)."""


class TexterBadRequestError(TexterClientError):
    """400/422: the API refused the body or the query."""


class TexterAuthError(TexterClientError):
    """401/403: the token is wrong, revoked, or lacks the scope the endpoint needs."""


class TexterNotFoundError(TexterClientError):
    """404: the chat (or endpoint) does not exist in this project."""


class TexterRateLimitError(TexterAPIError):
    """429 still answered after every retry: the task may retry later."""


class TexterServerError(TexterAPIError):
    """5xx still answered after every retry: the task may retry later."""
