"""Loading: bronze rebuilds the warehouse without the API; a failed load leaves it unchanged."""

import gzip
import json
from datetime import timedelta

import duckdb
import pytest

from scrobble_insights.bronze.files import iter_days
from scrobble_insights.bronze.store import LocalBronze
from scrobble_insights.errors import BronzeError, WarehouseError
from scrobble_insights.load.loader import load_scrobbles
from scrobble_insights.load.warehouse import open_warehouse
from scrobble_insights.operate.steps import extract_and_load, rebuild_from_bronze
from support import TODAY, warehouse_rows

FIRST, LAST = TODAY - timedelta(days=45), TODAY - timedelta(days=1)


def table(path, sql):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return sorted(con.execute(sql).fetchall())
    finally:
        con.close()


def test_rebuild_from_bronze_alone_gives_the_same_tables(simulator, settings_for):
    sim, server = simulator()
    settings = settings_for(server)
    extract_and_load(settings, ["alice"], FIRST, LAST)
    server.close()                               # no API from here on
    before = table(settings.warehouse_path, "SELECT * EXCLUDE (loaded_at, fetched_at), fetched_at::VARCHAR FROM raw.scrobbles")
    tags_before = table(settings.warehouse_path, "SELECT * EXCLUDE (fetched_at), fetched_at::VARCHAR FROM raw.artist_tags")
    settings.warehouse_path.unlink()
    rebuild_from_bronze(settings)
    assert table(settings.warehouse_path, "SELECT * EXCLUDE (loaded_at, fetched_at), fetched_at::VARCHAR FROM raw.scrobbles") == before
    assert table(settings.warehouse_path, "SELECT * EXCLUDE (fetched_at), fetched_at::VARCHAR FROM raw.artist_tags") == tags_before
    assert len(before) > 1000


def test_bronze_holds_the_raw_objects_untouched(simulator, settings_for):
    sim, server = simulator()
    settings = settings_for(server)
    extract_and_load(settings, ["alice"], FIRST, LAST, tags=False)
    user, day, key, _ = next(iter_days(LocalBronze(settings.bronze_dir)))
    path = settings.bronze_dir / key
    line = json.loads(gzip.decompress(path.read_bytes()).splitlines()[0])
    assert set(line) == {"fetched_at", "window", "page", "track"}
    assert set(line["track"]) >= {"artist", "name", "mbid", "album", "url", "date", "image", "streamable"}
    assert isinstance(line["track"]["date"]["uts"], str)         # as sent: a string


def test_a_failing_load_leaves_the_warehouse_as_it_was(simulator, settings_for):
    sim, server = simulator()
    settings = settings_for(server)
    extract_and_load(settings, ["alice"], FIRST, LAST, tags=False)
    before = warehouse_rows(settings.warehouse_path, "alice")
    files = [settings.bronze_dir / key for _, _, key, _ in iter_days(LocalBronze(settings.bronze_dir))]
    # Rewrite one day with new content and corrupt a later one: the load must not half-apply.
    lines = gzip.decompress(files[0].read_bytes()).splitlines()
    assert lines, "the first day should hold scrobbles, or rewriting it changes nothing"
    files[0].write_bytes(gzip.compress(b"\n".join(lines[1:]) + b"\n"))
    files[-1].write_bytes(b"this is not gzip")
    warehouse = open_warehouse(settings)
    with pytest.raises(BronzeError, match="is damaged"):
        load_scrobbles(warehouse, LocalBronze(settings.bronze_dir))
    warehouse.close()
    assert warehouse_rows(settings.warehouse_path, "alice") == before


def test_rebuild_builds_a_fresh_file_keeps_the_old_one_aside_and_a_failure_changes_nothing(simulator, settings_for):
    sim, server = simulator()
    settings = settings_for(server)
    extract_and_load(settings, ["alice"], FIRST, LAST, tags=False)
    before = warehouse_rows(settings.warehouse_path, "alice")
    warehouse = open_warehouse(settings)
    warehouse.set_state("reference_fingerprint", "built-before")      # the fact's build state
    warehouse.close()

    rebuild_from_bronze(settings)
    previous = settings.data_dir / "warehouse.previous.duckdb"
    assert warehouse_rows(settings.warehouse_path, "alice") == before
    assert table(settings.warehouse_path, "SELECT * FROM raw.build_state") == []     # a fresh file: full dbt build
    assert table(previous, "SELECT key, value FROM raw.build_state") == [("reference_fingerprint", "built-before")]
    assert sorted(p.name for p in settings.data_dir.glob("warehouse*")) == [
        "warehouse.duckdb", "warehouse.previous.duckdb"]

    # A damaged bronze file: the rebuild fails and leaves both files as they were.
    live, kept = settings.warehouse_path.read_bytes(), previous.read_bytes()
    files = [settings.bronze_dir / key for _, _, key, _ in iter_days(LocalBronze(settings.bronze_dir))]
    files[-1].write_bytes(b"this is not gzip")
    with pytest.raises(BronzeError, match="is damaged"):
        rebuild_from_bronze(settings)
    assert settings.warehouse_path.read_bytes() == live and previous.read_bytes() == kept
    assert sorted(p.name for p in settings.data_dir.glob("warehouse*")) == [
        "warehouse.duckdb", "warehouse.previous.duckdb"]


@pytest.mark.parametrize("damage", ["garbage", "empty", "cut in half"])
def test_a_damaged_warehouse_file_is_a_one_line_error_that_says_how_to_rebuild(simulator, settings_for, damage):
    _, server = simulator()
    settings = settings_for(server)
    extract_and_load(settings, ["alice"], FIRST, LAST, tags=False)
    path = settings.warehouse_path
    if damage == "garbage":
        path.write_bytes(b"\x00garbage" * 5000)
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        with open(path, "r+b") as handle:
            handle.truncate(path.stat().st_size // 2)
    for read_only in (False, True):
        with pytest.raises(WarehouseError) as caught:
            open_warehouse(settings, read_only=read_only)
        message = str(caught.value)
        assert "\n" not in message and message.startswith(f"the warehouse {path} is damaged (")
        assert message.endswith("rebuild it from bronze with `scrobble-insights load --rebuild`, then "
                                "`scrobble-insights transform`")
    rebuild_from_bronze(settings)
    assert sum(warehouse_rows(path, "alice").values()) > 1000
