"""HTTP front of the simulator: the /2.0/ API, the /_sim/ control endpoints and faults.

Standard-library `ThreadingHTTPServer` with HTTP/1.1 keep-alive, one thread per
connection. Raw socket control lets faults send truncated bodies or drop connections.
The api_key is never logged: access-log lines (only with `log_requests`) are redacted.
"""

from __future__ import annotations

import dataclasses
import re
import socket
import socketserver
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from scrobble_insights.simulator import methods, musicbrainz
from scrobble_insights.simulator.faults import ERROR_FAULTS, HTML_500, HTML_502
from scrobble_insights.simulator.methods import Reply, dumps, user_error

if TYPE_CHECKING:
    from scrobble_insights.simulator.core import Simulator

API_PATHS = ("/2.0/", "/2.0")
MB_PREFIX = "/ws/2/"
SECRET = re.compile(r"(?i)(api_key=)[^&\s\"']*")


def redact(text: str) -> str:
    """Replace every api_key value in a log line."""
    return SECRET.sub(r"\1<redacted>", text)


class SimHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its Simulator and can cut open connections."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sim: Simulator):
        self.sim = sim
        self.stopping = threading.Event()
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse-DNS lookup of the host."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet on clients hanging up; otherwise one redacted traceback on stderr."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        sys.stderr.write(redact(traceback.format_exc()))

    def cut_connections(self) -> None:
        """Shut down every open client socket (ends keep-alive and stalled handlers)."""
        with self.sockets_lock:
            sockets = list(self.open_sockets)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Handler(BaseHTTPRequestHandler):
    """Routes /2.0/ to the API methods and /_sim/ to the control endpoints."""

    protocol_version = "HTTP/1.1"
    server_version = "openresty"
    sys_version = ""
    timeout = 60            # idle keep-alive connections are closed after this
    server: SimHTTPServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without NODELAY, Nagle's algorithm
        # and the client's delayed ACK would add ~40 ms to every keep-alive response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.sockets_lock:
            self.server.open_sockets.add(self.connection)

    def finish(self) -> None:
        with self.server.sockets_lock:
            self.server.open_sockets.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib name)
        """Access log only with config.log_requests, and always with the api_key redacted."""
        if self.server.sim.config.log_requests:
            line = f"{self.address_string()} - [{self.log_date_time_string()}] {format % args}\n"
            sys.stderr.write(redact(line))

    def do_GET(self) -> None:
        self._route(self._params(b""))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._route(self._params(self.rfile.read(length) if length > 0 else b""))

    def _params(self, body: bytes) -> dict[str, str]:
        """Query string and form body parameters (first value of each; body wins)."""
        params = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query,
                                                keep_blank_values=True).items()}
        form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        params.update({k: v[0] for k, v in form.items()})
        return params

    def _route(self, params: dict[str, str]) -> None:
        path = urlsplit(self.path).path
        if path in API_PATHS:
            self._api(params)
        elif path.startswith(MB_PREFIX):
            self._musicbrainz(path, params)
        elif path.startswith("/_sim/"):
            self._send(control(self.server.sim, self.command, path[6:], params))
        else:
            self._send(Reply(404, b"<html><body><h1>404 Not Found</h1></body></html>",
                             "text/html; charset=utf-8"))

    def _admit(self, limiter, faults, prefix: str) -> tuple[bool, str | None] | None:
        """Rate limit, then fault injection, then latency: (rate-limited, fault kind), counted under
        `prefix`; None when the fault was to hang up (the request is done)."""
        sim, server = self.server.sim, self.server
        sim.count(f"{prefix}requests")
        limited = not limiter.allow(self.client_address[0])
        kind = None if limited else faults.pick()
        if limited:
            sim.count(f"{prefix}rate_limited")
        elif kind:
            sim.count(f"{prefix}faults")
            sim.count(f"{prefix}fault:{kind}")
        if kind in ("dropped", "timeout"):
            if kind == "timeout":
                server.stopping.wait(sim.config.timeout_fault_s)
            self._hang_up()
            return None
        if sim.config.latency_ms > 0:
            server.stopping.wait(sim.config.latency_ms / 1000)
        return limited, kind

    def _api(self, params: dict[str, str]) -> None:
        """Rate limit, then fault injection, then latency, then the method itself."""
        sim = self.server.sim
        sim.log_request(params)
        method = params.get("method", "").lower()
        sim.count(f"method:{method if method in methods.METHODS else 'unknown'}")
        admitted = self._admit(sim.limiter, sim.faults, "")
        if admitted is None:
            return
        limited, kind = admitted
        if limited:
            self._send(user_error(429, 29))
        elif kind in ERROR_FAULTS:
            code, status = ERROR_FAULTS[kind]
            self._send(user_error(status, code))
        elif kind == "html500":
            self._send(Reply(500, HTML_500, "text/html"))
        else:
            try:
                reply = methods.call(sim, params)
            except Exception:  # a simulator bug must still answer like last.fm would
                sys.stderr.write(redact(traceback.format_exc()))
                reply = user_error(500, 8)
            self._send(reply, truncate=kind == "truncated")

    def _musicbrainz(self, path: str, params: dict[str, str]) -> None:
        """MusicBrainz ws/2: logged (with the User-Agent), then rate limit (503), faults, latency, the answer."""
        sim = self.server.sim
        logged = {"path": path, **params, "user-agent": self.headers.get("User-Agent", "")}
        sim.log_request(logged, method=musicbrainz.endpoint(path, params))
        admitted = self._admit(sim.mb_limiter, sim.mb_faults, "mb_")
        if admitted is None:
            return
        limited, kind = admitted
        if limited or kind == "mb503":
            self._send(musicbrainz.rate_limited())
        elif kind == "html502":
            self._send(Reply(502, HTML_502, "text/html"))
        else:
            try:
                reply = musicbrainz.call(sim, path, params)
            except Exception:  # a simulator bug still answers like the real service's 500
                sys.stderr.write(traceback.format_exc())
                reply = musicbrainz.error(500, "Internal server error.")
            self._send(reply, truncate=kind == "truncated")

    def _send(self, reply: Reply, truncate: bool = False) -> None:
        """Write one response; truncate sends the full Content-Length but half the body."""
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        if not truncate:
            self.wfile.write(reply.body)
            return
        self.wfile.write(reply.body[: max(1, len(reply.body) // 2)])
        self._hang_up()

    def _hang_up(self) -> None:
        """Close the connection now, without (the rest of) a response."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def control(sim: Simulator, verb: str, action: str, params: dict[str, str]) -> Reply:
    """The /_sim/ endpoints: truth, late, delete, edit, stats, faults (no key, no faults)."""
    def ok(obj: Any) -> Reply:
        return Reply(200, dumps(obj, escape_slashes=False))

    def fail(status: int, message: str) -> Reply:
        return Reply(status, dumps({"error": message}, escape_slashes=False))

    posts = {"late", "delete", "edit", "faults"}
    if action not in posts | {"truth", "stats"}:
        return fail(404, f"unknown control endpoint /_sim/{action}")
    if (action in posts) != (verb == "POST"):
        return fail(405, f"/_sim/{action} expects {'POST' if action in posts else 'GET'}")
    try:
        if action == "stats":
            return ok(sim.stats)
        if action == "faults":
            sim.set_fault_rate(float(params["rate"]))
            return ok({"fault_rate": sim.faults.rate})
        user = params["user"]
        if sim.user(user) is None:
            return fail(404, f"unknown simulated user {user!r}")
        low = methods.parse_int(params.get("from", params.get("since")), None)
        high = methods.parse_int(params.get("to", params.get("until")), None)
        if action == "truth":
            return ok([dataclasses.asdict(s) for s in sim.truth(user, low, high)])
        count = int(params["count"])
        if action == "late":
            age = float(params.get("max_age_days", 14))
            added = sim.add_late_scrobbles(user, count, age)
            return ok({"added": [dataclasses.asdict(s) for s in added]})
        if action == "delete":
            gone = sim.delete_scrobbles(user, count, low, high)
            return ok({"deleted": [dataclasses.asdict(s) for s in gone]})
        pairs = sim.edit_scrobbles(user, count, low, high)
        return ok({"edited": [[dataclasses.asdict(a), dataclasses.asdict(b)] for a, b in pairs]})
    except KeyError as missing:
        return fail(400, f"missing parameter {missing}")
    except ValueError as bad:
        return fail(400, f"invalid parameter: {bad}")


class RunningServer:
    """A simulator being served; `.url` is the last.fm API root, `.mb_url` the MusicBrainz one.
    Use as a context manager."""

    def __init__(self, sim: Simulator, host: str = "127.0.0.1", port: int = 0,
                 background: bool = True):
        self.httpd = SimHTTPServer((host, port), sim)
        self.host, self.port = host, self.httpd.server_address[1]
        netloc = f"[{host}]" if ":" in host else host
        self.url = f"http://{netloc}:{self.port}/2.0/"
        self.mb_url = f"http://{netloc}:{self.port}/ws/2/"   # the simulated MusicBrainz root
        self._thread: threading.Thread | None = None
        if background:
            self._thread = threading.Thread(target=self.httpd.serve_forever,
                                            kwargs={"poll_interval": 0.05},
                                            name=f"lastfm-simulator:{self.port}", daemon=True)
            self._thread.start()

    def close(self) -> None:
        """Stop accepting, cut open connections, release the port and join the thread."""
        self.httpd.stopping.set()
        if self._thread is not None:
            self.httpd.shutdown()
        self.httpd.cut_connections()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
