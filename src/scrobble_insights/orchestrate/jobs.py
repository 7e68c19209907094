"""The job (`scrobbles_daily`: every asset, one run per day range) and the run tags its runs carry."""

from datetime import date

import dagster as dg

# The run tags Dagster sets on partitioned and backfill runs (their names are documented; the
# constants holding them are private to Dagster, so they are spelled out here).
ASSET_PARTITION_RANGE_START_TAG = "dagster/asset_partition_range_start"
ASSET_PARTITION_RANGE_END_TAG = "dagster/asset_partition_range_end"
BACKFILL_ID_TAG = "dagster/backfill"
PARTITION_NAME_TAG = "dagster/partition"
JOB = "scrobbles_daily"

scrobbles_daily = dg.define_asset_job(JOB, selection=dg.AssetSelection.all(),
                                      description="Extract, load, tag and model: one run per day range")


def range_tags(first: date, last: date) -> dict[str, str]:
    """The tags of a run over the UTC days first..last."""
    return {ASSET_PARTITION_RANGE_START_TAG: first.isoformat(), ASSET_PARTITION_RANGE_END_TAG: last.isoformat()}


def run_days(tags: dict) -> tuple[date, date] | None:
    """The UTC days a run covers, from its partition (range) tags."""
    first = tags.get(ASSET_PARTITION_RANGE_START_TAG) or tags.get(PARTITION_NAME_TAG)
    last = tags.get(ASSET_PARTITION_RANGE_END_TAG) or tags.get(PARTITION_NAME_TAG)
    return (date.fromisoformat(first), date.fromisoformat(last)) if first and last else None
