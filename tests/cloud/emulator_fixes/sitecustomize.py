"""Loaded by the BigQuery emulator's Python (tests/cloud/conftest.py puts this folder on its
PYTHONPATH): fixes for where local-bigquery 0.4.0 answers unlike BigQuery, each in
docs/cloud-emulators.md. Nothing here runs in the project's own processes."""

import os

if os.environ.get("SCROBBLE_TEST_EMULATOR_FIXES") == "local-bigquery":
    from local_bigquery.jobs import query

    _execute = query.execute

    def execute(*args, **kwargs):
        """A CREATE TABLE ... AS SELECT job names its table as the destination, as BigQuery's do
        (dbt-bigquery reads the new table's row count through it)."""
        statistics, children, destination = _execute(*args, **kwargs)
        if destination is None and statistics.statementType == "CREATE_TABLE_AS_SELECT":
            destination = statistics.ddlTargetTable
        return statistics, children, destination

    query.execute = execute
