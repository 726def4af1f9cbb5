"""The sandbox CLI as a child process, for demos and benchmarks that need the server out of process."""

from __future__ import annotations

import json
import selectors
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

STOP_SECONDS = 10


@dataclass(frozen=True)
class SandboxProcess:
    """A running sandbox CLI: where it listens, and its admin views (no token, not recorded)."""

    base_url: str
    token: str

    def admin(self, view: str, body: Any = None) -> Any:
        """``admin("chats")`` -> ``{"chats": [...]}``; ``admin("requests")`` -> ``{"count", "by_status"}``;
        ``admin("answers")`` -> ``{"answers": [[arrival time.monotonic(), chat id, status], ...]}``.

        With a ``body`` it POSTs it as JSON, e.g. ``admin("faults", {"kind": "apply_then_stall",
        "count": 1})``; every route is listed in ``admin.py``.
        """
        origin = self.base_url.split("/server/", 1)[0]
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{origin}/_sandbox/{view}", data=data, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)


@contextmanager
def sandbox_process(
    *options: str,
    token: str = "sandbox-token",
    start_seconds: float = 20.0,
    stderr: IO[str] | None = None,
    preexec_fn: Callable[[], Any] | None = None,
) -> Iterator[SandboxProcess]:
    """Start ``python -m airflow_provider_texter.sandbox --port 0`` with ``options``; stop it on exit.

    The process is terminated (killed if it lingers) however the block ends, Ctrl-C included.
    """
    command = [sys.executable, "-m", "airflow_provider_texter.sandbox", "--port", "0", "--token", token]
    process = subprocess.Popen(
        [*command, *options], stdout=subprocess.PIPE, stderr=stderr, text=True, preexec_fn=preexec_fn
    )
    stdout = process.stdout
    assert stdout is not None  # stdout=PIPE
    try:
        yield SandboxProcess(_base_url(process, stdout, start_seconds), token)
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        stdout.close()


def _base_url(process: subprocess.Popen[str], stdout: IO[str], start_seconds: float) -> str:
    """The one line the CLI prints once it accepts requests."""
    with selectors.DefaultSelector() as selector:
        selector.register(stdout, selectors.EVENT_READ)
        ready = selector.select(timeout=start_seconds)
    line = stdout.readline().strip() if ready else ""
    if line.startswith("http"):
        return line
    try:
        exit_code = process.wait(timeout=1)  # a CLI that refused to start exits right after its message
    except subprocess.TimeoutExpired:
        exit_code = None
    raise RuntimeError(f"the Texter sandbox did not start within {start_seconds} s (exit code {exit_code})")
