"""Command line: one subcommand per job. Parsing and display only; the work is in jobs.py."""

from __future__ import annotations

import logging
import signal
import sys
from contextlib import contextmanager, nullcontext
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from scrobble_insights.config import Settings, build_settings, disable_telemetry, redact
from scrobble_insights.errors import (
    EXIT_INTERNAL,
    EXIT_OS,
    ConfigError,
    ScrobbleInsightsError,
    Terminated,
    os_error_message,
)
from scrobble_insights.extract.scrobbles import Reporter, days_for_run, yesterday_utc
from scrobble_insights.operate.logs import setup_logging

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Turn a last.fm listening history into a tested warehouse and a dashboard.")
out = Console()
err = Console(stderr=True)
_secrets: list[str] = []
_data_dir: list[Path] = []   # the data directory of this command, named when an OS error names no file
_json_logs = False         # --log-format json: stderr holds JSON lines only (no progress bars)
log = logging.getLogger(__name__)

DataDir = Annotated[Optional[Path], typer.Option("--data-dir", help="Data directory "
                                                 "[env SCROBBLE_INSIGHTS_DATA_DIR, default ./scrobble-data]")]
Users = Annotated[Optional[list[str]], typer.Option("--user", "-u", help="last.fm user name (repeat for several)")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Log retries and progress details")]
NoTransform = Annotated[bool, typer.Option("--no-transform", help="Skip the dbt build after loading")]
NoEnrich = Annotated[bool, typer.Option("--no-enrich", help="Skip MusicBrainz enrichment (on when "
                                        "SCROBBLE_INSIGHTS_MB_CONTACT is set)")]
SummaryJson = Annotated[Optional[Path], typer.Option("--summary-json", help="Also write the summary to this JSON file")]
LogFormat = Annotated[Optional[str], typer.Option("--log-format", help="text or json (one JSON object per line on "
                                                  "stderr) [env SCROBBLE_INSIGHTS_LOG_FORMAT, default text]")]


def _setup(verbose: bool, log_format: str | None = None, **overrides) -> Settings:
    global _json_logs
    if log_format is not None and log_format not in ("text", "json"):
        raise ConfigError(f"--log-format {log_format} is not text or json")
    settings = build_settings(**overrides)
    _data_dir[:] = [settings.data_dir]
    _secrets.extend(settings.secrets())
    log_format = log_format or settings.log_format
    _json_logs = log_format == "json"
    setup_logging(settings, verbose=verbose, log_format=log_format, secrets=_secrets)
    return settings


LASTFM_BEGAN = date(2002, 1, 1)       # no scrobble is older than last.fm (Audioscrobbler, 2002)


def _parse_day(value: str, option: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{option} {value!r} is not a date: use YYYY-MM-DD, e.g. 2019-01-31") from None
    if day < LASTFM_BEGAN:
        raise ConfigError(f"{option} {day} is before last.fm existed: use {LASTFM_BEGAN} or later")
    return day


def _until(day: date, option: str) -> date:
    """A last day to extract, clamped to yesterday (UTC): today is not over, the future has no scrobbles."""
    yesterday = yesterday_utc()
    if day > yesterday:
        err.print(f"{option} {day} is after yesterday (UTC): extracting up to {yesterday}", highlight=False)
        return yesterday
    return day


@contextmanager
def _progress(enabled: bool = True):
    """A live progress display (windows, pages, scrobbles, ETA) wired to the extractor's callbacks."""
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("{task.fields[detail]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                        console=err, transient=False, disable=not enabled)
    tasks: dict[str, int] = {}
    counts: dict[str, dict[str, int]] = {}

    def detail(user: str) -> str:
        c = counts[user]
        return f"{c['windows']} windows · {c['pages']} pages"

    def on_start(user: str, days: int, expected: int) -> None:
        counts[user] = {"windows": 0, "pages": 0}
        tasks[user] = progress.add_task(f"scrobbles of {user}", total=max(expected, 1), detail=detail(user))

    def on_page(user: str, scrobbles: int) -> None:
        counts[user]["pages"] += 1
        progress.update(tasks[user], advance=scrobbles, detail=detail(user))

    def on_window(user: str, window, scrobbles: int) -> None:
        counts[user]["windows"] += 1
        progress.update(tasks[user], detail=detail(user))

    tag_task: list[int] = []

    def on_artist(artist: str) -> None:
        if not tag_task:
            tag_task.append(progress.add_task("artist tags", total=None, detail=""))
        progress.update(tag_task[0], advance=1)

    with progress:
        try:
            yield Reporter(on_start=on_start, on_page=on_page, on_window=on_window), on_artist
        except BaseException:
            progress.live.transient = True      # a job that dies leaves its one-line error, not a half-drawn bar
            raise


def _print_summary(summary, settings: Settings, json_path: Path | None = None) -> None:
    if json_path is not None:
        import json

        from scrobble_insights.operate.steps import summary_dict

        json_path.write_text(json.dumps(summary_dict(summary), indent=2))
    table = Table(title=f"Extracted {summary.first_day} .. {summary.last_day} (UTC days)", title_justify="left")
    for column in ("user", "days", "windows", "pages", "scrobbles", "in warehouse"):
        table.add_column(column, justify="left" if column == "user" else "right")
    for stats in summary.extracted:
        days = f"{stats.days}" + (f" ({stats.days_skipped} resumed)" if stats.days_skipped else "")
        table.add_row(stats.user, days, str(stats.windows), str(stats.pages), f"{stats.scrobbles:,}",
                      f"{summary.warehouse_rows.get(stats.user, 0):,}")
    out.print(table)
    client = summary.client
    refetched = sum(s.windows_refetched for s in summary.extracted)
    out.print(f"requests {client['requests']:,} · retries {client['retries']:,} · rate-limited "
              f"{client['rate_limited']} · windows re-read {refetched} · artists tagged {summary.artists_tagged:,} "
              f"· {summary.seconds:.1f}s")
    out.print(f"loaded {summary.loaded.days:,} changed days ({summary.loaded.scrobbles:,} rows) into "
              f"{settings.warehouse_path if settings.warehouse == 'duckdb' else 'BigQuery'}")
    from scrobble_insights.bronze.store import open_bronze

    out.print(f"bronze files: {open_bronze(settings).uri()}")


def _job(settings: Settings, command: str, **details):
    """The job lifecycle (lock, alert, run log, reader snapshot): operate.job."""
    import shlex

    from scrobble_insights.operate.job import job

    retry = " ".join(shlex.quote(a) for a in ["scrobble-insights", *sys.argv[1:]])
    return job(settings, command, retry=retry, secrets=_secrets, **details)


def _extract_job(settings: Settings, users: list[str] | None, first: date, last: date, no_tags: bool,
                 summary_json: Path | None, transform: bool = True, command: str = "run",
                 no_enrich: bool = False) -> None:
    from scrobble_insights.operate.enrichment import SKIPPED, enrichment_on, record_fields

    names = users or settings.user_names()
    enrich = not no_enrich and enrichment_on(settings)      # a malformed contact: one line, before the job
    with _job(settings, command, users=[n.lower() for n in names], first_day=str(first), last_day=str(last)) as record:
        summary = _extract_and_model(settings, names, first, last, tags=not no_tags, transform=transform,
                                     enrich=enrich)
        record["scrobbles"] = sum(s.scrobbles for s in summary.extracted)
        record.update(record_fields(summary.enriched, summary.failures, enrich))
        _print_summary(summary, settings, summary_json)
        if not enrich and not no_enrich:      # after the job's own output: an error stays the last line
            out.print(SKIPPED, highlight=False, soft_wrap=True)
        if summary.model_error is not None:
            raise summary.model_error
        if summary.failures:
            from scrobble_insights.operate.steps import failures_error

            raise failures_error(summary.failures)


def _extract_and_model(settings: Settings, users: list[str], first: date, last: date, *, tags: bool = True,
                       transform: bool = True, enrich: bool = False):
    """Extract, load, tag, enrich from MusicBrainz (with `enrich`) and (unless told not to) model,
    publishing for readers as soon as the scrobbles are modelled and again as the genres fill in and
    after MusicBrainz (operate.steps.extract_and_load)."""
    from scrobble_insights.operate.enrichment import BEFORE
    from scrobble_insights.operate.steps import extract_and_load, publish_for_readers

    def publish(stage: str) -> None:
        _transform(settings, spinner=False, stage=stage)
        publish_for_readers(settings)
        if stage == "scrobbles":
            out.print("The scrobbles are modelled: the dashboard, `report` and `status` answer now; the genre "
                      "answers fill in as artist tags arrive, most played artists first.")
        if stage == BEFORE:
            out.print(f"The scrobbles and tags are modelled: the dashboard, `report` and `status` answer now; "
                      f"MusicBrainz enrichment follows at {settings.mb_rate_limit:g} request(s)/s, most played "
                      "artists first, and the answers are modelled again after it.")

    with _progress(enabled=not _json_logs) as (reporter, on_artist):
        summary = extract_and_load(settings, users, first, last, reporter=reporter, tags=tags, on_artist=on_artist,
                                   publish=publish if transform else None, enrich=enrich)
    if summary.enriched is not None:
        out.print(summary.enriched.line())
    return summary


def _transform(settings: Settings, full_refresh: bool = False, today: date | None = None, *,
               spinner: bool = True, stage: str = "") -> None:
    from scrobble_insights.transform.dbt import transform as build

    status = err.status("dbt build: staging -> intermediate -> marts, with data tests ...")
    with status if spinner and not _json_logs else nullcontext():
        summary = build(settings, full_refresh=full_refresh, today=today)
    counts = summary.counts
    models = sum(v for k, v in counts.items() if k.startswith("model:"))
    tests = sum(v for k, v in counts.items() if k.startswith("test:"))
    coverage = "n/a" if summary.genre_coverage is None else f"{summary.genre_coverage:.1%}"
    label = {"": "", "done": "", "scrobbles": " · scrobbles first",
             "before musicbrainz": " · scrobbles and tags, before MusicBrainz"}.get(stage, f" · tags for {stage.removeprefix('tags ')} of the plays")
    out.print(f"dbt build{label} ({'full refresh' if summary.full_refresh else 'incremental'}): {models} models and "
              f"{tests} data tests passed in {summary.seconds:.1f}s · fact_scrobbles {summary.fact_rows:,} rows · "
              f"genre coverage {coverage} of plays (vocabulary {summary.vocabulary_version})")


@app.command()
def backfill(
    since: Annotated[str, typer.Option(help="First UTC day to extract, YYYY-MM-DD")],
    until: Annotated[Optional[str], typer.Option(help="Last UTC day to extract (inclusive) [default: yesterday]")] = None,
    user: Users = None, data_dir: DataDir = None, verbose: Verbose = False,
    no_tags: Annotated[bool, typer.Option("--no-tags", help="Skip artist.getTopTags")] = False,
    no_enrich: NoEnrich = False, no_transform: NoTransform = False,
    summary_json: SummaryJson = None, log_format: LogFormat = None,
) -> None:
    """Extract a whole date range (the history once), land it, load it, enrich it from MusicBrainz (with
    SCROBBLE_INSIGHTS_MB_CONTACT set), model it. Resumes after a crash."""
    settings = _setup(verbose, log_format, data_dir=data_dir)
    first = _parse_day(since, "--since")
    last = _until(_parse_day(until, "--until"), "--until") if until else yesterday_utc()
    if first > yesterday_utc():
        raise ConfigError(f"--since {first} is in the future: the last complete UTC day is {yesterday_utc()}")
    _extract_job(settings, user, first, last, no_tags, summary_json, transform=not no_transform, command="backfill",
                 no_enrich=no_enrich)


@app.command()
def run(
    user: Users = None, data_dir: DataDir = None, verbose: Verbose = False,
    day: Annotated[Optional[str], typer.Option("--date", help="The day to extract [default: yesterday, UTC]")] = None,
    lookback_days: Annotated[Optional[int], typer.Option(help="Also re-read this many days before it "
                                                         "(late and deleted scrobbles) [default 14]")] = None,
    no_tags: Annotated[bool, typer.Option("--no-tags", help="Skip artist.getTopTags")] = False,
    no_enrich: NoEnrich = False, no_transform: NoTransform = False,
    summary_json: SummaryJson = None, log_format: LogFormat = None,
) -> None:
    """The daily job: yesterday's scrobbles plus a lookback, loaded, tagged, enriched from MusicBrainz (with
    SCROBBLE_INSIGHTS_MB_CONTACT set) and modelled."""
    if lookback_days is not None and not 0 <= lookback_days <= 365:
        raise ConfigError(f"--lookback-days {lookback_days} is not between 0 and 365 (last.fm accepts scrobbles "
                          "up to 14 days late; the default is 14)")
    settings = _setup(verbose, log_format, data_dir=data_dir, lookback_days=lookback_days)
    run_day = _until(_parse_day(day, "--date"), "--date") if day else yesterday_utc()
    first, last = days_for_run(run_day, settings.lookback_days)
    first = max(first, LASTFM_BEGAN)
    _extract_job(settings, user, first, last, no_tags, summary_json, transform=not no_transform, no_enrich=no_enrich)


@app.command()
def load(
    data_dir: DataDir = None, verbose: Verbose = False,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Empty the raw tables and reload all of bronze")] = False,
    log_format: LogFormat = None,
) -> None:
    """Load bronze files into the warehouse (only changed days, or everything with --rebuild). No API."""
    from scrobble_insights.operate.steps import load as load_changed
    from scrobble_insights.operate.steps import rebuild_from_bronze

    settings = _setup(verbose, log_format, data_dir=data_dir)
    with _job(settings, "load --rebuild" if rebuild else "load"):
        scrobbles, tags = rebuild_from_bronze(settings) if rebuild else load_changed(settings)
    out.print(f"loaded {scrobbles.days:,} days ({scrobbles.scrobbles:,} scrobbles) and {tags.tag_files} tag "
              f"files ({tags.artists:,} artists) into {settings.warehouse_path}")
    previous = settings.warehouse_path.with_name("warehouse.previous.duckdb")
    if rebuild and previous.exists():
        out.print(f"the previous warehouse is kept as {previous}: delete it once you are happy with the rebuild; "
                  "then run `scrobble-insights transform`")


@app.command()
def enrich(
    user: Users = None, data_dir: DataDir = None, verbose: Verbose = False, log_format: LogFormat = None,
) -> None:
    """Ask MusicBrainz about the artists in the warehouse (batched by MBID, by name only when unambiguous),
    land the answers in bronze and load raw.mb_artists. Needs SCROBBLE_INSIGHTS_MB_CONTACT. Resumes."""
    from scrobble_insights.operate.enrich import enrich as enrich_artists

    settings = _setup(verbose, log_format, data_dir=data_dir)
    settings.mb_user_agent()        # no contact configured: one line, before the job starts
    names = user or settings.user_names() or None
    with _job(settings, "enrich", users=[n.lower() for n in names or []]) as record:
        summary = enrich_artists(settings, names)
        record["artists_enriched"] = summary.enriched
        record["mb_requests"] = summary.requests
    out.print(summary.line())


def _today(value: str | None) -> date | None:
    """--today: dim_date's last day, at most tomorrow (UTC) so the date spine stays bounded."""
    if value is None:
        return None
    day, tomorrow = _parse_day(value, "--today"), yesterday_utc() + timedelta(days=2)
    if day > tomorrow:
        raise ConfigError(f"--today {day} is in the future: use {tomorrow} or earlier")
    return day


@app.command()
def transform(
    data_dir: DataDir = None, verbose: Verbose = False,
    full_refresh: Annotated[bool, typer.Option("--full-refresh", help="Rebuild every model from scratch")] = False,
    today: Annotated[Optional[str], typer.Option(help="The last day of dim_date [default: today, UTC]")] = None,
    log_format: LogFormat = None,
) -> None:
    """Build and test the dbt star schema on the warehouse (incremental unless --full-refresh)."""
    settings = _setup(verbose, log_format, data_dir=data_dir)
    with _job(settings, "transform"):
        _transform(settings, full_refresh=full_refresh, today=_today(today))


@app.command()
def docs(
    data_dir: DataDir = None, verbose: Verbose = False,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1")] = 8080,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Only generate the site")] = False,
) -> None:
    """Generate dbt's documentation site (models, columns, lineage) and serve it on 127.0.0.1."""
    from scrobble_insights.transform.dbt import generate_docs, serve_docs

    settings = _setup(verbose, data_dir=data_dir)
    with err.status("dbt docs generate ..."):
        site = generate_docs(settings)
    out.print(f"documentation site: {site / 'index.html'}")
    if not no_serve:
        out.print(f"serving on http://127.0.0.1:{port}/ — Ctrl-C stops")
        serve_docs(site, port)


@app.command()
def orchestrate(
    user: Users = None, data_dir: DataDir = None, verbose: Verbose = False,
    port: Annotated[int, typer.Option(help="Port of Dagster's web UI on 127.0.0.1", min=1, max=65535)] = 3000,
) -> None:
    """Dagster's web UI and daemon on 127.0.0.1: the daily schedule, date-range backfills, retries, alerts."""
    from scrobble_insights.operate.steps import check_users
    from scrobble_insights.orchestrate import asset_names, launch
    from scrobble_insights.transform.dbt import prepare_manifest

    settings = _setup(verbose, data_dir=data_dir)
    names = check_users(user or settings.user_names())
    asset_names(names)
    settings.api_key()
    with err.status("dbt parse ..."):
        prepare_manifest(settings)
    out.print(f"Dagster on http://127.0.0.1:{port}/ for {', '.join(names)} (data in "
              f"{settings.data_dir}; schedule: daily at {settings.schedule_hour:02d}:00 UTC) — Ctrl-C stops it")
    sys.stdout.flush()
    launch(settings, port, names)


@app.command()
def status(
    data_dir: DataDir = None, verbose: Verbose = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")] = False,
    log_format: LogFormat = None,
) -> None:
    """Per user: last run, freshness, scrobbles, days covered, gaps, untagged artists, MusicBrainz coverage;
    sizes on disk."""
    import json

    from scrobble_insights.operate.status import status_report

    settings = _setup(verbose, log_format, data_dir=data_dir)
    report = status_report(settings)
    if as_json:
        print(json.dumps(report, indent=2, default=str))
        return
    size = report["warehouse_bytes"]
    warehouse = f"{size / 1e6:.1f} MB" if size is not None else report["warehouse"]
    out.print(f"data directory {report['data_dir']}: warehouse {warehouse}, bronze {report['bronze_bytes'] / 1e6:.1f} MB")
    if report.get("warehouse_error"):
        out.print(f"cannot read the warehouse now: {report['warehouse_error']}")
        for user in report.get("run_log_users", []):
            success, failure = user["last_success"], user["last_failure"]
            out.print(f"  {user['user']}: last success "
                      f"{success['finished_at'] + ' ' + success['command'] if success else '-'}; last failure "
                      f"{failure['finished_at'] + ': ' + failure.get('error', '')[:60] if failure else '-'}")
        return
    if not report["users"]:
        out.print("no data yet: run `scrobble-insights backfill --user NAME --since YYYY-MM-DD`")
        return
    table = Table(title_justify="left")
    for column in ("user", "scrobbles", "last.fm count", "days", "gaps", "last day", "untagged", "MusicBrainz",
                   "last success", "last failure"):
        table.add_column(column)
    for user in report["users"]:
        success, failure = user["last_success"], user["last_failure"]
        table.add_row(user["user"], f"{user['scrobbles']:,}", f"{user['lastfm_playcount'] or 0:,}",
                      str(user["days_extracted"]), str(user["gaps"]),
                      f"{user['last_day']} ({user['freshness_days']}d ago)", str(user["artists_untagged"]),
                      f"{user['mb_coverage'] or 0:.0%} of plays ({user['artists_unenriched']:,} not asked)",
                      f"{success['finished_at']} {success['command']}" if success else "-",
                      f"{failure['finished_at']}: {failure.get('error', '')[:60]}" if failure else "-")
    out.print(table)


@app.command()
def verify(
    user: Annotated[str, typer.Option("--user", "-u", help="last.fm user name")],
    since: Annotated[Optional[str], typer.Option(help="First day to check [default: the user's registration on last.fm]")] = None,
    repair: Annotated[bool, typer.Option("--repair", help="Re-extract the months that disagree")] = False,
    data_dir: DataDir = None, verbose: Verbose = False, log_format: LogFormat = None,
) -> None:
    """Compare the warehouse with last.fm's own totals, month by month over the whole history and in all;
    list (and --repair) what disagrees. Exits 1 when anything disagrees."""
    from scrobble_insights.operate.verify import verify_user

    settings = _setup(verbose, log_format, data_dir=data_dir)
    first = _parse_day(since, "--since") if since else None
    result = _print_verification(verify_user(settings, user, first))
    if not result.agrees and repair:
        for check in result.disagreeing:
            _extract_job(settings, [user], check.first_day, check.last_day, no_tags=False, summary_json=None,
                         transform=False, command="verify --repair", no_enrich=True)
        with _job(settings, "transform"):
            _transform(settings)
        result = _print_verification(verify_user(settings, user, first), "after repair: ")
    if not result.agrees:
        raise typer.Exit(1)


def _print_verification(result, prefix: str = ""):
    bad = result.disagreeing
    out.print(f"{prefix}{result.user}: {len(result.months)} months checked "
              f"({result.months[0].first_day} .. {result.months[-1].last_day}), {len(bad)} disagree")
    for check in bad:
        out.print(f"  {check.first_day} .. {check.last_day}: last.fm {check.lastfm:,}, warehouse {check.warehouse:,}")
    expected = result.playcount - result.after_last_day
    verdict = "agrees" if result.playcount_agrees else "DISAGREES"
    note = "" if result.whole_history or result.playcount_agrees else " (not checked: --since covers part of the history)"
    out.print(f"{prefix}warehouse {result.stored:,} scrobbles; last.fm playcount {result.playcount:,} less "
              f"{result.after_last_day:,} since the last extracted day = {expected:,}: {verdict}{note}")
    return result


@app.command()
def schedule(
    print_format: Annotated[str, typer.Option("--print", help="cron or systemd")] = "cron",
    hour: Annotated[int, typer.Option(help="Hour of the day (local time) to run at")] = 6,
    user: Users = None, data_dir: DataDir = None, verbose: Verbose = False,
) -> None:
    """Print a crontab line or a systemd service + timer that runs `scrobble-insights run` daily."""
    import shlex
    import shutil

    from scrobble_insights.operate.schedule import crontab, daily_command, systemd_units

    settings = _setup(verbose, data_dir=data_dir)
    if print_format not in ("cron", "systemd"):
        raise ConfigError(f"--print {print_format!r} is not cron or systemd")
    if not 0 <= hour <= 23:
        raise ConfigError(f"--hour {hour} is not between 0 and 23")
    found = shutil.which("scrobble-insights")       # quoted: an install path may hold spaces
    executable = shlex.quote(found) if found else f"{shlex.quote(sys.executable)} -m scrobble_insights"
    data, cwd = settings.data_dir.resolve(), Path.cwd().resolve()
    command = daily_command(executable, user or settings.user_names(), data)
    print(crontab(command, hour, cwd, data) if print_format == "cron" else systemd_units(command, hour, cwd))


@app.command()
def dashboard(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1")] = 8501,
    data_dir: DataDir = None, verbose: Verbose = False,
) -> None:
    """Serve the interactive dashboard on 127.0.0.1 over the warehouse (read-only)."""
    settings = _setup(verbose, data_dir=data_dir)
    _serve_dashboard(settings, port)


def _serve_dashboard(settings: Settings, port: int) -> None:
    from scrobble_insights.load.warehouse import reader_source
    from scrobble_insights.serve.dashboard import serve
    from scrobble_insights.serve.queries import connect

    path = reader_source(settings)                  # DuckDB's snapshot: the pipeline can write meanwhile
    connect(path).close()       # a clear error now rather than in the browser
    out.print(f"dashboard on http://127.0.0.1:{port}/ (reading {path}) — Ctrl-C stops it")
    code = serve(path, port)
    if code not in (0, -2, 130):
        raise ScrobbleInsightsError(f"the dashboard server stopped with exit code {code}; run with --verbose")


@app.command()
def report(
    output: Annotated[Path, typer.Option("-o", "--output", help="The HTML file (or, with --format png, a directory)")]
        = Path("report.html"),
    year: Annotated[Optional[int], typer.Option(
        help="The year to report; the page opens with its 'year in music' [default: all time]")] = None,
    user: Annotated[Optional[str], typer.Option("--user", "-u", help="The user (needed when there are several)")] = None,
    fmt: Annotated[str, typer.Option("--format", help="html (one self-contained file) or png (one image per chart)")]
        = "html",
    data_dir: DataDir = None, verbose: Verbose = False,
) -> None:
    """Write a shareable report: one self-contained HTML file that opens offline, or the charts as PNG."""
    from scrobble_insights.load.warehouse import reader_source
    from scrobble_insights.serve.report import write_report

    settings = _setup(verbose, data_dir=data_dir)
    if fmt == "png" and output.suffix == ".html":
        output = output.with_suffix("")
    written = write_report(reader_source(settings), output, user=user, year=year, fmt=fmt)
    where = written[0] if fmt == "html" else f"{output}/ ({len(written)} images)"
    out.print(f"report written: {where}")


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="parquet, csv or hyper (a Tableau extract)")] = "parquet",
    output: Annotated[Path, typer.Option("-o", "--output", help="Directory to write (replaced)")] = Path("export"),
    data_dir: DataDir = None, verbose: Verbose = False,
) -> None:
    """Export the star schema's tables for other BI tools (Parquet, CSV, or one Tableau Hyper extract)."""
    from scrobble_insights.load.warehouse import reader_source
    from scrobble_insights.serve.exports import check_output
    from scrobble_insights.serve.exports import export as run_export

    settings = _setup(verbose, data_dir=data_dir)
    check_output(output, settings.data_dir)          # refused before anything is read or written
    summary = run_export(reader_source(settings), fmt, output, data_dir=settings.data_dir)
    out.print(f"exported {len(summary.rows)} tables ({sum(summary.rows.values()):,} rows) as {fmt} to "
              f"{summary.directory}: {', '.join(p.name for p in summary.files[:4])}"
              f"{' ...' if len(summary.files) > 4 else ''}")


def _split_names(values: list[str] | None) -> list[str]:
    return [name for value in values or [] for name in value.replace(",", " ").split() if name]


@app.command()
def simulate(
    host: Annotated[str, typer.Option(help="Address to bind (loopback only)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8765,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic listeners")] = 42,
    users: Annotated[Optional[list[str]], typer.Option("--users", help="Simulated user names (repeat or comma-separate)")] = None,
    years: Annotated[float, typer.Option(help="Years of history per user")] = 3.0,
    rate_limit: Annotated[float, typer.Option(help="Requests/s per client before error 29 (0 = none)")] = 5.0,
    latency_ms: Annotated[float, typer.Option(help="Added latency per request")] = 0.0,
    fault_rate: Annotated[float, typer.Option(help="Share of requests given an injected fault (0-1)")] = 0.0,
    mb_rate_limit: Annotated[float, typer.Option(help="MusicBrainz (/ws/2/) requests/s per client before 503 (0 = none)")] = 1.0,
) -> None:
    """Serve a faithful last.fm API simulator, and MusicBrainz ws/2 beside it, on 127.0.0.1 (for the demo, tests
    and benchmarks)."""
    from scrobble_insights.simulator import Simulator, SimulatorConfig

    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ConfigError(f"--host {host} is not a loopback address: the simulator only serves 127.0.0.1")
    if not 0 <= fault_rate <= 1:
        raise ConfigError(f"--fault-rate {fault_rate} is not between 0 and 1")
    names = _split_names(users) or ["demo"]
    err.print(f"building {years:g} years of history for {', '.join(names)} (seed {seed}) ...")
    sim = Simulator(SimulatorConfig(seed=seed, users=names, years=years, rate_limit=rate_limit,
                                    latency_ms=latency_ms, fault_rate=fault_rate, mb_rate_limit=mb_rate_limit))
    err.print(f"last.fm simulator on http://{host}:{port}/2.0/ — export LASTFM_API_URL=http://{host}:{port}/2.0/ "
              "and any LASTFM_API_KEY; Ctrl-C stops it")
    err.print(f"MusicBrainz ws/2 simulator on http://{host}:{port}/ws/2/ ({mb_rate_limit:g} requests/s per client)")
    sim.serve_forever(host=host, port=port)


DEMO_MB_RATE = 200.0             # requests/s of the demo's simulated MusicBrainz and its client
DEMO_MB_CONTACT = "demo@example.org"


@app.command()
def demo(
    data_dir: Annotated[Path, typer.Option("--data-dir", help="Where the demo's data goes")] = Path("scrobble-demo"),
    years: Annotated[float, typer.Option(help="Years of simulated history")] = 3.0,
    rate_limit: Annotated[float, typer.Option(help="Requests/s (simulator and client)")] = 40.0,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Stop after the report instead of serving the dashboard")]
        = False,
    port: Annotated[int, typer.Option(help="Dashboard port on 127.0.0.1")] = 8501,
    verbose: Verbose = False,
) -> None:
    """The whole pipeline on simulated data: simulator (last.fm and MusicBrainz) -> backfill -> MusicBrainz
    enrichment -> warehouse -> dbt -> report -> dashboard."""
    from scrobble_insights.operate.enrichment import record_fields
    from scrobble_insights.operate.steps import failures_error
    from scrobble_insights.simulator import Simulator, SimulatorConfig

    err.print(f"building {years:g} years of simulated listening for user 'demo' ...")
    sim = Simulator(SimulatorConfig(seed=42, users=["demo"], years=years, rate_limit=rate_limit,
                                    mb_rate_limit=DEMO_MB_RATE))
    with sim.serve(host="127.0.0.1", port=0) as server:
        settings = _setup(verbose, data_dir=data_dir, lastfm_api_url=server.url, lastfm_api_key="demo-key",
                          rate_limit=rate_limit, users=[{"name": "demo", "timezone": "Europe/London"}],
                          mb_api_url=server.mb_url, mb_contact=DEMO_MB_CONTACT, mb_rate_limit=DEMO_MB_RATE)
        today = datetime.now(timezone.utc).date()
        first = today - timedelta(days=int(years * 365.25))
        err.print(f"simulator on {server.url}; backfilling {first} .. {today - timedelta(days=1)}")
        err.print(f"MusicBrainz simulator on {server.mb_url}: the demo enriches at {DEMO_MB_RATE:g} requests/s as "
                  f"{DEMO_MB_CONTACT} (the real MusicBrainz allows 1/s: set SCROBBLE_INSIGHTS_MB_CONTACT for yours)",
                  highlight=False, soft_wrap=True)
        with _job(settings, "demo", users=["demo"], first_day=str(first),
                  last_day=str(today - timedelta(days=1))) as record:
            summary = _extract_and_model(settings, ["demo"], first, today - timedelta(days=1), enrich=True)
            record.update(record_fields(summary.enriched, summary.failures, True))
            _print_summary(summary, settings)
            if summary.model_error is not None:
                raise summary.model_error
            if summary.failures:
                raise failures_error(summary.failures)
    _print_first_insights(settings)
    from scrobble_insights.load.warehouse import reader_source
    from scrobble_insights.serve.report import write_report

    [report_path] = write_report(reader_source(settings), settings.data_dir / "report.html")
    out.print(f"Shareable report (opens offline): {report_path}")
    out.print("With your own account, run it every day: `scrobble-insights orchestrate --user NAME` (Dagster on "
              "127.0.0.1) or `scrobble-insights schedule --print cron`")
    if not no_serve:
        _serve_dashboard(settings, port)


def _print_first_insights(settings: Settings) -> None:
    """A first look at the modelled data: the dashboard's own answers (serve.queries.first_insights)."""
    from scrobble_insights.load.warehouse import reader_source
    from scrobble_insights.serve import queries as q

    con = q.connect(reader_source(settings))
    try:
        answers = [q.first_insights(con, user) for user in q.users(con)]
    finally:
        con.close()
    for first in answers:
        out.print(f"\nYou play {first['per_day']:.1f} tracks a day on average (over {first['days']:,} days, quiet days "
                  f"included), most often at {first['hour']:02d}:00 on {first['weekday']}s.")
        if first["genres"]:
            out.print("Your top genres: " + ", ".join(f"{genre} {share:.0%}" for genre, share in first["genres"])
                      + f" ({first['genre_coverage']:.0%} of your plays have a known genre).")
        else:
            out.print("None of your plays has a known genre yet: their artists' last.fm tags name none.")
        table = Table(title="Most played artists", title_justify="left")
        for column in ("artist", "genre", "plays"):
            table.add_column(column)
        for artist, genre, plays in first["artists"]:
            table.add_row(artist, genre, f"{plays:,}")
        out.print(table)
    out.print(f"Warehouse: {settings.warehouse_path} (DuckDB): raw.* tables and the star schema in marts.* "
              "(fact_scrobbles, dim_*, mart_*). Query it with any DuckDB client, read-only.")


def main() -> None:
    """Entry point: one-line errors, never a traceback (unless --verbose asks for one)."""
    disable_telemetry()
    # An ignored SIGTERM is inherited across exec: a server started by a parent that ignores it (seen
    # in background shells) would outlive `kill`, systemd's stop and our tests' stop. SIGTERM stops us.
    if signal.getsignal(signal.SIGTERM) is signal.SIG_IGN:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        app()   # typer handles usage errors and Ctrl-C itself (exit 2 / 1)
    except (ScrobbleInsightsError, Terminated) as exc:
        err.print(f"[bold red]error:[/] {escape(redact(str(exc), _secrets))}", markup=True, highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except OSError as exc:      # a full or read-only disk, a missing permission: the file and the fix
        err.print(f"[bold red]error:[/] {escape(redact(os_error_message(exc, *_data_dir[:1]), _secrets))}", markup=True, highlight=False,
                  soft_wrap=True)
        sys.exit(EXIT_OS)
    except Exception as exc:  # noqa: BLE001 - last resort: one line, secrets scrubbed
        logging.getLogger(__name__).debug("internal error", exc_info=True)
        text = redact(f"{type(exc).__name__}: {exc}", _secrets).splitlines()[0] if str(exc) else type(exc).__name__
        err.print(f"[bold red]internal error:[/] {escape(text)} — please report it (run with --verbose for details)",
                  markup=True, highlight=False, soft_wrap=True)
        sys.exit(EXIT_INTERNAL)
