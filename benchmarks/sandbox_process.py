"""Start the sandbox CLI in its own process (and on its own core), one fresh server per case."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

TOKEN = "bench-token"
STOP_SECONDS = 30


@dataclass(frozen=True)
class RunningSandbox:
    base_url: str

    def requests_by_status(self) -> dict[str, int]:
        """The sandbox's own count of API requests by HTTP status (its admin endpoint)."""
        origin = self.base_url.split("/server/", 1)[0]
        with urllib.request.urlopen(f"{origin}/_sandbox/requests", timeout=30) as response:
            return json.load(response)["by_status"]


def pinned_to(core: int | None):
    """A ``preexec_fn`` that keeps the child on one core, so client and server do not share one."""
    if core is None:
        return None
    return lambda: os.sched_setaffinity(0, {core})


@contextmanager
def running_sandbox(
    chat_count: int, *, latency_ms: float, rate_limit: float | None, core: int | None, log_path: Path
) -> Iterator[RunningSandbox]:
    """Serve ``chat_count`` generated chats until the block ends; the base URL is read from its stdout."""
    command = [sys.executable, "-m", "airflow_provider_texter.sandbox", "--port", "0", "--token", TOKEN]
    command += ["--latency-ms", str(latency_ms), "--generate", str(chat_count)]
    if rate_limit:
        command += ["--rate-limit", str(rate_limit)]
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=log, text=True, preexec_fn=pinned_to(core)
        )
    try:
        base_url = process.stdout.readline().strip()
        if not base_url:
            raise RuntimeError(f"the sandbox did not start: see {log_path}")
        yield RunningSandbox(base_url)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=STOP_SECONDS)
        process.stdout.close()
