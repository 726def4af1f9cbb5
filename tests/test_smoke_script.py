"""The smoke job on the oldest Airflow says why a DAG run failed, not only that it did."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "scripts"))
try:
    from smoke_oldest_airflow import airflow, failure_causes
finally:
    sys.path.pop(0)

# Trimmed from `airflow dags test` on Airflow 3.0.6 with cryptography 51: the cause, far above the tail.
RICH_OUTPUT = """\
2026-12-06 00:31:17 [info     ] Task started                   hostname=vm previous_state=queued
2026-12-06 00:31:17 [error    ] Unable to retrieve connection from secrets backend. [task]
╭───────────────────── Traceback (most recent call last) ──────────────────────╮
│ /venv/lib/python3.11/site-packages/airflow/models/crypto.py:88 in get_fernet  │
│ ╭────────── locals ──────────╮                                               │
│ │ conn_id = 'texter_default' │                                               │
│ ╰────────────────────────────╯                                               │
╰──────────────────────────────────────────────────────────────────────────────╯
AttributeError: 'cryptography.hazmat.bindings._rust.fernet.MultiFernet' object
has no attribute 'is_encrypted'

2026-12-06 00:31:17 [error    ] Task failed with exception     [task]
╭───────────────────── Traceback (most recent call last) ──────────────────────╮
╰──────────────────────────────────────────────────────────────────────────────╯
AirflowNotFoundException: The conn_id `texter_default` isn't defined

2026-12-06 00:31:49 [error    ] Task failed with exception     [task]
[2026-12-06T00:31:49.380+0000] {dagrun.py:1147} INFO - Marking run <DagRun texter_single_chat_update> failed
DagRun failed
"""
PLAIN_OUTPUT = """\
[2026-12-06T00:31:49.380+0000] {taskinstance.py:1} ERROR - Task failed with exception
Traceback (most recent call last):
  File "/venv/lib/python3.11/site-packages/airflow_provider_texter/hooks/texter.py", line 165, in settings
    settings = settings_from_connection(self.texter_conn_id, conn.host, conn.password, conn.extra_dejson)
airflow_provider_texter.exceptions.TexterConfigError: connection 'texter_default' has no API token

DagRun failed
"""


def test_the_errors_and_exceptions_of_a_failed_run_are_listed_once_each():
    assert failure_causes(RICH_OUTPUT) == [
        "[error    ] Unable to retrieve connection from secrets backend. [task]",
        "AttributeError: 'cryptography.hazmat.bindings._rust.fernet.MultiFernet' object has no attribute "
        "'is_encrypted'",
        "[error    ] Task failed with exception     [task]",
        "AirflowNotFoundException: The conn_id `texter_default` isn't defined",
    ]
    assert failure_causes(PLAIN_OUTPUT) == [
        "ERROR - Task failed with exception",
        "airflow_provider_texter.exceptions.TexterConfigError: connection 'texter_default' has no API token",
    ]


def test_a_failed_command_stops_the_smoke_job_with_its_causes(tmp_path, monkeypatch):
    failing_airflow = tmp_path / "airflow"  # the smoke job runs the `airflow` beside its interpreter
    failing_airflow.write_text(f"#!/bin/sh\ncat <<'OUTPUT'\n{RICH_OUTPUT}OUTPUT\nexit 1\n")
    failing_airflow.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    with pytest.raises(SystemExit) as stopped:
        airflow({"PATH": "/usr/bin:/bin"}, "dags", "test", "texter_single_chat_update")
    assert "`airflow dags test texter_single_chat_update` failed" in str(stopped.value)
    assert "AttributeError: 'cryptography.hazmat.bindings._rust.fernet.MultiFernet'" in str(stopped.value)
