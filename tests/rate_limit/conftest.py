"""Worker processes that share one Texter rate limit through a real Redis or PostgreSQL, and a sandbox."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from airflow_provider_texter.sandbox import TexterSandbox
from airflow_provider_texter.sandbox.chats import generate_chats

CLIENT = Path(__file__).with_name("sharing_client.py")
REDIS = {"conn_type": "redis", "host": "127.0.0.1", "port": 6379}
RATE_LIMIT = 50.0  # the sandbox's, in requests a second
WORKER_ENVIRONMENT = {**os.environ, "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO"}  # not a line per request
SANDBOX_CHATS = 2_000


def redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def redis_connection() -> dict:
    """The local Redis on 127.0.0.1:6379 (each test's sandbox is its own host, so its own key)."""
    if not redis_answers(6379):
        pytest.skip("Redis on 127.0.0.1:6379 is not reachable")
    return REDIS


@pytest.fixture(params=["redis_connection", "postgres_connection"])
def store_connection(request) -> dict:
    """Each shared store the issue names, real: Redis, then PostgreSQL."""
    return request.getfixturevalue(request.param)


@dataclass
class OwnRedis:
    """A ``redis-server`` of the test's own, on a free port, that the test may stop and start again."""

    port: int
    process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not redis_answers(self.port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not answer on port {self.port}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    @property
    def connection(self) -> dict:
        return {**REDIS, "port": self.port}


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    if shutil.which("redis-server") is None:
        pytest.skip("no redis-server on PATH")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    redis = OwnRedis(port)
    redis.start()
    yield redis
    redis.stop()


@dataclass
class Worker:
    """One worker process: its chats, and what it reported and logged once done."""

    chats: list[str]
    process: subprocess.Popen
    log_path: Path
    result: dict = field(default_factory=dict)
    output: str = ""

    @property
    def log(self) -> str:
        """What it logged (Airflow logs to stdout, Python's warnings go to stderr)."""
        return self.output + self.log_path.read_text()


@dataclass
class Workers:
    """Start processes, each its own hook on its own chats; ``go()`` lets them all send at once."""

    sandbox: TexterSandbox
    logs: Path
    started: list[Worker] = field(default_factory=list)

    def start(self, threads: list[int], rows: int, extra: dict, store: dict | None) -> list[Worker]:
        """One process per entry of ``threads`` (its thread count), each writing ``rows`` chats."""
        texter = {"conn_type": "texter", "host": self.sandbox.base_url, "password": self.sandbox.token}
        texter["extra"] = {**extra, "rate_limit_conn_id": "rate_store"} if store else extra
        for count in threads:
            taken = sum(len(worker.chats) for worker in self.started)
            own = list(self.sandbox.chats)[taken : taken + rows]
            settings = {"texter": texter, "store": store, "chats": own, "threads": count}
            log_path = self.logs / f"worker-{len(self.started)}.log"
            with open(log_path, "w") as log:
                process = subprocess.Popen(
                    [sys.executable, str(CLIENT), json.dumps(settings)],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
                    env=WORKER_ENVIRONMENT,
                )  # fmt: skip
            self.started.append(Worker(own, process, log_path))
        for worker in self.started:
            assert worker.process.stdout is not None
            line = worker.process.stdout.readline()
            assert line.strip() == "ready", worker.log[-3000:]
        return self.started

    def go(self) -> None:
        for worker in self.started:
            assert worker.process.stdin is not None
            worker.process.stdin.write("go\n")
            worker.process.stdin.flush()

    def finish(self) -> list[Worker]:
        for worker in self.started:
            worker.output, _ = worker.process.communicate(timeout=180)
            assert worker.process.returncode == 0, worker.log[-3000:]
            worker.result = json.loads(worker.output.strip().splitlines()[-1])
        return self.started


@pytest.fixture
def workers(tmp_path) -> Iterator[Workers]:
    chats = generate_chats(SANDBOX_CHATS)
    with TexterSandbox("sandbox-token", latency_ms=10, rate_limit=RATE_LIMIT, chats=chats) as sandbox:
        started = Workers(sandbox, tmp_path)
        yield started
        for worker in started.started:
            if worker.process.poll() is None:
                worker.process.kill()
                worker.process.wait()
