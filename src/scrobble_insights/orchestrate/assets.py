"""The assets: the same steps as the CLI's jobs.

Lineage, left to right:
- `bronze/<user>/scrobbles`: one asset per listener, partitioned by UTC day. A run over a partition
  range is ONE run (BackfillPolicy.single_run) that calls the same `steps.extract` as
  `scrobble-insights backfill`, so both give the same bronze files and the same warehouse.
- `raw/scrobbles`: loads the bronze days that changed (same partitions).
- `raw/artist_tags`: tag enrichment, artist.getTopTags for untagged or stale artists, most played
  first. When they would take longer than `early_answer_s`, the scrobbles are modelled and published
  for readers first and again as the genres fill in (`steps.tag`, as `backfill` does).
- `raw/mb_artists`, `raw/mb_release_groups`: MusicBrainz enrichment (`operate.enrichment`, as `backfill` does), when
  SCROBBLE_INSIGHTS_MB_CONTACT is set (skipped with a log line otherwise). When it would take longer
  than `early_answer_s` the scrobbles and tags are modelled and published first; when MusicBrainz
  fails, they are modelled and published before the step fails (the run fails and alerts; the next
  run resumes).
- `raw/users` and the other reference tables, from the configuration.
- the dbt models (dagster-dbt), their data tests as asset checks.

Each asset asks for the `orchestration` resource (resources.py) and does its work inside its
`step`. The tag and reference assets are defined here once; the others come from small factories
(their keys, partitions or manifest depend on the users and settings the code location loads with),
and the work of each is a module-level function.
"""

# No `from __future__ import annotations`: Dagster reads the context annotations at definition time.
import json
import os
import warnings
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from scrobble_insights.operate import enrichment, steps
from scrobble_insights.orchestrate.resources import Orchestration
from scrobble_insights.transform.dbt import BUILD, dbt_dir, dbt_env, dbt_vars, mark_built, prepare_reference, transform

warnings.filterwarnings("ignore", category=dg.BetaWarning)   # backfill_policy is "beta" since 1.7

FACT = dg.AssetKey(["marts", "fact_scrobbles"])
SINGLE_RUN = dg.BackfillPolicy.single_run()
# The raw tables, by the step that writes them (each is a dbt source).
LOADED = ["scrobbles", "extracted_days", "user_infos"]
TAGGED = ["artist_tags", "artist_tag_fetches"]
ENRICHED = ["mb_artists", "mb_release_groups"]
REFERENCE = ["users", "user_timezones", "tag_genres"]


def raw(table: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", table])


def partition_days(context: dg.AssetExecutionContext) -> tuple[date, date]:
    keys = context.partition_key_range
    return date.fromisoformat(keys.start), date.fromisoformat(keys.end)


def extract_asset(user: str, key: dg.AssetKey, daily: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """A factory, not a module-level asset: there is one asset per orchestrated user, and the users
    are known only when the code location loads (`orchestrate --user`, else the configuration); so
    is the first day of their partitions (a setting)."""
    @dg.asset(key=key, partitions_def=daily, backfill_policy=SINGLE_RUN, group_name="extract", kinds={"python"},
              description=f"{user}'s scrobbles from user.getRecentTracks, one gzip JSON-lines file per UTC "
                          "day in <data>/bronze (untouched API data)")
    def scrobbles(context: dg.AssetExecutionContext, orchestration: dg.ResourceParam[Orchestration]) \
            -> dg.MaterializeResult:
        return extract(context, orchestration, user)
    return scrobbles


def extract(context: dg.AssetExecutionContext, orchestration: Orchestration, user: str) -> dg.MaterializeResult:
    """Land the user's scrobbles of the run's days in bronze."""
    first, last = partition_days(context)
    with orchestration.step(context, f"extract {user} {first}..{last}", publish=False):
        [stats], client = steps.extract(orchestration.settings, [user], first, last)
    return dg.MaterializeResult(metadata={
        "days": stats.days, "windows": stats.windows, "pages": stats.pages, "scrobbles": stats.scrobbles,
        "windows_refetched": stats.windows_refetched, "requests": client["requests"],
        "retries": client["retries"]})


def load_asset(daily: dg.PartitionsDefinition, extracted: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """A factory too: the load depends on the per-user extract assets, and shares their partitions."""
    @dg.multi_asset(specs=[dg.AssetSpec(raw(t), deps=extracted, group_name="load", kinds={"duckdb"}) for t in LOADED],
                    partitions_def=daily, backfill_policy=SINGLE_RUN, name="load",
                    description="The bronze days that changed, loaded into raw.scrobbles, raw.extracted_days "
                                "and raw.user_infos")
    def load(context: dg.AssetExecutionContext, orchestration: dg.ResourceParam[Orchestration]):
        yield from load_changed(context, orchestration)
    return load


def load_changed(context: dg.AssetExecutionContext, orchestration: Orchestration):
    """Load the bronze days that changed (whichever run extracted them)."""
    settings, users = orchestration.settings, orchestration.users
    with orchestration.step(context, "load"):
        scrobbles, _ = steps.load(settings, users)
        rows = steps.count_rows(settings, users)
    yield dg.MaterializeResult(asset_key=raw("scrobbles"), metadata={
        "days_loaded": scrobbles.days, "rows_loaded": scrobbles.scrobbles, **{f"rows_{u}": n for u, n in rows.items()}})
    for table in LOADED[1:]:
        yield dg.MaterializeResult(asset_key=raw(table))


@dg.multi_asset(specs=[dg.AssetSpec(raw(t), deps=[raw("scrobbles")], group_name="load", kinds={"duckdb"})
                       for t in TAGGED], name="tag",
                description="artist.getTopTags of untagged or stale artists (genre evidence), most played first, "
                            "landed and loaded; when they take long, the scrobbles are modelled and published "
                            "for readers first, and again as the genres fill in")
def tag(context: dg.AssetExecutionContext, orchestration: dg.ResourceParam[Orchestration]):
    settings = orchestration.settings

    def publish(stage: str) -> None:      # as the CLI's backfill does; the dbt step after this one builds "done"
        summary = transform(settings, today=orchestration.today())
        steps.publish_for_readers(settings)
        context.log.info(f"published for readers ({stage}): fact_scrobbles {summary.fact_rows:,} rows, "
                         f"genre coverage {summary.genre_coverage or 0:.1%} of plays")

    with orchestration.step(context, "artist tags"):
        tagged, loaded, client, stages = steps.tag(settings, orchestration.users, orchestration.clock(),
                                                   publish=publish)
    yield dg.MaterializeResult(asset_key=raw("artist_tags"), metadata={
        "artists_tagged": tagged, "tag_files_loaded": loaded.tag_files, "requests": client["requests"],
        "stages_published": ", ".join(stages) or "none (the tags were quick: the dbt step publishes)"})
    yield dg.MaterializeResult(asset_key=raw("artist_tag_fetches"))


@dg.multi_asset(specs=[dg.AssetSpec(raw(t), deps=[raw("scrobbles"), raw("artist_tags")], group_name="load",
                                    kinds={"duckdb"}) for t in ENRICHED], name="enrich",
                description="MusicBrainz answers about the artists (batched by MBID, by name only when unambiguous) "
                            "and their albums' release groups, landed and loaded, most played first; on when "
                            "SCROBBLE_INSIGHTS_MB_CONTACT is set")
def enrich(context: dg.AssetExecutionContext, orchestration: dg.ResourceParam[Orchestration]):
    settings, users, now = orchestration.settings, orchestration.users, orchestration.clock()
    if not enrichment.enrichment_on(settings):
        context.log.info(enrichment.SKIPPED)
        for table in ENRICHED:
            yield dg.MaterializeResult(asset_key=raw(table), metadata={"skipped": enrichment.SKIPPED})
        return

    def publish(stage: str) -> None:      # as the CLI's backfill does; the dbt step after this one builds "done"
        summary = transform(settings, today=orchestration.today())
        steps.publish_for_readers(settings)
        context.log.info(f"published for readers ({stage}): fact_scrobbles {summary.fact_rows:,} rows")

    failures: dict[str, Exception] = {}
    with orchestration.step(context, "musicbrainz"):
        early = enrichment.takes_long(settings, enrichment.pending(settings, users, now)
                                      .requests((), settings.mb_lookup_top))
        if early:
            publish(enrichment.BEFORE)
        summary = enrichment.enrich_step(settings, users, failures, now)
        if summary is None:             # the scrobbles are modelled all the same; the run fails and alerts
            if not early:
                publish("musicbrainz failed")
            raise failures[enrichment.FAILED]
        covered = enrichment.coverage(settings, users)
    artist_requests = summary.requests - summary.album_requests
    yield dg.MaterializeResult(asset_key=raw("mb_artists"), metadata={
        "enriched": summary.enriched, "requests": summary.requests, "retries": summary.retries,
        "requests_per_artist": round(artist_requests / summary.enriched, 3) if summary.enriched else 0.0,
        "coverage": round(covered, 4) if covered is not None else 0.0, "genre_lookups": summary.looked_up,
        "published_before": early})
    albums = sum(summary.album_matches.values())
    yield dg.MaterializeResult(asset_key=raw("mb_release_groups"), metadata={
        "albums_enriched": albums, "album_requests": summary.album_requests,
        "requests_per_album": round(summary.album_requests / albums, 3) if albums else 0.0})


@dg.multi_asset(specs=[dg.AssetSpec(raw(t), deps=[raw("scrobbles"), raw("artist_tags"), raw("mb_artists")],
                                    group_name="load", kinds={"duckdb"}) for t in REFERENCE], name="reference",
                description="raw.users, raw.user_timezones (with dated moves) and raw.tag_genres, from the "
                            "configuration and the genre vocabulary")
def reference(context: dg.AssetExecutionContext, orchestration: dg.ResourceParam[Orchestration]):
    with orchestration.step(context, "reference tables", publish=False):     # the dbt step right after publishes
        prepare_reference(orchestration.settings)
    for table in REFERENCE:
        yield dg.MaterializeResult(asset_key=raw(table))


class RawSources(DagsterDbtTranslator):
    """dbt sources are the assets our loader writes; models keep dagster-dbt's default keys."""

    def get_asset_key(self, dbt_resource_props) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return raw(dbt_resource_props["name"])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props) -> str:
        return "models"


def dbt_models(manifest: Path) -> dg.AssetsDefinition:
    """A factory, not a module-level asset: dagster-dbt reads the manifest when the assets are
    defined, and ours is parsed into the data directory (a setting) when the code location loads."""
    @dbt_assets(manifest=manifest, dagster_dbt_translator=RawSources(), name="dbt_models")
    def models(context: dg.AssetExecutionContext, dbt: DbtCliResource,
               orchestration: dg.ResourceParam[Orchestration]):
        yield from dbt_build(context, dbt, orchestration)
    return models


def dbt_build(context: dg.AssetExecutionContext, dbt: DbtCliResource, orchestration: Orchestration):
    settings = orchestration.settings
    with orchestration.step(context, "dbt build"):
        # Written again (the same rows) so that a model materialised on its own sees the current
        # configuration; a changed time zone setup makes the incremental fact stale: full refresh.
        zones_changed, fingerprint = prepare_reference(settings, building=FACT in context.selected_asset_keys)
        args = [*BUILD, *(["--full-refresh"] if zones_changed else []),
                "--vars", json.dumps(dbt_vars(settings)), "--log-path", str(dbt_dir(settings) / "logs")]
        with environment(dbt_env(orchestration.today())):     # dbt's process starts (and copies it) in cli()
            invocation = dbt.cli(args, context=context, target_path=dbt_dir(settings) / "target-dagster")
        yield from invocation.stream()
        if FACT in context.selected_asset_keys:
            mark_built(settings, fingerprint)


@contextmanager
def environment(values: dict[str, str]):
    """os.environ with `values` while inside (DbtCliResource hands dbt a copy of os.environ and has no
    env of its own), as it was afterwards."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
