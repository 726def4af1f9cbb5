"""``python -m benchmarks.versions --before DIR``: the unlimited SqlToTexterOperator case, this checkout and
another (e.g. a worktree of the commit before a change) side by side, interleaved round by round on the
same machine and the same sandbox, so load that comes and goes falls on both alike.

Progress goes to stderr; the table and each side's median rows/s to stdout.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from benchmarks.plan import UNLIMITED, Case
from benchmarks.report import markdown_table
from benchmarks.runner import ROOT, Measurement, run_case


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.versions", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--before", type=Path, required=True, help="the other checkout (the older version)")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args(argv)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    sides = {"before": arguments.before.resolve(), "after": ROOT}
    case = Case("sql_to_texter", arguments.rows, UNLIMITED, 8)
    workdir = Path(tempfile.mkdtemp(prefix="texter-versions-"))
    measurements: dict[str, list[Measurement]] = {side: [] for side in sides}
    for round_number in range(1, arguments.rounds + 1):
        # Alternate which side goes first, so a trend in the machine's load favours neither.
        order = list(sides) if round_number % 2 else list(reversed(sides))
        for side in order:
            home = workdir / f"{side}-{round_number}"
            try:
                (line,) = run_case(case, home, workdir, client_root=sides[side])
            except subprocess.CalledProcessError:
                print(f"{side} round {round_number}: the client crashed, see {home}", file=sys.stderr)
                return 1
            measurements[side].append(
                replace(line, part=f"{side} ({revision(sides[side])}), round {round_number}")
            )
            print(f"{side} round {round_number}: {line.rows_per_second:,.0f} rows/s", file=sys.stderr)
    print(markdown_table([line for side in sides for line in measurements[side]]))
    for side in sides:
        rates = [line.rows_per_second for line in measurements[side]]
        failed = sum(line.failed_rows for line in measurements[side])
        print(
            f"- {side} ({revision(sides[side])}): median {statistics.median(rates):,.0f} rows/s "
            f"(min {min(rates):,.0f}, max {max(rates):,.0f}), failed rows {failed}"
        )
    return 0


def revision(root: Path) -> str:
    """The checkout's commit (``+`` when its working tree has changes)."""
    head = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain"], capture_output=True, text=True)
    return head.stdout.strip() + ("+" if dirty.stdout.strip() else "")


if __name__ == "__main__":
    raise SystemExit(main())
