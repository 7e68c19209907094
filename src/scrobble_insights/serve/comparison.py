"""Listeners side by side (issue 13): the questions over the marts that compare the users of one
warehouse (a family, a club, a team sharing an API key), and the answers computed from them.

Every listener is compared over the same period (local dates, inclusive; None = all time), each in
their own local time. A listener with fewer than MIN_PLAYS plays in the period is named as too few to
compare and left out of the overlap and the hour shares (their figures are still listed). As in
`queries`, the SQL only filters a mart, sums its additive measures (or counts distinct keys) and
ranks; Python adds the ratios of those sums:

- mart_track_plays: plays, distinct artists and each listener's top artists (rank() over plays: ties
  at the last place are all in, so a "top 50" can hold more than 50);
- mart_daily_plays: the days of each listener's history in the period (quiet days counted);
- mart_daily_genre_plays: each listener's top known genre family ('unknown' is never an answer);
- mart_hourly_plays: plays per local weekday x hour.

The overlap of two listeners is the Jaccard index of their top-N artist sets (shared / in either),
with the share of each one's plays that goes to the shared artists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import combinations

import pandas as pd

from scrobble_insights.serve.queries import DAYS, GENRES, HOURS, PLAYS, TRACKS, WEEKDAYS, df

MIN_PLAYS = 100         # fewer plays than this in the period: too few to compare
TOP_N = 50              # the top artists compared


@dataclass(frozen=True)
class Period:
    """The listeners and the local dates compared (None: no bound)."""

    users: tuple[str, ...]
    start: date | None = None
    end: date | None = None

    def where(self, alias: str = "s") -> tuple[str, list]:
        conditions = [f"{alias}.user_name IN ({', '.join('?' * len(self.users))})"]
        params: list = list(self.users)
        if self.start:
            conditions.append(f"{alias}.local_date >= ?")
            params.append(self.start)
        if self.end:
            conditions.append(f"{alias}.local_date <= ?")
            params.append(self.end)
        return " AND ".join(conditions), params


# --- the questions ------------------------------------------------------------------------------------------

def listener_figures(con, p: Period) -> pd.DataFrame:
    """One row per listener (in p.users' order): plays, days (of their history within the period, quiet
    days counted), per_day, artists (distinct), first_day and last_day (of their history within the
    period), top_genres (the most played known genre families: more than one on a tie), top_genre_share
    (of all their plays), known_share (plays whose artist has a genre) and enough (plays >= MIN_PLAYS)."""
    where, params = p.where()
    plays = df(con, f"""SELECT user_name, {PLAYS} AS plays, count(DISTINCT artist_key) AS artists
                        FROM {TRACKS} s WHERE {where} GROUP BY 1""", params)
    day_where, day_params = p.where("d")
    days = df(con, f"""SELECT user_name, count(*) AS days, min(local_date) AS first_day, max(local_date) AS last_day
                       FROM {DAYS} d WHERE {day_where} GROUP BY 1""", day_params)
    genres = df(con, f"""SELECT user_name, genre_family AS genre, {PLAYS} AS plays, bool_and(has_genre) AS has_genre
                         FROM {GENRES} s WHERE {where} GROUP BY 1, 2""", params)
    out = pd.DataFrame({"user_name": list(p.users)}).merge(plays, on="user_name", how="left")
    out = out.merge(days, on="user_name", how="left").fillna({"plays": 0, "artists": 0, "days": 0})
    out = out.astype({"plays": "int64", "artists": "int64", "days": "int64"})
    out["per_day"] = (out.plays / out.days.where(out.days > 0)).fillna(0.0)
    tops, top_shares, known_shares = [], [], []
    for user, total in zip(out.user_name, out.plays):
        mine = genres[genres.user_name == user]
        known = mine[mine.has_genre.astype(bool)]
        best = int(known.plays.max()) if len(known) else 0
        tops.append(sorted(known.genre[known.plays == best]) if best else [])
        top_shares.append(best / total if total else 0.0)
        known_shares.append(int(known.plays.sum()) / total if total else 0.0)
    out["top_genres"], out["top_genre_share"], out["known_share"] = tops, top_shares, known_shares
    out["enough"] = out.plays >= MIN_PLAYS
    return out


def top_artists(con, p: Period, n: int = TOP_N) -> pd.DataFrame:
    """Each listener's top `n` artists in the period: user_name, artist_key, artist_name, plays, rank
    (ties share the better rank; every artist ranked n or better is in)."""
    where, params = p.where()
    return df(con, f"""SELECT r.user_name, r.artist_key, a.artist_name, r.plays, r.rank
                       FROM (SELECT user_name, artist_key, plays,
                                    rank() OVER (PARTITION BY user_name ORDER BY plays DESC) AS rank
                             FROM (SELECT user_name, artist_key, {PLAYS} AS plays FROM {TRACKS} s
                                   WHERE {where} GROUP BY 1, 2) p) r
                       JOIN marts.dim_artist a ON a.artist_key = r.artist_key
                       WHERE r.rank <= {int(n)}
                       ORDER BY r.user_name, r.rank, a.artist_name""", params)


def clock_shares(con, p: Period) -> pd.DataFrame:
    """Plays per listener, local weekday (1 = Monday) and hour, every cell (0 where none)."""
    where, params = p.where()
    data = df(con, f"""SELECT user_name, weekday, hour, {PLAYS} AS plays FROM {HOURS} s
                       WHERE {where} GROUP BY 1, 2, 3""", params)
    grid = pd.MultiIndex.from_product([list(p.users), range(1, 8), range(24)], names=["user_name", "weekday", "hour"])
    return data.set_index(grid.names).plays.reindex(grid, fill_value=0).astype("int64").reset_index()


def comparison(con, p: Period, n: int = TOP_N) -> dict:
    """Everything the comparison shows, in one call: figures, pairs, top artists and clock (see below)."""
    figures = listener_figures(con, p)
    eligible = tuple(figures.user_name[figures.enough])
    compared = Period(eligible, p.start, p.end)
    top = top_artists(con, compared, n) if eligible else pd.DataFrame(
        columns=["user_name", "artist_key", "artist_name", "plays", "rank"])
    clock = clock_shares(con, compared) if eligible else pd.DataFrame(columns=["user_name", "weekday", "hour", "plays"])
    return {"figures": figures, "top": top, "pairs": artist_overlap(top, figures), "clock": clock, "n": int(n)}


# --- the answers (plain pandas over the questions' results) ------------------------------------------------

def artist_overlap(top: pd.DataFrame, figures: pd.DataFrame) -> pd.DataFrame:
    """One row per pair of listeners with a top list (listener < other by name): shared (artists in both
    top lists), either (in one or both), jaccard (shared / either), listener_share and other_share (the
    share of each one's plays in the period that goes to the shared artists)."""
    totals = dict(zip(figures.user_name, figures.plays))
    sets = {user: dict(zip(rows.artist_key, rows.plays)) for user, rows in top.groupby("user_name")}
    rows = []
    for a, b in combinations(sorted(sets), 2):
        shared = sets[a].keys() & sets[b].keys()
        either = sets[a].keys() | sets[b].keys()
        rows.append({"listener": a, "other": b, "shared": len(shared), "either": len(either),
                     "jaccard": len(shared) / len(either) if either else 0.0,
                     "listener_share": sum(sets[a][k] for k in shared) / totals[a] if totals[a] else 0.0,
                     "other_share": sum(sets[b][k] for k in shared) / totals[b] if totals[b] else 0.0})
    return pd.DataFrame(rows, columns=["listener", "other", "shared", "either", "jaccard", "listener_share",
                                       "other_share"])


def both_ways(pairs: pd.DataFrame) -> pd.DataFrame:
    """The pairs seen from each listener: listener, other, shared, jaccard, listener_share, other_share."""
    swapped = pairs.rename(columns={"listener": "other", "other": "listener", "listener_share": "other_share",
                                    "other_share": "listener_share"})
    return pd.concat([pairs, swapped[pairs.columns]], ignore_index=True)


def most_similar(pairs: pd.DataFrame) -> pd.DataFrame:
    """For each listener, the other listener(s) whose top artists overlap theirs most: listener, others
    (a list: more than one on a tie), jaccard."""
    rows = []
    for listener, mine in both_ways(pairs).groupby("listener", sort=True):
        best = mine.jaccard.max()
        rows.append({"listener": listener, "others": sorted(mine.other[mine.jaccard == best]), "jaccard": float(best)})
    return pd.DataFrame(rows, columns=["listener", "others", "jaccard"])


def shared_artists(top: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """The artists in both listeners' top lists: artist, plays of a, plays of b (columns named after
    them), ordered by their plays together."""
    mine = top[top.user_name == a].set_index("artist_key")
    theirs = top[top.user_name == b].set_index("artist_key")
    keys = mine.index.intersection(theirs.index)
    out = pd.DataFrame({"artist": mine.loc[keys, "artist_name"].values,
                        a: mine.loc[keys, "plays"].astype("int64").values,
                        b: theirs.loc[keys, "plays"].astype("int64").values})
    together = out[a] + out[b]
    return out.assign(_together=together).sort_values(["_together", "artist"], ascending=[False, True]) \
        .drop(columns="_together").reset_index(drop=True)


def hour_shares(clock: pd.DataFrame) -> pd.DataFrame:
    """Each listener's share of plays per local hour: user_name, hour, plays, share (24 rows each)."""
    hours = clock.groupby(["user_name", "hour"], as_index=False).plays.sum()
    return _shares(hours)


def weekday_shares(clock: pd.DataFrame) -> pd.DataFrame:
    """Each listener's share of plays per local weekday: user_name, weekday, weekday_name, plays, share."""
    days = clock.groupby(["user_name", "weekday"], as_index=False).plays.sum()
    return _shares(days).assign(weekday_name=lambda d: [WEEKDAYS[w - 1] for w in d.weekday])


def _shares(frame: pd.DataFrame) -> pd.DataFrame:
    total = frame.groupby("user_name").plays.transform("sum")
    return frame.astype({"plays": "int64"}).assign(share=(frame.plays / total.where(total > 0)).fillna(0.0))


def peaks(shares: pd.DataFrame, column: str = "hour") -> dict[str, list[int]]:
    """Each listener's most played hour (or weekday): a list, more than one on a tie."""
    out = {}
    for user, mine in shares.groupby("user_name", sort=False):
        best = mine.plays.max()
        out[user] = sorted(int(v) for v in mine[column][mine.plays == best]) if best > 0 else []
    return out
