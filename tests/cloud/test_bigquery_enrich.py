"""The enrichment job on the BigQuery warehouse (the local emulator): the same loader path as DuckDB
lands raw.mb_artists and raw.mb_release_groups, and a second run asks nothing."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from scrobble_insights.config import build_settings
from scrobble_insights.load.bigquery_warehouse import BigQueryWarehouse
from scrobble_insights.operate import steps
from scrobble_insights.operate.enrich import enrich
from scrobble_insights.simulator import UserSpec
from support import TEST_KEY, TODAY


@pytest.mark.slow
def test_enrich_loads_mb_artists_into_bigquery_and_a_second_run_asks_nothing(bq, simulator, tmp_path):
    sim, server = simulator(users=[UserSpec("alice", scrobbles_per_day=20)], mb_rate_limit=0, years=0.2)
    settings = build_settings(lastfm_api_url=server.url, lastfm_api_key=TEST_KEY, data_dir=tmp_path / "data",
                              rate_limit=500, warehouse="bigquery", bigquery_project=bq.project,
                              bigquery_dataset_prefix=bq.prefix, mb_api_url=server.mb_url,
                              mb_contact="bq-tests@example.org", mb_rate_limit=1000, mb_lookup_top=5)
    steps.extract_and_load(settings, ["alice"], TODAY - timedelta(days=30), TODAY - timedelta(days=1), tags=False)

    first = enrich(settings, ["alice"])
    assert first.asked > 0 and first.enriched == first.asked and first.looked_up > 0

    warehouse = BigQueryWarehouse(bq.project, bq.prefix)
    try:
        state = warehouse.mb_artist_state(["alice"])
    finally:
        warehouse.close()
    assert len(state) == first.asked and all(row[4] is not None for row in state)
    kinds = {r[0]: r[1] for r in bq.client.query_and_wait(
        f"SELECT artist_key, match FROM `{bq.project}.{bq.prefix}raw.mb_artists`")}
    assert set(kinds) == {row[0] for row in state}
    assert {k for k, v in kinds.items() if v == "mbid"} and set(kinds.values()) <= {"mbid", "merged", "name",
                                                                                   "unknown", "ambiguous"}
    warehouse = BigQueryWarehouse(bq.project, bq.prefix)
    try:
        albums = warehouse.mb_release_group_state(["alice"])
    finally:
        warehouse.close()
    asked = [row for row in albums if row[3] or row[4]]          # a release MBID, or a matched artist
    assert first.albums_asked == len(asked) > 0 and all(row[6] is not None for row in asked)
    groups = {r[0]: (r[1], r[2], r[3]) for r in bq.client.query_and_wait(
        f"SELECT album_ref, release_group_mbid, first_release_date, match "
        f"FROM `{bq.project}.{bq.prefix}raw.mb_release_groups`")}
    assert set(groups) == {row[0] for row in asked} and first.album_matches == Counter(v[2] for v in groups.values())
    assert {v[2] for v in groups.values()} <= {"mbid", "title", "ambiguous", "unknown"}
    assert all((v[0] is not None) == (v[2] in ("mbid", "title")) for v in groups.values())
    again = enrich(settings, ["alice"])
    assert (again.asked, again.requests, again.albums_asked) == (0, 0, 0)
