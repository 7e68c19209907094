"""Fixtures of the cloud tests: the emulators (tests/cloud/emulators.py), started once per test session
on loopback ports, and per test a fresh bucket and fresh BigQuery datasets (as infra/ would create them)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from emulators import LOCAL_BIGQUERY, ROOT, fake_gcs, local_bigquery

# The datasets infra/ creates (tests/infra proves its names are the code's).
DATASETS = ("raw", "reference", "staging", "intermediate", "marts", "analytics")


@pytest.fixture(scope="session")
def gcs_emulator(tmp_path_factory):
    """fake-gcs-server in memory; yields an object with `.endpoint` and `.client()`."""
    with fake_gcs(tmp_path_factory.mktemp("fake-gcs")) as emulator:
        yield emulator


@pytest.fixture(scope="session")
def bigquery_emulator(tmp_path_factory, gcs_emulator):
    """local-bigquery, reading gs:// from the GCS emulator; yields `.endpoint`, `.project`, `.client()`."""
    if not LOCAL_BIGQUERY.exists():
        pytest.skip(f"{LOCAL_BIGQUERY.relative_to(ROOT)} is missing: scripts/test.sh installs it (needs Python 3.13)")
    with local_bigquery(tmp_path_factory.mktemp("bigquery-emulator"), gcs_emulator.endpoint) as emulator:
        yield emulator


@pytest.fixture
def gcs_bucket(gcs_emulator, monkeypatch):
    """A fresh bucket for this test, with STORAGE_EMULATOR_HOST set; yields its name."""
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_emulator.endpoint)
    name = f"bronze-{uuid.uuid4().hex[:12]}"
    gcs_emulator.client().create_bucket(name)
    return name


@pytest.fixture
def bigquery_env(bigquery_emulator, gcs_emulator, monkeypatch):
    """BIGQUERY_EMULATOR_HOST and STORAGE_EMULATOR_HOST set for this test (and the CLI it starts)."""
    monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", bigquery_emulator.endpoint)
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_emulator.endpoint)


@dataclass
class Datasets:
    client: object                 # a google.cloud.bigquery.Client of the emulator
    project: str
    prefix: str                    # SCROBBLE_INSIGHTS_BIGQUERY_DATASET_PREFIX


@pytest.fixture
def bq(bigquery_emulator, bigquery_env) -> Datasets:
    """Every dataset of infra/ under a prefix of this test's own, in the emulator's default location (US)."""
    prefix = f"t{uuid.uuid4().hex[:8]}_"
    client = bigquery_emulator.client()
    for name in DATASETS:
        client.create_dataset(f"{bigquery_emulator.project}.{prefix}{name}")
    return Datasets(client, bigquery_emulator.project, prefix)
