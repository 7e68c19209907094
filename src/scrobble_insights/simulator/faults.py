"""Fault injection and rate limiting for the simulated last.fm API.

`RateLimiter` is a per-client token bucket; `FaultInjector` decides, per request, whether
to inject one of the failures real clients meet (see API-NOTES section 7). Both are
thread-safe and deterministic given their seed and the order of calls.
"""

from __future__ import annotations

import random
import threading
import time

FAULT_KINDS = ("error29", "error8", "error11", "error16", "html500", "truncated", "dropped",
               "timeout")

# Messages and HTTP statuses of last.fm errors (API-NOTES section 7).
MESSAGES = {
    3: "Invalid Method - No method with that name in this package",
    8: "Operation failed - Most likely the backend service failed. Please try again.",
    10: "Invalid API key - You must be granted a valid key by last.fm",
    11: "Service Offline - This service is temporarily offline. Try again later.",
    16: "There was a temporary error processing your request. Please try again",
    17: "Login: User required to be logged in",
    26: "API Key Suspended - This application is not allowed to make requests to the web "
        "services",
    29: "Rate Limit Exceeded - This application has made too many requests in a short period. "
        "If this is your API key, see https://www.last.fm/api/tos#4.4 for information about "
        "raising the limit.",
}
MB_FAULT_KINDS = ("mb503", "html502", "truncated", "dropped", "timeout")   # for /ws/2/ (MusicBrainz)
ERROR_FAULTS = {"error29": (29, 429), "error8": (8, 500), "error11": (11, 503),
                "error16": (16, 503)}

HTML_502 = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
            b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
HTML_500 = (b"<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n"
            b"<center><h1>500 Internal Server Error</h1></center>\r\n"
            b"<hr><center>openresty</center>\r\n</body>\r\n</html>\r\n")


class RateLimiter:
    """Token bucket per client: `rate` tokens/s, capacity `burst` (default max(1, rate)); rate 0 = unlimited."""

    def __init__(self, rate: float, burst: float | None = None):
        self.rate = rate
        self.capacity = max(1.0, rate if burst is None else burst)
        self._buckets: dict[str, tuple[float, float]] = {}   # client -> (tokens, last time)
        self._lock = threading.Lock()

    def allow(self, client: str, now: float | None = None) -> bool:
        """Take one token for this client; False if the bucket is empty."""
        if self.rate <= 0:
            return True
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            allowed = tokens >= 1.0
            self._buckets[client] = (tokens - 1.0 if allowed else tokens, now)
            return allowed


class FaultInjector:
    """Chooses, with probability `rate`, one fault kind uniformly from `kinds`."""

    def __init__(self, rate: float, kinds: tuple[str, ...] = FAULT_KINDS, seed: int = 42,
                 known: tuple[str, ...] = FAULT_KINDS):
        unknown = set(kinds) - set(known)
        if unknown or not kinds:
            raise ValueError(f"unknown or empty fault kinds: {sorted(unknown)}; "
                             f"choose from {known}")
        self.rate = rate
        self.kinds = tuple(kinds)
        self._rng = random.Random(seed ^ 0xFA017)
        self._lock = threading.Lock()

    def set_rate(self, rate: float) -> None:
        """Change the probability of a fault (0 switches injection off)."""
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"fault rate must be within [0, 1], got {rate}")
        with self._lock:
            self.rate = rate

    def pick(self) -> str | None:
        """The fault for the next request, or None for a normal answer."""
        with self._lock:
            if self.rate <= 0 or self._rng.random() >= self.rate:
                return None
            return self._rng.choice(self.kinds)
