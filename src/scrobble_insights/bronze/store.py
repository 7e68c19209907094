"""Where bronze lives: a local directory (the default) or a Google Cloud Storage bucket.

`SCROBBLE_INSIGHTS_BRONZE_URL` chooses: empty means `<data_dir>/bronze`, a path means that directory,
`gs://bucket/prefix` means objects under that prefix. Both keep the same layout (bronze/files.py) and
the same guarantee: a reader sees an old object or a new one, never a part.

Keys are '/'-separated paths relative to the root, such as
``lastfm/recenttracks/user=alice/date=2024-01-01.jsonl.gz``. A version is a cheap identity of an
object's content that the listing gives for free: the loader reloads a day when its version changed.
A local version (size and gzip trailer) and a GCS one (size and crc32c) differ for the same bytes, so
moving bronze to another store reloads every day once.

Checkpoints (<data>/state) always stay local: only bronze moves.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from scrobble_insights.bronze.files import file_version, write_atomic
from scrobble_insights.config import Settings, parse_gs_url


class BronzeStore(Protocol):
    def write(self, key: str, data: bytes) -> None:
        """Replace the object atomically (readers see the old one or the new one)."""

    def read(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str) -> list[tuple[str, str]]:
        """(key, version) of every object whose key starts with `prefix`, sorted by key."""

    def version(self, key: str) -> str | None:
        """The object's version, None when it does not exist."""

    def total_bytes(self) -> int: ...

    def uri(self, key: str = "") -> str:
        """A printable location: a path, or gs://bucket/prefix/key."""


class LocalBronze:
    """Bronze in a directory: files replaced by an atomic rename (bronze.files.write_atomic)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*key.split("/"))

    def write(self, key: str, data: bytes) -> None:
        write_atomic(self._path(key), data)

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list(self, prefix: str) -> list[tuple[str, str]]:
        base = self._path(prefix.rsplit("/", 1)[0]) if "/" in prefix else self.root
        found = []
        for folder, _, names in os.walk(base):
            for name in names:
                if name.startswith("."):        # a write in progress (or left by a crash): not bronze
                    continue
                path = Path(folder) / name
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    found.append((key, file_version(path)))
        return sorted(found)

    def version(self, key: str) -> str | None:
        path = self._path(key)
        return file_version(path) if path.is_file() else None

    def total_bytes(self) -> int:
        return sum((Path(folder) / n).stat().st_size for folder, _, names in os.walk(self.root) for n in names)

    def uri(self, key: str = "") -> str:
        return str(self._path(key)) if key else str(self.root)


def open_bronze(settings: Settings) -> BronzeStore:
    """The store SCROBBLE_INSIGHTS_BRONZE_URL names (default: <data_dir>/bronze)."""
    url = settings.bronze_url
    if url.startswith("gs://"):
        from scrobble_insights.bronze.gcs import GcsBronze

        bucket, prefix = parse_gs_url(url)
        return GcsBronze(bucket, prefix, project=settings.bigquery_project)
    return LocalBronze(settings.bronze_dir)
