"""The client's retries, backoff, Retry-After, rate limiter and key hygiene, against a scripted HTTP
server on 127.0.0.1 that answers a programmed sequence and records when each request arrived."""

from __future__ import annotations

import asyncio
import http.server
import json
import socket
import struct
import threading
import time
from collections import deque
from urllib.parse import parse_qsl, urlsplit

import pytest
from tenacity import wait_exponential

from scrobble_insights.errors import PermanentLastfmError, RateLimitedError, TransientLastfmError
from scrobble_insights.lastfm import client as client_module
from scrobble_insights.lastfm.client import BUCKET, ClientOptions, LastfmClient, count_retries
from support import TEST_KEY

RESET = "reset"            # close the connection with a TCP reset, no answer
HANG = "hang"              # never answer (until the test ends)
TRUNCATE = "truncate"      # promise 500 bytes, send a few, close
OK_BODY = {"user": {"name": "alice", "playcount": "42", "registered": {"unixtime": "1000000000"}}}


def ok(body: dict | None = None, headers: dict | None = None):
    return 200, headers or {}, json.dumps(body or OK_BODY)


def lastfm_error(code: int, status: int = 200, headers: dict | None = None, message: str = "nope"):
    return status, headers or {}, json.dumps({"error": code, "message": message})


class ScriptedServer:
    """Answers GET requests from a script of (status, headers, body) or RESET/HANG/TRUNCATE; once the
    script is used up, answers `default`. Records (monotonic time, query) of every request."""

    def __init__(self) -> None:
        self.script: deque = deque()
        self.default = ok()
        self.seen: list[tuple[float, dict]] = []
        self.lock = threading.Lock()
        self.release = threading.Event()
        scripted = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_GET(self):
                with scripted.lock:
                    scripted.seen.append((time.monotonic(), dict(parse_qsl(urlsplit(self.path).query))))
                    answer = scripted.script.popleft() if scripted.script else scripted.default
                if answer == RESET:
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.rfile.close()
                    self.connection.close()
                    return
                if answer == HANG:
                    scripted.release.wait(30)
                    return
                if answer == TRUNCATE:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", "500")
                    self.end_headers()
                    self.wfile.write(b'{"user": {"name": "al')
                    return
                status, headers, body = answer
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def handle(self):
                try:
                    super().handle()
                except OSError:          # the client gave up on a HANG answer
                    pass

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/2.0/"

    def answer(self, *answers) -> None:
        self.script.extend(answers)

    @property
    def requests(self) -> int:
        return len(self.seen)

    def gaps(self) -> list[float]:
        times = [t for t, _ in self.seen]
        return [b - a for a, b in zip(times, times[1:])]

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def api():
    server = ScriptedServer()
    yield server
    server.close()


def make_client(server: ScriptedServer, **options) -> LastfmClient:
    values = dict(rate_limit=1000, max_concurrency=4, timeout_s=2.0, max_attempts=5, backoff_s=0.001,
                  backoff_max_s=0.01)
    values.update(options)
    return LastfmClient(TEST_KEY, server.url, ClientOptions(**values))


def call(client: LastfmClient, method: str = "user.getInfo", **params):
    """One client.call inside the client's lifetime."""
    params = params or {"user": "alice"}

    async def run():
        async with client:
            return await client.call(method, **params)

    return asyncio.run(run())


# -- what is retried and what is not -----------------------------------------------------------------

@pytest.mark.parametrize("failure", [
    pytest.param((500, {}, "Internal Server Error"), id="http-500-text"),
    pytest.param((502, {}, "<html><body>Bad Gateway</body></html>"), id="http-502-html"),
    pytest.param((503, {}, json.dumps({"status": "down"})), id="http-503-json-without-error"),
    pytest.param(lastfm_error(8), id="error-8-operation-failed"),
    pytest.param(lastfm_error(11), id="error-11-service-offline"),
    pytest.param(lastfm_error(16), id="error-16-temporary"),
    pytest.param(lastfm_error(29, status=429), id="error-29-rate-limit"),
    pytest.param(RESET, id="connection-reset"),
    pytest.param(TRUNCATE, id="body-cut-by-the-connection"),
    pytest.param((200, {}, '{"user": {"name": "alice", "playc'), id="cut-off-json"),
    pytest.param((200, {}, json.dumps({"error": "eight"})), id="malformed-error-body"),
])
def test_transient_failures_are_retried_until_an_answer(api, failure):
    api.answer(failure, failure)
    client = make_client(api)
    assert call(client) == OK_BODY
    assert api.requests == 3                          # two failures, then the answer
    assert client.stats["retries"] == 2 and client.stats["requests"] == 3


@pytest.mark.parametrize("code", [2, 3, 4, 6, 7, 10, 13, 17, 26, 99])
def test_permanent_errors_are_never_retried(api, code):
    api.default = lastfm_error(code)
    client = make_client(api, max_attempts=8)
    with pytest.raises(PermanentLastfmError) as caught:
        call(client)
    assert caught.value.code == code
    assert api.requests == 1
    assert client.stats["retries"] == 0


def test_a_permanent_error_body_wins_over_a_5xx_status(api):
    api.default = lastfm_error(6, status=500)
    with pytest.raises(PermanentLastfmError):
        call(make_client(api))
    assert api.requests == 1


def test_transient_failures_stop_after_max_attempts_with_the_last_error(api):
    api.default = lastfm_error(16)
    client = make_client(api, max_attempts=4)
    with pytest.raises(TransientLastfmError) as caught:
        call(client)
    assert caught.value.code == 16 and "error 16" in str(caught.value)
    assert api.requests == 4
    assert client.stats["retries"] == 3 and client.stats["retry:error 16"] == 3


def test_a_timeout_is_transient_and_retried(api):
    api.answer(HANG, HANG)
    client = make_client(api, timeout_s=0.2)
    assert call(client) == OK_BODY
    assert api.requests == 3


def test_a_late_answer_is_hedged_by_a_copy_and_the_first_answer_wins(api):
    """No answer within twice the latency (1 s assumed before any answer) while the limiter is free: a copy
    goes out and its answer is the call's, long before the 10 s timeout of the hung request."""
    api.answer(HANG)
    client = make_client(api, timeout_s=10.0)
    started = time.monotonic()
    assert call(client) == OK_BODY
    assert time.monotonic() - started < 5
    assert api.requests == 2 and client.stats["hedges"] == 1 and client.stats["retries"] == 0
    assert api.gaps()[0] >= 1.9                  # not before the answer was late


def test_error_29_is_raised_as_rate_limited_when_it_never_stops(api):
    api.default = lastfm_error(29, status=429)
    client = make_client(api, max_attempts=3)
    with pytest.raises(RateLimitedError):
        call(client)
    assert api.requests == 3 and client.stats["rate_limited"] == 3


def test_count_retries_tallies_the_retries_made_inside_the_block(api):
    api.answer(lastfm_error(8), RESET, ok(), lastfm_error(11))
    client = make_client(api)

    async def run():
        async with client:
            with count_retries() as tally:
                await client.call("user.getInfo", user="alice")
            await client.call("user.getInfo", user="alice")       # outside the block
            return tally

    tally = asyncio.run(run())
    assert tally["retries"] == 2
    assert client.stats["retries"] == 3
    assert client.stats["retry:error 8"] == 1 and client.stats["retry:transport"] == 1


def test_an_unknown_artist_is_none_after_one_request(api):
    api.default = lastfm_error(6, message="The artist you supplied could not be found")
    client = make_client(api)

    async def run():
        async with client:
            return await client.fetch_top_tags("Nobody At All")

    tags, body = asyncio.run(run())
    assert tags is None and body["error"] == 6
    assert api.requests == 1


def test_every_request_carries_the_method_the_parameters_and_the_key(api):
    call(make_client(api), "user.getRecentTracks", user="alice", page=2, limit=200)
    [(_, query)] = api.seen
    assert query == {"method": "user.getRecentTracks", "format": "json", "user": "alice", "page": "2",
                     "limit": "200", "api_key": TEST_KEY}


# -- backoff ------------------------------------------------------------------------------------------

def test_backoff_doubles_between_attempts(api, monkeypatch):
    """The jitter is full (random in [0, cap]); without it the waits are the caps: 1, 2, 4, 8 x backoff."""
    monkeypatch.setattr(client_module, "wait_random_exponential", wait_exponential)
    api.answer(*[lastfm_error(29, status=429)] * 4)
    call(make_client(api, backoff_s=0.02, backoff_max_s=10))
    assert api.requests == 5
    gaps = api.gaps()
    for k, gap in enumerate(gaps):
        assert gap >= 0.02 * 2 ** k * 0.9, gaps
    assert gaps[-1] >= 0.144                     # 8x the first backoff: it grew


def test_a_first_fault_other_than_error_29_is_retried_without_backoff_then_backs_off(api, monkeypatch):
    """A 5xx or error 8/11/16 is retried at the next limiter slot; from the second failure in a row the
    waits are those of error 29 (2, 4, 8 x backoff)."""
    monkeypatch.setattr(client_module, "wait_random_exponential", wait_exponential)
    api.answer(*[lastfm_error(16)] * 4)
    call(make_client(api, backoff_s=0.2, backoff_max_s=10))
    assert api.requests == 5
    gaps = api.gaps()
    assert gaps[0] < 0.15, gaps                  # not the 0.2 s of a first backoff
    for k, gap in enumerate(gaps[1:], start=1):
        assert gap >= 0.2 * 2 ** k * 0.9, gaps


def test_backoff_is_capped_at_backoff_max(api, monkeypatch):
    monkeypatch.setattr(client_module, "wait_random_exponential", wait_exponential)
    api.answer(*[lastfm_error(29, status=429)] * 5)      # error 29: every retry backs off, the first too
    started = time.monotonic()
    call(make_client(api, max_attempts=6, backoff_s=0.05, backoff_max_s=0.06))
    elapsed = time.monotonic() - started
    assert api.requests == 6
    assert all(gap >= 0.045 for gap in api.gaps())
    # Uncapped: 0.05 * (1 + 2 + 4 + 8 + 16) = 1.55 s of waiting; capped: 0.29 s.
    assert elapsed < 1.2


def test_jittered_backoff_stays_under_its_cap(api):
    """Full jitter: every wait is at most backoff_s * 2**(attempt-1), capped by backoff_max_s."""
    api.answer(*[lastfm_error(8)] * 5)
    started = time.monotonic()
    call(make_client(api, max_attempts=6, backoff_s=30.0, backoff_max_s=0.05))
    assert api.requests == 6
    assert time.monotonic() - started < 5           # 5 waits of at most 0.05 s, not up to 30 s each


# -- Retry-After --------------------------------------------------------------------------------------

@pytest.mark.parametrize("failure", [
    pytest.param((503, {"Retry-After": "0.3"}, "Service Unavailable"), id="http-503"),
    pytest.param(lastfm_error(29, status=429, headers={"Retry-After": "0.3"}), id="error-29"),
])
def test_retry_after_in_seconds_is_waited_at_least(api, failure):
    api.answer(failure)
    call(make_client(api, backoff_s=0.001, backoff_max_s=5))
    assert api.requests == 2
    assert api.gaps()[0] >= 0.29


def test_retry_after_is_capped_by_backoff_max(api):
    api.answer((503, {"Retry-After": "3600"}, "Service Unavailable"))
    started = time.monotonic()
    call(make_client(api, backoff_s=0.001, backoff_max_s=0.05))
    assert api.requests == 2
    assert time.monotonic() - started < 5


def test_retry_after_as_an_http_date_is_ignored_not_fatal(api):
    """Only the delay-seconds form is understood; a date (also valid HTTP) falls back to the backoff."""
    api.answer((503, {"Retry-After": "Wed, 21 Oct 2037 07:28:00 GMT"}, "Service Unavailable"))
    started = time.monotonic()
    assert call(make_client(api, backoff_s=0.001, backoff_max_s=0.05)) == OK_BODY
    assert api.requests == 2 and time.monotonic() - started < 5


def test_retry_after_on_a_permanent_error_does_not_cause_a_retry(api):
    api.default = lastfm_error(10, headers={"Retry-After": "1"})
    with pytest.raises(PermanentLastfmError):
        call(make_client(api))
    assert api.requests == 1


# -- the rate limiter ---------------------------------------------------------------------------------

def test_rate_limiter_spaces_a_concurrent_burst(api):
    """Spacing is measured where the client sends (an httpx request hook, after the limiter), not where
    the server receives: arrival times jitter by tens of ms on a loaded machine, send times do not."""
    rate, n = 20.0, 11
    client = make_client(api, rate_limit=rate, max_concurrency=4)
    sent: list[float] = []

    async def note(request):
        sent.append(time.monotonic())

    async def run():
        async with client:
            client._http.event_hooks["request"].append(note)
            await asyncio.gather(*(client.call("user.getInfo", user="alice") for _ in range(n)))

    asyncio.run(run())
    assert api.requests == n and len(sent) == n
    # The limiter holds BUCKET requests at most: k requests in a row span at least (k - BUCKET) / rate,
    # less 30 ms for the event loop between the limiter and the hook.
    for k in (3, 6, n):
        for first, last in zip(sent, sent[k - 1:]):
            assert last - first >= (k - BUCKET) / rate - 0.03, (k, [round(t - sent[0], 3) for t in sent])


def test_rate_limiter_also_spaces_retries(api):
    api.answer(*[lastfm_error(16)] * 5)
    client = make_client(api, rate_limit=20.0, max_attempts=6, backoff_s=0.0, backoff_max_s=0.0)
    call(client)
    times = [t for t, _ in api.seen]
    assert len(times) == 6
    assert times[-1] - times[0] >= 5 / 20.0 - 0.1


def test_error_29_now_and_then_is_retried_and_a_third_in_ten_answers_halves_the_rate(api):
    """Sequential calls, so every answer counts: two errors 29 among ten answers (another program on the
    key, a hiccup) are retried without slowing down; a third among the last ten halves the rate."""
    limited = lastfm_error(29, status=429)
    client = make_client(api, rate_limit=100.0)

    async def run() -> list[float]:
        rates = []
        async with client:
            for _ in range(4):
                await client.call("user.getInfo", user="alice")
                rates.append(client.rate)
        return rates

    api.answer(limited, ok(), ok(), ok(), limited, ok())       # the 4 calls' 6 answers: 2 errors 29
    assert asyncio.run(run()) == [100.0] * 4 and client.stats["slowdowns"] == 0
    assert not api.script
    api.answer(limited, ok(), limited, ok(), limited, ok())    # 3 of the first 6 answers
    client = make_client(api, rate_limit=100.0)
    rates = asyncio.run(run())
    assert client.stats["slowdowns"] == 1 and rates[-1] == 50.0 and client.stats["rate_limited"] == 3


# -- the key never in a message -----------------------------------------------------------------------

@pytest.mark.parametrize("failure", [
    lastfm_error(10, message="Invalid API key - You must be granted a valid key by last.fm"),
    lastfm_error(6, message="User not found"),
    lastfm_error(17, message="Login: User required to be logged in"),
    lastfm_error(16),
    (500, {}, "Internal Server Error"),
    (200, {}, '{"recenttracks": {"tr'),
    RESET,
    TRUNCATE,
    HANG,
], ids=["error-10", "error-6", "error-17", "error-16", "http-500", "cut-off-json", "reset", "truncate",
        "timeout"])
def test_the_api_key_never_appears_in_exception_messages(api, failure):
    api.default = failure
    with pytest.raises((PermanentLastfmError, TransientLastfmError)) as caught:
        call(make_client(api, max_attempts=2, timeout_s=0.2))
    assert api.requests >= 1 and api.seen[0][1]["api_key"] == TEST_KEY      # the key was sent ...
    for text in (str(caught.value), repr(caught.value), caught.value.method):
        assert TEST_KEY not in text and "api_key" not in text                 # ... and never shown
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("failure", [
    pytest.param(lastfm_error(10, message=f"Invalid API key: {TEST_KEY}"), id="error-body"),
    pytest.param((502, {}, f"<html>bad gateway for ?api_key={TEST_KEY}</html>"), id="html-page"),
])
def test_the_api_key_is_scrubbed_even_when_the_server_echoes_it(api, failure):
    """A proxy or a server that echoes the request puts the key in the text the client quotes."""
    api.default = failure
    with pytest.raises((PermanentLastfmError, TransientLastfmError)) as caught:
        call(make_client(api, max_attempts=2))
    assert TEST_KEY[:8] not in str(caught.value)             # not even the part a snippet would quote
    assert "***" in str(caught.value)
