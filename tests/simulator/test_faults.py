"""Rate limiting, injected faults, latency, stats and log redaction of the simulator."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time

import httpx
import pytest

from scrobble_insights.simulator import FAULT_KINDS
from scrobble_insights.simulator.faults import FaultInjector, RateLimiter


def test_rate_limit_answers_429_error_29_and_is_counted(serve):
    sim, api = serve(rate_limit=2)
    answers = [api.call(method="user.getInfo", user="ann") for _ in range(8)]
    control = [api.control("GET", "stats") for _ in range(10)]
    limited = [r for r in answers if r.status_code == 429]
    assert limited and answers[0].status_code == 200
    assert limited[0].text == (
        '{"message":"Rate Limit Exceeded - This application has made too many requests in a '
        'short period. If this is your API key, see https:\\/\\/www.last.fm\\/api\\/tos#4.4 '
        'for information about raising the limit.","error":29}')
    assert all(r.status_code == 200 for r in control)
    assert sim.stats["rate_limited"] == len(limited) and sim.stats["requests"] == 8


def test_token_bucket_lets_a_client_at_the_rate_through():
    limiter = RateLimiter(5.0)
    assert all(limiter.allow("a", now=100 + i * 0.2) for i in range(50))
    assert all(limiter.allow("b", now=0.0) for _ in range(5))
    assert not limiter.allow("b", now=0.0)
    assert limiter.allow("b", now=0.2)
    assert all(RateLimiter(0).allow("c", now=0.0) for _ in range(100))


@pytest.mark.parametrize("kind, status, code", [
    ("error29", 429, 29), ("error8", 500, 8), ("error11", 503, 11), ("error16", 503, 16)])
def test_injected_error_faults(serve, kind, status, code):
    sim, api = serve(fault_rate=1.0, fault_kinds=(kind,))
    response = api.call(method="user.getInfo", user="ann")
    assert response.status_code == status and response.json()["error"] == code
    assert list(response.json()) == ["message", "error"]
    assert sim.stats[f"fault:{kind}"] == 1 and sim.stats["faults"] == 1
    assert sim.stats["rate_limited"] == 0


def test_html_500_fault_is_not_json(serve):
    _, api = serve(fault_rate=1.0, fault_kinds=("html500",))
    response = api.call(method="user.getInfo", user="ann")
    assert response.status_code == 500 and response.headers["content-type"] == "text/html"
    assert "500 Internal Server Error" in response.text and "openresty" in response.text
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_truncated_fault_sends_part_of_the_body_then_closes(serve):
    sim, api = serve(fault_rate=1.0, fault_kinds=("truncated",))
    conn = http.client.HTTPConnection(api.server.host, api.server.port, timeout=5)
    conn.request("GET", "/2.0/?method=user.getRecentTracks&user=ann&api_key=k&format=json")
    response = conn.getresponse()
    assert response.status == 200
    with pytest.raises(http.client.IncompleteRead) as cut:
        response.read()
    conn.close()
    assert 0 < len(cut.value.partial) < int(response.getheader("Content-Length"))
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.value.partial)
    assert sim.stats["fault:truncated"] == 1


def test_dropped_fault_closes_without_a_response(serve):
    sim, api = serve(fault_rate=1.0, fault_kinds=("dropped",))
    with pytest.raises(httpx.TransportError):
        api.call(method="user.getInfo", user="ann")
    assert sim.stats["fault:dropped"] == 1


def test_timeout_fault_stalls_then_closes_and_can_be_switched_off(serve):
    sim, api = serve(fault_rate=1.0, fault_kinds=("timeout",), timeout_fault_s=0.3)
    started = time.monotonic()
    with pytest.raises(httpx.TransportError):
        api.call(method="user.getInfo", user="ann")
    assert time.monotonic() - started >= 0.3
    assert api.control("POST", "faults", rate=0).json() == {"fault_rate": 0.0}
    assert api.call(method="user.getInfo", user="ann").status_code == 200
    assert sim.stats["fault:timeout"] == 1


def test_every_fault_kind_is_drawn_when_all_are_enabled():
    injector = FaultInjector(1.0, seed=1)
    assert {injector.pick() for _ in range(200)} == set(FAULT_KINDS)
    injector.set_rate(0.0)
    assert injector.pick() is None
    with pytest.raises(ValueError):
        FaultInjector(0.5, ("meteor",))


def test_fault_rate_is_roughly_the_share_of_faulted_requests():
    injector = FaultInjector(0.2, seed=3)
    faulted = sum(injector.pick() is not None for _ in range(5000))
    assert 850 < faulted < 1150


def test_fault_seed_draws_other_faults_over_the_same_history():
    from scrobble_insights.simulator import Simulator, SimulatorConfig

    def faults(**seeds) -> tuple[Simulator, list]:
        sim = Simulator(SimulatorConfig(seed=3, fault_rate=0.3, users=["ann"], years=0.1, now=1773532800, **seeds))
        return sim, [sim.faults.pick() for _ in range(50)]

    (plain, default), (_, same), (other, drawn) = faults(), faults(fault_seed=3), faults(fault_seed=4)
    assert default == same and drawn != default
    assert plain.truth("ann") == other.truth("ann")        # the history does not depend on the faults' seed


def test_latency_delays_answers_without_blocking_other_connections(serve):
    sim, api = serve(latency_ms=300)
    results: list = []

    def fetch() -> None:
        with httpx.Client() as client:
            results.append(client.get(api.server.url, params={
                "method": "user.getInfo", "user": "ann", "api_key": "k"}))

    threads = [threading.Thread(target=fetch) for _ in range(3)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    assert [r.status_code for r in results] == [200, 200, 200]
    assert 0.3 <= elapsed < 0.85


def test_stats_count_requests_per_method(serve):
    _, api = serve()
    api.call(method="user.getInfo", user="ann")
    api.call(method="artist.getTopTags", artist="x")
    api.call(method="user.nothing")
    stats = api.control("GET", "stats").json()
    assert stats["requests"] == 3 and stats["method:user.getinfo"] == 1
    assert stats["method:artist.gettoptags"] == 1 and stats["method:unknown"] == 1


def test_api_key_never_reaches_the_logs(serve, capfd):
    secret = "SECRETKEY0123456789abcdef"
    _, api = serve(log_requests=True)
    api.call(method="user.getInfo", user="ann", api_key=secret)
    api.call(method="user.getinfo", user="nobody", api_key=secret)
    with socket.create_connection((api.server.host, api.server.port)) as raw:   # malformed
        raw.sendall(f"GET /2.0/?api_key={secret} HTTP/9\r\n\r\n".encode())
        raw.recv(4096)
    err = capfd.readouterr().err
    assert "api_key=<redacted>" in err and secret not in err
    assert "user.getInfo" in err


def test_requests_are_silent_by_default(serve, capfd):
    _, api = serve()
    api.call(method="user.getInfo", user="ann", api_key="quietkey")
    api.call(method="user.getInfo", user="nobody", api_key="quietkey")
    assert capfd.readouterr().err == ""


def test_request_log_keeps_every_api_request_in_order_without_the_key(serve):
    sim, api = serve()
    for page in (1, 2, 3):
        api.call(method="user.getRecentTracks", user="ann", page=page)
    api.control("GET", "stats")      # control endpoints are not API requests
    log = sim.request_log()
    assert [(r.method, r.params.get("page")) for r in log] == [("user.getRecentTracks", str(p)) for p in (1, 2, 3)]
    assert all("api_key" not in r.params and r.params["user"] == "ann" for r in log)
    assert [r.at for r in log] == sorted(r.at for r in log)
