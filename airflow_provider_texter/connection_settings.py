"""Turn a ``texter`` Airflow connection into validated settings, with errors that name the connection."""

from __future__ import annotations

import ipaddress
import math
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_texter.connection_fields import CONNECTION_EXTRAS, ConnectionExtra
from airflow_provider_texter.exceptions import TexterConfigError

API_PATH = "/server/api/v2"
PROJECT_ID_PATTERN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


@dataclass(frozen=True)
class TexterSettings:
    """Everything the hook needs from a connection; the token stays out of ``repr``.

    The extras' defaults and bounds are in ``connection_fields``; these are always given.
    """

    base_url: str
    token: str = field(repr=False)
    timeout: float
    max_retries: int
    backoff_factor: float
    max_retry_wait: float
    max_requests_per_second: float | None
    rate_limit_conn_id: str | None
    unknown_extras: tuple[str, ...]


def settings_from_connection(
    conn_id: str, host: str | None, password: str | None, extra: dict
) -> TexterSettings:
    """Validate a connection's fields; raise ``TexterConfigError`` saying what to fix."""
    token = (password or "").strip()
    if not token:
        raise TexterConfigError(
            f"connection {conn_id!r} has no API token: put the Texter API token in its password field"
        )
    if not isinstance(extra, dict):
        raise TexterConfigError(f"connection {conn_id!r}: extra must be a JSON object")
    # Keyed by name from the table, so every extra it describes is read; the settings' fields type them.
    values: dict[str, Any] = {
        described.name: _extra_value(conn_id, extra, described) for described in CONNECTION_EXTRAS
    }
    return TexterSettings(
        base_url=base_url_from_host(conn_id, host),
        token=token,
        unknown_extras=tuple(sorted(key for key in extra if key not in values)),
        **values,
    )


def base_url_from_host(conn_id: str, host: str | None) -> str:
    """A project id becomes its texterchat.com URL; a URL must be https (or http on loopback only)."""
    value = (host or "").strip()
    if not value:
        raise TexterConfigError(
            f"connection {conn_id!r} has no host: set it to your Texter project id (e.g. 'acme') "
            f"or to a base URL such as 'https://acme.texterchat.com{API_PATH}'"
        )
    if "://" not in value:
        if not PROJECT_ID_PATTERN.match(value):
            raise TexterConfigError(
                f"connection {conn_id!r}: host {value!r} is neither a project id (letters, digits and '-') "
                "nor a URL starting with https://"
            )
        return f"https://{value.lower()}.texterchat.com{API_PATH}"
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise TexterConfigError(f"connection {conn_id!r}: host {value!r} is not an http(s) URL")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise TexterConfigError(
            f"connection {conn_id!r}: plain http is only allowed for loopback hosts (a local sandbox); "
            f"use https://{parts.netloc}{parts.path}"
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise TexterConfigError(
            f"connection {conn_id!r}: the base URL must not carry credentials, a query or a fragment; "
            "put the token in the password field"
        )
    path = parts.path.rstrip("/") or API_PATH
    return f"{parts.scheme}://{parts.netloc}{path}"


def _is_loopback(hostname: str) -> bool:
    if hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def _extra_value(conn_id: str, extra: dict, described: ConnectionExtra) -> float | int | str | None:
    """One extra as its description says: the default when unset, else text, or a number within its bounds."""
    value = extra.get(described.name)
    if value is None or value == "":
        return described.default
    if described.kind == "string":
        if not isinstance(value, str) or not value.strip():
            raise TexterConfigError(
                f"connection {conn_id!r}: extra {described.name!r} must be a connection id, got {value!r}"
            )
        return value.strip()
    integer = described.kind == "integer"
    number = _parse_number(value, integer=integer)
    if number is None or number < (described.minimum or 0):
        kind = "an integer" if integer else "a number"
        raise TexterConfigError(
            f"connection {conn_id!r}: extra {described.name!r} must be {kind} >= {described.minimum}, "
            f"got {value!r}"
        )
    return number


def _parse_number(value: Any, *, integer: bool) -> float | int | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    if integer:
        return int(number) if number.is_integer() else None
    return number
