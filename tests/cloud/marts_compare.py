"""Compare the star schema of two warehouses row for row (DuckDB and BigQuery built from one history).

Values are normalised first: timestamps with a zone to UTC, decimals and floats to 9 significant
digits (sums in another order differ in the last bits), rows sorted. Columns that record when a row
was loaded (`*loaded_at`) are left out: two loads never happen at the same instant.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from decimal import Decimal

LOAD_TIME_SUFFIX = "loaded_at"


def normalised(value):
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(timezone.utc)
    if isinstance(value, (float, Decimal)):
        return float(f"{float(value):.9g}")
    if isinstance(value, list):
        return tuple(normalised(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, normalised(v)) for k, v in value.items()))
    return value


def _order(value) -> tuple:
    """A sort key for any value: None first, numbers by value (an int and a float of it are equal)."""
    if value is None:
        return (0, 0)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (1, float(value))
    return (2, repr(value))


def mart_tables(duck_reader) -> dict[str, list[str]]:
    """{table: compared columns} of DuckDB's marts schema, in column order."""
    rows = duck_reader.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'marts' "
        "ORDER BY table_name, ordinal_position").fetchall()
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        columns = tables.setdefault(table, [])
        if not column.endswith(LOAD_TIME_SUFFIX):
            columns.append(column)
    return tables


def table_rows(reader, table: str, columns: list[str]) -> list[tuple]:
    rows = reader.execute(f"SELECT {', '.join(columns)} FROM marts.{table}").fetchall()
    return sorted((tuple(normalised(v) for v in row) for row in rows), key=lambda r: tuple(map(_order, r)))


def compare_marts(duck_reader, bq_reader, tables: list[str] | None = None) -> list[str]:
    """The differences between the marts.* of the two readers (open_reader's), one line each; [] when
    every table (DuckDB's, or `tables`) holds the same rows on both."""
    differences = []
    for table, columns in sorted(mart_tables(duck_reader).items()):
        if tables is not None and table not in tables:
            continue
        try:
            theirs = table_rows(bq_reader, table, columns)
        except Exception as error:      # a missing table or column: the query's own message
            differences.append(f"{table}: BigQuery cannot read it: {str(error).splitlines()[0][:200]}")
            continue
        ours = table_rows(duck_reader, table, columns)
        if ours == theirs:
            continue
        only_duck = list((Counter(ours) - Counter(theirs)).elements())
        only_bq = list((Counter(theirs) - Counter(ours)).elements())
        if not only_duck and not only_bq:
            continue                    # the same rows; the sort put equal keys in another order
        differences.append(f"{table}: {len(ours)} rows on DuckDB, {len(theirs)} on BigQuery; "
                           f"{len(only_duck)} only on DuckDB (e.g. {only_duck[:1]}), "
                           f"{len(only_bq)} only on BigQuery (e.g. {only_bq[:1]})")
    return differences
