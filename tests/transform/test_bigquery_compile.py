"""The dbt project compiles for BigQuery, offline.

BigQuery cannot run here, so this proves only what can be proven without it: `dbt parse` and
`dbt compile --no-populate-cache` for the BigQuery target, with a placeholder service account (a
freshly generated key that no Google service knows), that the SQL uses BigQuery's functions and parses
as BigQuery SQL, and that the incremental fact's strategy (replace_user_days) builds, for BigQuery, one
transaction that deletes the changed user-days and inserts the new rows.

dbt's own is_incremental() asks the warehouse whether the fact's table exists, which needs the network.
The child dbt processes get a test double for that one answer (a sitecustomize on PYTHONPATH replacing
BigQueryAdapter.get_relation): "no table" compiles the full build, "a table" the incremental one.
"""

import json
import os
from pathlib import Path

import pytest
import sqlglot
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from test_transform import TODAY

from scrobble_insights.config import build_settings
from scrobble_insights.transform.dbt import dbt_dir, run_dbt

TABLES_EXIST = "SCROBBLE_TEST_BIGQUERY_TABLES_EXIST"
FAKE_GET_RELATION = f'''
"""Test double: BigQuery's answer to "does this relation exist?" ({TABLES_EXIST}=yes or no)."""
import os

if os.environ.get("{TABLES_EXIST}") in ("yes", "no"):
    from dbt.adapters.bigquery.impl import BigQueryAdapter
    from dbt.adapters.bigquery.relation import BigQueryRelation

    def get_relation(self, database, schema, identifier):
        if os.environ["{TABLES_EXIST}"] == "no":
            return None
        return BigQueryRelation.create(database=database, schema=schema, identifier=identifier, type="table")

    BigQueryAdapter.get_relation = get_relation
'''

# The strategy's SQL for BigQuery, rendered by dbt-bigquery's build macro as the materialization calls it.
STRATEGY_SQL = """
-- depends_on: {{ ref('stg_lastfm__extracted_days') }}
-- depends_on: {{ ref('int_artist_names_resolved') }}
{%- if execute -%}
{%- set target = api.Relation.create(database='placeholder-project', schema='si_marts',
                                     identifier='fact_scrobbles', type='table') -%}
{%- set staged = api.Relation.create(database='placeholder-project', schema='si_marts',
                                     identifier='fact_scrobbles__dbt_tmp', type='table') -%}
{%- set columns = [api.Column.create('scrobble_id', 'STRING'), api.Column.create('user_name', 'STRING'),
                   api.Column.create('utc_date', 'DATE')] -%}
-- validated: {{ dbt_bigquery_validate_get_incremental_strategy({'incremental_strategy': 'replace_user_days'}) }}
-- built-in: {{ dbt_bigquery_validate_get_incremental_strategy({'incremental_strategy': 'merge'}) }}
{{ bq_generate_incremental_build_sql('replace_user_days', staged, target, 'select 1', 'scrobble_id', none, none,
                                     columns, true, false, none) }}
{%- endif -%}
"""


@pytest.fixture
def placeholder_service_account(tmp_path, monkeypatch):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    path = tmp_path / "service-account.json"
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "placeholder-project", "private_key_id": "0" * 40,
        "private_key": pem, "client_email": "placeholder@placeholder-project.iam.gserviceaccount.com",
        "client_id": "1", "token_uri": "https://oauth2.googleapis.com/token"}))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))
    return path


@pytest.fixture
def bigquery_tables_exist(tmp_path, monkeypatch):
    """Sets what the child dbt processes are told about existing tables: tables_exist(True/False)."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(FAKE_GET_RELATION)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])))

    def tables_exist(exist: bool) -> None:
        monkeypatch.setenv(TABLES_EXIST, "yes" if exist else "no")
    return tables_exist


def parse_bigquery(sql: str, name: str) -> list:
    try:
        return sqlglot.parse(sql, read="bigquery")
    except sqlglot.errors.ParseError as error:
        raise AssertionError(f"{name} is not valid BigQuery SQL: {error}") from None


@pytest.mark.slow
def test_project_parses_and_compiles_for_bigquery_offline(tmp_path, placeholder_service_account,
                                                          bigquery_tables_exist):
    settings = build_settings(data_dir=tmp_path / "data", warehouse="bigquery",
                              bigquery_project="placeholder-project", bigquery_dataset_prefix="si_")
    parsed = run_dbt(settings, ["parse"], TODAY)
    assert parsed.returncode == 0, parsed.output
    compiled_dir = dbt_dir(settings) / "target" / "compiled" / "scrobble_insights" / "models"
    for incremental in (False, True):
        bigquery_tables_exist(incremental)
        run = run_dbt(settings, ["compile", "--no-populate-cache"], TODAY)
        assert run.returncode == 0, run.output
        assert all(r["status"] == "success" for r in run.results) and len(run.results) > 50
        fact = (compiled_dir / "marts" / "core" / "fact_scrobbles.sql").read_text()
        # the full build reads the localized view; the incremental one localizes the changed days' scrobbles
        assert ("`placeholder-project`.`si_intermediate`.`int_scrobbles_localized`" in fact) != incremental
        assert ("`placeholder-project`.`si_staging`.`stg_lastfm__scrobbles` as s" in fact) == incremental
        assert ("extract(datetime from s.played_at_utc at time zone z.timezone)" in fact) == incremental
        # the incremental build takes its days from int_user_days_changed (changed_user_days, applied to
        # the fact before it changed), not from the fact again; the full build reads neither
        assert ("from `placeholder-project`.`si_intermediate`.`int_user_days_changed`" in fact) == incremental
        assert "`placeholder-project`.`si_marts`.`fact_scrobbles`" not in fact
        for path in sorted(compiled_dir.rglob("*.sql")):
            parse_bigquery(path.read_text(), path.name)
    localized = (compiled_dir / "intermediate" / "int_scrobbles_localized.sql").read_text()
    staging = (compiled_dir / "staging" / "lastfm" / "stg_lastfm__scrobbles.sql").read_text()
    assert "extract(datetime from s.played_at_utc at time zone z.timezone)" in localized
    assert "timestamp_seconds(played_at_uts)" in staging and "to_timestamp" not in staging
    assert "`placeholder-project`.`si_raw`.`scrobbles`" in staging
    names = (compiled_dir / "intermediate" / "int_artist_names_resolved.sql").read_text()
    assert "normalize(translate(" in names and r"r'\p{M}'" in names and "strip_accents" not in names
    assert "'-------\\'\\'" in names          # a quote in a BigQuery string is \', not ''
    # MusicBrainz answers are JSON text: BigQuery's json_value / json_query_array and safe_cast, not DuckDB's
    artists = (compiled_dir / "staging" / "musicbrainz" / "stg_musicbrainz__artists.sql").read_text()
    genres = (compiled_dir / "staging" / "musicbrainz" / "stg_musicbrainz__artist_genres.sql").read_text()
    assert "json_value(body, '$.\"life-span\".begin')" in artists and "safe_cast(" in artists
    assert "unnest(json_query_array(m.body, '$.genres')) as genre" in genres
    assert "json_extract" not in artists + genres and "try_cast" not in artists + genres


@pytest.mark.slow
def test_the_replace_user_days_strategy_is_one_bigquery_transaction(tmp_path, placeholder_service_account,
                                                                    bigquery_tables_exist):
    settings = build_settings(data_dir=tmp_path / "data", warehouse="bigquery",
                              bigquery_project="placeholder-project", bigquery_dataset_prefix="si_")
    bigquery_tables_exist(True)
    run = run_dbt(settings, ["compile", "--no-populate-cache", "--inline", STRATEGY_SQL], TODAY)
    assert run.returncode == 0, run.output
    sql = run.results[0]["compiled_code"]
    # dbt-bigquery accepts the custom strategy (and still its own ones)
    assert "-- validated: replace_user_days" in sql and "-- built-in: merge" in sql
    statements = parse_bigquery(sql, "the replace_user_days SQL")
    assert [type(s).__name__ for s in statements] == ["Transaction", "Delete", "Insert", "Commit"]
    delete, insert = statements[1].sql(dialect="bigquery"), statements[2].sql(dialect="bigquery")
    fact, staged = "`placeholder-project`.`si_marts`.`fact_scrobbles`", "`placeholder-project`.`si_marts`.`fact_scrobbles__dbt_tmp`"
    changed = "`placeholder-project`.`si_intermediate`.`int_user_days_changed`"
    # the changed days as int_user_days_changed recorded them (empty ones too), the earliest one first
    assert delete.startswith(f"DELETE FROM {fact} AS old WHERE (old.utc_date >= (SELECT MIN(utc_date) FROM {changed})"
                             f" AND EXISTS(SELECT 1 FROM {changed} AS changed WHERE changed.user_name = old.user_name"
                             f" AND changed.utc_date = old.utc_date)) OR "), delete
    assert f"old.scrobble_id IN (SELECT scrobble_id FROM {staged})" in delete
    assert insert == f"INSERT INTO {fact} (`scrobble_id`, `user_name`, `utc_date`) " \
                     f"SELECT `scrobble_id`, `user_name`, `utc_date` FROM {staged}"


def test_dbt_bigquerys_materialization_still_calls_the_macros_the_project_overrides():
    """macros/bigquery_custom_strategies.sql replaces two internal macros of dbt-bigquery's incremental
    materialization; if an upgrade stops calling them, custom strategies would fail at run time only."""
    from dbt.include.bigquery import PACKAGE_PATH

    materialization = (Path(PACKAGE_PATH) / "macros" / "materializations" / "incremental.sql").read_text()
    assert "{% set strategy = dbt_bigquery_validate_get_incremental_strategy(config) -%}" in materialization
    assert "{% set build_sql = bq_generate_incremental_build_sql(\n        strategy, tmp_relation, target_relation, " \
           "compiled_code, unique_key, partition_by, partitions, dest_columns, tmp_relation_exists, " \
           "partition_by.copy_partitions, incremental_predicates\n    ) %}" in materialization
