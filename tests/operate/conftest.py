"""Fixtures for the operate tests: hermetic settings on a temporary data directory, and a webhook on
127.0.0.1 that records every request and answers a chosen status."""

from __future__ import annotations

import http.server
import json
import os
import threading

import pytest

from scrobble_insights.config import build_settings
from support import TEST_KEY


@pytest.fixture(autouse=True)
def private_state_home(tmp_path, monkeypatch):
    """The run log's fallback ($XDG_STATE_HOME) inside tmp_path: never the real home's."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))


@pytest.fixture
def settings_at(tmp_path, monkeypatch):
    """Factory: Settings on tmp_path/data, untouched by the caller's environment, .env or TOML file;
    the run log's fallback is in tmp_path too (private_state_home)."""
    for name in list(os.environ):
        if name.startswith(("SCROBBLE_INSIGHTS_", "LASTFM_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)

    def make(**overrides):
        values = dict(data_dir=tmp_path / "data", lastfm_api_key=TEST_KEY, lastfm_api_url="http://127.0.0.1:9/2.0/")
        values.update(overrides)
        return build_settings(**values)

    return make


class Webhook:
    """Records (method, path, headers, JSON body) of each request; answers `status`."""

    def __init__(self) -> None:
        self.status = 204
        self.received: list[tuple[str, str, dict, dict]] = []
        hook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                hook.received.append(("POST", self.path, dict(self.headers), body))
                self.send_response(hook.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        # A Slack-like URL: the token in the path is the secret that must never be written down.
        self.token = "T0SECRET/B0SECRET/xoxb-0123456789abcdef"
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/services/{self.token}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def webhook():
    hook = Webhook()
    yield hook
    hook.close()
