"""The simulator's catalogue tags resolve to genres through dbt's ranking (int_artist_genres_ranked):
artists with a genre tag get a genre, junk-only artists none, and the primary genre's family is the
one the simulator meant. (These were Python-resolver tests; the resolver is gone, so dbt ranks.)"""

from __future__ import annotations

from datetime import date, datetime, timezone

import duckdb
import pyarrow as pa
import pytest

from scrobble_insights.config import build_settings
from scrobble_insights.load.warehouse import open_warehouse
from scrobble_insights.simulator.catalogue import GENRES, build_catalogue
from scrobble_insights.transform.dbt import reference_tables, run_dbt

pytestmark = pytest.mark.slow      # one small dbt build (staging views, the seed, one model)


@pytest.fixture(scope="module")
def ranked(tmp_path_factory):
    """(catalogue, {artist index: primary genre row}) after dbt ranked the catalogue's tags."""
    root = tmp_path_factory.mktemp("catalogue")
    settings = build_settings(data_dir=root / "data")
    cat = build_catalogue(42)
    rows = [{"artist_name": f"artist {i}", "tag_name": tag, "tag_weight": int(weight), "tag_rank": rank,
             "fetched_at": datetime(2026, 1, 1, tzinfo=timezone.utc)}
            for i, tags in enumerate(cat.artist_tags) for rank, (tag, weight) in enumerate(tags, 1)]
    warehouse = open_warehouse(settings)
    try:
        for name, table in reference_tables(settings, ["unit"], sorted({r["tag_name"] for r in rows})).items():
            warehouse.replace_table(name, table)
        warehouse.replace_table("artist_tags", pa.Table.from_pylist(rows))
    finally:
        warehouse.close()
    run = run_dbt(settings, ["build", "--select", "+int_artist_genres_ranked", "--exclude", "test_type:unit"],
                  date(2026, 1, 1))
    assert run.returncode == 0, run.output[-2000:]
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        primary = con.execute("SELECT artist_name, genre, genre_family FROM intermediate.int_artist_genres_ranked "
                              "WHERE genre_rank = 1").fetchall()
    finally:
        con.close()
    return cat, {int(name.split()[-1]): (genre, family) for name, genre, family in primary}


def test_simulator_artists_get_a_genre_when_their_tags_hold_one(ranked):
    cat, primary = ranked
    genre_tags = {tag for _, _, _, pool in GENRES for tag in pool}
    with_genre = [i for i, tags in enumerate(cat.artist_tags) if any(tag in genre_tags for tag, _ in tags)]
    junk_only = [i for i, tags in enumerate(cat.artist_tags) if tags and not any(tag in genre_tags for tag, _ in tags)]
    resolved = [i for i in with_genre if primary.get(i, (None,))[0] is not None]
    assert len(with_genre) > 300 and junk_only
    assert len(resolved) >= 0.9 * len(with_genre)
    assert [primary.get(i, (None,))[0] for i in junk_only] == [None] * len(junk_only)


def test_simulator_artists_match_intended_family_when_resolved(ranked):
    cat, primary = ranked
    pairs = [(GENRES[g][1], primary.get(i, (None, None))[1])
             for i, (g, tags) in enumerate(zip(cat.artist_genre, cat.artist_tags)) if tags]
    resolved = [(want, got) for want, got in pairs if got is not None]
    assert len(resolved) > 0.8 * len(pairs) > 300, (len(resolved), len(pairs))     # the share below is of many
    assert sum(want == got for want, got in resolved) >= 0.9 * len(resolved)
