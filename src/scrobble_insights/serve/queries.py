"""The questions the dashboard, the report and the demo answer, as SQL over the marts (read-only).

Every function takes an open read-only connection (`connect`, to the snapshot) and `Filters`, and
returns a pandas DataFrame (or a dict). Every number comes from a dbt model under test; every rule
(season, local hour and weekday, discovery, sessions, genre family, yearly ranks and shares) lives in
a mart. The SQL here only filters a mart (user, local date range, genre family), sums its additive
measures (or counts distinct keys) over the rows left, orders and limits, and joins a dimension to
attach names. Which mart answers:

- mart_track_plays (user x local day x hour x album x track): key figures, top lists of any period,
  one artist, discoveries of any period;
- mart_daily_genre_plays (user x local day x primary genre): genre shares, trend and seasons, plays
  per weekday and per year;
- mart_hourly_plays (user x local day x hour x genre family): the listening clock and the hours;
- mart_daily_plays (every local day, quiet days as 0): days, years, the calendar;
- mart_sessions: sessions;
- the period marts, for the periods they hold, with no genre chosen: mart_top_music_yearly (the top
  lists of a calendar year, with the rank the year before), mart_genre_share (the genre trend over the
  years), mart_listening_clock (the all-time clock), mart_discovery_monthly (discoveries of a calendar
  year or of all time). dbt tests hold both kinds to the fact (tests/assert_marts_plays_sum_to_fact).

What Python adds after the SQL: a share or a per-day average of a chosen period is the ratio of two
sums of the result (plays / the result's plays, plays / days); genres outside the top N are folded
into 'other'; the ranks of a top list of a chosen period are positions in the result ordered by plays
(ties share the better rank, as SQL's rank()); hours, weekdays, days, months and years without plays
become 0 rows, and so do genres a year or season did not play (a trend never interpolates). Which genre
is 'unknown' (has_genre), which years speak for a trend (is_trend_period) and which plays have no album
(has_album) are the marts' columns, never a name or a number tested in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from scrobble_insights.errors import WarehouseError
from scrobble_insights.load.warehouse import Reader, open_source, tables

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

TRACKS = "marts.mart_track_plays"
GENRES = "marts.mart_daily_genre_plays"
HOURS = "marts.mart_hourly_plays"
DAYS = "marts.mart_daily_plays"
PLAYS = "CAST(sum(plays) AS BIGINT)"       # a sum of plays as an integer (DuckDB's sum is a HUGEINT)


@dataclass(frozen=True)
class Filters:
    user: str
    start: date | None = None          # local dates, inclusive
    end: date | None = None
    genre: str | None = None           # a genre family (rock, pop, ...) or None for all

    def where(self, alias: str = "s") -> tuple[str, list]:
        """SQL conditions on a mart with user_name, local_date and genre_family (under `alias`)."""
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

    def days(self) -> Filters:
        """The same user and dates, every genre (for marts of days, which have no genre)."""
        return Filters(self.user, self.start, self.end)

    def for_year(self, year: int) -> Filters:
        return Filters(self.user, date(year, 1, 1), date(year, 12, 31), self.genre)

    @property
    def calendar_year(self) -> int | None:
        """The year when the dates are exactly one calendar year, else None."""
        if self.start and self.end and self.start.year == self.end.year and \
                (self.start.month, self.start.day, self.end.month, self.end.day) == (1, 1, 12, 31):
            return self.start.year
        return None

    @property
    def all_time(self) -> bool:
        return self.start is None and self.end is None


def connect(source: str | Path) -> Reader:
    """A read-only connection through the reader interface (load.warehouse.open_source; pass
    load.warehouse.reader_source: DuckDB's snapshot or the BigQuery datasets); a clear error when there
    is nothing to show yet."""
    con = open_source(source)
    if "fact_scrobbles" not in tables(con, "marts"):
        con.close()
        raise WarehouseError(f"the warehouse {source} has no star schema yet: run `scrobble-insights transform`")
    return con


def df(con: Reader, sql: str, params: list | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


def _fill(frame: pd.DataFrame, index: pd.Index, column: str = "plays") -> pd.DataFrame:
    """Every value of `index` as a row, 0 where the mart has none."""
    filled = frame.set_index(index.names)[[column]].reindex(index, fill_value=0).reset_index()
    return filled.astype({column: "int64"})


HOURS_OF_DAY = pd.Index(range(24), name="hour")
CLOCK = pd.MultiIndex.from_product([range(1, 8), range(24)], names=["weekday", "hour"])


# --- scope -------------------------------------------------------------------------------------------

def users(con) -> list[str]:
    return [r[0] for r in con.execute("SELECT user_name FROM marts.dim_user ORDER BY 1").fetchall()]


def years(con, user: str) -> list[int]:
    return [int(r[0]) for r in con.execute(
        f"SELECT DISTINCT year FROM {DAYS} WHERE user_name = ? ORDER BY 1 DESC", [user]).fetchall()]


def date_bounds(con, user: str) -> tuple[date | None, date | None]:
    return con.execute(f"SELECT min(local_date), max(local_date) FROM {DAYS} WHERE user_name = ?", [user]).fetchone()


def genre_families(con, user: str) -> list[str]:
    return [r[0] for r in con.execute(f"""SELECT genre_family FROM {GENRES} WHERE user_name = ?
                                          GROUP BY 1 ORDER BY sum(plays) DESC, 1""", [user]).fetchall()]


# --- overview ------------------------------------------------------------------------------------------

def kpis(con, f: Filters) -> dict:
    """Scrobbles, average per day (quiet days counted), distinct artists / albums / tracks."""
    where, params = f.where()
    row = con.execute(f"""SELECT coalesce({PLAYS}, 0), count(DISTINCT artist_key), count(DISTINCT album_key),
                                 count(DISTINCT track_key)
                          FROM {TRACKS} s WHERE {where}""", params).fetchone()
    day_where, day_params = f.days().where("d")
    days = con.execute(f"SELECT count(*) FROM {DAYS} d WHERE {day_where}", day_params).fetchone()[0]
    scrobbles = int(row[0])
    return {"scrobbles": scrobbles, "artists": row[1], "albums": row[2], "tracks": row[3], "days": days,
            "per_day": scrobbles / days if days else 0.0}


def weekday_profile(con, f: Filters) -> pd.DataFrame:
    """Average plays per weekday (quiet days counted): weekday, days, plays, per_day, weekday_name."""
    where, params = f.where()
    day_where, day_params = f.days().where("d")
    days = df(con, f"SELECT weekday, count(*) AS days FROM {DAYS} d WHERE {day_where} GROUP BY 1 ORDER BY 1",
              day_params)
    plays = df(con, f"SELECT weekday, {PLAYS} AS plays FROM {GENRES} s WHERE {where} GROUP BY 1", params)
    out = days.merge(plays, on="weekday", how="left").fillna({"plays": 0}).astype({"plays": "int64"})
    return out.assign(per_day=out.plays / out.days, weekday_name=[WEEKDAYS[w - 1] for w in out.weekday])


def plays_per_year(con, f: Filters) -> pd.DataFrame:
    """Plays per year, every year of the history in the range included (a silent year is a 0 row)."""
    where, params = f.where()
    plays = df(con, f"SELECT year, {PLAYS} AS plays FROM {GENRES} s WHERE {where} GROUP BY 1", params)
    return _fill(plays, _span_years(con, f))


def _span_years(con, f: Filters) -> pd.Index:
    """Every year of the user's history within the range (mart_daily_plays holds every day, quiet ones too)."""
    day_where, day_params = f.days().where("d")
    years = [int(r[0]) for r in con.execute(f"SELECT DISTINCT year FROM {DAYS} d WHERE {day_where} ORDER BY 1",
                                            day_params).fetchall()]
    return pd.Index(years, name="year", dtype="int64")


# --- genres ----------------------------------------------------------------------------------------------

GENRE_LEVELS = ("genre_family", "primary_genre")
SHARE_LEVELS = {"genre_family": "parent", "primary_genre": "genre"}      # mart_genre_share's genre_level


def _genre_level(level: str) -> str:
    if level not in GENRE_LEVELS:
        raise ValueError(f"genre level {level!r} is not one of {', '.join(GENRE_LEVELS)}")
    return level


def _fold(frame: pd.DataFrame, by: list[str], top: int, measures: list[str]) -> pd.DataFrame:
    """Genres outside the `top` most played of the frame folded into 'other' (their measures summed).
    With a has_genre column (from the mart), the genres without one ('unknown') are never folded into
    'other', and the result keeps has_genre."""
    known = frame.has_genre.astype(bool) if "has_genre" in frame else pd.Series(True, index=frame.index)
    totals = frame[known].groupby("genre").plays.sum().sort_index().sort_values(ascending=False, kind="stable")
    kept = set(totals.index[:int(top)]) | set(frame.genre[~known])
    folded = frame.assign(genre=frame.genre.where(frame.genre.isin(kept), "other"))
    out = folded.groupby(by + ["genre"], as_index=False, dropna=False)[measures].sum()
    if "has_genre" in frame:
        unknown = set(frame.genre[~known])
        out["has_genre"] = ~out.genre.isin(unknown)
    return out


def genre_totals(con, f: Filters, level: str = "genre_family", limit: int = 12) -> pd.DataFrame:
    """Share of plays per genre (level: genre_family or primary_genre): genre, plays, share, has_genre
    (false for 'unknown'); the `limit` most played, plus the plays without a genre whatever their rank
    (so the share of plays with a genre can always be told)."""
    where, params = f.where()
    data = df(con, f"""SELECT {_genre_level(level)} AS genre, {PLAYS} AS plays, bool_and(has_genre) AS has_genre
                       FROM {GENRES} s WHERE {where} GROUP BY 1 ORDER BY plays DESC, genre""", params)
    data = data.assign(share=data.plays / data.plays.sum())[["genre", "plays", "share", "has_genre"]]
    top = data.head(int(limit))
    return pd.concat([top, data.iloc[int(limit):][~data.has_genre.iloc[int(limit):]]], ignore_index=True)


def genre_by_year(con, f: Filters, top: int = 8, level: str = "genre_family") -> pd.DataFrame:
    """Share of plays per genre and year (genres outside the top `top` folded into 'other'); level:
    genre_family (families) or primary_genre (e.g. the genres within one family). The whole history
    with no genre chosen is mart_genre_share's yearly shares.

    Every year of the history and every genre are rows (0 where a year did not play a genre: a trend
    never interpolates), with has_genre, the year's plays (year_plays), whether the year has enough
    plays to speak for a trend (speaks: mart_genre_share's is_trend_period rule, applied to the plays
    shown) and that rule's threshold (min_plays)."""
    _genre_level(level)
    min_plays = con.execute("SELECT max(trend_min_plays) FROM marts.mart_genre_share").fetchone()[0]
    if f.all_time and f.genre is None:
        data = df(con, """SELECT CAST(period AS INTEGER) AS year, genre, plays, has_genre FROM marts.mart_genre_share
                          WHERE user_name = ? AND period_grain = 'year' AND genre_level = ? AND plays > 0""",
                  [f.user, SHARE_LEVELS[level]])
    else:
        where, params = f.where()
        data = df(con, f"""SELECT year, {level} AS genre, {PLAYS} AS plays, bool_and(has_genre) AS has_genre
                           FROM {GENRES} s WHERE {where} GROUP BY 1, 2""", params)
    folded = _fold(data, ["year"], top, ["plays"])
    known = dict(zip(folded.genre, folded.has_genre))
    grid = pd.MultiIndex.from_product([_span_years(con, f), sorted(known)], names=["year", "genre"])
    out = _fill(folded, grid)
    out["has_genre"] = out.genre.map(known).astype(bool)
    out["year_plays"] = out.groupby("year").plays.transform("sum")
    out["share"] = (out.plays / out.year_plays.where(out.year_plays > 0)).fillna(0.0)
    out["speaks"] = out.year_plays >= (min_plays or 0)
    out["min_plays"] = min_plays
    return out.sort_values(["year", "genre"], ignore_index=True)


def genre_by_season(con, f: Filters, top: int = 8, level: str = "genre_family") -> pd.DataFrame:
    """Plays per genre (level as in genre_by_year), season (the user's hemisphere), the season's year
    (the year it ends in) and month of the year, with has_genre. A calendar year Y means the seasons
    of Y (December Y-1 to November Y: winter Y in the north is Dec Y-1 + Jan-Feb Y); all time sums every
    year's seasons (season_year is then empty); any other range keeps each season's year."""
    if f.calendar_year:
        where, params = Filters(f.user, genre=f.genre).where()
        where, params = f"{where} AND s.season_year = ?", [*params, f.calendar_year]
    else:
        where, params = f.where()
    season_year = "CAST(NULL AS INTEGER)" if f.all_time else "season_year"
    data = df(con, f"""SELECT season, {season_year} AS season_year, month, {_genre_level(level)} AS genre,
                              {PLAYS} AS plays, bool_and(has_genre) AS has_genre
                       FROM {GENRES} s WHERE {where} GROUP BY 1, 2, 3, 4""", params)
    return _fold(data, ["season", "season_year", "month"], top, ["plays"]).sort_values(
        ["season_year", "month", "genre"], ignore_index=True)


# --- time ------------------------------------------------------------------------------------------------

def listening_clock(con, f: Filters) -> pd.DataFrame:
    """Plays per local weekday x hour (all 168 cells); the whole history with no genre chosen is
    mart_listening_clock."""
    if f.all_time and f.genre is None:
        data = df(con, "SELECT weekday, hour, plays FROM marts.mart_listening_clock WHERE user_name = ? ORDER BY 1, 2",
                  [f.user])
    else:
        where, params = f.where()
        data = df(con, f"SELECT weekday, hour, {PLAYS} AS plays FROM {HOURS} s WHERE {where} GROUP BY 1, 2", params)
    data = _fill(data, CLOCK)
    return data.assign(weekday_name=[WEEKDAYS[w - 1] for w in data.weekday])


def hour_profile(con, f: Filters) -> pd.DataFrame:
    where, params = f.where()
    return _fill(df(con, f"SELECT hour, {PLAYS} AS plays FROM {HOURS} s WHERE {where} GROUP BY 1", params),
                 HOURS_OF_DAY)


def daily_plays(con, f: Filters) -> pd.DataFrame:
    """Plays per local day in the range, quiet days included (for the calendar heatmap)."""
    day_where, day_params = f.days().where("d")
    days = df(con, f"""SELECT local_date, year, iso_week, weekday, plays FROM {DAYS} d
                       WHERE {day_where} ORDER BY 1""", day_params)
    if f.genre is None:
        return days
    where, params = f.where()
    plays = df(con, f"SELECT local_date, {PLAYS} AS plays FROM {GENRES} s WHERE {where} GROUP BY 1", params)
    out = days.drop(columns="plays").merge(plays, on="local_date", how="left")
    return out.fillna({"plays": 0}).astype({"plays": "int64"})


def sessions(con, f: Filters) -> pd.DataFrame:
    """One row per session started in the range: tracks, span_minutes, start_hour, day_part."""
    day_where, day_params = f.days().where("m")
    return df(con, f"""SELECT local_date, tracks, span_minutes, start_hour, day_part
                       FROM marts.mart_sessions m WHERE {day_where}""", day_params)


# --- top music --------------------------------------------------------------------------------------------

ENTITIES = {  # entity: (key in the marts, dimension, name column)
    "artist": ("artist_key", "dim_artist", "artist_name"),
    "album": ("album_key", "dim_album", "album_name"),
    "track": ("track_key", "dim_track", "track_name"),
}
YEARLY_TOP = 100        # mart_top_music_yearly holds each year's top 100


def top_entities(con, f: Filters, entity: str, limit: int = 10) -> pd.DataFrame:
    """Top artists / albums / tracks in the range: name, artist, plays, rank, previous_rank (in the
    period before: the previous year for a whole year), movement (previous_rank - rank) and is_new
    (not played in the period before; None when the period before had no plays, or there is none:
    nothing to compare with). A calendar year with no genre chosen is mart_top_music_yearly; any other
    period is ranked here, by position in the list ordered by plays (ties share the better rank).
    Plays scrobbled without an album are no album (mart_track_plays.has_album): albums leave them out,
    and their share of the range's plays is the column no_album_share."""
    key, dimension, column = ENTITIES[entity]
    if f.calendar_year and f.genre is None and limit <= YEARLY_TOP:
        current = df(con, f"""SELECT entity_name AS name, artist_name AS artist, plays, rank_in_year AS rank,
                                    previous_rank, rank_change AS movement, is_new_entry AS is_new
                             FROM marts.mart_top_music_yearly WHERE user_name = ? AND year = ? AND entity_type = ?
                             ORDER BY plays DESC, name LIMIT {int(limit)}""", [f.user, f.calendar_year, entity])
        return _with_no_album_share(con, f, entity, current)
    where, params = f.where()
    albums_only = " AND s.has_album" if entity == "album" else ""
    current = df(con, f"""SELECT d.{column} AS name, d.artist_name AS artist, p.plays, p.{key} AS entity_key
                          FROM (SELECT {key}, {PLAYS} AS plays FROM {TRACKS} s WHERE {where}{albums_only}
                                GROUP BY 1) p
                          JOIN marts.{dimension} d USING ({key})
                          ORDER BY p.plays DESC, name LIMIT {int(limit)}""", params)
    # every entity with more plays than a listed one is listed above it: its position is its rank
    current.insert(3, "rank", current.plays.rank(method="min", ascending=False).astype("int64"))
    previous = previous_period(f)
    if previous is not None:
        p_where, p_params = previous.where()
        before = df(con, f"""SELECT {key} AS entity_key, {PLAYS} AS plays FROM {TRACKS} s
                             WHERE {p_where}{albums_only} GROUP BY 1""", p_params)
        before["previous_rank"] = before.plays.rank(method="min", ascending=False)
        current = current.merge(before[["entity_key", "previous_rank"]], on="entity_key", how="left")
        current["movement"] = current["previous_rank"] - current["rank"]
        current["is_new"] = current.previous_rank.isna() if len(before) else None
    else:
        current["previous_rank"] = None
        current["movement"] = None
        current["is_new"] = None
    return _with_no_album_share(con, f, entity, current.drop(columns="entity_key"))


def _with_no_album_share(con, f: Filters, entity: str, top: pd.DataFrame) -> pd.DataFrame:
    """Albums: the share of the range's plays scrobbled without an album, as a column."""
    if entity != "album":
        return top
    where, params = f.where()
    plays, without = con.execute(f"""SELECT coalesce({PLAYS}, 0), coalesce(CAST(sum(plays) FILTER (NOT s.has_album)
                                      AS BIGINT), 0) FROM {TRACKS} s WHERE {where}""", params).fetchone()
    return top.assign(no_album_share=without / plays if plays else 0.0)


def previous_period(f: Filters) -> Filters | None:
    """The period just before: the previous calendar year for a whole year, else the same length before."""
    if not (f.start and f.end):
        return None
    if f.calendar_year:
        return f.for_year(f.calendar_year - 1)
    length = f.end - f.start
    return Filters(f.user, f.start - length - timedelta(days=1), f.start - timedelta(days=1), f.genre)


def discovery_by_month(con, f: Filters) -> pd.DataFrame:
    """New artists per month and the plays on artists first played that year, for EVERY month of the
    history in the range (quiet months as 0, so an average is over every month): month (YYYY-MM),
    plays, new_artists, plays_on_new, share_on_new (None for a quiet month), is_first_year (the year
    of the first play: every artist is new then), is_partial_year, history_start (the first day). A
    calendar year or the whole history with no genre chosen is mart_discovery_monthly."""
    first, _ = date_bounds(con, f.user)
    if f.genre is None and (f.all_time or f.calendar_year):
        year = [f.calendar_year] if f.calendar_year else []
        data = df(con, f"""SELECT month_label AS month, plays, new_artists,
                                  plays_on_artists_discovered_this_year AS plays_on_new,
                                  share_on_artists_discovered_this_year AS share_on_new, is_first_year,
                                  is_partial_year
                           FROM marts.mart_discovery_monthly WHERE user_name = ? {'AND year = ?' if year else ''}
                           ORDER BY 1""", [f.user, *year])
        return data.assign(history_start=first)
    where, params = f.where()
    data = df(con, f"""SELECT month_label AS month, {PLAYS} AS plays, CAST(sum(new_artists) AS BIGINT) AS new_artists,
                              CAST(sum(plays_on_artists_new_that_year) AS BIGINT) AS plays_on_new
                       FROM {TRACKS} s WHERE {where} GROUP BY 1""", params)
    # the months (and the mart's first / partial year flags) of the range: every month, quiet ones too
    months = df(con, """SELECT month_label AS month, is_first_year, is_partial_year FROM marts.mart_discovery_monthly
                        WHERE user_name = ? AND month_label BETWEEN ? AND ? ORDER BY 1""",
                [f.user, f"{f.start:%Y-%m}" if f.start else "0000-00", f"{f.end:%Y-%m}" if f.end else "9999-99"])
    out = months.merge(data, on="month", how="left").fillna({"plays": 0, "new_artists": 0, "plays_on_new": 0})
    out = out.astype({"plays": "int64", "new_artists": "int64", "plays_on_new": "int64"})
    share = out.plays_on_new / out.plays.where(out.plays > 0)
    out["share_on_new"] = share.astype(object).where(share.notna(), None)
    return out[["month", "plays", "new_artists", "plays_on_new", "share_on_new", "is_first_year",
                "is_partial_year"]].assign(history_start=first)


# --- one artist ---------------------------------------------------------------------------------------------

ARTIST = "s.artist_key IN (SELECT artist_key FROM marts.dim_artist WHERE artist_name = ?)"


def artist_names(con, f: Filters, limit: int = 200) -> list[str]:
    where, params = f.where()
    return [r[0] for r in con.execute(f"""SELECT a.artist_name
                                          FROM (SELECT artist_key, {PLAYS} AS plays FROM {TRACKS} s WHERE {where}
                                                GROUP BY 1) p JOIN marts.dim_artist a USING (artist_key)
                                          ORDER BY p.plays DESC, 1 LIMIT {int(limit)}""", params).fetchall()]


def artist_monthly(con, f: Filters, artist: str) -> pd.DataFrame:
    where, params = f.where()
    return df(con, f"""SELECT month_label AS month, {PLAYS} AS plays FROM {TRACKS} s
                       WHERE {where} AND {ARTIST} GROUP BY 1 ORDER BY 1""", params + [artist])


def artist_tags(con, artist: str) -> pd.DataFrame:
    """The artist's last.fm tags with the canonical genre each folds into (or none)."""
    return df(con, """SELECT tag_name AS tag, tag_weight AS weight, genre FROM marts.mart_artist_tags
                      WHERE artist_name = ? ORDER BY tag_rank""", [artist])


def artist_genres(con, artist: str) -> pd.DataFrame:
    return df(con, """SELECT b.genre, b.share, b.is_primary FROM marts.bridge_artist_genre b
                      JOIN marts.dim_artist a USING (artist_key) WHERE a.artist_name = ? ORDER BY b.genre_rank""",
              [artist])


def artist_top_tracks(con, f: Filters, artist: str, limit: int = 10) -> pd.DataFrame:
    where, params = f.where()
    return df(con, f"""SELECT t.track_name AS track, p.plays
                       FROM (SELECT track_key, {PLAYS} AS plays FROM {TRACKS} s WHERE {where} AND {ARTIST}
                             GROUP BY 1) p JOIN marts.dim_track t USING (track_key)
                       ORDER BY p.plays DESC, track LIMIT {int(limit)}""", params + [artist])


def artist_hours(con, f: Filters, artist: str) -> pd.DataFrame:
    where, params = f.where()
    return _fill(df(con, f"SELECT hour, {PLAYS} AS plays FROM {TRACKS} s WHERE {where} AND {ARTIST} GROUP BY 1",
                    params + [artist]), HOURS_OF_DAY)


# --- while a backfill is still fetching tags -----------------------------------------------------------------

def tag_progress(con, user: str) -> dict:
    """How far the artist tags (genre evidence) have come for a user: plays, plays whose artist's tags
    were fetched (tagged_plays), artists never asked (artists_pending). Not a mart's number but the
    job's state, read from the raw tables published with the marts: while a backfill is still fetching
    tags, the genre answers say so instead of calling untagged plays 'unknown'."""
    plays, tagged, pending = con.execute("""
        SELECT count(*), count(f.artist_name), count(DISTINCT CASE WHEN f.artist_name IS NULL THEN s.artist_name END)
        FROM raw.scrobbles s
        LEFT JOIN (SELECT DISTINCT artist_name FROM raw.artist_tag_fetches) f ON f.artist_name = s.artist_name
        WHERE s.user_name = ?""", [user]).fetchone()
    return {"plays": int(plays), "tagged_plays": int(tagged), "artists_pending": int(pending)}


# --- the demo's first look -------------------------------------------------------------------------------------

def first_insights(con, user: str) -> dict:
    """The demo's first answers for a user's whole history, from the same questions as the dashboard:
    tracks a day (quiet days counted), the peak weekday and hour, the top genre families with their
    shares and the most played artists with their primary genre."""
    everything = Filters(user)
    figures = kpis(con, everything)
    clock = listening_clock(con, everything)
    peak = clock.loc[clock.plays.idxmax()]
    genres = genre_totals(con, everything)
    coverage = float(genres.share[genres.has_genre].sum())
    genres = genres[genres.has_genre].head(3)           # 'unknown' is no answer
    artists = top_entities(con, everything, "artist", 5)
    primary = dict(con.execute(f"""SELECT artist_name, primary_genre FROM marts.dim_artist
                                   WHERE artist_name IN ({', '.join('?' * len(artists))})""",
                               list(artists.name)).fetchall()) if len(artists) else {}
    return {"per_day": figures["per_day"], "days": figures["days"], "weekday": WEEKDAYS[int(peak.weekday) - 1],
            "hour": int(peak.hour), "genres": list(zip(genres.genre, genres.share)), "genre_coverage": coverage,
            "artists": [(name, primary.get(name), int(plays)) for name, plays in zip(artists.name, artists.plays)]}
