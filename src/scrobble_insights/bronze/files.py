"""The bronze layer: raw API objects as gzip JSON lines, one file per user and UTC day.

Layout (Hive-style, one file per partition, replaced atomically, never edited in place):

    <data>/bronze/lastfm/recenttracks/user=<name>/date=<YYYY-MM-DD>.jsonl.gz
    <data>/bronze/lastfm/toptags/date=<YYYY-MM-DD>/part-<HHMMSS>-<id>.jsonl.gz

A recent-tracks line is ``{"fetched_at", "window": {"from", "to", "total"}, "page", "track"}`` where
``track`` is the object exactly as last.fm sent it. A day file exists only for a day that was fully
covered by one extracted window; an empty file means "extracted, no scrobbles that day".
Checkpoints under <data>/state/ let an interrupted extraction resume without refetching windows.
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

RECENT_DIR = Path("lastfm") / "recenttracks"
TAGS_DIR = Path("lastfm") / "toptags"
USERINFO_DIR = Path("lastfm") / "userinfo"
_DAY_FILE = re.compile(r"^date=(\d{4}-\d{2}-\d{2})\.jsonl\.gz$")


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


def read_lines(path: Path) -> list[dict]:
    """All JSON lines of a bronze file."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


# --- recent tracks --------------------------------------------------------------------------------

def day_path(bronze_dir: Path, user: str, day: date) -> Path:
    return bronze_dir / RECENT_DIR / f"user={user}" / f"date={day.isoformat()}.jsonl.gz"


def write_day(bronze_dir: Path, user: str, day: date, lines: list[dict]) -> Path:
    """Replace the bronze file of one user-day with these lines (possibly none)."""
    path = day_path(bronze_dir, user, day)
    write_atomic(path, _gzip_lines(lines))
    return path


def iter_day_files(bronze_dir: Path, users: Iterable[str] | None = None) -> Iterator[tuple[str, date, Path]]:
    """(user, day, path) for every recent-tracks day file, sorted by user then day."""
    root = bronze_dir / RECENT_DIR
    if not root.is_dir():
        return
    wanted = None if users is None else {u.lower() for u in users}
    for user_dir in sorted(root.glob("user=*")):
        user = user_dir.name.removeprefix("user=")
        if wanted is not None and user not in wanted:
            continue
        for path in sorted(user_dir.iterdir()):
            match = _DAY_FILE.match(path.name)
            if match:
                yield user, date.fromisoformat(match.group(1)), path


def file_version(path: Path) -> str:
    """Cheap identity of a bronze file's content: its size and gzip trailer (CRC32 and length of the
    data). Files are gzip written with mtime=0, so a copy (cp -r, a restore) keeps its version."""
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        handle.seek(max(0, size - 8))
        return f"{size}-{handle.read(8).hex()}"


# --- artist top tags --------------------------------------------------------------------------------

def write_tags_batch(bronze_dir: Path, records: list[dict], now: datetime) -> Path:
    """Land one batch of artist.getTopTags answers (``{"artist", "fetched_at", "body"}`` lines)."""
    name = f"part-{now.strftime('%H%M%S%f')}-{uuid.uuid4().hex[:8]}.jsonl.gz"
    path = bronze_dir / TAGS_DIR / f"date={now.date().isoformat()}" / name
    write_atomic(path, _gzip_lines(records))
    return path


def iter_tag_files(bronze_dir: Path) -> list[Path]:
    """Tag batch files in the order they were written."""
    root = bronze_dir / TAGS_DIR
    if not root.is_dir():
        return []
    return sorted(root.glob("date=*/part-*.jsonl.gz"))


# --- user.getInfo ------------------------------------------------------------------------------------

def write_user_info(bronze_dir: Path, user: str, body: dict, now: datetime) -> Path:
    """Land one user.getInfo answer (``{"user", "fetched_at", "body"}``)."""
    path = bronze_dir / USERINFO_DIR / f"user={user}" / f"part-{now.strftime('%Y%m%dT%H%M%S%f')}.jsonl.gz"
    write_atomic(path, _gzip_lines([{"user": user, "fetched_at": now.isoformat(), "body": body}]))
    return path


def latest_user_infos(bronze_dir: Path) -> list[Path]:
    """The newest user.getInfo file of each user."""
    root = bronze_dir / USERINFO_DIR
    if not root.is_dir():
        return []
    return [files[-1] for user_dir in sorted(root.glob("user=*"))
            if (files := sorted(user_dir.glob("part-*.jsonl.gz")))]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
