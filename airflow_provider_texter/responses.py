"""Turn a Texter HTTP answer into a result or a typed error that tells the user what to fix."""

from __future__ import annotations

from collections import Counter
from typing import Any

import requests

from airflow_provider_texter.exceptions import (
    TexterAPIError,
    TexterAuthError,
    TexterBadRequestError,
    TexterClientError,
    TexterNotFoundError,
    TexterRateLimitError,
    TexterServerError,
    TexterTransportError,
    TexterUnsuccessfulError,
)

MESSAGE_LIMIT = 500
LISTED_RETRIES = 6  # beyond this many, a retry history is told as counts per outcome


def decode_response(response: requests.Response, method: str, path: str, *, scope: str, subject: str) -> Any:
    """The JSON (or text) body of a final answer; a typed error for 4xx/5xx or ``success: false``."""
    if response.status_code >= 400:
        raise error_for_status(response.status_code, method, path, server_message(response), scope, subject)
    try:
        body = response.json()
    except ValueError:
        return response.text
    if isinstance(body, dict) and body.get("success") is False:
        message = body.get("message") or body.get("error") or "the API answered success: false"
        raise TexterUnsuccessfulError(response.status_code, method, path, str(message))
    return body


def error_for_status(
    status: int, method: str, path: str, message: str, scope: str, subject: str
) -> TexterAPIError:
    """The typed error for a final error status, with the fix in the message."""
    if status == 401:
        return TexterAuthError(
            status, method, path, f"{message} (the API token was rejected: check the connection's password)"
        )
    if status == 403:
        return TexterAuthError(
            status,
            method,
            path,
            f"{message} (the token lacks the scope {scope!r}: add it in Texter under "
            "gear icon > Developers > API Tokens)",
        )
    if status == 404:
        return TexterNotFoundError(status, method, path, f"{subject} not found ({message})")
    if status in (400, 422):
        return TexterBadRequestError(status, method, path, message)
    if status == 429:
        return TexterRateLimitError(status, method, path, message)
    if status >= 500:
        return TexterServerError(status, method, path, message)
    return TexterClientError(status, method, path, message)


def exhausted_error(
    method: str,
    path: str,
    response: requests.Response | None,
    failure: str,
    retries: list[str],
    subject: str,
    *,
    host: str,
    detail: str = "",
) -> Exception:
    """The error for a request whose retries (count or wait budget) ran out; ``detail`` is what the
    last wire failure said (e.g. which certificate check failed)."""
    history = f"after {retry_history(retries)}"
    if response is None:
        last = f"; last error: {detail[:MESSAGE_LIMIT]}" if detail else ""
        return TexterTransportError(f"Texter API {method} {path} on {host}: {failure} {history}{last}")
    message = f"{server_message(response)}; gave up {history}"
    return error_for_status(response.status_code, method, path, message, scope="", subject=subject)


def retry_history(retries: list[str]) -> str:
    """``3 retries (502, 502, 503)``; a long history as counts: ``40 retries (429 x38, 503 x2)``."""
    if not retries:
        return "0 retries"
    if len(retries) <= LISTED_RETRIES:
        return f"{len(retries)} retries ({', '.join(retries)})"
    counts = Counter(retries)
    return f"{len(retries)} retries ({', '.join(f'{outcome} x{count}' for outcome, count in counts.items())})"


def server_message(response: requests.Response) -> str:
    """The API's own explanation: ``message``/``error`` of a JSON body, else the start of the text."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("message", "error", "detail"):
            if body.get(key):
                return str(body[key])[:MESSAGE_LIMIT]
    return (response.text or response.reason or "no message").strip()[:MESSAGE_LIMIT]
