"""Benchmark: what publishing the readers' snapshot costs after each job.

    .venv/bin/python bench/snapshot_publish.py [--rows 1000000] [--runs 5]

Builds a warehouse whose raw.scrobbles holds `--rows` synthetic scrobbles (DuckDB's range(), in a
scratch directory), then times `publish_snapshot` (copy beside, fsync, rename) against a plain
`shutil.copyfile` of the same file, in the same run: the ratio is what our publish adds to the bare
copy. Results (min and median seconds, MB, ratio) go to bench/results/snapshot.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from scrobble_insights.config import build_settings
from scrobble_insights.load.duckdb_warehouse import DuckDBWarehouse
from scrobble_insights.load.snapshot import publish_snapshot


def build(path: Path, rows: int) -> None:
    DuckDBWarehouse(path).close()                       # the real raw schema
    con = duckdb.connect(str(path))
    con.execute(f"""
        INSERT INTO raw.scrobbles
        SELECT md5(i::VARCHAR), 'user' || (i % 10), 1200000000 + i * 97, DATE '2008-01-14' + (i * 97 // 86400)::INT,
               'Artist ' || (i % 5000), NULL, 'Track ' || (i % 60000), NULL, 'Album ' || (i % 9000), NULL,
               'https://www.last.fm/music/x', false, now(), now()
        FROM range({rows}) t(i)""")
    con.close()


def timed(action, runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="si-snapshot-") as scratch:
        settings = build_settings(data_dir=Path(scratch) / "data")
        build(settings.warehouse_path, args.rows)
        size_mb = settings.warehouse_path.stat().st_size / 1e6
        copy = Path(scratch) / "plain-copy.duckdb"
        plain = timed(lambda: shutil.copyfile(settings.warehouse_path, copy), args.runs)
        publish = timed(lambda: publish_snapshot(settings), args.runs)
    result = {"rows": args.rows, "warehouse_mb": round(size_mb, 1),
              "publish_s": {"min": round(min(publish), 3), "median": round(statistics.median(publish), 3)},
              "plain_copy_s": {"min": round(min(plain), 3), "median": round(statistics.median(plain), 3)},
              "publish_over_plain_copy": round(statistics.median(publish) / statistics.median(plain), 2)}
    out = Path(__file__).parent / "results" / "snapshot.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
