"""Write the genre hierarchy as a dbt seed: `python -m scrobble_insights.transform.genres.export`.

The seed is committed; a test fails when it no longer matches the vocabulary, so re-run this after
any change to overlay.yaml or the vendored files.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from scrobble_insights.transform.genres.vocabulary import hierarchy_rows

SEED_PATH = Path(__file__).parents[1] / "dbt_project" / "seeds" / "genre_hierarchy.csv"
COLUMNS = ["genre", "parent_genre", "root_genre", "genre_family", "depth"]


def build_hierarchy_csv() -> str:
    """The seed's text: header plus one row per genre, sorted by genre; None becomes an empty field."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(hierarchy_rows())
    return out.getvalue()


def main(path: Path = SEED_PATH) -> None:
    """Write the seed CSV (UTF-8), creating its folder if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(build_hierarchy_csv(), encoding="utf-8", newline="")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
