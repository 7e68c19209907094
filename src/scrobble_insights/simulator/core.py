"""`Simulator`: the simulated last.fm service's state, mutations and counters.

The simulator owns the shared catalogue and every user's history. One re-entrant lock
(`Simulator.lock`) guards all of it, so the HTTP server can answer while tests mutate.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import NamedTuple
from zoneinfo import ZoneInfo

from scrobble_insights.simulator.catalogue import build_catalogue
from scrobble_insights.simulator.faults import FAULT_KINDS, MB_FAULT_KINDS, FaultInjector, RateLimiter
from scrobble_insights.simulator.history import (
    DAY,
    Scrobble,
    UserHistory,
    UserSpec,
    build_user,
    edited_name,
)
from scrobble_insights.simulator.mb_catalogue import MBCatalogue, build_mb_catalogue
from scrobble_insights.simulator.server import RunningServer

YEAR_S = 365.25 * DAY
REQUEST_LOG_SIZE = 200_000      # the request log keeps the newest entries, this many at most


class LoggedRequest(NamedTuple):
    """One API request as it arrived: time.monotonic(), method, parameters (api_key left out)."""

    at: float
    method: str
    params: dict[str, str]


@dataclass
class SimulatorConfig:
    """Everything that shapes the simulated service (see the package docstring)."""

    seed: int = 42
    users: list[UserSpec] = field(default_factory=lambda: [UserSpec("demo")])
    years: float = 3.0
    now: int | None = None
    rate_limit: float = 5.0
    latency_ms: float = 0.0
    fault_rate: float = 0.0
    fault_seed: int | None = None                # the faults' own seed (default: seed): same history, other faults
    timeout_fault_s: float = 3.0
    api_key: str | None = None
    suspended_keys: frozenset[str] = frozenset()
    collapse_single: bool = True
    numbers_as_numbers: bool = False
    fault_kinds: tuple[str, ...] = FAULT_KINDS   # kinds an injected fault is drawn from
    tag_counts_as_strings: bool = False          # 2014/2015 encoding of toptags counts
    log_requests: bool = False                   # write redacted access-log lines to stderr
    inclusive_to: bool = False                   # getRecentTracks counts and returns plays with uts == to
    artists: int | None = None                   # artists in the catalogue (default 360-520, from the seed)
    mb_rate_limit: float = 1.0                   # MusicBrainz (/ws/2/) requests/s per client before 503 (0 = none)
    mb_burst: float = 3.0                        # requests a MusicBrainz client may send at once
    mb_fault_rate: float = 0.0                   # share of /ws/2/ requests given an injected fault
    mb_fault_kinds: tuple[str, ...] = MB_FAULT_KINDS

    def __post_init__(self) -> None:
        self.users = [UserSpec(u) if isinstance(u, str) else u for u in self.users]
        names = [u.name.casefold() for u in self.users]
        if not names or len(set(names)) != len(names):
            raise ValueError("users must be a non-empty list of distinct names")
        for spec in self.users:
            ZoneInfo(spec.timezone)    # raises for an unknown zone
            if spec.hemisphere not in ("north", "south"):
                raise ValueError(f"hemisphere must be 'north' or 'south', got {spec.hemisphere!r}")
        if self.years <= 0:
            raise ValueError("years must be positive")
        self.suspended_keys = frozenset(self.suspended_keys)
        self.fault_kinds = tuple(self.fault_kinds)
        self.mb_fault_kinds = tuple(self.mb_fault_kinds)


class Simulator:
    """A deterministic fake last.fm: histories, mutations, stats and HTTP serving."""

    def __init__(self, config: SimulatorConfig | None = None):
        self.config = cfg = config or SimulatorConfig()
        self.lock = threading.RLock()
        self.catalogue = build_catalogue(cfg.seed, cfg.artists)
        end = self.now()
        start = end - int(cfg.years * YEAR_S)
        self.users: dict[str, UserHistory] = {
            spec.name.casefold(): build_user(self.catalogue, spec, cfg.seed, start, end)
            for spec in cfg.users}
        self.faults = FaultInjector(cfg.fault_rate, cfg.fault_kinds,
                                     cfg.seed if cfg.fault_seed is None else cfg.fault_seed)
        self.limiter = RateLimiter(cfg.rate_limit)
        self.mb_faults = FaultInjector(cfg.mb_fault_rate, cfg.mb_fault_kinds, cfg.seed ^ 0x3B, MB_FAULT_KINDS)
        self.mb_limiter = RateLimiter(cfg.mb_rate_limit, cfg.mb_burst)
        self._musicbrainz: MBCatalogue | None = None
        self._stats: Counter[str] = Counter()
        self._stats_lock = threading.Lock()
        self._requests: deque[LoggedRequest] = deque(maxlen=REQUEST_LOG_SIZE)

    # --- clock, lookup and counters -------------------------------------------------
    def now(self) -> int:
        """The simulator's clock in Unix seconds (pinned by config.now, else real time)."""
        return int(time.time()) if self.config.now is None else int(self.config.now)

    def user(self, name: str) -> UserHistory | None:
        """A user's history by case-insensitive name, or None."""
        return self.users.get(name.strip().casefold())

    def _history(self, name: str) -> UserHistory:
        hist = self.user(name)
        if hist is None:
            raise KeyError(f"unknown simulated user {name!r}")
        return hist

    def count(self, key: str, n: int = 1) -> None:
        """Add to one stats counter."""
        with self._stats_lock:
            self._stats[key] += n

    @property
    def stats(self) -> dict[str, int]:
        """A snapshot of the counters: requests, rate_limited, faults, fault:<kind>, method:<name>; for
        /ws/2/ mb_requests, mb_rate_limited, mb_faults, mb_fault:<kind>."""
        with self._stats_lock:
            snapshot = {"requests": 0, "rate_limited": 0, "faults": 0}
            snapshot.update(self._stats)
            return snapshot

    @property
    def musicbrainz(self) -> MBCatalogue:
        """The simulated MusicBrainz database (built on first use from the last.fm catalogue)."""
        with self.lock:
            if self._musicbrainz is None:
                self._musicbrainz = build_mb_catalogue(self.catalogue, self.config.seed)
            return self._musicbrainz

    def log_request(self, params: dict[str, str], at: float | None = None, method: str | None = None) -> None:
        """Note an API request on arrival (before the rate limit and faults); the api_key is dropped.
        MusicBrainz requests are logged as `mb.<entity>.<lookup|search|browse>` with their path."""
        entry = LoggedRequest(time.monotonic() if at is None else at, method or params.get("method", ""),
                              {k: v for k, v in params.items() if k != "api_key"})
        with self._stats_lock:
            self._requests.append(entry)

    def request_log(self) -> list[LoggedRequest]:
        """The API requests received so far, in arrival order (the newest REQUEST_LOG_SIZE): for
        measuring the rate from the first request to the last, and checking it was never exceeded."""
        with self._stats_lock:
            return list(self._requests)

    def set_fault_rate(self, p: float) -> None:
        """Change the probability that an API request gets an injected fault."""
        self.faults.set_rate(p)

    # --- truth and mutations --------------------------------------------------------
    def truth(self, user: str, from_uts: int | None = None,
              to_uts: int | None = None) -> list[Scrobble]:
        """Stored scrobbles with from_uts <= uts < to_uts, oldest first, duplicates included."""
        with self.lock:
            hist = self._history(user)
            return hist.scrobbles(*hist.bounds(from_uts, to_uts))

    def add_late_scrobbles(self, user: str, count: int, max_age_days: float = 14,
                           rng_seed: int | None = None) -> list[Scrobble]:
        """An offline player syncing: `count` plays dated within [now - max_age_days, now)."""
        with self.lock:
            hist = self._history(user)
            rng = random.Random(rng_seed) if rng_seed is not None else hist.mutation_rng
            now = self.now()
            low = now - max(1, int(max_age_days * DAY))
            listener = hist.listener
            tids = [listener.pick_track(rng, listener.pick_artist(rng, listener.final_cw))
                    for _ in range(max(0, count))]
            length = sum(self.catalogue.track_duration[t] + 5 for t in tids)
            t = rng.randrange(low, max(low + 1, now - length))
            added = []
            for tid in tids:
                uts = t if t < now else rng.randrange(low, now)
                hist.insert(uts, tid)
                added.append(hist.scrobble(uts, tid))
                t += self.catalogue.track_duration[tid] + rng.randint(2, 14)
            return sorted(added, key=lambda s: s.uts)

    def add_scrobble(self, user: str, uts: int) -> Scrobble:
        """Store one play at exactly `uts` (a track the user likes); returns it."""
        with self.lock:
            hist = self._history(user)
            listener, rng = hist.listener, hist.mutation_rng
            tid = listener.pick_track(rng, listener.pick_artist(rng, listener.final_cw))
            hist.insert(uts, tid)
            return hist.scrobble(uts, tid)

    def delete_scrobbles(self, user: str, count: int, since_uts: int | None = None,
                         until_uts: int | None = None) -> list[Scrobble]:
        """Remove `count` random stored scrobbles with since_uts <= uts < until_uts."""
        with self.lock:
            hist = self._history(user)
            lo, hi = hist.bounds(since_uts, until_uts)
            picked = hist.mutation_rng.sample(range(lo, hi), min(max(0, count), hi - lo))
            gone = [hist.delete(i) for i in sorted(picked, reverse=True)]
            return sorted(gone, key=lambda s: s.uts)

    def edit_scrobbles(self, user: str, count: int, since_uts: int | None = None,
                       until_uts: int | None = None) -> list[tuple[Scrobble, Scrobble]]:
        """Rename the track of `count` random scrobbles (same uts); returns (old, new) pairs."""
        with self.lock:
            hist = self._history(user)
            rng = hist.mutation_rng
            lo, hi = hist.bounds(since_uts, until_uts)
            pairs = []
            for i in sorted(rng.sample(range(lo, hi), min(max(0, count), hi - lo))):
                old_tid = hist.tids[i]
                new_name = edited_name(rng, self.catalogue.track_name[old_tid])
                new_tid = self.catalogue.add_track_variant(old_tid, new_name)
                hist.retrack(i, new_tid)
                pairs.append((hist.scrobble(hist.uts[i], old_tid),
                              hist.scrobble(hist.uts[i], new_tid)))
            return pairs

    def artist_tags(self, artist: str) -> list[tuple[str, int]]:
        """The (tag, count) list artist.getTopTags returns for a case-insensitive name."""
        with self.lock:
            if artist.strip().casefold() in self.catalogue.untagged:
                return []                  # as artist.getTopTags answers such a variant
            aid = self.catalogue.find_artist(artist)
            if aid is None:
                raise KeyError(f"unknown simulated artist {artist!r}")
            return list(self.catalogue.artist_tags[aid])

    # --- serving --------------------------------------------------------------------
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
        """Serve in a background daemon thread; returns a RunningServer ready to accept."""
        return RunningServer(self, host, port)

    def serve_forever(self, host: str = "127.0.0.1", port: int = 8765) -> None:
        """Serve in the calling thread until Ctrl-C (KeyboardInterrupt), then stop cleanly."""
        server = RunningServer(self, host, port, background=False)
        try:
            server.httpd.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            pass
        finally:
            server.close()
