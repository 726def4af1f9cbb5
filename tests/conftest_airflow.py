"""Run real DAGs in tests with ``dag.test()``: a throwaway metadata DB and a ``run_dag`` fixture.

Loaded as a pytest plugin (``pytest_plugins`` in ``tests/conftest.py``). It works whenever Airflow was
imported: Airflow reads these settings from environment variables at each lookup, and the ORM is
pointed at a fresh SQLite file, created once per session from the models (faster than migrations).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from unittest import mock

import pytest

BUNDLE_NAME = "dags-folder"


@pytest.fixture(scope="session")
def airflow_db(tmp_path_factory):
    """A metadata DB, an empty DAGs folder and a log folder of this session's own; yields the home."""
    home = tmp_path_factory.mktemp("airflow_home")
    (home / "dags").mkdir()
    environment = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),  # dag.test() parses it: keep it empty
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
    }
    with mock.patch.dict(os.environ, environment):
        from airflow import settings
        from airflow.dag_processing.bundles.manager import DagBundlesManager
        from airflow.utils import db

        settings.configure_vars()
        settings.reconfigure_orm()
        db.initdb()
        DagBundlesManager().sync_bundles_to_db()
        yield home
        settings.dispose_orm(do_log=False)
    settings.configure_vars()
    settings.configure_orm()


@pytest.fixture
def run_dag(airflow_db) -> Callable:
    """``run_dag(dag)``: store a DAG defined in the test as the DAG processor would, then ``dag.test()``.

    Since Airflow 3.1, ``dag.test()`` only runs DAGs that are serialized in the metadata DB, and it
    looks for them in the DAGs folder; a DAG built inside a test function is not there.
    """
    from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db

    def run_dag(dag, **test_kwargs):
        bag = DagBag(dag_folder=os.devnull, collect_dags=False)
        bag.bag_dag(dag)
        sync_bag_to_db(bag, BUNDLE_NAME, None)
        return dag.test(**test_kwargs)

    return run_dag
