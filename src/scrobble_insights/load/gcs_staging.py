"""Where BigQuery load jobs read from: Parquet files staged as GCS objects (`gs://bucket/prefix/_loads/`),
uploaded, loaded with `load_table_from_uri`, then deleted."""

from __future__ import annotations

from pathlib import Path


def split(uri: str) -> tuple[str, str]:
    """gs://bucket/name -> (bucket, name)."""
    bucket, _, name = uri.removeprefix("gs://").partition("/")
    return bucket, name


class Staging:
    def __init__(self, project: str, client=None) -> None:
        if client is None:
            from scrobble_insights.bronze.gcs import make_client

            client = make_client(project)
        self.client = client

    def upload(self, uri: str, path: Path) -> None:
        bucket, name = split(uri)
        self.client.bucket(bucket).blob(name).upload_from_filename(str(path), content_type="application/octet-stream")

    def delete(self, uri: str) -> None:
        from google.api_core import exceptions as gexc

        bucket, name = split(uri)
        try:
            self.client.bucket(bucket).blob(name).delete()
        except gexc.NotFound:
            pass
