"""dbt's DuckDB sessions are capped at SCROBBLE_INSIGHTS_DUCKDB_MEMORY_LIMIT (issue 13): the generated
profile carries the setting and DuckDB, started by dbt, reports it; likewise its two threads, no
insertion order and a temporary directory in the data directory."""

from datetime import date

import pytest

from scrobble_insights.config import build_settings
from scrobble_insights.load.warehouse import open_warehouse
from scrobble_insights.transform.dbt import run_dbt


@pytest.mark.slow
def test_a_dbt_session_on_duckdb_runs_under_the_configured_memory_limit(tmp_path):
    settings = build_settings(data_dir=tmp_path / "data", duckdb_memory_limit="300MB")
    open_warehouse(settings).close()
    shown = run_dbt(settings, ["show", "--inline", "select current_setting('memory_limit') as limit_now, "
                               "current_setting('threads') as threads_now, current_setting('preserve_insertion_order') "
                               "as ordered, current_setting('temp_directory') as spill", "--output", "json"],
                    date(2026, 3, 15))
    assert shown.returncode == 0, shown.output
    assert "286.1 MiB" in shown.output          # DuckDB reports 300 MB (10^6 bytes) in MiB
    assert '"threads_now": 2' in shown.output and '"ordered": false' in shown.output, shown.output
    assert 'warehouse.duckdb.tmp"' in shown.output, shown.output     # DuckDB's default, beside the file
    assert build_settings(data_dir=tmp_path / "data").duckdb_memory_limit == "2GB"       # the default
