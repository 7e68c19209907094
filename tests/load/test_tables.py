"""The raw tables are declared once (load/tables.py); DuckDB, BigQuery and the loader's Arrow
schemas all follow the declaration."""


import pyarrow as pa

from scrobble_insights.load import records
from scrobble_insights.load.duckdb_warehouse import DuckDBWarehouse
from scrobble_insights.load.tables import RAW_TABLES, TYPES


def test_duckdb_creates_every_declared_column_with_its_type_and_nullability(tmp_path):
    warehouse = DuckDBWarehouse(tmp_path / "w.duckdb")
    try:
        rows = warehouse.con.execute("""SELECT table_name, column_name, data_type, is_nullable
                                        FROM information_schema.columns WHERE table_schema = 'raw'
                                        ORDER BY table_name, ordinal_position""").fetchall()
    finally:
        warehouse.close()
    expected = [(t.name, c.name, TYPES[c.type][0].replace("TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE"),
                 "NO" if c.required else "YES")
                for t in sorted(RAW_TABLES.values(), key=lambda t: t.name) for c in t.all_columns]
    assert rows == expected


def test_the_loaders_arrow_schemas_are_the_declared_columns_without_the_load_stamp():
    assert records.SCROBBLE_SCHEMA.names == [c.name for c in RAW_TABLES["scrobbles"].columns]
    assert "loaded_at" not in records.SCROBBLE_SCHEMA.names and "loaded_at" not in records.DAY_SCHEMA.names
    assert records.TAG_SCHEMA.field("fetched_at").type == pa.timestamp("us", tz="UTC")
    assert records.DAY_SCHEMA.field("day").type == pa.date32()


def test_the_reference_tables_written_before_dbt_have_the_declared_columns(tmp_path, monkeypatch):
    from scrobble_insights.config import build_settings
    from scrobble_insights.load.tables import REFERENCE_TABLES
    from scrobble_insights.transform.dbt import reference_tables

    monkeypatch.chdir(tmp_path)
    settings = build_settings(data_dir=tmp_path / "data", users=[{"name": "alice", "timezone": "Europe/Paris"}])
    tables = reference_tables(settings, ["alice"], ["rock", "seen live"])
    assert set(tables) == set(REFERENCE_TABLES)
    for name, table in tables.items():
        assert table.schema == REFERENCE_TABLES[name].arrow_schema()
        assert table.num_rows > 0
