"""MusicBrainz enrichment in the orchestrator (issue 14): Dagster's job materialises the `enrich` asset
(raw/mb_artists) between the tags and dbt, in-process against the simulator's last.fm and MusicBrainz on
127.0.0.1 with real DuckDB and dbt; without a contact it is skipped; a MusicBrainz outage fails the run
(and its alert) with the scrobbles modelled and published for readers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import dagster as dg
import duckdb
import pytest

from scrobble_insights.operate.enrichment import SKIPPED
from scrobble_insights.operate.status import status_report
from scrobble_insights.orchestrate.definitions import build_definitions
from scrobble_insights.orchestrate.jobs import JOB, range_tags
from scrobble_insights.simulator.faults import MB_FAULT_KINDS, FaultInjector
from support import NOW, TODAY, truth_rows

CLOCK = lambda: datetime.fromtimestamp(NOW, timezone.utc)  # noqa: E731 - the pinned "now"
MB_ARTISTS = dg.AssetKey(["raw", "mb_artists"])
FIRST, LAST = TODAY - timedelta(days=14), TODAY - timedelta(days=1)


def mb_settings(settings_for, server, **overrides):
    return settings_for(server, users=["alice"], mb_api_url=server.mb_url, mb_contact="dagster-tests@example.org",
                        mb_rate_limit=1000, **overrides)


def materialised(result, key: dg.AssetKey) -> list:
    return [e.materialization for e in result.get_asset_materialization_events() if e.asset_key == key]


def fact_rows(path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT count(*) FROM marts.fact_scrobbles").fetchone()[0]


@pytest.mark.slow
def test_the_job_materialises_the_enrich_asset_before_dbt_with_its_figures(simulator, settings_for):
    sim, server = simulator(mb_rate_limit=0)
    settings = mb_settings(settings_for, server)
    defs = build_definitions(settings, clock=CLOCK)
    result = defs.resolve_job_def(JOB).execute_in_process(tags=range_tags(FIRST, LAST))
    assert result.success
    [enriched] = materialised(result, MB_ARTISTS)
    meta = {k: v.value for k, v in enriched.metadata.items()}
    asked = [e for e in sim.request_log() if e.method.startswith("mb.")]
    assert meta["enriched"] > 0 and meta["requests"] == len(asked)
    [albums] = materialised(result, dg.AssetKey(["raw", "mb_release_groups"]))
    album_requests = albums.metadata["album_requests"].value
    assert album_requests < len(asked) and albums.metadata["albums_enriched"].value > 0
    assert meta["requests_per_artist"] == round((len(asked) - album_requests) / meta["enriched"], 3)
    assert 0.5 < meta["coverage"] <= 1
    # Between the tags and dbt: its step ends before the models' starts.
    order = [e.step_key for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_SUCCESS]
    assert order.index("tag") < order.index("enrich") < order.index("dbt_models")
    [user] = status_report(settings, now=CLOCK())["users"]
    assert user["mb_coverage"] == meta["coverage"] or abs(user["mb_coverage"] - meta["coverage"]) < 1e-4
    assert user["artists_unenriched"] == 0


@pytest.mark.slow
def test_without_a_contact_the_enrich_asset_is_skipped_and_the_run_succeeds(simulator, settings_for):
    sim, server = simulator()
    settings = settings_for(server, users=["alice"], mb_api_url=server.mb_url)
    result = build_definitions(settings, clock=CLOCK).resolve_job_def(JOB).execute_in_process(
        tags=range_tags(LAST, LAST))
    assert result.success
    [enriched] = materialised(result, MB_ARTISTS)
    assert enriched.metadata["skipped"].value == SKIPPED
    assert not [e for e in sim.request_log() if e.method.startswith("mb.")]


@pytest.mark.slow
def test_a_musicbrainz_outage_fails_the_run_with_the_scrobbles_modelled(simulator, settings_for):
    sim, server = simulator(mb_rate_limit=0)
    sim.mb_faults = FaultInjector(1.0, ("mb503",), 5, MB_FAULT_KINDS)
    settings = mb_settings(settings_for, server, max_attempts=2)
    result = build_definitions(settings, clock=CLOCK, retry_delay_s=0.01).resolve_job_def(JOB).execute_in_process(
        tags=range_tags(FIRST, LAST), raise_on_error=False)
    assert not result.success
    [failed] = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    assert failed.step_key == "enrich" and "HTTP 503" in failed.event_specific_data.error.to_string()
    assert materialised(result, MB_ARTISTS) == []
    truth = sum(truth_rows(sim, "alice", FIRST, TODAY).values())
    assert fact_rows(settings.snapshot_path) == truth          # modelled and published before the step failed
