"""The lines a run leaves in the task log when it ends (also when it stops early): counts, a sample of
the rejected rows and, in a preview, what would have been sent."""

from __future__ import annotations

from typing import Any

from airflow_provider_texter.transfers.run_report import SAMPLE_SIZE, SyncSummary
from airflow_provider_texter.transfers.sync_plan import SyncPlan


def log_summary(log: Any, plan: SyncPlan, summary: SyncSummary, *, phones_searched: int) -> None:
    result = summary.as_dict()
    undoes = plan.state is not None and plan.state.undoes_departures
    log.info(
        "%sSummary: %d rows read, %d sent, %d succeeded, %d unchanged, %d failed, %d unmatched, "
        "%d skipped, %s removed%s; %d requests (%d phone searches), %d retries; %.1f s, %.1f rows/s",
        "[preview: nothing written] " if plan.preview else "",
        summary.rows_read, summary.sent, summary.succeeded, summary.unchanged, summary.failed,
        summary.unmatched, summary.skipped, "?" if summary.removed is None else summary.removed,
        f" ({summary.undone} had their labels taken off)" if undoes else "",
        summary.requests, phones_searched, summary.retries, summary.seconds, result["rows_per_second"],
    )  # fmt: skip
    if summary.aborted:
        log.error(
            "The run stopped early (%s); %d rows were not attempted",
            summary.aborted,
            summary.not_attempted or 0,
        )
    for item in summary.failed_sample + summary.unmatched_sample:
        log.warning(
            "Row %s (%s) %s: %s", item["row_number"], item["chat_key"], item["status"], item["reason"]
        )
    unlisted = summary.failed + summary.unmatched - len(summary.failed_sample) - len(summary.unmatched_sample)
    if unlisted:
        log.warning("... and %d more rejected rows: %s", unlisted, where_rejected_rows_are(plan))
    if plan.preview:
        for item in summary.would_send:
            log.info("[preview] would send %s %s: %s", item["method"], item["path"], item["body"])


def where_rejected_rows_are(plan: SyncPlan) -> str:
    if plan.rejected_rows_table and not plan.preview:
        return f"every one is in table {plan.rejected_rows_table}"
    return f"the log and XCom list the first {SAMPLE_SIZE} of each kind; set rejected_rows_table to keep all"
