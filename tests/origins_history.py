"""MusicBrainz's answers about the artists of the hand-written history of issue 11 (honest_history), the
MusicBrainz marts of the model contract (issue 14) computed from its plays in plain Python, and the
answers the Origins charts must state, for the serving tests (tests/serve/test_origins.py).

wren's plays (local year = UTC year: every play is at 12:00 UTC): 2008 1, 2009 131, 2010 138, 2012 1.
- Alpha (72 plays): a British group, its album first released in 1995 (genre decided by MusicBrainz).
- Beta (46): an American person, 2009 (new music in 2009 and 2010; last.fm tags decide).
- Gamma (24): an American group, 1988 (MusicBrainz). Delta (1): a Japanese group, 2012 (last.fm tags).
- Fog (20): a French person, 2005, with no genre from either source.
- Murk (108): unknown to MusicBrainz: no release year, country or type, and no genre.
So 163 of 271 plays (60 %) are dated and have a country and a type: the UK (72) just ahead of the US (70),
bands 97 against solo artists 66; 2009 is 56 % dated, 2010 63 %, 2008 and 2012 one dated play each.

`write_marts` writes the marts into a copy of a built warehouse, as the dbt model of issue 14 would
(replacing them if the model already built them): the serving side is tested on its own, on known numbers.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

import honest_history as h

# artist: (country code, country name, artist type, genre source, first release year of its album)
ARTISTS = {
    "Alpha": ("GB", "United Kingdom", "Group", "musicbrainz", 1995),
    "Beta": ("US", "United States", "Person", "lastfm", 2009),
    "Gamma": ("US", "United States", "Group", "musicbrainz", 1988),
    "Delta": ("JP", "Japan", "Group", "lastfm", 2012),
    "Fog": ("FR", "France", "Person", "none", 2005),
    "Murk": (None, None, None, "none", None),
}
# the same warehouse with nothing known yet (enrichment never run): every genre from last.fm tags
UNKNOWN = {artist: (None, None, None, "lastfm" if h.GENRE[artist] else "none", None) for artist in ARTISTS}
# the artists enriched but no album yet (release groups not fetched): countries and types, no release years
UNDATED = {artist: (*facts[:4], None) for artist, facts in ARTISTS.items()}
NEW_MUSIC_YEARS = 1          # age 0 or 1: new music (the contract's new_music_share)


def _plays(user: str) -> list[tuple[int, str]]:
    """(local year, artist) of each play of a listener (12:00 / 00:00 UTC: the same local year)."""
    written = h.PLAYS if user == h.USER else h.SOUTH_PLAYS
    return [(datetime.fromisoformat(p[0]).replace(tzinfo=timezone.utc).year, p[1]) for p in written]


def marts(facts: dict = ARTISTS) -> dict[str, pd.DataFrame]:
    """The five marts of the contract for both listeners, from the plays written and `facts`."""
    rows: dict[str, list[dict]] = defaultdict(list)
    for user in (h.USER, h.SOUTH_USER):
        plays = _plays(user)
        years = sorted({year for year, _ in plays})
        for year in years:
            of_year = [artist for y, artist in plays if y == year]
            released = [facts[a][4] for a in of_year if facts[a][4] is not None]
            decades: dict = defaultdict(int)
            for artist in of_year:
                release = facts[artist][4]
                decades[None if release is None else release // 10 * 10] += 1
            for decade, n in sorted(decades.items(), key=lambda item: (item[0] is None, item[0] or 0)):
                rows["mart_music_age"].append({"user_name": user, "listen_year": year, "release_decade": decade,
                                               "plays": n, "share_of_dated": n / len(released) if decade else None})
            ages = [year - r for r in released]
            rows["mart_music_age_yearly"].append({
                "user_name": user, "listen_year": year, "plays": len(of_year), "dated_plays": len(released),
                "dated_share": len(released) / len(of_year),
                "median_release_year": statistics.median(released) if released else None,
                "median_age_years": statistics.median(ages) if ages else None,
                "new_music_share": sum(a <= NEW_MUSIC_YEARS for a in ages) / len(ages) if ages else None})
        for mart, index, extra in (("mart_artist_countries", 0, 1), ("mart_artist_types", 2, None)):
            groups: dict = defaultdict(list)
            for _, artist in plays:
                groups[facts[artist][index]].append(artist)
            known = sum(len(a) for key, a in groups.items() if key is not None)
            for key, artists in groups.items():
                row = {"user_name": user, "plays": len(artists), "artists": len(set(artists)),
                       "share_of_known": len(artists) / known if key is not None else None}
                if extra is not None:
                    row.update(country_code=key, country_name=facts[artists[0]][extra])
                else:
                    row.update(artist_type=key)
                rows[mart].append(row)
        genres: dict = defaultdict(lambda: {"plays": 0, "musicbrainz_plays": 0, "lastfm_plays": 0})
        for _, artist in plays:
            genre, source = h.GENRE[artist] or "unknown", facts[artist][3]
            genres[genre]["plays"] += 1
            if source != "none":
                genres[genre][f"{source}_plays"] += 1
        rows["mart_genre_sources"] += [{"user_name": user, "genre": g, **n} for g, n in genres.items()]
    return {mart: pd.DataFrame(r) for mart, r in rows.items()}


TYPES = {"mart_music_age": {"listen_year": "INTEGER", "release_decade": "INTEGER", "plays": "BIGINT",
                            "share_of_dated": "DOUBLE"},
         "mart_music_age_yearly": {"listen_year": "INTEGER", "plays": "BIGINT", "dated_plays": "BIGINT",
                                   "dated_share": "DOUBLE", "median_release_year": "DOUBLE",
                                   "median_age_years": "DOUBLE", "new_music_share": "DOUBLE"},
         "mart_artist_countries": {"country_code": "VARCHAR", "country_name": "VARCHAR", "plays": "BIGINT",
                                   "artists": "BIGINT", "share_of_known": "DOUBLE"},
         "mart_artist_types": {"artist_type": "VARCHAR", "plays": "BIGINT", "artists": "BIGINT",
                               "share_of_known": "DOUBLE"},
         "mart_genre_sources": {"genre": "VARCHAR", "plays": "BIGINT", "musicbrainz_plays": "BIGINT",
                                "lastfm_plays": "BIGINT"}}


def write_marts(path: Path, facts: dict | None = ARTISTS) -> None:
    """Write the marts into the DuckDB file at `path` (replacing any the model built); facts None drops
    them (a warehouse modelled before issue 14)."""
    con = duckdb.connect(str(path))
    try:
        built = dict(con.execute("SELECT table_name, table_type FROM information_schema.tables "
                                 "WHERE table_schema = 'marts'").fetchall())
        for mart, frame in marts(facts or ARTISTS).items():
            if mart in built:
                con.execute(f"DROP {'VIEW' if built[mart] == 'VIEW' else 'TABLE'} marts.{mart}")
            if facts is None:
                continue
            con.register("frame", frame)
            columns = ", ".join(f"CAST({c} AS {t}) AS {c}" for c, t in {"user_name": "VARCHAR", **TYPES[mart]}.items())
            con.execute(f"CREATE TABLE marts.{mart} AS SELECT {columns} FROM frame")
            con.unregister("frame")
    finally:
        con.close()


# --- the answers, in plain Python (wren, the whole history) -----------------------------------------------

def answers(user: str = h.USER) -> dict:
    plays = _plays(user)
    dated = [(year, ARTISTS[a][4]) for year, a in plays if ARTISTS[a][4] is not None]
    decades: dict = defaultdict(int)
    for _, release in dated:
        decades[release // 10 * 10] += 1
    lead = max(decades, key=decades.get)
    medians = {}
    for year in sorted({y for y, _ in plays}):
        of_year = [a for y, a in plays if y == year]
        ages = [year - ARTISTS[a][4] for a in of_year if ARTISTS[a][4] is not None]
        if len(ages) >= 10 and len(ages) / len(of_year) >= 0.5:           # the years that speak
            medians[year] = (statistics.median(ages), sum(a <= 1 for a in ages) / len(ages), len(ages) / len(of_year))
    known = [a for _, a in plays if ARTISTS[a][0]]
    country: dict = defaultdict(int)
    kind: dict = defaultdict(int)
    for artist in known:
        country[ARTISTS[artist][1]] += 1
        kind[ARTISTS[artist][2]] += 1
    source: dict = defaultdict(int)
    for _, artist in plays:
        source[ARTISTS[artist][3]] += 1
    return {"plays": len(plays), "dated": len(dated), "decade": lead, "decade_share": decades[lead] / len(dated),
            "medians": medians, "known": len(known),
            "countries": sorted(((n / len(known), c) for c, n in country.items()), reverse=True),
            "bands": kind["Group"] / len(known), "solo": kind["Person"] / len(known),
            "sources": {s: n / len(plays) for s, n in source.items()}}
