"""infra/ (Terraform) checked offline: the HCL parses, a static policy scan (checkov) passes with
every exception justified, and the names it creates are the names the code uses."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import types
from pathlib import Path

import hcl2
import pytest
import yaml

from scrobble_insights.config import Settings, build_settings
from scrobble_insights.load.bigquery_warehouse import BigQueryWarehouse
from scrobble_insights.transform.dbt import PROJECT_DIR, write_profiles

INFRA = Path(__file__).parents[2] / "infra"
CHECKOV = Path(__file__).parents[2] / ".venv-tools" / "bin" / "checkov"
PREFIX = "si_"


def unquote(value):
    return value.strip('"') if isinstance(value, str) else value


def blocks(kind: str) -> dict:
    """Every block of a kind (variable, resource, output) in infra/*.tf, keys unquoted."""
    found = {}
    for path in sorted(INFRA.glob("*.tf")):
        for block in hcl2.load(path.open()).get(kind, []):
            for name, body in block.items():
                found[unquote(name)] = body
    return found


def variables() -> dict:
    return {name: unquote(body.get("default")) if not isinstance(body.get("default"), list)
            else [unquote(v) for v in body["default"]] for name, body in blocks("variable").items()}


def resources() -> dict:
    """(type, name) -> body."""
    return {(kind, unquote(name)): body for kind, named in blocks("resource").items() for name, body in named.items()}


def test_the_hcl_parses_into_the_bucket_datasets_and_a_least_privilege_account():
    found = resources()
    bucket = found[("google_storage_bucket", "bronze")]
    assert bucket["uniform_bucket_level_access"] is True and unquote(bucket["public_access_prevention"]) == "enforced"
    assert bucket["versioning"][0]["enabled"] is True
    assert unquote(bucket["lifecycle_rule"][0]["action"][0]["type"]) == "Delete"
    roles = {kind: unquote(body["role"]) for (kind, _), body in found.items() if "role" in body}
    assert roles == {"google_storage_bucket_iam_member": "roles/storage.objectAdmin",       # this bucket only
                     "google_bigquery_dataset_iam_member": "roles/bigquery.dataEditor",     # these datasets only
                     "google_project_iam_member": "roles/bigquery.jobUser"}                  # running jobs
    assert not any(kind in ("google_project_iam_binding", "google_project_iam_policy") for kind, _ in found)


class RecordingClient:
    """Records the datasets the BigQuery warehouse reads and the SQL it sends (no emulator runs in
    this test: only the names the code uses are read; tests/cloud runs the warehouse for real)."""

    def __init__(self):
        self.sql, self.datasets = [], []

    def get_dataset(self, name):
        self.datasets.append(name)
        return types.SimpleNamespace(location="EU")

    def query(self, sql, job_config=None, location=None):
        self.sql.append(sql)
        return self

    def result(self):
        return []


def datasets_the_code_uses() -> set[str]:
    """Datasets named by the loader (the raw dataset it checks), the dbt project (+schema, sources) and
    the dbt profile the package writes, each without the configured prefix."""
    client = RecordingClient()
    BigQueryWarehouse("proj", dataset_prefix=PREFIX, location="EU", client=client)
    names = {name.removeprefix(f"proj.{PREFIX}") for name in client.datasets}
    names |= {m for sql in client.sql for m in re.findall(rf"`proj\.{PREFIX}(\w+)\.\w+`", sql)}

    def schemas(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "+schema":
                    yield value
                else:
                    yield from schemas(value)

    names |= set(schemas(yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())))
    for path in PROJECT_DIR.glob("models/**/_*__sources.yml"):
        for source in yaml.safe_load(path.read_text())["sources"]:
            names.add(source["schema"].replace("{{ var('schema_prefix', '') }}", ""))
    return names


def test_the_datasets_and_defaults_in_infra_are_the_ones_the_code_uses(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = build_settings(data_dir=tmp_path / "data", warehouse="bigquery", bigquery_project="proj",
                              bigquery_dataset_prefix=PREFIX)
    profile = yaml.safe_load((write_profiles(settings) / "profiles.yml").read_text())
    default_dataset = next(iter(profile.values()))["outputs"]["bigquery"]["dataset"]
    assert default_dataset.startswith(PREFIX)
    used = datasets_the_code_uses() | {default_dataset.removeprefix(PREFIX)}
    names = variables()
    assert set(names["datasets"]) == used == {"raw", "reference", "staging", "intermediate", "marts", "analytics"}
    dataset = resources()[("google_bigquery_dataset", "datasets")]
    assert unquote(dataset["dataset_id"]) == "${var.dataset_prefix}${each.value}"      # prefix + name, as the code
    defaults = Settings.model_fields
    assert names["location"] == defaults["bigquery_location"].default
    assert names["dataset_prefix"] == defaults["bigquery_dataset_prefix"].default


@pytest.mark.slow
def test_the_policy_scan_passes_and_every_exception_says_why(tmp_path):
    if not CHECKOV.exists():
        pytest.fail(f"{CHECKOV} is missing: run scripts/test.sh (it installs checkov into .venv-tools)")
    work = tmp_path / "infra"
    shutil.copytree(INFRA, work)
    # --skip-download: checkov would fetch guideline links from its vendor; offline, nothing is fetched
    scan = subprocess.run([str(CHECKOV), "-d", str(work), "--framework", "terraform", "--skip-download", "-o", "json"],
                          capture_output=True, text=True, timeout=300, env={**os.environ, "BC_SKIP_MAPPING": "TRUE"})
    report = json.loads(scan.stdout)
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["failed"] == 0, [c["check_id"] for c in report["results"]["failed_checks"]]
    assert report["summary"]["passed"] >= 10
    skipped = report["results"]["skipped_checks"]
    assert {c["check_id"] for c in skipped} == {"CKV_GCP_62", "CKV_GCP_81"}
    assert all(len(c["check_result"]["suppress_comment"]) > 40 for c in skipped)      # a reason, not a bare skip
