"""Async last.fm API client: rate limit, bounded concurrency, transient-only retries.

When last.fm keeps answering error 29 (too many requests: at least SLOW_AFTER among the last WATCH
answers) the client halves its own rate (down to MIN_RATE), and climbs back towards the configured
rate after each run of RECOVER_AFTER successes. An error 29 now and then (a hiccup, another program
on a shared key) is only retried, after its backoff: a client paced at its rate that went too fast
meets it on a good share of its answers, not on one or two.
last.fm limits the rate, not the concurrency: the requests in flight follow rate x latency (twice
the latency observed, max_concurrency at most), so a slow network does not cap the rate. Callers that
produce requests (windows of pages, artists to tag) ask `wait_for_room()` before adding more: it
returns while the queue would run dry within about one round trip, so the limiter is never idle
while there is work, and the queue stays short.
A failure other than error 29 (a 5xx, error 8/11/16, a cut connection) is retried at once, at the next
limiter slot: the limiter paces it, and from the second failure in a row it backs off like error 29.
An answer later than twice the average latency is hedged when no call waits at the limiter: a copy
goes out, the first answer wins (at the end of a run a hung request would otherwise leave the
limiter idle for as long as it hangs).
A connection failure before the API URL ever answered is a setup problem (a wrong LASTFM_API_URL, no
network): it fails after one quick retry instead of being retried as a transient one.

No pipeline knowledge here: the client turns a method call into a parsed body or a named error.
The API key travels in the query string (read methods need no signature), so it is never put in a
message: errors name the method and parameters, and exceptions from httpx are re-raised without
their request (whose URL holds the key).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import Counter, deque
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from aiolimiter import AsyncLimiter
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from scrobble_insights import __version__
from scrobble_insights.errors import (
    LastfmError,
    PermanentLastfmError,
    RateLimitedError,
    TransientLastfmError,
    first_line,
)
from scrobble_insights.lastfm.gate import Gate
from scrobble_insights.lastfm.parse import (
    RecentTracksPage,
    TopTags,
    UserInfo,
    decode_body,
    parse_recent_tracks,
    parse_top_tags,
    parse_user_info,
)

log = logging.getLogger(__name__)
# httpx logs every request URL at INFO level, api_key included: keep it quiet.
logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("httpcore").setLevel(logging.WARNING)
_tally: ContextVar[Counter | None] = ContextVar("retry_tally", default=None)
MIN_RATE = 0.2           # requests per second: error 29 never slows the client below this
WATCH = 10               # error 29 on SLOW_AFTER of this many answers: halve the rate
SLOW_AFTER = 3
RECOVER_AFTER = 20       # successes in a row before the rate climbs back by RECOVER_FACTOR
RECOVER_FACTOR = 1.5
BUCKET = 1.5            # the limiter's capacity, in requests (see LastfmClient.__init__)
MIN_IN_FLIGHT = 2        # requests in flight whatever the latency
FIRST_LATENCY_S = 1.0    # the latency assumed until the first answer: generous, to fill the pipe
LATENCY_WEIGHT = 0.2     # weight of each new answer in the latency average
HEDGE_AFTER = 2.0        # an answer later than this many average latencies may be hedged (sent again)


@contextmanager
def count_retries():
    """Counts the retries of the calls made inside the block (and the tasks it starts): a Counter."""
    tally: Counter[str] = Counter()
    token = _tally.set(tally)
    try:
        yield tally
    finally:
        _tally.reset(token)


@dataclass
class ClientOptions:
    rate_limit: float = 5.0          # requests per second, sustained, never bursting above it
    max_concurrency: int = 16        # requests in flight at most (fewer when rate x latency needs fewer)
    timeout_s: float = 30.0
    max_attempts: int = 8
    backoff_s: float = 1.0           # first backoff; doubles per attempt, with full jitter
    backoff_max_s: float = 60.0


class LastfmClient:
    """Use as ``async with LastfmClient(key, url) as client: ...``."""

    def __init__(self, api_key: str, api_url: str, options: ClientOptions | None = None) -> None:
        self._api_key = api_key
        self._api_url = api_url
        self._base_url = _base_url(api_url)
        self.options = options or ClientOptions()
        # Leaky bucket of size BUCKET: one request every 1/rate seconds; a request sent late (a busy
        # event loop) lets the next one catch up half an interval, never more. n requests span at
        # least (n - BUCKET)/rate seconds: no second ever holds more than rate + 1 of them, as with
        # a bucket of size 1, and the slots lost to a late wake-up are not all lost.
        self.rate = self.options.rate_limit           # the current rate: lowered on error 29
        self._limiter = AsyncLimiter(BUCKET, BUCKET / self.rate)
        self._slowdown = 0           # bumped on every slow-down; a request remembers the one it was sent in
        self._recent: deque[bool] = deque(maxlen=WATCH)    # the last answers since then: error 29 or not
        self._successes = 0          # answers in a row without error 29
        self._reached = False        # has the API URL ever answered?
        self._unreached_failures = 0
        self.latency_s = FIRST_LATENCY_S     # average seconds from sending a request to its answer
        self._in_flight = 0          # calls holding a slot: at the limiter, or sent and not answered yet
        self._queued = 0             # calls waiting for a slot
        self._unsent = 0             # slot holders not yet past the limiter
        self._slot_free = Gate()     # calls waiting for a slot
        self._turn = Gate()          # slot holders waiting for their turn at the limiter
        self._turn_taken = False     # one call at a time waits at the limiter: the queue order is ours
        self._room = Gate()          # producers waiting for the backlog to shrink (wait_for_room)
        self._http: httpx.AsyncClient | None = None
        self.stats: Counter[str] = Counter()

    async def __aenter__(self) -> LastfmClient:
        limits = httpx.Limits(max_connections=self.options.max_concurrency,
                              max_keepalive_connections=self.options.max_concurrency)
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(self.options.timeout_s),
            limits=limits,
            headers={"User-Agent": f"scrobble-insights/{__version__}"},
            follow_redirects=False,
            trust_env=False,      # never route through a proxy from the environment
        )
        return self

    async def __aexit__(self, *exc) -> None:
        if self._http is not None:
            await self._http.aclose()

    # -- keeping the rate busy ---------------------------------------------------------------------
    def in_flight_limit(self) -> int:
        """Requests in flight at once: twice rate x latency (answers that come late leave no hole), up to
        max_concurrency. The extra ones wait at the limiter: they never make the rate higher."""
        wanted = math.ceil(self.rate * self.latency_s * 2) + 2
        return max(1, min(self.options.max_concurrency, max(MIN_IN_FLIGHT, wanted)))

    def backlog_target(self) -> int:
        """Calls waiting or in flight below which the limiter could run dry within one round trip."""
        return self.in_flight_limit() + math.ceil(self.rate * self.latency_s) + 1

    @property
    def backlog(self) -> int:
        """Calls waiting for a slot or holding one (retries waiting out their backoff are not counted)."""
        return self._queued + self._in_flight

    async def wait_for_room(self, promised: Callable[[], int] = lambda: 0) -> None:
        """Return once the backlog is below its target: the moment for a producer to add a request.

        `promised` counts the requests the producer knows are coming without being asked yet (the
        other pages of a window whose page 1 is on its way). A producer should let the request it
        then starts reach the client (``await asyncio.sleep(0)``) before asking again, or it would
        see the same room twice.
        """
        await self._room.wait_until(lambda: self.backlog + promised() < self.backlog_target())

    async def _limiter_turn(self, urgent: bool) -> None:
        """Wait at the limiter, one call at a time, urgent ones first (aiolimiter's own queue is FIFO)."""
        await self._turn.wait_until(lambda: not self._turn_taken, first=urgent)
        self._turn_taken = True
        try:
            await self._limiter.acquire()
        finally:
            self._turn_taken = False
            self._turn.wake(1)

    def _released(self) -> None:
        """A request left its slot: let waiting calls take the free slots, and producers look again."""
        self._slot_free.wake(max(1, self.in_flight_limit() - self._in_flight))
        self._room.wake()

    # -- the one request path --------------------------------------------------------------------
    async def call(self, method: str, *, urgent: bool = False, **params: str | int) -> dict:
        """Call an API method; retry transient failures with exponential backoff and jitter.

        An `urgent` call takes the next free slot ahead of the calls already waiting (a window's page
        1, which the window's other pages wait for); so does every retry, which its caller waits for.
        """
        jitter = wait_random_exponential(multiplier=self.options.backoff_s, max=self.options.backoff_max_s)

        def wait(state: RetryCallState) -> float:
            """Exponential backoff with full jitter, but never shorter than a Retry-After header. A first
            failure that is not error 29 (a 5xx, a cut connection) waits for nothing but the limiter: the
            rate limit paces the retry, and a second failure backs off."""
            error = state.outcome.exception() if state.outcome else None
            retry_after = min(getattr(error, "retry_after", 0.0), self.options.backoff_max_s)
            if state.attempt_number == 1 and not isinstance(error, RateLimitedError):
                return retry_after
            return max(jitter(state), retry_after)

        retrying = AsyncRetrying(
            retry=retry_if_exception_type(TransientLastfmError),
            wait=wait,
            stop=stop_after_attempt(self.options.max_attempts),
            before_sleep=lambda state: self._count_retry(state, method),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._hedged(method, params, urgent or attempt.retry_state.attempt_number > 1)
        raise AssertionError("unreachable")

    async def _hedged(self, method: str, params: dict, urgent: bool) -> dict:
        """One attempt; when its answer is late (HEDGE_AFTER x the average latency since it was sent) and
        no call waits at the limiter, a copy is sent: the first answer wins, the other is cancelled.
        The copy takes a limiter slot nobody wanted (at the end of a run, or while late requests hold
        every slot of the in-flight limit), so it neither delays other calls nor raises the rate; it
        takes no in-flight slot, which late requests may all be holding."""
        sent = _Sent()
        tries = {asyncio.create_task(self._call_once(method, params, urgent, sent))}
        hedged, failure, timeout = False, None, self.latency_s
        try:
            while tries:
                done, tries = await asyncio.wait(tries, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
                answered = [task for task in done if task.exception() is None]     # every outcome looked at
                if answered:
                    return answered[0].result()
                failure = failure or next((task.exception() for task in done), None)
                if hedged or not tries:      # the copy is out, or the one try failed
                    continue
                # Not sent yet: look again in a round trip. Sent: at the moment it is late, and then at
                # every limiter slot until one is free.
                late_in = sent.at + HEDGE_AFTER * self.latency_s - time.monotonic() if sent.at else self.latency_s
                if late_in > 0 or self._unsent > 0:
                    timeout = max(late_in, 1 / self.rate)
                    continue
                hedged, timeout = True, None
                self.stats["hedges"] += 1
                log.info("no answer from %s after %.1f s: sending it again", _describe(method, params),
                         time.monotonic() - sent.at, extra={"method": method, "hedges": self.stats["hedges"]})
                tries.add(asyncio.create_task(self._call_once(method, params, True, copy=True)))
            raise failure
        finally:
            for task in tries:
                task.cancel()

    def _count_retry(self, state: RetryCallState, method: str) -> None:
        error = state.outcome.exception() if state.outcome else None
        self.stats["retries"] += 1
        if (tally := _tally.get()) is not None:
            tally["retries"] += 1
        kind = f"error {error.code}" if isinstance(error, LastfmError) and error.code else "transport"
        self.stats[f"retry:{kind}"] += 1
        log.info("retrying %s after %s (attempt %d)", method, error, state.attempt_number,
                 extra={"method": method, "attempt": state.attempt_number, "retries": self.stats["retries"]})

    async def _call_once(self, method: str, params: dict, urgent: bool = False, sent: _Sent | None = None,
                         copy: bool = False) -> dict:
        query = {"method": method, "format": "json", **{k: str(v) for k, v in params.items()},
                 "api_key": self._api_key}
        described = _describe(method, params)
        assert self._http is not None, "use the client inside 'async with'"
        if not copy:             # a copy of a late request (see _hedged) waits for no slot
            self._queued += 1
            try:
                await self._slot_free.wait_until(lambda: self._in_flight < self.in_flight_limit(), first=urgent)
            finally:
                self._queued -= 1
        self._in_flight += 1     # no await since the check: the slot is ours
        self._unsent += 1
        try:
            try:
                await self._limiter_turn(urgent)
            finally:
                self._unsent -= 1
            self.stats["requests"] += 1
            sent_in = self._slowdown
            sent_at = time.monotonic()
            if sent is not None:
                sent.at = sent_at
            try:
                response = await self._http.get(self._api_url, params=query)
                # A proxy or server echoing the request would put the key into the text errors quote.
                text = response.text.replace(self._api_key, "***") if self._api_key else response.text
            except httpx.TimeoutException:
                raise TransientLastfmError(f"{described}: timed out after {self.options.timeout_s:g}s",
                                           method=method) from None
            except (httpx.InvalidURL, httpx.UnsupportedProtocol):
                raise PermanentLastfmError(f"{self._base_url} is not a usable API URL: check LASTFM_API_URL",
                                           method=method) from None
            except httpx.ConnectError as exc:
                self._connect_failed(exc, method)
                raise TransientLastfmError(f"{described}: cannot connect ({_reason(exc, self._api_key)})",
                                           method=method) from None
            except (httpx.TransportError, httpx.DecodingError) as exc:
                raise TransientLastfmError(f"{described}: network error ({type(exc).__name__})",
                                           method=method) from None
            self.latency_s += LATENCY_WEIGHT * (time.monotonic() - sent_at - self.latency_s)
        finally:
            self._in_flight -= 1
            self._released()
        self._reached = True
        if response.status_code == 429:
            self.stats["rate_limited"] += 1
        try:
            body = decode_body(text, status=response.status_code, method=described)
        except LastfmError as exc:
            self.stats[f"error:{exc.code or 'body'}"] += 1
            exc.retry_after = _retry_after(response.headers.get("Retry-After"))
            if isinstance(exc, RateLimitedError):
                self._adapt(True, sent_in)
            raise
        self._adapt(False, sent_in)
        return body

    # -- adapting to last.fm -----------------------------------------------------------------------
    def _set_rate(self, rate: float) -> None:
        self.rate = rate
        self._limiter.time_period = BUCKET / rate    # aiolimiter 1.x: both fields define the leak rate
        self._limiter._rate_per_sec = rate

    def _adapt(self, limited: bool, sent_in: int) -> None:
        """Halve the rate when error 29 keeps coming; raise it again after a run of successes."""
        if sent_in == self._slowdown:        # answers to requests sent before the last slow-down don't count
            self._recent.append(limited)
        configured = self.options.rate_limit
        if not limited:
            self._successes += 1
            if self._successes >= RECOVER_AFTER and self.rate < configured:
                self._successes = 0
                self._set_rate(min(configured, self.rate * RECOVER_FACTOR))
                log.info("no error 29 for a while: speeding up to %.2f requests/s", self.rate,
                         extra={"rate": self.rate})
            return
        self._successes = 0
        floor = min(MIN_RATE, configured)
        if sum(self._recent) >= SLOW_AFTER and self.rate > floor:
            self._recent.clear()
            self._slowdown += 1
            self.stats["slowdowns"] += 1
            self._set_rate(max(floor, self.rate / 2))
            log.warning("last.fm keeps saying too many requests: slowing down to %.2f requests/s", self.rate,
                        extra={"rate": self.rate})

    def _connect_failed(self, exc: httpx.ConnectError, method: str) -> None:
        """Before the URL ever answered, a second connection failure is a setup problem: fail now."""
        if self._reached:
            return
        self._unreached_failures += 1
        if self._unreached_failures > 1:
            raise PermanentLastfmError(f"cannot connect to {self._base_url} ({_reason(exc, self._api_key)}): "
                                       "check LASTFM_API_URL and the network", method=method) from None

    # -- typed methods ---------------------------------------------------------------------------------
    async def fetch_recent_tracks_page(self, user: str, from_uts: int, to_uts: int, page: int,
                                       limit: int = 200, *, urgent: bool = False) -> tuple[RecentTracksPage, dict]:
        """One page of a [from, to) window: parsed page and the raw body."""
        body = await self.call("user.getRecentTracks", urgent=urgent, user=user, limit=limit, page=page,
                               **{"from": from_uts, "to": to_uts})
        parsed = parse_recent_tracks(body)
        if parsed.user and parsed.user.casefold() != user.casefold():
            # A rare last.fm bug returns another user's tracks; treat as transient.
            raise TransientLastfmError(f"user.getRecentTracks: asked for {user!r}, got {parsed.user!r}")
        return parsed, body

    async def fetch_top_tags(self, artist: str) -> tuple[TopTags | None, dict]:
        """Top tags of an artist; None when last.fm does not know the artist (error 6)."""
        try:
            body = await self.call("artist.getTopTags", artist=artist, autocorrect=1)
        except PermanentLastfmError as exc:
            if exc.code == 6:
                return None, {"error": 6, "message": "The artist you supplied could not be found"}
            raise
        return parse_top_tags(body), body

    async def fetch_user_info(self, user: str) -> tuple[UserInfo, dict]:
        """The user's profile (playcount, registration) and the raw body."""
        body = await self.call("user.getInfo", user=user)
        return parse_user_info(body), body


class _Sent:
    """When an attempt's request was sent (monotonic seconds; 0 until then)."""

    at: float = 0.0


def _base_url(url: str) -> str:
    """The URL without credentials, query string or fragment (safe to show)."""
    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "LASTFM_API_URL"
    host = f"[{parts.hostname}]" if parts.hostname and ":" in parts.hostname else parts.hostname or ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def _reason(exc: Exception, secret: str) -> str:
    """The first line of an exception's message, the key scrubbed."""
    text = first_line(exc)
    return text.replace(secret, "***") if secret else text


def _retry_after(value: str | None) -> float:
    """Seconds from a Retry-After header given in seconds (last.fm sends none; proxies may)."""
    try:
        return max(0.0, float(value)) if value else 0.0
    except ValueError:
        return 0.0


def _describe(method: str, params: dict) -> str:
    """'method(user=x, page=2)': what we asked, without the key."""
    inner = ", ".join(f"{k}={v}" for k, v in params.items() if k != "api_key")
    return f"{method}({inner})"
