"""A fresh sandbox process per benchmark case, on its own core, serving the case's generated chats."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from airflow_provider_texter.sandbox import SandboxProcess, sandbox_process

TOKEN = "bench-token"


def pinned_to(core: int | None):
    """A ``preexec_fn`` that keeps the child on one core, so client and server do not share one."""
    if core is None:
        return None
    return lambda: os.sched_setaffinity(0, {core})


@contextmanager
def running_sandbox(
    chat_count: int,
    *,
    latency_ms: float,
    rate_limit: float | None,
    core: int | None,
    log_path: Path,
    burst: float | None = None,
    port: int | None = None,
) -> Iterator[SandboxProcess]:
    """Serve ``chat_count`` generated chats (``generate_chats(chat_count)``) until the block ends."""
    options = ["--latency-ms", str(latency_ms), "--generate", str(chat_count)]
    if rate_limit:
        options += ["--rate-limit", str(rate_limit)]
    if burst:
        options += ["--burst", str(burst)]
    if port:
        options += ["--port", str(port)]  # after the --port 0 of sandbox_process: this one wins
    with (
        open(log_path, "w") as log,
        sandbox_process(*options, token=TOKEN, stderr=log, preexec_fn=pinned_to(core)) as sandbox,
    ):
        yield sandbox
