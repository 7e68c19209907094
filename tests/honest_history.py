"""A small hand-written history that trips every dishonest headline of issue 11, and the answers
computed from it in plain Python (never through the warehouse's SQL), for the known-answer tests of
the marts, the charts, the report and the dashboard.

wren (Europe/London, north) from 15 Jun 2008 to 31 Dec 2012 (the last extracted day): 55 months.
- 2008: one play (Alpha, rock): a partial first year whose single play must not decide a trend.
- 2009 and 2010: 131 and 138 plays. Murk (tags: only "seen live") and Fog (no tags) have no genre:
  'unknown' is the biggest genre, and it must never be named. Murk is scrobbled without an album, so
  "(no album) by Murk" would be the top album of 2010. Jazz grows from 2009 to 2010.
- Dec 2009 + Jan-Feb 2010 (winter 2010) are hip hop (Gamma); Dec 2010 (winter 2011) is jazz (Beta).
- 2011: silent. 2012: one play, on Wednesday 7 March (Delta, pop).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timezone

USER = "wren"
FIRST, LAST = date(2008, 6, 15), date(2012, 12, 31)
TAGS = {"Alpha": [("rock", 100)], "Beta": [("jazz", 100)], "Gamma": [("hip hop", 100)],
        "Murk": [("seen live", 100)], "Delta": [("pop", 100)]}          # Fog: never tagged
GENRE = {"Alpha": "rock", "Beta": "jazz", "Gamma": "hip hop", "Delta": "pop", "Murk": None, "Fog": None}
ALBUM = {"Alpha": "Alpha LP", "Beta": "Beta LP", "Gamma": "Gamma LP", "Delta": "Delta LP", "Murk": None,
         "Fog": "Fog EP"}
TREND_MIN_PLAYS = 100          # the dbt var trend_min_plays


def _month(year: int, month: int, counts: dict[str, int]) -> list[tuple]:
    """Plays of one month at 12:00 UTC (13:00 in London's summer: the same local day), from the 2nd,
    one artist's plays after the other, a play every 5 minutes."""
    plays, n = [], 0
    for artist, count in counts.items():
        for _ in range(count):
            day, minute = 2 + n // 12, (n % 12) * 5
            plays.append((f"{year}-{month:02d}-{day:02d} 12:{minute:02d}", artist, f"{artist} song {n % 3}",
                          ALBUM[artist]))
            n += 1
    return plays


def plays() -> list[tuple]:
    written = [("2008-06-15 12:00", "Alpha", "Alpha song 0", ALBUM["Alpha"])]
    for month in range(1, 12):
        written += _month(2009, month, {"Alpha": 4, "Beta": 1, "Murk": 5, "Fog": 1})
    written += _month(2009, 12, {"Gamma": 8, "Murk": 2})
    for month in (1, 2):
        written += _month(2010, month, {"Gamma": 8, "Murk": 2})
    for month in range(3, 12):
        written += _month(2010, month, {"Alpha": 3, "Beta": 3, "Murk": 5, "Fog": 1})
    written += _month(2010, 12, {"Beta": 8, "Murk": 2})
    written.append(("2012-03-07 12:00", "Delta", "Delta song 0", ALBUM["Delta"]))
    return written


PLAYS = plays()


# kiwi (Pacific/Auckland, south): one play in the middle of each month Dec 2009 - Mar 2010 (00:00 UTC is
# 13:00 in Auckland's summer, the same day): Dec 2009 + Jan-Feb 2010 are summer 2010, March autumn 2010.
SOUTH_USER = "kiwi"
SOUTH_PLAYS = [(f"{month} 00:00", "Alpha", "Alpha song 0", ALBUM["Alpha"])
               for month in ("2009-12-15", "2010-01-15", "2010-02-15", "2010-03-15")]
USERS = [{"name": USER, "timezone": "Europe/London"},
         {"name": SOUTH_USER, "timezone": "Pacific/Auckland", "hemisphere": "south"}]
TODAY = date(2013, 1, 1)


def write(settings) -> None:
    """Land and load both listeners (settings built with `users=USERS`)."""
    from transform_history import write_history

    write_history(settings, SOUTH_USER, SOUTH_PLAYS, first=date(2009, 12, 1), last=date(2010, 3, 31), tags=TAGS)
    write_history(settings, USER, PLAYS, first=FIRST, last=LAST, tags=TAGS)


# --- the answers, in plain Python -------------------------------------------------------------------------

def _day(play) -> date:
    return datetime.fromisoformat(play[0]).replace(tzinfo=timezone.utc).date()     # 12:00 UTC: same local day


def months_of_history() -> int:
    return (LAST.year - FIRST.year) * 12 + LAST.month - FIRST.month + 1


def discovery(year: int | None = None) -> dict:
    """New artists a month over every month of the span (or of the year within it), and the share of
    plays on artists first played in the same year."""
    first_year = {}
    for play in sorted(PLAYS):
        first_year.setdefault(play[1], _day(play).year)
    chosen = [p for p in PLAYS if year is None or _day(p).year == year]
    new = sum(1 for artist, y in first_year.items() if year is None or y == year)
    if year is None:
        months = months_of_history()
    else:
        start = max(FIRST, date(year, 1, 1))
        months = 12 - start.month + 1 if year < LAST.year else LAST.month - start.month + 1
    on_new = sum(1 for p in chosen if first_year[p[1]] == _day(p).year)
    return {"new_artists": new, "months": months, "per_month": new / months,
            "share_on_new": on_new / len(chosen) if chosen else None}


def genre_shares(year: int | None = None) -> dict:
    """Share of plays per genre family ('unknown' for artists without a genre), and the share of plays
    that have a genre at all."""
    chosen = [p for p in PLAYS if year is None or _day(p).year == year]
    counts = Counter(GENRE[p[1]] or "unknown" for p in chosen)
    shares = {genre: n / len(chosen) for genre, n in counts.items()}
    return {"shares": shares, "known": 1 - shares.get("unknown", 0.0)}


def top_known_genre(year: int | None = None) -> tuple[str, float]:
    shares = genre_shares(year)["shares"]
    genre = max((g for g in shares if g != "unknown"), key=shares.get)
    return genre, shares[genre]


def trend() -> dict:
    """Years with at least TREND_MIN_PLAYS plays, and the known genre whose share grew most between the
    first and the last of them."""
    per_year = Counter(_day(p).year for p in PLAYS)
    years = sorted(y for y, n in per_year.items() if n >= TREND_MIN_PLAYS)
    first, last = genre_shares(years[0])["shares"], genre_shares(years[-1])["shares"]
    known = {g for g in first.keys() | last.keys() if g != "unknown"}
    grew = max(known, key=lambda g: last.get(g, 0) - first.get(g, 0))
    return {"years": years, "genre": grew, "first": first.get(grew, 0.0), "last": last.get(grew, 0.0)}


def top_album(year: int) -> dict:
    chosen = [p for p in PLAYS if _day(p).year == year]
    albums = Counter((p[3], p[1]) for p in chosen if p[3] is not None)
    (album, artist), count = albums.most_common(1)[0]
    return {"album": album, "artist": artist, "plays": count,
            "no_album": sum(1 for p in chosen if p[3] is None) / len(chosen)}


def season_year(day: date) -> int:
    return day.year + 1 if day.month == 12 else day.year


def season_shares(season_of: int) -> dict:
    """Genre shares of winter `season_of` (Dec of the year before + Jan-Feb; north)."""
    chosen = [p for p in PLAYS if _day(p).month in (12, 1, 2) and season_year(_day(p)) == season_of]
    counts = Counter(GENRE[p[1]] or "unknown" for p in chosen)
    return {genre: n / len(chosen) for genre, n in counts.items()}


def plays_per_year() -> dict[int, int]:
    counts = Counter(_day(p).year for p in PLAYS)
    return {year: counts.get(year, 0) for year in range(FIRST.year, LAST.year + 1)}
