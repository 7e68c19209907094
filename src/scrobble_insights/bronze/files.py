"""The bronze layer: raw API objects as gzip JSON lines, one file per user and UTC day.

Layout (Hive-style, one file per partition, replaced atomically, never edited in place), under the
root of a bronze store (bronze/store.py: <data>/bronze by default, or gs://bucket/prefix):

    lastfm/recenttracks/user=<name>/date=<YYYY-MM-DD>.jsonl.gz
    lastfm/toptags/date=<YYYY-MM-DD>/part-<HHMMSS>-<id>.jsonl.gz
    lastfm/userinfo/user=<name>/part-<YYYYmmddTHHMMSSffffff>.jsonl.gz
    musicbrainz/artists/date=<YYYY-MM-DD>/part-<HHMMSSffffff>-<id>.jsonl.gz
    musicbrainz/release-groups/date=<YYYY-MM-DD>/part-<HHMMSSffffff>-<id>.jsonl.gz

A recent-tracks line is ``{"fetched_at", "window": {"from", "to", "total"}, "page", "track"}`` where
``track`` is the object exactly as last.fm sent it. A day file exists only for a day that was fully
covered by one extracted window; an empty file means "extracted, no scrobbles that day".
Checkpoints under <data>/state/ let an interrupted extraction resume without refetching windows.

Why gzip JSON lines, in a bucket too, and not Parquet: the API's objects are kept exactly as sent, so
bronze can rebuild everything, including what a later parser will read from them. Parquet would need
a schema up front and would change types (last.fm sends numbers as strings, an object or a list for the
same field). A BigQuery load of the PARSED rows is staged as Parquet by the warehouse, not in bronze.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrobble_insights.bronze.store import BronzeStore

RECENT_DIR = "lastfm/recenttracks"
TAGS_DIR = "lastfm/toptags"
USERINFO_DIR = "lastfm/userinfo"
MB_ARTISTS_DIR = "musicbrainz/artists"
MB_RELEASE_GROUPS_DIR = "musicbrainz/release-groups"
_DAY_KEY = re.compile(r"^lastfm/recenttracks/user=([^/]+)/date=(\d{4}-\d{2}-\d{2})\.jsonl\.gz$")
_TAG_KEY = re.compile(r"^lastfm/toptags/date=[^/]+/part-[^/]+\.jsonl\.gz$")
_MB_KEY = re.compile(r"^musicbrainz/artists/date=[^/]+/part-[^/]+\.jsonl\.gz$")
_MB_RG_KEY = re.compile(r"^musicbrainz/release-groups/date=[^/]+/part-[^/]+\.jsonl\.gz$")
_USERINFO_KEY = re.compile(r"^lastfm/userinfo/user=([^/]+)/part-[^/]+\.jsonl\.gz$")


def write_atomic(path: Path, data: bytes) -> None:
    """Write bytes to path so that readers see the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _gzip_lines(lines: Iterable[dict]) -> bytes:
    text = "".join(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n" for line in lines)
    return gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)


def read_lines(store: BronzeStore, key: str) -> list[dict]:
    """All JSON lines of a bronze object."""
    text = gzip.decompress(store.read(key)).decode("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def file_version(path: Path) -> str:
    """Cheap identity of a local bronze file's content: its size and gzip trailer (CRC32 and length of
    the data). Files are gzip written with mtime=0, so a copy (cp -r, a restore) keeps its version."""
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        handle.seek(max(0, size - 8))
        return f"{size}-{handle.read(8).hex()}"


# --- recent tracks --------------------------------------------------------------------------------

def day_key(user: str, day: date) -> str:
    return f"{RECENT_DIR}/user={user}/date={day.isoformat()}.jsonl.gz"


def write_day(store: BronzeStore, user: str, day: date, lines: list[dict]) -> str:
    """Replace the bronze object of one user-day with these lines (possibly none); returns its key."""
    key = day_key(user, day)
    store.write(key, _gzip_lines(lines))
    return key


def iter_days(store: BronzeStore, users: Iterable[str] | None = None) -> Iterator[tuple[str, date, str, str]]:
    """(user, day, key, version) for every recent-tracks day, sorted by user then day."""
    prefixes = [f"{RECENT_DIR}/"] if users is None else \
        [f"{RECENT_DIR}/user={u}/" for u in sorted({u.lower() for u in users})]
    for prefix in prefixes:
        for key, version in store.list(prefix):
            match = _DAY_KEY.match(key)
            if match:
                yield match.group(1), date.fromisoformat(match.group(2)), key, version


# --- artist top tags --------------------------------------------------------------------------------

def write_tags_batch(store: BronzeStore, records: list[dict], now: datetime) -> str:
    """Land one batch of artist.getTopTags answers (``{"artist", "fetched_at", "body"}`` lines)."""
    return _write_batch(store, TAGS_DIR, records, now)


def _write_batch(store: BronzeStore, directory: str, records: list[dict], now: datetime) -> str:
    """One batch file of JSON lines under <directory>/date=<day>/, named to sort in the order written."""
    name = f"part-{now.strftime('%H%M%S%f')}-{uuid.uuid4().hex[:8]}.jsonl.gz"
    key = f"{directory}/date={now.date().isoformat()}/{name}"
    store.write(key, _gzip_lines(records))
    return key


def iter_tag_keys(store: BronzeStore) -> list[str]:
    """Tag batch keys in the order they were written."""
    return [key for key, _ in store.list(f"{TAGS_DIR}/") if _TAG_KEY.match(key)]


# --- MusicBrainz artist answers ----------------------------------------------------------------

def write_mb_batch(store: BronzeStore, records: list[dict], now: datetime) -> str:
    """Land one batch of MusicBrainz answers: ``{"request", "keys", "asked", "status", "fetched_at",
    "body"}`` lines, the body exactly as MusicBrainz sent it (see extract/musicbrainz.py)."""
    return _write_batch(store, MB_ARTISTS_DIR, records, now)


def iter_mb_keys(store: BronzeStore) -> list[str]:
    """MusicBrainz batch keys in the order they were written."""
    return [key for key, _ in store.list(f"{MB_ARTISTS_DIR}/") if _MB_KEY.match(key)]


def write_mb_release_group_batch(store: BronzeStore, records: list[dict], now: datetime) -> str:
    """Land one batch of MusicBrainz release-group answers (same line shape as the artists', see
    extract/musicbrainz.py `extract_mb_release_groups`)."""
    return _write_batch(store, MB_RELEASE_GROUPS_DIR, records, now)


def iter_mb_release_group_keys(store: BronzeStore) -> list[str]:
    """MusicBrainz release-group batch keys in the order they were written."""
    return [key for key, _ in store.list(f"{MB_RELEASE_GROUPS_DIR}/") if _MB_RG_KEY.match(key)]


# --- user.getInfo ------------------------------------------------------------------------------------

def write_user_info(store: BronzeStore, user: str, body: dict, now: datetime) -> str:
    """Land one user.getInfo answer (``{"user", "fetched_at", "body"}``)."""
    key = f"{USERINFO_DIR}/user={user}/part-{now.strftime('%Y%m%dT%H%M%S%f')}.jsonl.gz"
    store.write(key, _gzip_lines([{"user": user, "fetched_at": now.isoformat(), "body": body}]))
    return key


def latest_user_infos(store: BronzeStore) -> list[str]:
    """The key of the newest user.getInfo answer of each user."""
    newest: dict[str, str] = {}
    for key, _ in store.list(f"{USERINFO_DIR}/"):       # sorted: a user's newest comes last
        match = _USERINFO_KEY.match(key)
        if match:
            newest[match.group(1)] = key
    return [newest[user] for user in sorted(newest)]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
