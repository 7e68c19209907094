"""Async MusicBrainz ws/2 client (JSON): one request at a time, at a steady rate, transient-only retries.

MusicBrainz allows 1 request per second per source IP on average and answers 503 above it
(docs/musicbrainz-api-notes.md §1). The client never bursts: an `aiolimiter.AsyncLimiter` of capacity 1
spaces the requests at least 1/rate seconds apart, retries included, and requests go one at a time (the
service limits the rate, and concurrency would only make bursts). Every request carries the
User-Agent `scrobble-insights/<version> ( <contact> )` the configuration names (§2).

Answers:
- 200 with a JSON object: the body;
- 404: None (the MBID is unknown to MusicBrainz), with the error body;
- 503, another 5xx, an HTML or cut-off body, a dropped connection, a timeout: retried with exponential
  backoff and full jitter (never shorter than a Retry-After), up to `max_attempts`;
- anything else (400 for a malformed query, 401/403): MusicBrainzError at once.

No pipeline knowledge here, and no last.fm key: nothing of the last.fm client is shared but the libraries.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx
from aiolimiter import AsyncLimiter
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from scrobble_insights.errors import MusicBrainzError, TransientMusicBrainzError

log = logging.getLogger(__name__)
SEARCH_LIMIT = 100          # the most results one search answer holds


@dataclass
class MBClientOptions:
    rate_limit: float = 1.0          # requests per second, never bursting above it
    timeout_s: float = 30.0
    max_attempts: int = 8
    backoff_s: float = 1.0           # first backoff; doubles per attempt, with full jitter
    backoff_max_s: float = 60.0


@dataclass
class Answer:
    """One MusicBrainz answer: HTTP status, the parsed body and what was asked (path and query)."""

    status: int
    body: dict
    path: str
    params: dict[str, str]

    @property
    def found(self) -> bool:
        return self.status == 200


class MusicBrainzClient:
    """Use as ``async with MusicBrainzClient(url, user_agent) as mb: ...``."""

    def __init__(self, api_url: str, user_agent: str, options: MBClientOptions | None = None) -> None:
        self.api_url = api_url if api_url.endswith("/") else api_url + "/"
        self.user_agent = user_agent
        self.options = options or MBClientOptions()
        # Capacity 1: one request per 1/rate seconds, no burst (MusicBrainz averages per IP).
        self._limiter = AsyncLimiter(1, 1 / self.options.rate_limit)
        self._http: httpx.AsyncClient | None = None
        self.stats: Counter[str] = Counter()

    async def __aenter__(self) -> MusicBrainzClient:
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(self.options.timeout_s),
            headers={"User-Agent": self.user_agent, "Accept": "application/json"},
            follow_redirects=False,
            trust_env=False,      # never route through a proxy from the environment
        )
        return self

    async def __aexit__(self, *exc) -> None:
        if self._http is not None:
            await self._http.aclose()

    # -- typed requests ------------------------------------------------------------------------------
    async def search_artists(self, query: str, limit: int = SEARCH_LIMIT) -> Answer:
        """GET artist?query=<lucene>&limit=: a search answer (`artists`, each with a `score`)."""
        return await self.get("artist", query=query, limit=str(limit))

    async def lookup_artist(self, mbid: str, inc: str = "genres+tags+aliases") -> Answer:
        """GET artist/<mbid>?inc=: the artist (a merged MBID answers its target), or status 404."""
        return await self.get(f"artist/{mbid}", inc=inc)

    async def search_release_groups(self, query: str, limit: int = SEARCH_LIMIT) -> Answer:
        """GET release-group?query=<lucene>&limit=: a search answer (`release-groups`, each with its
        `releases`)."""
        return await self.get("release-group", query=query, limit=str(limit))

    async def browse_release_groups(self, artist_mbid: str, offset: int = 0, limit: int = SEARCH_LIMIT) -> Answer:
        """GET release-group?artist=<mbid>&limit=&offset=: one page of an artist's release groups, or 404."""
        return await self.get("release-group", artist=artist_mbid, limit=str(limit), offset=str(offset))

    # -- the one request path ------------------------------------------------------------------------
    async def get(self, path: str, **params: str) -> Answer:
        """GET <root><path>?<params>&fmt=json, retrying what can heal (see the module docstring)."""
        jitter = wait_random_exponential(multiplier=self.options.backoff_s, max=self.options.backoff_max_s)

        def wait(state: RetryCallState) -> float:
            error = state.outcome.exception() if state.outcome else None
            return max(jitter(state), min(getattr(error, "retry_after", 0.0), self.options.backoff_max_s))

        retrying = AsyncRetrying(retry=retry_if_exception_type(TransientMusicBrainzError), wait=wait,
                                 stop=stop_after_attempt(self.options.max_attempts),
                                 before_sleep=self._count_retry, reraise=True)
        query = {**params, "fmt": "json"}
        async for attempt in retrying:
            with attempt:
                return await self._get_once(path, query)
        raise AssertionError("unreachable")

    def _count_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        self.stats["retries"] += 1
        log.info("retrying a MusicBrainz request after %s (attempt %d)", error, state.attempt_number)

    async def _get_once(self, path: str, query: dict[str, str]) -> Answer:
        assert self._http is not None, "use the client inside 'async with'"
        described = f"MusicBrainz {path.split('/')[0]} {'lookup' if '/' in path else 'search'}"
        await self._limiter.acquire()
        self.stats["requests"] += 1
        started = time.monotonic()
        try:
            response = await self._http.get(urljoin(self.api_url, path), params=query)
        except httpx.TimeoutException:
            raise TransientMusicBrainzError(f"{described}: timed out after {self.options.timeout_s:g}s") from None
        except (httpx.InvalidURL, httpx.UnsupportedProtocol):
            raise MusicBrainzError(f"{self.api_url} is not a usable MusicBrainz URL: check "
                                   "SCROBBLE_INSIGHTS_MB_API_URL") from None
        except (httpx.TransportError, httpx.DecodingError) as exc:
            raise TransientMusicBrainzError(f"{described}: network error ({type(exc).__name__})") from None
        log.debug("MusicBrainz answered %s in %.3fs", response.status_code, time.monotonic() - started)
        status, text = response.status_code, response.text
        if status >= 500:
            self.stats[f"http:{status}"] += 1
            error = TransientMusicBrainzError(f"{described}: MusicBrainz answered HTTP {status}"
                                              f"{' (rate limit or overload)' if status == 503 else ''}; will retry")
            error.retry_after = _retry_after(response.headers.get("Retry-After"))
            raise error
        try:
            body = json.loads(text)
        except ValueError:
            kind = "an HTML page" if "<html" in text[:500].lower() else "a body that is not valid JSON"
            raise TransientMusicBrainzError(f"{described}: MusicBrainz sent {kind} (HTTP {status}, "
                                            f"{len(text)} bytes); will retry") from None
        if not isinstance(body, dict):
            raise TransientMusicBrainzError(f"{described}: MusicBrainz sent JSON that is not an object")
        if status == 404:
            self.stats["not_found"] += 1
            return Answer(status, body, path, query)
        if status != 200:
            message = str(body.get("error", "")).strip() or f"HTTP {status}"
            raise MusicBrainzError(f"{described}: MusicBrainz refused the request (HTTP {status}: {message})")
        return Answer(status, body, path, query)


def _retry_after(value: str | None) -> float:
    """Seconds from a Retry-After header given in seconds."""
    try:
        return max(0.0, float(value)) if value else 0.0
    except ValueError:
        return 0.0
