"""The Markdown table (pasted as is into the README) and the issue's targets, checked on the numbers."""

from __future__ import annotations

from benchmarks.plan import UNLIMITED
from benchmarks.runner import Measurement

HEADER = (
    "case", "N", "server latency / limit", "rows/s", "% of server limit", "429s", "failed rows",
    "peak RSS MB", "seconds",
)  # fmt: skip
SHARE_TARGET = 0.9
FAIR_SHARE_TARGET = 0.4
RATE_TARGET = 1_000.0
RSS_GROWTH_TARGET_MB = 50.0


def markdown_rows(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """A Markdown table of ready-made cells."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def markdown_table(measurements: list[Measurement]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "|".join("---" for _ in HEADER) + "|"]
    for item in measurements:
        share = "-" if item.share_of_limit is None else f"{item.share_of_limit:.0%}"
        cells = (
            item.label,
            f"{item.rows:,}",
            item.case.scenario.label,
            f"{item.rows_per_second:,.0f}",
            share,
            str(item.status_counts.get("429", 0)),
            str(item.failed_rows),
            f"{item.peak_rss_mb:.0f}",
            f"{item.seconds:.1f}",
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def target_checks(measurements: list[Measurement]) -> list[str]:
    """One line per target the measured SqlToTexterOperator cases can answer."""
    transfers = [item for item in measurements if item.case.kind == "sql_to_texter"]
    alone = [item for item in transfers if item.case.syncs == 1]
    shared = [item for item in transfers if item.case.syncs > 1]
    capped = [item for item in alone if item.case.scenario.rate_limit and item.case.client_cap]
    unlimited = [item for item in alone if item.case.scenario == UNLIMITED]
    lines = []
    if capped:
        met = all(item.share_of_limit >= SHARE_TARGET and item.failed_rows == 0 for item in capped)
        worst = min(item.share_of_limit for item in capped)
        lines.append(f"- >= 90 % of the server limit, no failed row (client cap set): {_verdict(met)}, "
                     f"lowest {worst:.0%}")  # fmt: skip
    if shared:
        together = [item for item in shared if item.part == "together"]
        syncs = [item for item in shared if item.part != "together"]
        met = all(item.share_of_limit >= SHARE_TARGET and item.failed_rows == 0 for item in together) and all(
            item.share_of_limit >= FAIR_SHARE_TARGET for item in syncs
        )
        lines.append(
            f"- syncs sharing one limit: together >= 90 %, each >= 40 %, no failed row: {_verdict(met)}, "
            f"together {min(item.share_of_limit for item in together):.0%}, "
            f"each {' / '.join(f'{item.share_of_limit:.0%}' for item in syncs)}"
        )
    if unlimited:
        slowest = min(item.rows_per_second for item in unlimited)
        lines.append(f"- >= 1,000 rows/s without limit or latency: {_verdict(slowest >= RATE_TARGET)}, "
                     f"slowest {slowest:,.0f} rows/s")  # fmt: skip
    by_rows = {item.case.rows: item for item in unlimited if item.case.max_workers == 8}
    if len(by_rows) > 1:
        small, large = by_rows[min(by_rows)], by_rows[max(by_rows)]
        growth = large.peak_rss_mb - small.peak_rss_mb
        lines.append(
            f"- peak RSS at {large.case.rows:,} rows within 50 MB of {small.case.rows:,} rows: "
            f"{_verdict(growth <= RSS_GROWTH_TARGET_MB)}, {large.peak_rss_mb:.0f} - {small.peak_rss_mb:.0f} "
            f"= {growth:+.0f} MB"
        )
    return lines


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"
