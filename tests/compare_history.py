"""Four listeners sharing one warehouse, for the known-answer tests of the comparison (issue 13), with
the answers computed from the plays written in plain Python (zoneinfo, never the warehouse's SQL).

All in January 2025 (winter: no DST change), each in their own time zone:
- ana (Europe/London, UTC+0): Corvid (rock) 60 and Heron (jazz) 40 at 21:00, Finch (pop) 20 at 07:00;
- ben (America/New_York, UTC-5): Heron 50 and Kestrel (hip hop) 50 at 08:00 local (13:00 UTC), Corvid
  20 at 21:00 local (02:00 UTC the next day); his top genre is a tie, jazz = hip hop;
- cy (Asia/Tokyo, UTC+9): Corvid 50 and Heron 50 at 12:00 local (03:00 UTC); a tie, rock = jazz;
- dot (Europe/London): Finch 5 times: too few to compare.

Top artists: ana {Corvid, Heron, Finch}, ben {Heron, Kestrel, Corvid}, cy {Corvid, Heron}: ana-ben share
2 of 4 (50%), ana-cy and ben-cy 2 of 3 (67%, a tie for the most alike pair).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

ZONES = {"ana": "Europe/London", "ben": "America/New_York", "cy": "Asia/Tokyo", "dot": "Europe/London"}
USERS = [{"name": name, "timezone": zone} for name, zone in ZONES.items()]
TAGS = {"Corvid": [("rock", 100)], "Heron": [("jazz", 100)], "Finch": [("pop", 100)],
        "Kestrel": [("hip hop", 100)]}
GENRE = {"Corvid": "rock", "Heron": "jazz", "Finch": "pop", "Kestrel": "hip hop"}
FIRST, LAST = date(2025, 1, 1), date(2025, 1, 31)
TODAY = date(2025, 2, 1)


def _plays(artist: str, count: int, utc_hour: int, first_day: int = 2) -> list[tuple]:
    """`count` plays, ten a day from 2 January (or `first_day`), every 5 minutes from utc_hour:00."""
    return [(f"2025-01-{first_day + n // 10:02d} {utc_hour:02d}:{(n % 10) * 5:02d}", artist, f"{artist} song {n % 4}")
            for n in range(count)]


PLAYS = {
    "ana": _plays("Corvid", 60, 21) + _plays("Heron", 40, 21, 10) + _plays("Finch", 20, 7),
    "ben": _plays("Heron", 50, 13) + _plays("Kestrel", 50, 13, 10) + _plays("Corvid", 20, 2, 20),
    "cy": _plays("Corvid", 50, 3) + _plays("Heron", 50, 3, 10),
    "dot": _plays("Finch", 5, 10),
}


def write(settings) -> None:
    """Land and load every listener (settings built with `users=USERS`)."""
    from transform_history import write_history

    for user, plays in PLAYS.items():
        write_history(settings, user, plays, first=FIRST, last=LAST, tags=TAGS)


# --- the answers, in plain Python -------------------------------------------------------------------------

def local(user: str, play: tuple) -> datetime:
    return datetime.fromisoformat(play[0]).replace(tzinfo=timezone.utc).astimezone(ZoneInfo(ZONES[user]))


def hour_shares(user: str) -> dict[int, float]:
    counts = Counter(local(user, p).hour for p in PLAYS[user])
    return {hour: counts.get(hour, 0) / len(PLAYS[user]) for hour in range(24)}


def weekday_shares(user: str) -> dict[int, float]:
    """1 = Monday."""
    counts = Counter(local(user, p).isoweekday() for p in PLAYS[user])
    return {day: counts.get(day, 0) / len(PLAYS[user]) for day in range(1, 8)}


def top_artists(user: str) -> Counter:
    return Counter(p[1] for p in PLAYS[user])


def jaccard(a: str, b: str) -> tuple[int, int, float]:
    mine, theirs = set(top_artists(a)), set(top_artists(b))
    return len(mine & theirs), len(mine | theirs), len(mine & theirs) / len(mine | theirs)


def share_on_shared(a: str, b: str) -> float:
    """The share of a's plays that go to the artists a and b both play."""
    shared = set(top_artists(a)) & set(top_artists(b))
    return sum(n for artist, n in top_artists(a).items() if artist in shared) / len(PLAYS[a])


def figures(user: str) -> dict:
    """Plays, days (from the first local day with a play to the last extracted day), tracks a day,
    distinct artists and the top genres (a tie: more than one)."""
    first = min(local(user, p).date() for p in PLAYS[user])
    days = (LAST - first).days + 1
    genres = Counter(GENRE[p[1]] for p in PLAYS[user])
    best = max(genres.values())
    return {"plays": len(PLAYS[user]), "days": days, "per_day": len(PLAYS[user]) / days,
            "artists": len(top_artists(user)), "top_genres": sorted(g for g, n in genres.items() if n == best),
            "top_genre_share": best / len(PLAYS[user])}


assert all(FIRST + timedelta(days=1) <= local(u, p).date() <= LAST for u in PLAYS for p in PLAYS[u])
