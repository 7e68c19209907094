"""TRANSFORM: build and test the packaged dbt project (staging -> intermediate -> marts).

Before dbt runs, the package writes three small reference tables from the configuration and the
genre vocabulary (raw.users, raw.user_timezones, raw.tag_genres), and generates dbt's profile from
our settings (nobody writes a profiles.yml by hand). dbt's target/ and logs/ go to the data directory.

Parsing the project is most of what a small dbt run costs, so every run is set up for dbt's partial
parsing: the day (`today`) reaches dbt as an environment variable (a changed env var re-parses only the
files that read it; changed --vars re-parse everything), the DuckDB profile is the same in every data
directory (a relative path, dbt starts in the warehouse's directory), and a data directory without
dbt's partial_parse.msgpack starts from the last one any data directory wrote (a per-user cache).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from importlib import metadata
from pathlib import Path

import pyarrow as pa
import yaml

from scrobble_insights.config import Settings, disable_telemetry
from scrobble_insights.errors import TransformError, WarehouseError
from scrobble_insights.load.bigquery_warehouse import emulator_endpoint
from scrobble_insights.load.tables import REFERENCE_TABLES
from scrobble_insights.load.warehouse import open_warehouse
from scrobble_insights.operate.runlog import held_lock_fds

PROJECT_DIR = Path(__file__).parent / "dbt_project"
PROFILE = "scrobble_insights"
# Raise when an incremental model's columns or layout change: the next build is then a full refresh by
# itself (an incremental model fails on a schema change; a layout comes only with a full build).
# 2: fact_scrobbles at event grain (ADR 0003). 3: keys per artist, not per spelling, and the spelling as
# scrobbled kept (issue 11).
# 4: scrobble_sessions (played_at_uts), first_plays (utc_date) and mart_sessions (started_at_uts) incremental
# (issue 13). 5: mart_hourly_plays and mart_daily_genre_plays incremental (issue 13). 6: the fact, the
# sessions and the track plays in time order (ADR 0019).
MODEL_VERSION = 6
BUILD = ["build", "--exclude", "test_type:unit"]   # unit tests check our SQL (the test suite runs them), not the data
# The same build without the views and the seed, whose SQL and rows come from the project alone: every data
# test (the data under a view changes), every table and incremental model (docs/decisions/0019).
BUILD_DATA = ["build", "--select", "resource_type:test", "config.materialized:table", "config.materialized:incremental",
              "--exclude", "test_type:unit"]
FAR_PAST, FAR_FUTURE = -62135596800, 253402300799      # 0001-01-01 and 9999-12-31 in Unix seconds
TODAY_ENV = "SCROBBLE_INSIGHTS_TODAY"                  # dim_date's last day, read with env_var() (not a var)
PARTIAL_PARSE = "partial_parse.msgpack"


@dataclass
class TransformSummary:
    target: str
    full_refresh: bool
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)      # e.g. {"model:success": 20, "test:pass": 80}
    fact_rows: int = 0
    genre_coverage: float | None = None                       # share of plays whose artist has a genre
    vocabulary_version: str = ""


def dbt_dir(settings: Settings) -> Path:
    return settings.data_dir.resolve() / "dbt"


def write_profiles(settings: Settings, *, absolute: bool = False) -> Path:
    """Write dbt's profiles.yml for the configured target; returns its directory.

    The DuckDB path is the warehouse's file name, relative to the directory dbt starts in (run_dbt
    starts it in the warehouse's directory): dbt hashes the profile into its partial parse, so the
    profile must be the same in every data directory for one to serve another. `absolute`: the path in
    full, for a dbt started elsewhere (Dagster's starts in the project), in <data>/dbt/absolute/.
    """
    warehouse = settings.warehouse_path.resolve()
    outputs = {
        # DuckDB may otherwise take 80 % of the machine's memory and grows with the history: the cap makes
        # it spill to <warehouse>.tmp/ (DuckDB's temporary directory beside the file, in the data directory)
        # instead. Not set here: dbt-duckdb applies settings on every connection, and DuckDB refuses to set
        # temp_directory again once it has spilled. Two DuckDB threads, as dbt's; without insertion order,
        # DuckDB need not buffer rows to keep their order (no model relies on the order of rows).
        "duckdb": {"type": "duckdb", "path": str(warehouse) if absolute else warehouse.name, "schema": "main",
                   "threads": 2, "settings": {
                       "memory_limit": settings.duckdb_memory_limit, "threads": 2, "preserve_insertion_order": False}},
        "bigquery": {
            "type": "bigquery", "method": "oauth",     # Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS too)
            "project": settings.bigquery_project or "unset-project", "dataset": f"{settings.bigquery_dataset_prefix}analytics",
            "location": settings.bigquery_location, "threads": 4, "priority": "interactive", "job_retries": 1,
        },
    }
    emulator = emulator_endpoint()         # BIGQUERY_EMULATOR_HOST
    if emulator:     # a local emulator (tests): its endpoint, and a placeholder token it ignores (never refreshed)
        outputs["bigquery"].update(method="oauth-secrets", token="emulator", api_endpoint=emulator)
    profiles = {PROFILE: {"target": settings.warehouse, "outputs": outputs}}
    directory = dbt_dir(settings) / "absolute" if absolute else dbt_dir(settings)
    directory.mkdir(parents=True, exist_ok=True)
    temporary = directory / f".profiles.yml.{os.getpid()}"      # atomic: a running dbt never reads half a file
    temporary.write_text(yaml.safe_dump(profiles, sort_keys=False))
    os.replace(temporary, directory / "profiles.yml")
    return directory


def dbt_vars(settings: Settings) -> dict:
    """dbt's --vars: the same every day (a change in them makes dbt parse the whole project again)."""
    return {"schema_prefix": settings.bigquery_dataset_prefix if settings.warehouse == "bigquery" else ""}


def dbt_env(today: date) -> dict[str, str]:
    """The environment variables dbt's models read (the day dim_date ends at), and the file log's level:
    `info` unless DBT_LOG_LEVEL_FILE says otherwise (dbt's default, `debug`, writes every statement of
    every node: about a tenth of a daily build's time at 1 M scrobbles; set it to `debug` to see the SQL)."""
    return {TODAY_ENV: today.isoformat(), "DBT_LOG_LEVEL_FILE": os.environ.get("DBT_LOG_LEVEL_FILE") or "info"}


def parse_cache(settings: Settings) -> Path | None:
    """Where the shared partial_parse.msgpack lives: $XDG_CACHE_HOME/scrobble-insights/dbt/<dbt and
    adapter versions>/<project>/ (default ~/.cache). None for BigQuery: only DuckDB's profile is the same
    in every data directory."""
    if settings.warehouse != "duckdb":
        return None
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):                 # unset, empty or relative: the XDG default
        base = str(Path.home() / ".cache")
    try:
        versions = f"dbt-{metadata.version('dbt-core')}-duckdb-{metadata.version('dbt-duckdb')}"
    except metadata.PackageNotFoundError:
        return None
    project = hashlib.sha256(str(PROJECT_DIR.resolve()).encode()).hexdigest()[:12]   # one per installed project
    return Path(base) / "scrobble-insights" / "dbt" / versions / project / PARTIAL_PARSE


def _copy_atomically(source: Path, destination: Path) -> None:
    """Copy through a temporary file in the destination's directory and os.replace: a reader sees the
    old file or the new one, never half of one, and concurrent writers each replace it whole."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{destination.name}.", dir=destination.parent)
    try:
        with os.fdopen(handle, "wb") as out, source.open("rb") as src:
            shutil.copyfileobj(src, out)
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


def seed_partial_parse(settings: Settings, target: Path) -> tuple[int, int] | None:
    """Give a target without partial_parse.msgpack the cached one (dbt checks it: a cache from another
    project version, profile or vars only means a full parse). Returns the target file's (mtime, size)."""
    own, cached = target / PARTIAL_PARSE, parse_cache(settings)
    if cached is not None and not own.exists():
        try:
            _copy_atomically(cached, own)
        except OSError:
            pass                                # no cache yet, or unreadable: dbt parses in full
    return _stat(own)


def publish_partial_parse(settings: Settings, target: Path, before: tuple[int, int] | None) -> None:
    """After a successful run, offer the target's partial_parse.msgpack to other data directories
    (when dbt wrote a new one, or the cache has none)."""
    own, cached = target / PARTIAL_PARSE, parse_cache(settings)
    if cached is None or not own.exists() or (_stat(own) == before and cached.exists()):
        return
    try:
        _copy_atomically(own, cached)
    except OSError:
        pass                                    # a read-only or full cache costs time, not the run


@dataclass
class DbtRun:
    returncode: int
    output: str                      # dbt's console output (errors only, it runs with --quiet)
    results: list[dict]              # target/run_results.json "results"


# The child process: dbt's runner on the arguments after the first; the first, when not empty, is where
# to write run_results.json from the result (for a dbt run with --no-write-json, which writes no
# artifact: manifest.json is otherwise written twice per build, 0.85 s whatever the data,
# docs/decisions/0018). Exit codes as dbt's own: 0 success, 1 a node failed, 2 dbt could not run.
DBT_CHILD = ("import sys; from dbt.cli.main import dbtRunner; run = dbtRunner().invoke(sys.argv[2:]); "
             "sys.argv[1] and run.result is not None and hasattr(run.result, 'write') and run.result.write(sys.argv[1]); "
             "sys.exit(0 if run.success else 1 if run.exception is None else 2)")


def run_dbt(settings: Settings, args: list[str], today: date, extra_vars: dict | None = None, *,
            manifest: bool = True) -> DbtRun:
    """Run dbt in a child process with our project, profile, paths, vars and today, in the warehouse's
    directory (the DuckDB profile's path is relative to it). `manifest=False`: dbt does not write
    manifest.json (run_results.json still is).

    A child process keeps dbt's global state and its open warehouse connection out of ours.
    """
    disable_telemetry()
    directory = write_profiles(settings)
    target = directory / "target"
    (target / "run_results.json").unlink(missing_ok=True)
    before = seed_partial_parse(settings, target)
    results = "" if manifest else str(target / "run_results.json")      # dbt writes it itself with the manifest
    command = [sys.executable, "-c", DBT_CHILD, results, *args, *([] if manifest else ["--no-write-json"]),
               "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(directory), "--target", settings.warehouse,
               "--target-path", str(target), "--log-path", str(directory / "logs"),
               "--vars", json.dumps({**dbt_vars(settings), **(extra_vars or {})}), "--quiet"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env={**os.environ, **dbt_env(today)}, cwd=settings.warehouse_path.resolve().parent,
                          preexec_fn=_die_with_parent(), pass_fds=held_lock_fds()) as child:
        with _children_lock:
            _children.add(child)
        try:
            stdout, stderr = child.communicate()
        except BaseException:
            child.kill()            # e.g. SIGTERM unwinding the job: no dbt goes on writing
            raise
        finally:
            with _children_lock:
                _children.discard(child)
    done = subprocess.CompletedProcess(command, child.returncode, stdout, stderr)
    results_file = target / "run_results.json"
    results = json.loads(results_file.read_text())["results"] if results_file.exists() else []
    if done.returncode == 0:
        publish_partial_parse(settings, target, before)
    return DbtRun(done.returncode, (done.stdout + done.stderr).strip(), results)


_children: set[subprocess.Popen] = set()        # dbt processes running, in any thread
_children_lock = threading.Lock()


def stop_children() -> None:
    """Kill the dbt processes this process started that still run (a job unwinding while its model
    worker thread waits for dbt)."""
    with _children_lock:
        for child in _children:
            child.kill()


def _die_with_parent():
    """A preexec_fn: the child gets SIGKILL when we die, even by kill -9 (Linux), so no orphaned dbt
    writes the warehouse after the data directory's lock is gone; None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes
    import signal

    prctl = ctypes.CDLL(None, use_errno=True).prctl     # looked up before the fork
    parent = os.getpid()

    def preexec() -> None:
        prctl(1, signal.SIGKILL)                        # PR_SET_PDEATHSIG
        if os.getppid() != parent:                      # we died before prctl took effect
            os.kill(os.getpid(), signal.SIGKILL)

    return preexec


def dbt_error(output: str) -> str:
    """dbt's own reason for failing, in one line: its first line that mentions an error (a bare heading
    such as "Runtime Error" joined to the line after it), without timestamps or "Encountered an error:"."""
    lines = [re.sub(r"^\d\d:\d\d:\d\d\s*", "", line).strip() for line in output.splitlines()]
    lines = [line for line in lines if line and line != "Encountered an error:"]
    if not lines:
        return "no output"
    at = next((i for i, line in enumerate(lines) if "error" in line.lower()), 0)
    text = lines[at]
    if re.fullmatch(r"[\w ]*Error:?", text) and at + 1 < len(lines):
        text = f"{text.rstrip(':')}: {lines[at + 1]}"
    return text[:300]


def reference_tables(settings: Settings, users: list[str], tags: list[str]) -> dict[str, pa.Table]:
    """raw.users, raw.user_timezones and raw.tag_genres from configuration and the vocabulary."""
    from scrobble_insights.transform.genres import tag_rows

    rows_users, rows_zones = [], []
    default_zone = settings.default_timezone()
    for name in sorted(set(users) | {u.name.lower() for u in settings.users}):
        profile = settings.profile(name)
        zone = profile.timezone or default_zone
        rows_users.append({"user_name": name, "timezone": profile.moves[-1].tz if profile.moves else zone,
                           "hemisphere": profile.hemisphere})
        start, current = FAR_PAST, zone
        for move in sorted(profile.moves, key=lambda m: m.since):
            since = int(datetime(move.since.year, move.since.month, move.since.day, tzinfo=timezone.utc).timestamp())
            rows_zones.append({"user_name": name, "timezone": current, "valid_from_uts": start, "valid_to_uts": since})
            start, current = since, move.tz
        rows_zones.append({"user_name": name, "timezone": current, "valid_from_uts": start,
                           "valid_to_uts": FAR_FUTURE})
    rows = {"users": rows_users, "user_timezones": rows_zones, "tag_genres": tag_rows(tags)}
    return {name: pa.Table.from_pylist(rows[name], schema=table.arrow_schema())
            for name, table in REFERENCE_TABLES.items()}


def _fingerprint(tables: dict[str, pa.Table]) -> str:
    """What, when changed, makes an incremental build stale: the users' zones and hemispheres, and the
    shape of the incremental models (MODEL_VERSION)."""
    data = json.dumps([MODEL_VERSION, tables["users"].to_pylist(), tables["user_timezones"].to_pylist()],
                      sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def prepare_reference(settings: Settings, *, building: bool = False) -> tuple[bool, str]:
    """Write the reference tables; True when the time zone setup changed since the last build, or when
    the last build did not finish. `building`: a build of the fact follows, so forget the fingerprint
    until mark_built() records it again. The incremental marts learn what changed from the fact's
    changed days in the same build (int_user_days_changed): after a build that updated the fact but
    failed before its marts, only a full refresh brings them back in step."""
    warehouse = open_warehouse(settings)
    try:
        users, tags = warehouse.distinct_values()
        if not users:
            raise WarehouseError(f"the warehouse {settings.warehouse_path} holds no scrobbles yet: run "
                                 "`scrobble-insights backfill --user NAME --since YYYY-MM-DD` first")
        tables = reference_tables(settings, users, tags)
        for name, table in tables.items():
            warehouse.replace_table(name, table)
        fingerprint = _fingerprint(tables)
        changed = warehouse.get_state("reference_fingerprint") != fingerprint
        if building:
            warehouse.set_state("reference_fingerprint", "")
        return changed, fingerprint
    finally:
        warehouse.close()


def transform(settings: Settings, *, full_refresh: bool = False, today: date | None = None) -> TransformSummary:
    """Build and test every model; raise TransformError naming what failed."""
    from scrobble_insights.transform.genres import VOCABULARY_VERSION

    started = time.monotonic()
    today = today or datetime.now(timezone.utc).date()
    zones_changed, fingerprint = prepare_reference(settings, building=True)
    full_refresh = full_refresh or zones_changed
    # Unit tests check the SQL on fixed inputs (tests/transform/test_unit_tests.py), not the user's data.
    # A full build on DuckDB runs one model at a time: each model is then one large query that DuckDB already
    # spreads over both its threads, and two at once share one capped buffer pool. At 10 M scrobbles
    # two threads ran out of memory (mart_track_plays beside the sessions' tests) and took 253 s; one
    # thread took 157 s under the same 2 GB cap (bench/transform_scale.py). A daily build is mostly
    # dbt's fixed cost per node, which the second thread overlaps; BigQuery keeps its 4 remote threads.
    one_at_a_time = ["--threads", "1"] if settings.warehouse != "bigquery" else []
    # The views and the seed are made again only when what they are made from changed since the last build that
    # finished: 13 views and a seed, 1.5 s of a 14 s daily build at 1 M scrobbles, whatever the data.
    project = project_fingerprint(settings)
    made = made_from(settings, project) and not full_refresh
    args = [*(BUILD_DATA if made else BUILD), *(["--full-refresh", *one_at_a_time] if full_refresh else [])]
    run = run_dbt(settings, args, today, manifest=False)    # the build's manifest is read by nobody
    summary = TransformSummary(target=settings.warehouse, full_refresh=full_refresh,
                               vocabulary_version=VOCABULARY_VERSION)
    log = dbt_dir(settings) / "logs" / "dbt.log"
    failures = []
    for node in run.results:
        kind = node["unique_id"].split(".")[0]
        status = node["status"]
        summary.counts[f"{kind}:{status}"] = summary.counts.get(f"{kind}:{status}", 0) + 1
        if status in ("error", "fail"):
            name = node["unique_id"].split(".")[-1] if kind != "test" else node["unique_id"].split(".")[2]
            failures.append(f"{name} ({status}: {' '.join(str(node.get('message') or '').split())[:160]})")
    if failures:
        raise TransformError(f"dbt build: {len(failures)} failed: {'; '.join(failures[:5])}"
                             f"{' ...' if len(failures) > 5 else ''} (log: {log})")
    if run.returncode != 0:
        raise TransformError(f"dbt could not run: {dbt_error(run.output)} (log: {log})")
    mark_built(settings, fingerprint, project)
    warehouse = open_warehouse(settings)
    try:
        summary.fact_rows, summary.genre_coverage = warehouse.model_stats()
    finally:
        warehouse.close()
    summary.seconds = time.monotonic() - started
    return summary


def mark_built(settings: Settings, fingerprint: str, project: str = "") -> None:
    """Remember the time zone setup the fact was built with (a change means a full refresh) and, after a
    whole build, what its views and seed were made from (project_fingerprint)."""
    warehouse = open_warehouse(settings)
    try:
        warehouse.set_state("reference_fingerprint", fingerprint)
        warehouse.set_state("project_fingerprint", project)
    finally:
        warehouse.close()


def project_fingerprint(settings: Settings) -> str:
    """What the views' SQL and the seed's rows are made from: the project's files, the versions of dbt and
    its adapter, the vars and the target."""
    digest = hashlib.sha256()
    for path in sorted(PROJECT_DIR.rglob("*")):
        if path.suffix in (".sql", ".yml", ".csv"):
            digest.update(path.relative_to(PROJECT_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    adapter = "dbt-bigquery" if settings.warehouse == "bigquery" else "dbt-duckdb"
    digest.update(json.dumps([metadata.version("dbt-core"), metadata.version(adapter), dbt_vars(settings),
                              settings.warehouse]).encode())
    return digest.hexdigest()[:16]


def made_from(settings: Settings, project: str) -> bool:
    """True when the last build finished with this project fingerprint: its views and seed are what this
    build would make. Forgotten until mark_built records it again, so that after a build that did not
    finish (a view dropped and not made again, say) the next build makes them all."""
    warehouse = open_warehouse(settings)
    try:
        made = warehouse.get_state("project_fingerprint") == project
        warehouse.set_state("project_fingerprint", "")
        return made
    finally:
        warehouse.close()


def prepare_manifest(settings: Settings, today: date | None = None) -> Path:
    """dbt's manifest.json for the orchestrator (`dbt parse`, skipped when newer than the project)."""
    manifest = dbt_dir(settings) / "target" / "manifest.json"
    newest = max(p.stat().st_mtime for p in PROJECT_DIR.rglob("*") if p.is_file())
    if manifest.exists() and manifest.stat().st_mtime > newest:
        return manifest
    run = run_dbt(settings, ["parse"], today or datetime.now(timezone.utc).date())
    if run.returncode != 0 or not manifest.exists():
        raise TransformError(f"dbt parse failed: {dbt_error(run.output)} (log: {dbt_dir(settings) / 'logs'})")
    return manifest


def generate_docs(settings: Settings, today: date | None = None) -> Path:
    """Run `dbt docs generate` (catalog included); returns the directory of the static site."""
    today = today or datetime.now(timezone.utc).date()
    run = run_dbt(settings, ["docs", "generate"], today)
    if run.returncode != 0:
        raise TransformError(f"dbt docs generate failed: {dbt_error(run.output)} "
                             f"(log: {dbt_dir(settings) / 'logs' / 'dbt.log'}); run `scrobble-insights transform` first")
    return dbt_dir(settings) / "target"


def serve_docs(site: Path, port: int) -> None:
    """Serve the documentation site on 127.0.0.1 until Ctrl-C."""
    import functools
    import http.server

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(site))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
