"""Which cases the benchmark runs: the client code, the row count and the server's latency and limit."""

from __future__ import annotations

from dataclasses import dataclass

RATE_LIMIT = 200.0
LATENCY_MS = 20.0
# (row counts of the table, rows of the mapped DAG, row counts compared for peak RSS, rows per shared sync)
SIZES = ((1_000, 10_000), 200, (1_000, 100_000), 10_000)
QUICK_SIZES = ((100, 500), 10, (500, 5_000), 1_000)
GROUPS = ("sql_to_texter", "sql_to_texter_uncapped", "naive_loop", "mapped", "rss", "shared_limit")
SHARED_SYNCS = 2


@dataclass(frozen=True)
class Scenario:
    latency_ms: float
    rate_limit: float | None
    burst: float | None = None  # requests the sandbox's bucket holds (None: one second of its limit)

    @property
    def label(self) -> str:
        limit = f"{self.rate_limit:g} req/s" if self.rate_limit else "no limit"
        return f"{self.latency_ms:g} ms / {limit}"


LIMITED = Scenario(LATENCY_MS, RATE_LIMIT)
UNLIMITED = Scenario(0.0, None)


@dataclass(frozen=True)
class Case:
    """One client run against one fresh sandbox.

    :param kind: ``sql_to_texter``, ``naive_loop`` or ``mapped`` (what the client process runs).
    :param client_cap: the connection's ``max_requests_per_second`` (None: no client-side cap).
    :param syncs: client processes running at once, each its own hook and its own ``rows`` chats.
    """

    kind: str
    rows: int
    scenario: Scenario
    max_workers: int = 1
    client_cap: float | None = None
    syncs: int = 1

    @property
    def label(self) -> str:
        if self.kind == "naive_loop":
            return "naive hook loop"
        if self.kind == "mapped":
            return "mapped TexterUpdateCrmDataOperator"
        cap = f"cap {self.client_cap:g}/s" if self.client_cap else "no client cap"
        if self.syncs > 1:
            return f"{self.syncs} SqlToTexterOperator syncs at once, each {self.max_workers} workers, {cap}"
        return f"SqlToTexterOperator, {self.max_workers} workers, {cap}"


def build_plan(groups: list[str], *, quick: bool = False) -> list[Case]:
    """The cases of ``groups`` in table order, each once; ``quick`` shrinks the row counts for a smoke run."""
    sizes, mapped_rows, rss_sizes, shared_rows = QUICK_SIZES if quick else SIZES
    scenarios = (LIMITED, UNLIMITED)
    cases: list[Case] = []
    for group in groups:
        if group == "sql_to_texter":
            cases += [
                Case("sql_to_texter", rows, scenario, workers, client_cap=scenario.rate_limit)
                for scenario in scenarios
                for workers in (8, 16)
                for rows in sizes
            ]
        elif group == "sql_to_texter_uncapped":
            cases += [Case("sql_to_texter", rows, LIMITED, 8) for rows in sizes]
        elif group == "naive_loop":
            cases += [
                Case("naive_loop", rows, scenario, client_cap=scenario.rate_limit)
                for scenario in scenarios
                for rows in sizes
            ]
        elif group == "mapped":
            cases += [
                Case("mapped", mapped_rows, scenario, client_cap=scenario.rate_limit)
                for scenario in scenarios
            ]
        elif group == "rss":
            cases += [Case("sql_to_texter", rows, UNLIMITED, 8) for rows in rss_sizes]
        elif group == "shared_limit":
            cases.append(Case("sql_to_texter", shared_rows, LIMITED, 8, LIMITED.rate_limit, SHARED_SYNCS))
    return list(dict.fromkeys(cases))
