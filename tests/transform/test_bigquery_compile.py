"""The dbt project compiles for BigQuery, offline.

BigQuery cannot run here, so this proves only what can be proven without it: `dbt parse` and
`dbt compile --no-populate-cache` for the BigQuery target, with a placeholder service account (a
freshly generated key that no Google service knows), and that the SQL uses BigQuery's functions.
"""

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from test_transform import TODAY

from scrobble_insights.config import build_settings
from scrobble_insights.transform.dbt import dbt_dir, run_dbt


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


@pytest.mark.slow
def test_project_parses_and_compiles_for_bigquery_offline(tmp_path, placeholder_service_account):
    settings = build_settings(data_dir=tmp_path / "data", warehouse="bigquery",
                              bigquery_project="placeholder-project", bigquery_dataset_prefix="si_")
    parsed = run_dbt(settings, ["parse"], TODAY)
    assert parsed.returncode == 0, parsed.output
    compiled_dir = dbt_dir(settings) / "target" / "compiled" / "scrobble_insights" / "models"
    for incremental in (False, True):
        run = run_dbt(settings, ["compile", "--no-populate-cache"], TODAY,
                      {"compile_offline": True, "compile_offline_incremental": incremental})
        assert run.returncode == 0, run.output
        assert all(r["status"] == "success" for r in run.results) and len(run.results) > 50
        fact = (compiled_dir / "marts" / "core" / "fact_scrobbles.sql").read_text()
        assert "`placeholder-project`.`si_intermediate`.`int_scrobbles_localized`" in fact
        assert ("`placeholder-project`.`si_marts`.`fact_scrobbles__changes`" in fact) == incremental
    localized = (compiled_dir / "intermediate" / "int_scrobbles_localized.sql").read_text()
    staging = (compiled_dir / "staging" / "lastfm" / "stg_lastfm__scrobbles.sql").read_text()
    assert "datetime(s.played_at_utc, z.timezone)" in localized
    assert "timestamp_seconds(played_at_uts)" in staging and "to_timestamp" not in staging
    assert "`placeholder-project`.`si_raw`.`scrobbles`" in staging
