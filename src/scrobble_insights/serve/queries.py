"""The questions the dashboard and the report answer, as SQL over the marts (read-only).

Every function takes an open read-only DuckDB connection (`connect`, to the snapshot) and `Filters`,
and returns a pandas DataFrame. Views filtered by date range or genre aggregate the fact (DuckDB does that in tens of
milliseconds for a million scrobbles); "per day" figures come from mart_daily_plays, so days without
plays count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from scrobble_insights.errors import WarehouseError
from scrobble_insights.load.snapshot import read_only

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

# One row per play with what the views filter and group by: the fact with the two small dimensions
# it needs (artist, user); names of tracks and albums are joined after aggregating. Much cheaper
# than the wide `marts.wide_scrobbles` view, which joins every dimension for every row.
PLAYS = """(
    SELECT f.user_name, f.local_date, f.played_at_local, f.artist_key, f.album_key, f.track_key,
           coalesce(fp.is_artist_discovery, false) AS is_artist_discovery,
           year(f.local_date) AS year, month(f.local_date) AS month, isodow(f.local_date) AS weekday,
           hour(f.played_at_local) AS hour,
           CASE WHEN month(f.local_date) IN (12, 1, 2) THEN CASE WHEN u.hemisphere = 'south' THEN 'summer' ELSE 'winter' END
                WHEN month(f.local_date) IN (3, 4, 5) THEN CASE WHEN u.hemisphere = 'south' THEN 'autumn' ELSE 'spring' END
                WHEN month(f.local_date) IN (6, 7, 8) THEN CASE WHEN u.hemisphere = 'south' THEN 'winter' ELSE 'summer' END
                ELSE CASE WHEN u.hemisphere = 'south' THEN 'spring' ELSE 'autumn' END END AS season,
           a.artist_name, a.primary_genre, a.genre_family
    FROM marts.fact_scrobbles f
    JOIN marts.dim_artist a ON a.artist_key = f.artist_key
    JOIN marts.dim_user u ON u.user_key = f.user_key
    LEFT JOIN marts.first_plays fp ON fp.scrobble_id = f.scrobble_id
)"""


@dataclass(frozen=True)
class Filters:
    user: str
    start: date | None = None          # local dates, inclusive
    end: date | None = None
    genre: str | None = None           # a genre family genre (rock, pop, ...) or None for all

    def where(self, alias: str = "s") -> tuple[str, list]:
        """SQL conditions on PLAYS or mart_daily_plays (under `alias`) and their parameters."""
        conditions, params = [f"{alias}.user_name = ?"], [self.user]
        if self.start:
            conditions.append(f"{alias}.local_date >= ?")
            params.append(self.start)
        if self.end:
            conditions.append(f"{alias}.local_date <= ?")
            params.append(self.end)
        if self.genre:
            conditions.append(f"{alias}.genre_family = ?")
            params.append(self.genre)
        return " AND ".join(conditions), params

    def for_year(self, year: int) -> Filters:
        return Filters(self.user, date(year, 1, 1), date(year, 12, 31), self.genre)


def connect(warehouse_path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection (to the snapshot: load.snapshot.reader_path); a clear error when there is
    nothing to show yet."""
    con = read_only(warehouse_path)
    tables = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'").fetchall()}
    if "fact_scrobbles" not in tables:
        con.close()
        raise WarehouseError(f"the warehouse {warehouse_path} has no star schema yet: run `scrobble-insights transform`")
    return con


def df(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


# --- scope -------------------------------------------------------------------------------------------

def users(con) -> list[str]:
    return [r[0] for r in con.execute("SELECT user_name FROM marts.dim_user ORDER BY 1").fetchall()]


def years(con, user: str) -> list[int]:
    return [int(r[0]) for r in con.execute(
        "SELECT DISTINCT year FROM marts.mart_daily_plays WHERE user_name = ? ORDER BY 1 DESC", [user]).fetchall()]


def date_bounds(con, user: str) -> tuple[date | None, date | None]:
    return con.execute("SELECT min(local_date), max(local_date) FROM marts.mart_daily_plays WHERE user_name = ?",
                       [user]).fetchone()


def genre_families(con, user: str) -> list[str]:
    return [r[0] for r in con.execute(f"""SELECT genre_family FROM {PLAYS} s WHERE user_name = ?
                                          GROUP BY 1 ORDER BY count(*) DESC""", [user]).fetchall()]


# --- overview ------------------------------------------------------------------------------------------

def kpis(con, f: Filters) -> dict:
    """Scrobbles, average per day (quiet days counted), distinct artists / albums / tracks."""
    where, params = f.where()
    row = con.execute(f"""SELECT count(*), count(DISTINCT artist_key), count(DISTINCT album_key), count(DISTINCT track_key)
                          FROM {PLAYS} s WHERE {where}""", params).fetchone()
    day_where, day_params = Filters(f.user, f.start, f.end).where("d")
    days = con.execute(f"SELECT count(*) FROM marts.mart_daily_plays d WHERE {day_where}", day_params).fetchone()[0]
    return {"scrobbles": row[0], "artists": row[1], "albums": row[2], "tracks": row[3], "days": days,
            "per_day": row[0] / days if days else 0.0}


def weekday_profile(con, f: Filters) -> pd.DataFrame:
    """Average plays per weekday (quiet days counted): weekday, weekday_name, per_day."""
    where, params = f.where()
    day_where, day_params = Filters(f.user, f.start, f.end).where("d")
    return df(con, f"""
        WITH days AS (SELECT weekday, count(*) AS days FROM marts.mart_daily_plays d WHERE {day_where} GROUP BY 1),
             plays AS (SELECT weekday, count(*) AS plays FROM {PLAYS} s WHERE {where} GROUP BY 1)
        SELECT d.weekday, d.days, coalesce(p.plays, 0) AS plays, coalesce(p.plays, 0) * 1.0 / d.days AS per_day
        FROM days d LEFT JOIN plays p USING (weekday) ORDER BY 1""", day_params + params).assign(
        weekday_name=lambda t: [WEEKDAYS[w - 1] for w in t.weekday])


def plays_per_year(con, f: Filters) -> pd.DataFrame:
    where, params = f.where()
    return df(con, f"SELECT year, count(*) AS plays FROM {PLAYS} s WHERE {where} GROUP BY 1 ORDER BY 1",
              params)


# --- genres ----------------------------------------------------------------------------------------------

def genre_totals(con, f: Filters, level: str = "genre_family", limit: int = 12) -> pd.DataFrame:
    """Share of plays per genre (level: genre_family or primary_genre)."""
    where, params = f.where()
    return df(con, f"""SELECT {level} AS genre, count(*) AS plays, count(*) * 1.0 / sum(count(*)) OVER () AS share
                       FROM {PLAYS} s WHERE {where} GROUP BY 1 ORDER BY plays DESC LIMIT {int(limit)}""",
              params)


GENRE_LEVELS = ("genre_family", "primary_genre")


def _genre_level(level: str) -> str:
    if level not in GENRE_LEVELS:
        raise ValueError(f"genre level {level!r} is not one of {', '.join(GENRE_LEVELS)}")
    return level


def genre_by_year(con, f: Filters, top: int = 8, level: str = "genre_family") -> pd.DataFrame:
    """Share of plays per genre and year (genres outside the top `top` folded into 'other'); level:
    genre_family (families) or primary_genre (e.g. the genres within one family)."""
    where, params = f.where()
    return df(con, f"""
        WITH base AS (SELECT year, {_genre_level(level)} AS genre_family FROM {PLAYS} s WHERE {where}),
             top AS (SELECT genre_family FROM base GROUP BY 1 ORDER BY count(*) DESC LIMIT {int(top)})
        SELECT year, CASE WHEN genre_family IN (SELECT genre_family FROM top) THEN genre_family ELSE 'other' END
                   AS genre,
               count(*) AS plays,
               count(*) * 1.0 / sum(count(*)) OVER (PARTITION BY year) AS share
        FROM base GROUP BY 1, 2 ORDER BY 1, 2""", params)


def genre_by_season(con, f: Filters, top: int = 8, level: str = "genre_family") -> pd.DataFrame:
    """Share of plays per genre (level as in genre_by_year) and season (the user's hemisphere) and per
    month of the year."""
    where, params = f.where()
    return df(con, f"""
        WITH base AS (SELECT season, month, {_genre_level(level)} AS genre_family FROM {PLAYS} s
                      WHERE {where}),
             top AS (SELECT genre_family FROM base GROUP BY 1 ORDER BY count(*) DESC LIMIT {int(top)})
        SELECT season, month,
               CASE WHEN genre_family IN (SELECT genre_family FROM top) THEN genre_family ELSE 'other' END AS genre,
               count(*) AS plays
        FROM base GROUP BY 1, 2, 3 ORDER BY 2, 3""", params)


# --- time ------------------------------------------------------------------------------------------------

def listening_clock(con, f: Filters) -> pd.DataFrame:
    """Plays per local weekday x hour (all 168 cells)."""
    where, params = f.where()
    return df(con, f"""
        WITH cells AS (SELECT w.weekday, h.hour FROM range(1, 8) w(weekday), range(0, 24) h(hour)),
             plays AS (SELECT weekday, hour, count(*) AS plays FROM {PLAYS} s WHERE {where} GROUP BY 1, 2)
        SELECT c.weekday, c.hour, coalesce(p.plays, 0) AS plays
        FROM cells c LEFT JOIN plays p USING (weekday, hour) ORDER BY 1, 2""", params).assign(
        weekday_name=lambda t: [WEEKDAYS[w - 1] for w in t.weekday])


def hour_profile(con, f: Filters) -> pd.DataFrame:
    where, params = f.where()
    return df(con, f"""SELECT h.hour, coalesce(p.plays, 0) AS plays FROM range(0, 24) h(hour)
                       LEFT JOIN (SELECT hour, count(*) AS plays FROM {PLAYS} s WHERE {where} GROUP BY 1) p
                       USING (hour) ORDER BY 1""", params)


def daily_plays(con, f: Filters) -> pd.DataFrame:
    """Plays per local day in the range, quiet days included (for the calendar heatmap)."""
    day_where, day_params = Filters(f.user, f.start, f.end).where("d")
    if f.genre is None:
        return df(con, f"""SELECT local_date, year, iso_week, weekday, plays FROM marts.mart_daily_plays d
                           WHERE {day_where} ORDER BY 1""", day_params)
    where, params = f.where()
    return df(con, f"""
        SELECT d.local_date, d.year, d.iso_week, d.weekday, coalesce(p.plays, 0) AS plays
        FROM marts.mart_daily_plays d
        LEFT JOIN (SELECT local_date, count(*) AS plays FROM {PLAYS} s WHERE {where} GROUP BY 1) p
            USING (local_date)
        WHERE {day_where} ORDER BY 1""", params + day_params)


def sessions(con, f: Filters) -> pd.DataFrame:
    """One row per session started in the range: tracks, span_minutes, start_hour, day_part."""
    day_where, day_params = Filters(f.user, f.start, f.end).where("m")
    return df(con, f"""SELECT local_date, tracks, span_minutes, start_hour, day_part
                       FROM marts.mart_sessions m WHERE {day_where}""", day_params)


# --- top music --------------------------------------------------------------------------------------------

ENTITIES = {  # entity: (key in the fact, dimension, name column)
    "artist": ("artist_key", "dim_artist", "artist_name"),
    "album": ("album_key", "dim_album", "album_name"),
    "track": ("track_key", "dim_track", "track_name"),
}


def top_entities(con, f: Filters, entity: str, limit: int = 10) -> pd.DataFrame:
    """Top artists / albums / tracks in the range (name, artist, plays, rank), with the rank in the
    period before (the previous year for a whole year) and the movement."""
    key, dimension, column = ENTITIES[entity]
    where, params = f.where()
    previous = previous_period(f)
    ranked = f"""SELECT {key}, count(*) AS plays, rank() OVER (ORDER BY count(*) DESC) AS rank
                 FROM {PLAYS} s WHERE {{where}} GROUP BY 1"""
    current = df(con, f"""SELECT d.{column} AS name, d.artist_name AS artist, r.plays, r.rank, r.{key} AS entity_key
                          FROM ({ranked.format(where=where)}) r JOIN marts.{dimension} d USING ({key})
                          ORDER BY r.plays DESC, name LIMIT {int(limit)}""", params)
    if previous is not None:
        p_where, p_params = previous.where()
        before = df(con, f"SELECT {key} AS entity_key, rank AS previous_rank FROM ({ranked.format(where=p_where)})",
                    p_params)
        current = current.merge(before, on="entity_key", how="left")
        current["movement"] = current["previous_rank"] - current["rank"]
    else:
        current["previous_rank"] = None
        current["movement"] = None
    return current.drop(columns="entity_key")


def previous_period(f: Filters) -> Filters | None:
    """The period just before: the previous calendar year for a whole year, else the same length before."""
    if not (f.start and f.end):
        return None
    if (f.start.month, f.start.day, f.end.month, f.end.day) == (1, 1, 12, 31) and f.start.year == f.end.year:
        return f.for_year(f.start.year - 1)
    length = f.end - f.start
    return Filters(f.user, f.start - length - timedelta(days=1), f.start - timedelta(days=1), f.genre)


def discovery_by_month(con, f: Filters) -> pd.DataFrame:
    """New artists per month and the share of plays on artists discovered that year."""
    where, params = f.where()
    return df(con, f"""
        WITH firsts AS (SELECT artist_key, min(year(local_date)) AS discovered_year FROM marts.first_plays
                        WHERE user_name = ? AND is_artist_discovery GROUP BY 1)
        SELECT strftime(s.local_date, '%Y-%m') AS month, count(*) AS plays,
               sum(CASE WHEN s.is_artist_discovery THEN 1 ELSE 0 END) AS new_artists,
               avg(CASE WHEN fi.discovered_year = s.year THEN 1.0 ELSE 0.0 END) AS share_on_new
        FROM {PLAYS} s JOIN firsts fi USING (artist_key)
        WHERE {where} GROUP BY 1 ORDER BY 1""", [f.user] + params)


# --- one artist ---------------------------------------------------------------------------------------------

def artist_names(con, f: Filters, limit: int = 200) -> list[str]:
    where, params = f.where()
    return [r[0] for r in con.execute(f"""SELECT artist_name FROM {PLAYS} s WHERE {where}
                                          GROUP BY 1 ORDER BY count(*) DESC LIMIT {int(limit)}""", params).fetchall()]


def artist_monthly(con, f: Filters, artist: str) -> pd.DataFrame:
    where, params = f.where()
    return df(con, f"""SELECT strftime(local_date, '%Y-%m') AS month, count(*) AS plays FROM {PLAYS} s
                       WHERE {where} AND artist_name = ? GROUP BY 1 ORDER BY 1""", params + [artist])


def artist_tags(con, artist: str) -> pd.DataFrame:
    """The artist's last.fm tags with the canonical genre each folds into (or none)."""
    return df(con, """SELECT t.tag_name AS tag, t.tag_weight AS weight, g.genre
                      FROM raw.artist_tags t LEFT JOIN raw.tag_genres g USING (tag_name)
                      WHERE t.artist_name = ? ORDER BY t.tag_rank""", [artist])


def artist_genres(con, artist: str) -> pd.DataFrame:
    return df(con, """SELECT b.genre, b.share, b.is_primary FROM marts.bridge_artist_genre b
                      JOIN marts.dim_artist a USING (artist_key) WHERE a.artist_name = ? ORDER BY b.genre_rank""",
              [artist])


def artist_top_tracks(con, f: Filters, artist: str, limit: int = 10) -> pd.DataFrame:
    where, params = f.where()
    return df(con, f"""SELECT t.track_name AS track, p.plays
                       FROM (SELECT track_key, count(*) AS plays FROM {PLAYS} s WHERE {where} AND artist_name = ?
                             GROUP BY 1) p JOIN marts.dim_track t USING (track_key)
                       ORDER BY p.plays DESC, track LIMIT {int(limit)}""", params + [artist])


def artist_hours(con, f: Filters, artist: str) -> pd.DataFrame:
    where, params = f.where()
    return df(con, f"""SELECT h.hour, coalesce(p.plays, 0) AS plays FROM range(0, 24) h(hour)
                       LEFT JOIN (SELECT hour, count(*) AS plays FROM {PLAYS} s
                                  WHERE {where} AND artist_name = ? GROUP BY 1) p USING (hour)
                       ORDER BY 1""", params + [artist])
