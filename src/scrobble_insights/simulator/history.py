"""The deterministic synthetic listener and its stored scrobble history.

A `Listener` holds one user's taste: Zipf-like artist preferences, genre weights that
drift over the years and with the seasons, artists discovered over time. `build_keys`
turns that taste into a day-by-day listening history with a daily rhythm in the
user's own time zone, sessions, holidays, binges, bulk-import bursts and duplicates.

A `UserHistory` stores the result compactly (two arrays sorted by uts: Unix seconds
and catalogue track ids) and answers window and page queries in O(log n + limit).
Neither class locks: the caller (`Simulator`) holds one lock around all of them.
"""

from __future__ import annotations

import math
import random
import zlib
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from itertools import accumulate
from zoneinfo import ZoneInfo

from scrobble_insights.simulator.catalogue import GENRES, Catalogue

DAY = 86400
HONEYMOON_S = 75 * DAY        # how long a newly discovered artist stays extra popular
KEY_SHIFT = 24                # build keys are (uts << 24) | track id
# Relative chance that a listening session starts in each local hour.
HOURS_WEEKDAY = [0.3, 0.12, 0.03, 0.02, 0.02, 0.05, 0.4, 1.6, 1.8, 0.8, 0.6, 0.7,
                 1.5, 1.2, 0.7, 0.7, 0.8, 1.3, 1.5, 2.2, 3.0, 3.2, 2.4, 1.1]
HOURS_WEEKEND = [0.7, 0.4, 0.08, 0.03, 0.02, 0.03, 0.05, 0.1, 0.3, 0.8, 1.4, 1.8,
                 1.8, 1.8, 1.7, 1.7, 1.8, 2.0, 2.2, 2.6, 3.0, 3.0, 2.5, 1.5]
HOURS_CW = (list(accumulate(HOURS_WEEKDAY)), list(accumulate(HOURS_WEEKEND)))
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
WEEKDAY_FACTOR = [0.88, 0.88, 0.88, 0.88, 0.88, 1.3, 1.3]   # Mon..Sun


@dataclass(frozen=True, slots=True)
class Scrobble:
    """One stored scrobble (the "truth")."""

    uts: int
    artist: str
    artist_mbid: str
    track: str
    track_mbid: str
    album: str
    album_mbid: str


@dataclass
class UserSpec:
    """A simulated last.fm account."""

    name: str
    timezone: str = "Europe/London"
    hemisphere: str = "north"
    scrobbles_per_day: float = 60.0
    private: bool = False
    nowplaying: bool = True


def user_seed(seed: int, name: str) -> int:
    """Per-user RNG seed: stable across runs and platforms (no hash())."""
    return seed ^ zlib.crc32(name.encode("utf-8"))


class Listener:
    """One user's taste, and the generator of their listening history."""

    def __init__(self, cat: Catalogue, spec: UserSpec, seed: int, start: int, end: int):
        self.cat, self.spec, self.start, self.end = cat, spec, start, end
        self.seed = user_seed(seed, spec.name)
        self.rng = random.Random(self.seed)
        self.zone = ZoneInfo(spec.timezone)
        self.peak_doy = 196 if spec.hemisphere == "north" else 15
        rng, n = self.rng, len(cat.artist_name)
        order = list(range(n))
        rng.shuffle(order)
        self.zipf = [0.0] * n
        for rank, aid in enumerate(order):
            self.zipf[aid] = 1.0 / (rank + 1) ** 1.1
        self.log_taste0 = [rng.gauss(0, 1.1) for _ in GENRES]
        self.log_taste1 = [rng.gauss(0, 1.1) for _ in GENRES]
        span = max(1, end - start)
        self.discovery = [start + rng.random() * span if rng.random() < 0.35 else -math.inf
                          for _ in range(n)]
        self.loved = {cat.artist_tracks[a][i] for a in order[:40]
                      for i in range(min(3, len(cat.artist_tracks[a]))) if rng.random() < 0.3}
        self.final_cw = self.artist_cw(end)

    def artist_cw(self, t: float) -> list[float]:
        """Cumulative artist weights at time t (taste drift, season, discoveries)."""
        frac = min(1.0, max(0.0, (t - self.start) / max(1, self.end - self.start)))
        doy = datetime.fromtimestamp(t, self.zone).timetuple().tm_yday
        summer = math.cos(2 * math.pi * (doy - self.peak_doy) / 365.25)
        genre_w = [math.exp((1 - frac) * a + frac * b) * (1 + 0.5 * g[2] * summer)
                   for a, b, g in zip(self.log_taste0, self.log_taste1, GENRES)]
        weights = []
        for aid, (z, found) in enumerate(zip(self.zipf, self.discovery)):
            if t < found:
                weights.append(0.0)
                continue
            boost = 1 + 3 * math.exp(-(t - found) / HONEYMOON_S) if found > -math.inf else 1.0
            weights.append(z * genre_w[self.cat.artist_genre[aid]] * boost)
        return list(accumulate(weights))

    def pick_artist(self, rng: random.Random, cw: list[float]) -> int:
        """Draw an artist id from cumulative weights."""
        return min(bisect_right(cw, rng.random() * cw[-1]), len(cw) - 1)

    def pick_track(self, rng: random.Random, aid: int) -> int:
        """Draw one of the artist's tracks, Zipf-like (a few hits get most plays)."""
        cw = self.cat.artist_track_cw[aid]
        idx = min(bisect_right(cw, rng.random() * cw[-1]), len(cw) - 1)
        return self.cat.artist_tracks[aid][idx]

    def now_playing(self, now: int) -> int:
        """The track playing at `now` (changes every four minutes, deterministic)."""
        rng = random.Random(self.seed * 1_000_003 + now // 240)
        return self.pick_track(rng, self.pick_artist(rng, self.final_cw))

    def build_keys(self) -> list[int]:
        """Generate the whole history as sorted keys (uts << 24 | track id) in [start, end)."""
        rng, keys = self.rng, []
        spd = self.spec.scrobbles_per_day
        day = datetime.fromtimestamp(self.start, self.zone).date().toordinal()
        last_day = datetime.fromtimestamp(self.end, self.zone).date().toordinal()
        vacations = self._vacation_days(day, last_day)
        cw, next_recalc, last_t = self.final_cw, -math.inf, -math.inf
        for ordinal in range(day, last_day + 1):
            d = date.fromordinal(ordinal)
            midnight = datetime(d.year, d.month, d.day, tzinfo=self.zone)
            base = int(midnight.timestamp())
            dst_day = midnight.utcoffset() != midnight.replace(hour=23, minute=59).utcoffset()
            if base >= next_recalc:
                cw, next_recalc = self.artist_cw(base), base + 7 * DAY
            roll = rng.random()
            factor = WEEKDAY_FACTOR[d.weekday()]
            if ordinal in vacations or roll < 0.02:
                continue                       # holiday: no plays at all
            if roll < 0.04:
                factor *= 3.0                  # binge day
            plays = int(spd * factor * rng.gammavariate(4, 0.25) + rng.random())
            speed = min(1.0, 15 * 3600 / max(1, plays * 235))   # skip tracks on huge days
            for start_s, length in self._sessions(rng, plays, d.weekday() >= 5):
                if dst_day:
                    t0 = int((midnight + timedelta(seconds=start_s)).timestamp())
                else:
                    t0 = base + start_s
                last_t = self._session(rng, cw, keys, max(t0, last_t + rng.randint(30, 600)),
                                       length, speed)
            if last_t >= self.end:
                break
        self._bursts(rng, keys)
        keys.sort()
        return keys

    def _vacation_days(self, first: int, last: int) -> set[int]:
        """One 4-10 day break without any scrobbles per year of history."""
        days: set[int] = set()
        for year_start in range(first, last + 1, 365):
            begin = year_start + self.rng.randint(0, 355)
            days.update(range(begin, begin + self.rng.randint(4, 10)))
        return days

    def _sessions(self, rng: random.Random, plays: int, weekend: bool) -> list[tuple[int, int]]:
        """Split a day's plays into sessions: (local start second, number of tracks)."""
        cw, out = HOURS_CW[weekend], []
        while plays > 0:
            length = min(plays, 1 + int(rng.expovariate(1 / 9)))
            hour = min(23, bisect_right(cw, rng.random() * cw[-1]))
            out.append((hour * 3600 + rng.randrange(3600), length))
            plays -= length
        out.sort()
        return out

    def _session(self, rng: random.Random, cw: list[float], keys: list[int], t: int,
                 length: int, speed: float) -> int:
        """Append one session's plays starting at uts t; returns the time it ends."""
        cat, start, end = self.cat, self.start, self.end
        aid = self.pick_artist(rng, cw)
        album_run: list[int] = []
        if rng.random() < 0.2 and cat.artist_albums[aid]:
            album_run = list(reversed(cat.album_tracks[rng.choice(cat.artist_albums[aid])]))
        for i in range(length):
            if album_run:
                tid = album_run.pop()
            else:
                if i and rng.random() < 0.5:
                    aid = self.pick_artist(rng, cw)
                tid = self.pick_track(rng, aid)
            if t >= end:
                return t
            if t >= start:
                keys.append((t << KEY_SHIFT) | tid)
                if rng.random() < 0.0008:      # the same play scrobbled twice
                    keys.append((t << KEY_SHIFT) | tid)
            t += int(cat.track_duration[tid] * speed) + rng.randint(2, 14)
        return t

    def _bursts(self, rng: random.Random, keys: list[int]) -> None:
        """Bulk imports: a whole album scrobbled within the same second."""
        years = (self.end - self.start) / (365.25 * DAY)
        if self.spec.scrobbles_per_day <= 0 or years < 0.05:
            return
        for _ in range(max(1, round(years * 1.5))):
            t = rng.randrange(self.start, self.end)
            aid = self.pick_artist(rng, self.final_cw)
            for album in self.cat.artist_albums[aid][:2]:
                keys.extend((t << KEY_SHIFT) | tid for tid in self.cat.album_tracks[album])


class UserHistory:
    """One user's scrobbles, sorted by uts (ties keep insertion order)."""

    def __init__(self, spec: UserSpec, listener: Listener, cat: Catalogue, keys: list[int]):
        self.spec, self.listener, self.cat = spec, listener, cat
        mask = (1 << KEY_SHIFT) - 1
        self.uts = array("q", [k >> KEY_SHIFT for k in keys])
        self.tids = array("i", [k & mask for k in keys])
        self.version = 0
        self._counts: tuple[int, dict[str, int]] | None = None
        self.mutation_rng = random.Random(listener.seed ^ 0x1A7E)

    def __len__(self) -> int:
        return len(self.uts)

    def bounds(self, from_uts: int | None, to_uts: int | None) -> tuple[int, int]:
        """Index range [lo, hi) of scrobbles with from_uts <= uts < to_uts."""
        lo = 0 if from_uts is None else bisect_left(self.uts, from_uts)
        hi = len(self.uts) if to_uts is None else bisect_left(self.uts, to_uts)
        return lo, max(lo, hi)

    def page(self, lo: int, hi: int, page: int, limit: int) -> list[tuple[int, int]]:
        """(uts, track id) pairs of one newest-first page of the window [lo, hi)."""
        top = hi - (page - 1) * limit
        bottom = max(lo, top - limit)
        return [(self.uts[i], self.tids[i]) for i in range(top - 1, bottom - 1, -1)]

    def scrobble(self, uts: int, tid: int) -> Scrobble:
        """Expand a stored (uts, track id) pair into a Scrobble."""
        cat = self.cat
        aid, album = cat.track_artist[tid], cat.track_album[tid]
        artist = cat.spelling(aid, uts)
        return Scrobble(uts, artist, cat.artist_mbid_as_scrobbled(aid, artist), cat.track_name[tid],
                        cat.track_mbid[tid], cat.album_name[album] if album >= 0 else "",
                        cat.album_mbid[album] if album >= 0 else "")

    def scrobbles(self, lo: int, hi: int) -> list[Scrobble]:
        """Scrobbles at indices [lo, hi), oldest first."""
        return [self.scrobble(self.uts[i], self.tids[i]) for i in range(lo, hi)]

    def insert(self, uts: int, tid: int) -> None:
        """Store a new scrobble after any existing ones of the same second."""
        i = bisect_right(self.uts, uts)
        self.uts.insert(i, uts)
        self.tids.insert(i, tid)
        self.version += 1

    def delete(self, index: int) -> Scrobble:
        """Remove the scrobble at an index and return it."""
        gone = self.scrobble(self.uts[index], self.tids[index])
        del self.uts[index]
        del self.tids[index]
        self.version += 1
        return gone

    def retrack(self, index: int, tid: int) -> None:
        """Point the scrobble at an index to another track id (an edit)."""
        self.tids[index] = tid
        self.version += 1

    def counts(self) -> dict[str, int]:
        """playcount and distinct artist/track/album counts, cached per version."""
        if self._counts and self._counts[0] == self.version:
            return self._counts[1]
        cat, tids = self.cat, set(self.tids)
        # every spelling scrobbled is an artist of its own in the library, as on last.fm
        artists = {cat.spelling(cat.track_artist[t], u) for u, t in zip(self.uts, self.tids)}
        tracks = {(cat.track_artist[t], cat.track_name[t].casefold()) for t in tids}
        albums = {cat.track_album[t] for t in tids} - {-1}
        result = {"playcount": len(self.uts), "artist_count": len(artists),
                  "track_count": len(tracks), "album_count": len(albums)}
        self._counts = (self.version, result)
        return result


def build_user(cat: Catalogue, spec: UserSpec, seed: int, start: int, end: int) -> UserHistory:
    """Generate one user's full history for [start, end)."""
    listener = Listener(cat, spec, seed, start, end)
    return UserHistory(spec, listener, cat, listener.build_keys())


def edited_name(rng: random.Random, name: str) -> str:
    """A corrected track title, as a user fixing a scrobble on the website would type."""
    for sep in (" - ", " (feat."):
        if sep in name:
            return name.split(sep)[0]
    if rng.random() < 0.5 and name != name.lower():
        return name.lower()
    return f"{name} (Remastered)"


def utc_text(uts: int) -> str:
    """date.#text as last.fm renders it: '12 Apr 2026, 20:07' (UTC)."""
    t = datetime.fromtimestamp(uts, timezone.utc)
    return f"{t.day:02d} {MONTHS[t.month - 1]} {t.year}, {t.hour:02d}:{t.minute:02d}"
