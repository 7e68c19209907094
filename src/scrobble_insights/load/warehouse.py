"""The warehouse seen by the loader: one small interface, a DuckDB and a BigQuery implementation.

Raw tables (schema ``raw``):
- ``raw.scrobbles``       one row per scrobble, exactly the API's rows (identical plays stay two rows)
- ``raw.extracted_days``  one row per user and UTC day landed in bronze (empty days included)
- ``raw.artist_tags``     artist.getTopTags answers: artist, tag, weight, rank, fetched_at
- ``raw.artist_tag_fetches`` one row per artist asked for tags (also artists last.fm did not know)
- ``raw.bronze_files``    which tag batch files were loaded

Every write method runs in one transaction: a failure leaves the warehouse as it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

import pyarrow as pa


class Warehouse(Protocol):
    name: str

    def loaded_versions(self, users: Iterable[str] | None = None) -> dict[tuple[str, str], str]:
        """{(user, 'YYYY-MM-DD'): bronze_version} of every loaded day."""

    def replace_days(self, batches: Iterable[tuple[pa.Table, pa.Table]], *, replace_all: bool = False) -> int:
        """For each (days, scrobbles) batch: delete those user-days' rows, insert the new ones,
        record the days. All batches in one transaction (after emptying the tables if
        replace_all). Returns rows inserted."""

    def loaded_files(self) -> set[str]:
        """Tag batch files already loaded."""

    def replace_artist_tags(self, files: list[str], tags: pa.Table, fetches: pa.Table, *,
                            replace_all: bool = False) -> None:
        """Replace the tags of the artists in `fetches`; record the files. One transaction."""

    def artists_to_tag(self, older_than: datetime, users: Iterable[str] | None = None) -> list[str]:
        """Artists never tagged, or tagged before `older_than`; most played first."""

    def count_scrobbles(self, user: str | None = None) -> int: ...

    def close(self) -> None: ...


def open_warehouse(settings, *, read_only: bool = False) -> Warehouse:
    """The configured warehouse (DuckDB file in the data directory unless configured otherwise)."""
    if settings.warehouse == "bigquery":
        from scrobble_insights.load.bigquery_warehouse import BigQueryWarehouse

        return BigQueryWarehouse(project=settings.bigquery_project, dataset_prefix=settings.bigquery_dataset_prefix,
                                 location=settings.bigquery_location)
    from scrobble_insights.load.duckdb_warehouse import DuckDBWarehouse

    return DuckDBWarehouse(settings.warehouse_path, read_only=read_only)
