"""``python -m benchmarks``: run the cases against a local sandbox and print a Markdown table.

Progress goes to stderr, the table and the target checks to stdout.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.plan import GROUPS, build_plan
from benchmarks.report import markdown_table, target_checks
from benchmarks.runner import ROOT, Measurement, run_case


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small row counts: a smoke run of a minute")
    parser.add_argument("--only", action="append", choices=GROUPS, help="run only this group (repeatable)")
    return parser.parse_args(argv)


def progress(measurement: Measurement) -> str:
    """The line printed after a case; it also says when the server's count disagrees with the client's."""
    part = f"{measurement.part}: " if measurement.part else ""
    line = f"    {part}{measurement.rows_per_second:,.0f} rows/s in {measurement.seconds:.1f} s"
    accepted = measurement.status_counts.get("200", 0)
    if accepted != measurement.written:
        line += f" (the server accepted {accepted} requests, the client counted {measurement.written} rows)"
    return line


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    # The sandbox and client processes import this checkout, installed or not.
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    cases = build_plan(arguments.only or list(GROUPS), quick=arguments.quick)
    workdir = Path(tempfile.mkdtemp(prefix="texter-bench-"))
    measurements: list[Measurement] = []
    notes = []
    started = time.monotonic()
    for index, case in enumerate(cases, start=1):
        name = f"{case.label}, N={case.rows}, {case.scenario.label}"
        print(f"[{index}/{len(cases)}] {name}", file=sys.stderr)
        try:
            lines = run_case(case, workdir / f"case-{index}", workdir)
        except subprocess.CalledProcessError:
            notes.append(f"- {name}: a client crashed, see {workdir / f'case-{index}'}")
            continue
        measurements += lines
        for measurement in lines:
            print(progress(measurement), file=sys.stderr)
            if measurement.error:
                notes.append(f"- {measurement.label}: {measurement.error}")
    print(f"{len(cases)} cases in {time.monotonic() - started:.0f} s", file=sys.stderr)
    print(markdown_table(measurements), "", *target_checks(measurements), *notes, sep="\n")
    if len({measurement.case for measurement in measurements}) < len(cases):
        return 1
    shutil.rmtree(workdir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
