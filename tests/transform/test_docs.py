"""Every model and column is documented, and `scrobble-insights docs` builds and serves the site."""

import json
import subprocess
import sys
import time
import urllib.request
from datetime import date

import duckdb
import pytest

from scrobble_insights.config import build_settings
from scrobble_insights.transform.dbt import prepare_manifest, transform
from support import stop
from transform_history import write_history


@pytest.mark.slow
def test_every_model_and_column_is_described_and_docs_are_served(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = build_settings(data_dir=tmp_path / "data", users=[{"name": "doc", "timezone": "UTC"}])
    write_history(settings, "doc", [("2026-02-01 10:00", "A", "t")], first=date(2026, 2, 1), last=date(2026, 2, 1),
                  tags={"A": [("rock", 100)]})
    transform(settings, today=date(2026, 2, 2))

    manifest = json.loads(prepare_manifest(settings, today=date(2026, 2, 2)).read_text())   # a build writes none
    models = [n for n in manifest["nodes"].values() if n["resource_type"] in ("model", "seed")]
    assert len(models) >= 25
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    missing = []
    for node in models:
        if not node["description"].strip():
            missing.append(node["name"])
        actual = [r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
            [node["schema"], node["alias"]]).fetchall()]
        assert actual, f"{node['name']} was not built"
        documented = {name: c["description"].strip() for name, c in node["columns"].items()}
        missing += [f"{node['name']}.{c}" for c in actual if not documented.get(c)]
    con.close()
    assert missing == []

    port = _free_port()
    env = {"SCROBBLE_INSIGHTS_DATA_DIR": str(settings.data_dir), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    server = subprocess.Popen([sys.executable, "-m", "scrobble_insights", "docs", "--port", str(port)], env=env,
                              cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        page = _get_when_up(f"http://127.0.0.1:{port}/index.html", server)
        assert "dbt" in page.lower()
        catalog = json.loads(_get_when_up(f"http://127.0.0.1:{port}/catalog.json", server))
        assert "model.scrobble_insights.fact_scrobbles" in catalog["nodes"]    # lineage and columns
    finally:
        stop(server)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get_when_up(url: str, process, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return urllib.request.urlopen(url, timeout=5).read().decode()
        except OSError:
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, "docs server did not come up"
            time.sleep(0.1)
