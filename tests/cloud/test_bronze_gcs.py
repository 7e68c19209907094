"""Bronze in a bucket (SCROBBLE_INSIGHTS_BRONZE_URL=gs://...), against fake-gcs-server on 127.0.0.1: the
same keys and rows as a local run, `load --rebuild` from the bucket, a crash between upload and commit,
the generation precondition, and one-line errors."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import duckdb
import pytest
from google.api_core import exceptions
from google.cloud.storage import Bucket

from scrobble_insights.bronze import gcs
from scrobble_insights.bronze.files import day_key, iter_days, read_lines
from scrobble_insights.bronze.gcs import GcsBronze
from scrobble_insights.bronze.store import open_bronze
from scrobble_insights.config import build_settings
from scrobble_insights.errors import BronzeError, ConfigError
from scrobble_insights.extract.checkpoint import Checkpoint
from scrobble_insights.operate.steps import extract, load
from support import TODAY, cli_env, run_cli, truth_rows, warehouse_rows

FIRST, LAST = TODAY - timedelta(days=30), TODAY - timedelta(days=1)


@pytest.fixture
def enforced_copy_preconditions(monkeypatch):
    """Real GCS refuses a copy whose ifGenerationMatch is not the destination's generation (412);
    fake-gcs-server 1.54 ignores it (test_fake_gcs_server_ignores_copy_preconditions, and
    docs/cloud-emulators.md). This does GCS's check before the emulator's copy."""
    copy = Bucket.copy_blob

    def checked(self, blob, destination_bucket, new_name=None, *args, if_generation_match=None, **kwargs):
        if if_generation_match is not None:
            current = destination_bucket.get_blob(new_name)
            if (current.generation if current is not None else 0) != if_generation_match:
                raise exceptions.PreconditionFailed("conditionNotMet (emulated)")
        return copy(self, blob, destination_bucket, new_name, *args, if_generation_match=if_generation_match,
                    **kwargs)

    monkeypatch.setattr(Bucket, "copy_blob", checked)


def raw_names(gcs_emulator, bucket: str) -> list[str]:
    return sorted(b.name for b in gcs_emulator.client().list_blobs(bucket))


def table(path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return sorted(con.execute(sql).fetchall())
    finally:
        con.close()


@pytest.mark.slow
def test_backfill_to_a_bucket_lands_the_keys_and_rows_of_a_local_run_and_rebuilds_from_it(
        simulator, gcs_emulator, gcs_bucket, tmp_path):
    sim, server = simulator()
    args = ["backfill", "-u", "alice", "--since", str(FIRST), "--until", str(LAST), "--no-transform"]
    local, cloud = tmp_path / "local", tmp_path / "cloud"
    done = run_cli(args, cli_env(server, local), tmp_path)
    assert done.returncode == 0, done.stderr
    env = cli_env(server, cloud, SCROBBLE_INSIGHTS_BRONZE_URL=f"gs://{gcs_bucket}/bronze",
                  STORAGE_EMULATOR_HOST=gcs_emulator.endpoint)
    done = run_cli(args, env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"bronze files: gs://{gcs_bucket}/bronze" in done.stdout

    local_keys = sorted(p.relative_to(local / "bronze").as_posix() for p in (local / "bronze").rglob("*") if p.is_file())
    names = raw_names(gcs_emulator, gcs_bucket)
    assert all(n.startswith("bronze/lastfm/") for n in names), "a staging object was left behind"
    cloud_keys = [n.removeprefix("bronze/") for n in names]

    def shape(keys):        # user.getInfo and tag batches are named by the time they were fetched
        return sorted(k.rsplit("/part-", 1)[0] + "/part-*" if "/part-" in k else k for k in keys)

    assert shape(cloud_keys) == shape(local_keys)
    assert sum("/recenttracks/" in k for k in cloud_keys) == (LAST - FIRST).days + 1
    assert any("/toptags/" in k for k in cloud_keys)
    assert not (cloud / "bronze").exists()
    done = run_cli(["status", "--json"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["bronze_bytes"] == sum(b.size for b in gcs_emulator.client().list_blobs(gcs_bucket)) > 0

    truth = truth_rows(sim, "alice", FIRST, LAST + timedelta(days=1))
    assert warehouse_rows(cloud / "warehouse.duckdb", "alice") == warehouse_rows(local / "warehouse.duckdb", "alice") == truth
    days_sql = "SELECT user_name, day, scrobble_count, bronze_path FROM raw.extracted_days"
    tags_sql = "SELECT artist_name, tag_name, tag_rank, tag_weight FROM raw.artist_tags"
    assert table(cloud / "warehouse.duckdb", days_sql) == table(local / "warehouse.duckdb", days_sql)
    assert table(cloud / "warehouse.duckdb", tags_sql) == table(local / "warehouse.duckdb", tags_sql) != []

    server.close()                                          # no API from here on
    (cloud / "warehouse.duckdb").unlink()
    done = run_cli(["load", "--rebuild"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert warehouse_rows(cloud / "warehouse.duckdb", "alice") == truth
    assert table(cloud / "warehouse.duckdb", tags_sql) == table(local / "warehouse.duckdb", tags_sql)


def test_a_crash_between_upload_and_commit_leaves_no_half_day_and_a_rerun_lands_each_scrobble_once(
        simulator, settings_for, gcs_emulator, gcs_bucket, monkeypatch, tmp_path):
    sim, server = simulator()
    settings = settings_for(server, bronze_url=f"gs://{gcs_bucket}/bronze", window_target_pages=1)   # ~5 days a window
    commit, commits = GcsBronze._commit, []
    mark_done, marked = Checkpoint.mark_done, []

    def mark(self, *args):
        marked.append(args)
        return mark_done(self, *args)

    def crash_after_a_checkpoint(self, *args):
        # Windows are written concurrently: the cut comes at the 10th commit or, if no window was
        # checkpointed by then, at the first commit after one was (so the rerun has one to resume from).
        commits.append(args[2])
        if len(commits) >= 10 and marked:
            raise RuntimeError("power cut")       # the process dies here: nothing after it runs
        return commit(self, *args)

    monkeypatch.setattr(Checkpoint, "mark_done", mark)
    monkeypatch.setattr(GcsBronze, "_commit", crash_after_a_checkpoint)
    monkeypatch.setattr("google.cloud.storage.Blob.delete", lambda self, *a, **k: None)   # a dead process deletes nothing
    with pytest.raises(RuntimeError, match="power cut"):
        extract(settings, ["alice"], FIRST, LAST)
    monkeypatch.undo()
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_emulator.endpoint)

    store = open_bronze(settings)
    crashed = commits[-1].removeprefix("bronze/")
    assert not store.exists(crashed)                                        # none, rather than a part
    assert any("/_staging/" in n for n in raw_names(gcs_emulator, gcs_bucket))    # the orphan is there...
    landed = list(iter_days(store, ["alice"]))
    assert landed and all("_staging" not in key for _, _, key, _ in landed)     # ...and is not bronze
    for _, _, key, _ in landed:
        read_lines(store, key)                                               # every landed day is whole

    monkeypatch.setattr(gcs, "STAGING_MAX_AGE", timedelta(0))      # the rerun sweeps orphans of any age
    stats, _ = extract(settings, ["alice"], FIRST, LAST)
    assert 0 < stats[0].days_skipped < stats[0].days                  # resumed from the local checkpoint
    load(settings, ["alice"])
    assert warehouse_rows(settings.warehouse_path, "alice") == truth_rows(sim, "alice", FIRST, LAST + timedelta(days=1))
    assert not any("/_staging/" in n for n in raw_names(gcs_emulator, gcs_bucket))
    assert not (settings.data_dir / "bronze").exists() and (settings.state_dir).is_dir()


def test_a_failed_commit_keeps_the_old_object_whole(gcs_bucket, monkeypatch):
    store = GcsBronze(gcs_bucket, "bronze")
    store.write("lastfm/x.jsonl.gz", b"old day")
    monkeypatch.setattr(GcsBronze, "_commit", lambda self, *args: (_ for _ in ()).throw(RuntimeError("cut")))
    with pytest.raises(RuntimeError):
        store.write("lastfm/x.jsonl.gz", b"new day")
    assert store.read("lastfm/x.jsonl.gz") == b"old day"
    assert [k for k, _ in store.list("")] == ["lastfm/x.jsonl.gz"]          # the staging object went too


def test_fake_gcs_server_ignores_copy_preconditions(gcs_emulator, gcs_bucket):
    """The proof behind `enforced_copy_preconditions`: should this fail, the emulator checks them now and
    that fixture can go."""
    bucket = gcs_emulator.client().bucket(gcs_bucket)
    source = bucket.blob("source")
    source.upload_from_string(b"a")
    bucket.copy_blob(source, bucket, "target", if_generation_match=0)
    bucket.copy_blob(source, bucket, "target", if_generation_match=0)         # GCS: 412, it exists
    bucket.copy_blob(source, bucket, "target", if_generation_match=1)         # GCS: 412, a stale generation
    with pytest.raises(exceptions.PreconditionFailed):                        # uploads are checked
        bucket.blob("target").upload_from_string(b"b", if_generation_match=0)


def test_a_commit_over_a_newer_generation_gets_412_then_rereads_and_commits_once(
        gcs_bucket, enforced_copy_preconditions, monkeypatch, caplog):
    store, other = GcsBronze(gcs_bucket, "bronze"), GcsBronze(gcs_bucket, "bronze")
    key = day_key("alice", FIRST)
    store.write(key, b"first")
    commit, calls = GcsBronze._commit, []

    def racing(self, bucket, staging, name, generation):
        calls.append(generation)
        if len(calls) == 1:
            other.write(key, b"the other writer's")        # lands between our read and our commit
        return commit(self, bucket, staging, name, generation)

    monkeypatch.setattr(GcsBronze, "_commit", racing)
    with caplog.at_level(logging.WARNING, logger="scrobble_insights.bronze.gcs"):
        store.write(key, b"ours")
    assert len(calls) == 3 and calls[0] != calls[2]          # ours stale, the other's, ours again on the new one
    assert store.read(key) == b"ours"
    assert "replaced by another writer" in caplog.text
    assert [k for k, _ in store.list("")] == [key]

    monkeypatch.setattr(GcsBronze, "_commit", commit)
    with pytest.raises(exceptions.PreconditionFailed):          # the precondition itself
        store._commit(store.bucket, store.bucket.blob(f"bronze/{key}"), f"bronze/{key}", calls[0])

    def always_stale(self, bucket, staging, name, generation):
        return commit(self, bucket, staging, name, 1)

    monkeypatch.setattr(GcsBronze, "_commit", always_stale)
    with pytest.raises(BronzeError, match="keeps being replaced by another writer"):
        store.write(key, b"again")
    assert store.read(key) == b"ours"


def test_versions_come_from_the_listing_and_change_with_the_content(gcs_bucket):
    store = GcsBronze(gcs_bucket, "some/prefix")
    store.write("lastfm/a", b"one")
    [(key, version)] = store.list("lastfm/")
    assert key == "lastfm/a" and version == store.version("lastfm/a") and version.startswith("3-")
    store.write("lastfm/a", b"two")
    assert store.version("lastfm/a") != version and store.version("lastfm/b") is None
    assert store.total_bytes() == 3 and store.uri("lastfm/a") == f"gs://{gcs_bucket}/some/prefix/lastfm/a"


def one_line_error(done) -> str:
    assert done.returncode != 0
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: ") and "Traceback" not in line
    return line


def test_a_missing_bucket_is_one_line_naming_it(gcs_emulator, simulator, tmp_path):
    _, server = simulator()
    env = cli_env(server, tmp_path / "data", SCROBBLE_INSIGHTS_BRONZE_URL="gs://no-such-bucket/bronze",
                  STORAGE_EMULATOR_HOST=gcs_emulator.endpoint)
    line = one_line_error(run_cli(["load"], env, tmp_path))
    assert "gs://no-such-bucket does not exist" in line and "terraform apply" in line
    line = one_line_error(run_cli(["backfill", "-u", "alice", "--since", str(LAST), "--until", str(LAST), "--no-transform"], env, tmp_path))
    assert "gs://no-such-bucket does not exist" in line


@pytest.mark.parametrize("url", ["s3://bucket/bronze", "gs://", "gs://Bad_Bucket/x", "gs://ab"])
def test_an_invalid_bronze_url_is_one_line_naming_the_variable(simulator, tmp_path, url):
    _, server = simulator()
    env = cli_env(server, tmp_path / "data", SCROBBLE_INSIGHTS_BRONZE_URL=url)
    line = one_line_error(run_cli(["load"], env, tmp_path))
    assert "SCROBBLE_INSIGHTS_BRONZE_URL" in line and "gs://my-scrobbles/bronze" in line


def test_valid_bronze_urls(tmp_path):
    assert build_settings(data_dir=tmp_path).bronze_dir == tmp_path / "bronze"
    assert build_settings(bronze_url=str(tmp_path / "b")).bronze_dir == tmp_path / "b"
    for url in ("gs://my-scrobbles", "gs://my-scrobbles/bronze/", "gs://my.scrobbles_1/a/b"):
        assert build_settings(bronze_url=url).bronze_url == url


def test_permission_denied_and_missing_credentials_are_one_line(gcs_bucket, monkeypatch):
    def forbidden(*args, **kwargs):
        raise exceptions.Forbidden("caller does not have storage.objects.list access")

    store = GcsBronze(gcs_bucket, "bronze")
    monkeypatch.setattr(store.bucket.client, "list_blobs", forbidden)
    with pytest.raises(ConfigError, match=f"permission denied on the bronze bucket gs://{gcs_bucket}: .*roles/storage.objectAdmin"):
        store.list("")

    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    def no_credentials(*args, **kwargs):
        raise DefaultCredentialsError("Your default credentials were not found.")

    monkeypatch.delenv("STORAGE_EMULATOR_HOST")
    monkeypatch.setattr(google.auth, "default", no_credentials)
    with pytest.raises(ConfigError, match="gcloud auth application-default login"):
        GcsBronze(gcs_bucket, "bronze").list("")
