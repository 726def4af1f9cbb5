"""Read phones for one hook, warning once about each possible but unassigned number (a likely typo)."""

from __future__ import annotations

import threading
from typing import Any

from airflow_provider_texter.phones import ParsedPhone, parse_phone

SUSPICIOUS_PHONES_LOGGED = 20


class PhoneReader:
    """``phones.parse_phone``, with at most ``SUSPICIOUS_PHONES_LOGGED`` warnings per hook; thread-safe."""

    def __init__(self, log: Any) -> None:
        self.log = log
        self._lock = threading.Lock()
        self.suspicious: set[str] = set()

    def parse(self, phone: Any, *, default_region: str | None = None, field: str = "phone") -> ParsedPhone:
        parsed = parse_phone(phone, default_region=default_region, field=field)
        if not parsed.valid and parsed.digits not in self.suspicious:
            with self._lock:
                first_time = parsed.digits not in self.suspicious
                self.suspicious.add(parsed.digits)
                count = len(self.suspicious)
            if first_time and count <= SUSPICIOUS_PHONES_LOGGED:
                self.log.warning(
                    "Phone %r (%s) is possible but not an assigned number: still looked up%s",
                    phone, parsed.e164,
                    "; further ones are not logged" if count == SUSPICIOUS_PHONES_LOGGED else "",
                )  # fmt: skip
        return parsed
