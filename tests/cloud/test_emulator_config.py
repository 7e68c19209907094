"""How our clients reach a BigQuery emulator (BIGQUERY_EMULATOR_HOST), checked without one: the
loader's client and dbt's profile; without the variable, Google's API and Application Default
Credentials, and no secret in the profile either way."""

import yaml
from google.auth.credentials import AnonymousCredentials

from scrobble_insights.config import build_settings
from scrobble_insights.load.bigquery_warehouse import bigquery_client, emulator_endpoint
from scrobble_insights.transform.dbt import write_profiles


def test_the_emulator_host_may_be_given_with_or_without_its_scheme(monkeypatch):
    monkeypatch.delenv("BIGQUERY_EMULATOR_HOST", raising=False)
    assert emulator_endpoint() is None
    monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", "127.0.0.1:9050")
    assert emulator_endpoint() == "http://127.0.0.1:9050"
    monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", "http://127.0.0.1:9050/")
    assert emulator_endpoint() == "http://127.0.0.1:9050"


def test_the_loaders_client_talks_to_the_emulator_without_credentials(monkeypatch):
    monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", "127.0.0.1:9050")
    client = bigquery_client("emulated", "EU")
    assert isinstance(client._credentials, AnonymousCredentials)
    assert client._connection.API_BASE_URL == "http://127.0.0.1:9050"
    assert client.project == "emulated" and client.location == "EU"


def bigquery_profile(tmp_path) -> dict:
    settings = build_settings(data_dir=tmp_path / "data", warehouse="bigquery", bigquery_project="proj")
    profiles = yaml.safe_load((write_profiles(settings) / "profiles.yml").read_text())
    return profiles["scrobble_insights"]["outputs"]["bigquery"]


def test_dbts_profile_uses_application_default_credentials_or_the_emulator(tmp_path, monkeypatch):
    monkeypatch.delenv("BIGQUERY_EMULATOR_HOST", raising=False)
    real = bigquery_profile(tmp_path)
    assert real["method"] == "oauth" and not {"keyfile", "token", "api_endpoint"} & set(real)
    monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", "127.0.0.1:9050")
    emulated = bigquery_profile(tmp_path)
    assert emulated["api_endpoint"] == "http://127.0.0.1:9050"
    assert emulated["method"] == "oauth-secrets" and emulated["token"] == "emulator"   # a placeholder, never refreshed
    assert not {"refresh_token", "client_secret", "keyfile"} & set(emulated)
