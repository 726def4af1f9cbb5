"""``python -m benchmarks.unknown_limit``: a sync with no client cap against a limit nobody published.

One ``SqlToTexterOperator`` (8 workers) per case, no ``max_requests_per_second``, against a sandbox
limited to 20, 50 and 200 requests a second (20 ms per answer, ``Retry-After`` on each 429): the
adaptive rate of a baseline revision and of this checkout, side by side in one run (issue 21). The
baseline's provider and benchmark client are unpacked with ``git archive`` into a temporary folder,
where its client runs; the sandbox and the measuring are this checkout's. Progress on stderr,
the Markdown table on stdout.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from benchmarks.plan import LATENCY_MS, Case, Scenario
from benchmarks.runner import ROOT, Measurement, run_case

LIMITS = (20.0, 50.0, 200.0)
ROWS = 10_000
WORKERS = 16  # as the new user tried it
SETTLE_SECONDS = 10.0  # the bound: >= 90 % of the limit from here on
BASELINE = "c82fe3d"  # the last commit with CUBIC (botocore's adaptive rate)
HEADER = (
    "server limit", "client", "rows/s", "% of limit", "% of limit after 10 s", "429s per 100 requests",
    "429s per 100 after 10 s", "failed rows", "seconds",
)  # fmt: skip


def unpack(revision: str, into: Path) -> Path:
    """The provider and the benchmark client of ``revision``, as a folder to run the client in."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision, "airflow_provider_texter", "benchmarks"],
        cwd=ROOT, check=True, capture_output=True,
    ).stdout  # fmt: skip
    with tempfile.TemporaryFile() as file:
        file.write(archive)
        file.seek(0)
        with tarfile.open(fileobj=file) as tar:
            tar.extractall(into, filter="data")
    return into


def settled_figures(measurement: Measurement, limit: float) -> tuple[float, float]:
    """(share of the limit, 429s per 100 requests) from ``SETTLE_SECONDS`` after the first request on."""
    first = min(arrived for arrived, _, _ in measurement.answers)
    later = [
        (arrived, status) for arrived, _, status in measurement.answers if arrived >= first + SETTLE_SECONDS
    ]
    if not later:
        return 0.0, 0.0
    span = max(max(arrived for arrived, _ in later) - (first + SETTLE_SECONDS), 1e-9)
    accepted = sum(1 for _, status in later if status == 200)
    throttled = sum(1 for _, status in later if status == 429)
    return accepted / span / limit, 100 * throttled / len(later)


def table_line(client: str, measurement: Measurement, limit: float) -> str:
    settled_share, settled_429s = settled_figures(measurement, limit)
    requests = sum(measurement.status_counts.values())
    throttled = measurement.status_counts.get("429", 0)
    cells = (
        f"{limit:g} req/s",
        client,
        f"{measurement.rows_per_second:,.0f}",
        f"{measurement.rows_per_second / limit:.0%}",
        f"{settled_share:.0%}",
        f"{100 * throttled / requests:.1f} ({throttled})",
        f"{settled_429s:.1f}",
        str(measurement.failed_rows),
        f"{measurement.seconds:.1f}",
    )
    return "| " + " | ".join(cells) + " |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.unknown_limit", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--limit", type=float, action="append", help="server limits (default: 20, 50, 200)")
    parser.add_argument("--baseline", default=BASELINE, help="revision whose adaptive rate is compared")
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--latency-ms", type=float, default=LATENCY_MS, help="time each answer takes")
    parser.add_argument("--burst", type=float, help="the sandbox bucket's size (default: 1 s of its limit)")
    parser.add_argument("--only-current", action="store_true", help="skip the baseline")
    arguments = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="texter-unknown-limit-"))
    clients = {"this checkout": ROOT}
    if not arguments.only_current:
        clients = {
            f"baseline {arguments.baseline}": unpack(arguments.baseline, workdir / "baseline"),
            **clients,
        }
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "|".join("---" for _ in HEADER) + "|"]
    for limit in arguments.limit or LIMITS:
        scenario = Scenario(arguments.latency_ms, limit, arguments.burst)
        case = Case("sql_to_texter", arguments.rows, scenario, arguments.workers)
        for index, (client, client_root) in enumerate(clients.items()):
            print(f"[{limit:g} req/s] {client}", file=sys.stderr)
            home = workdir / f"limit-{limit:g}-{index}"
            (measurement,) = run_case(case, home, workdir, client_root=client_root)
            lines.append(table_line(client, measurement, limit))
            print(lines[-1], file=sys.stderr)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
