"""Run the sandbox as its own process: ``python -m airflow_provider_texter.sandbox --port 8765 --token T``.

Prints the base URL on one line once it accepts requests, then serves until SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import signal
import threading

from .chats import generate_chats
from .server import TexterSandbox


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m airflow_provider_texter.sandbox", description="Serve a local Texter API v2."
    )
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port (default 8765)")
    parser.add_argument("--token", default="sandbox-token", help="the API token clients must send")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--latency-ms", type=float, default=0, help="time each answer takes")
    parser.add_argument("--rate-limit", type=float, help="requests per second (default: unlimited)")
    parser.add_argument("--burst", type=float, help="requests at once when idle (default: the rate)")
    parser.add_argument("--seed-file", type=argparse.FileType(encoding="utf-8"), help="JSON list of chats")
    parser.add_argument("--generate", type=int, default=0, metavar="N", help="add N generated chats")
    arguments = parser.parse_args(argv)
    arguments.chats = generate_chats(arguments.generate)
    if arguments.seed_file:
        with arguments.seed_file:
            try:
                seeded = json.load(arguments.seed_file)
            except ValueError as error:
                parser.error(f"--seed-file {arguments.seed_file.name}: not JSON ({error})")
        if not isinstance(seeded, list) or not all(isinstance(chat, dict) for chat in seeded):
            parser.error(f"--seed-file {arguments.seed_file.name}: expected a JSON list of chat objects")
        arguments.chats += seeded
    return arguments


def add_labels_of(sandbox: TexterSandbox, chats: list[dict]) -> None:
    """Make each label id the chats carry a label (named like its id), so that Manage Labels in Chat,
    which refuses ids that name no label, can remove it and add it to other chats."""
    existing = {label["id"] for label in sandbox.labels}
    carried = (
        label_id for chat in chats if isinstance(chat.get("labels"), list) for label_id in chat["labels"]
    )
    for label_id in dict.fromkeys(carried):
        if label_id not in existing:
            sandbox.add_label(label_id, label_id)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    stopped = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stopped.set())
    try:
        sandbox = TexterSandbox(
            arguments.token,
            host=arguments.host,
            port=arguments.port,
            latency_ms=arguments.latency_ms,
            rate_limit=arguments.rate_limit,
            burst=arguments.burst,
            chats=arguments.chats,
        )
        add_labels_of(sandbox, arguments.chats)
        sandbox.start()
    except (OSError, ValueError) as error:  # port taken, bad seed chat or label id, bad setting
        raise SystemExit(f"texter sandbox: {error}") from None
    with sandbox:
        print(sandbox.base_url, flush=True)
        stopped.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
